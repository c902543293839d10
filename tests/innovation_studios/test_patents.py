"""Chinese patent numbers: the 12-digit application number (since 2003) and the old 8-digit one,
each with its check digit; typed with or without ZL, spaces, the dot, in full width; stored in
one normalised form. Pure functions: no app, no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from innovation_studios.achievements.patents import (
    InvalidPatentNumber,
    PatentNumber,
    check_digit,
    check_patent_number,
    normalize_patent_number,
)

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize("digits, check", [
    ("201710601862", "3"),   # worked example: (2·2+0·3+1·4+7·5+1·6+0·7+6·8+0·9+1·2+8·3+6·4+2·5) mod 11 = 3
    ("97101765", "4"),       # old form, weights 2..9
    ("95115608", "X"),       # remainder 10 is written X
])
def test_check_digit_is_the_weighted_sum_modulo_11_with_x_for_ten(digits, check):
    assert check_digit(digits) == check


@pytest.mark.parametrize("typed", [
    "ZL201710601862.3", "201710601862.3", "2017 1 0601862.3", "ZL 2017 1 0601862.3", "zl201710601862.3",
    "2017106018623", "ZL2017106018623", "ＺＬ２０１７１０６０１８６２．３", "ZL:201710601862.3", " 201710601862.3 ",
    "2017-1-0601862.3",
])
def test_every_usual_way_of_typing_the_number_gives_one_stored_form(typed):
    assert normalize_patent_number(typed, TODAY) == "201710601862.3"


def test_the_old_eight_digit_form_and_a_lower_case_x_are_accepted():
    assert normalize_patent_number("ZL95115608.x", TODAY) == "95115608.X"
    assert normalize_patent_number("97 1 01765.4", TODAY) == "97101765.4"
    patent = check_patent_number("97101765.4", TODAY)
    assert (patent.year, patent.type_code, patent.serial) == (1997, "1", "01765")


def test_the_parts_of_a_number_are_read_from_it():
    patent = check_patent_number("ZL201710601862.3", TODAY)
    assert (patent.year, patent.type_code, patent.serial, patent.check) == (2017, "1", "0601862", "3")
    assert str(patent.type_label) == "发明专利"
    assert patent.patent_number == "ZL201710601862.3"
    assert patent.display == "2017 1 0601862.3"


@pytest.mark.parametrize("typed, message", [
    ("201710601862.4", "校验位错误"),
    ("ZL95115608.1", "校验位错误"),
    ("201710601862", "缺少最后的校验位"),
    ("201710601862.", "缺少最后的校验位"),
    ("2017106018", "当前为 10 位数字"),
    ("ZL2017A0601862.3", "格式应为"),
    ("", "请填写专利号"),
    ("ZL", "请填写专利号"),
    ("203010601862.X", "申请年份 2030 无效"),   # the future
    ("200210601862.9", "申请年份 2002 无效"),   # the 12-digit form began in 2003
    ("04101765.5", "年份“04”无效"),             # the 8-digit form ended in 2003
    ("201750601862.7", "应为 1、2、3、8 或 9"),
    ("201710000000.9", "流水号不能全为 0"),
])
def test_bad_numbers_are_refused_with_a_message_that_says_what_is_wrong(typed, message):
    with pytest.raises(InvalidPatentNumber, match=message):
        check_patent_number(typed, TODAY)


def test_the_message_for_a_wrong_check_digit_does_not_give_the_right_one_away():
    with pytest.raises(InvalidPatentNumber) as refused:
        check_patent_number("201710601862.4", TODAY)
    assert "3" not in str(refused.value)


# Properties -------------------------------------------------------------------------------

long_numbers = st.builds(
    lambda year, kind, serial: f"{year}{kind}{serial:07d}",
    st.integers(2003, 2026), st.sampled_from("12389"), st.integers(1, 9_999_999))
short_numbers = st.builds(
    lambda yy, kind, serial: f"{yy:02d}{kind}{serial:05d}",
    st.sampled_from([*range(85, 100), 0, 1, 2, 3]), st.sampled_from("12389"), st.integers(1, 99_999))
digits = st.one_of(long_numbers, short_numbers)


@given(digits)
def test_a_number_with_its_own_check_digit_is_valid_and_round_trips(number):
    stored = normalize_patent_number(f"{number}.{check_digit(number)}", TODAY)
    assert stored == f"{number}.{check_digit(number)}"
    assert normalize_patent_number("ZL" + stored, TODAY) == stored
    assert normalize_patent_number(stored.replace(".", ""), TODAY) == stored
    assert normalize_patent_number(" ".join(stored), TODAY) == stored


@given(digits, st.sampled_from("0123456789X"))
def test_any_other_check_digit_is_refused(number, check):
    assume(check != check_digit(number))
    with pytest.raises(InvalidPatentNumber, match="校验位错误"):
        check_patent_number(f"ZL{number}.{check}", TODAY)


@given(long_numbers, st.integers(5, 11), st.integers(1, 9))
def test_a_single_mistyped_serial_digit_is_caught(number, position, shift):
    """Weights 2..9 are all prime to 11, so changing one digit always changes the check digit."""
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    assume(int(changed[5:]) != 0)
    with pytest.raises(InvalidPatentNumber, match="校验位错误"):
        check_patent_number(f"{changed}.{check_digit(number)}", TODAY)


@given(st.text(max_size=30))
def test_any_text_is_either_refused_with_a_message_or_normalised(text):
    try:
        patent = check_patent_number(text, TODAY)
    except InvalidPatentNumber as refused:
        assert str(refused)
    else:
        assert isinstance(patent, PatentNumber)
        assert patent.normalized == f"{patent.digits}.{patent.check}"
        assert check_digit(patent.digits) == patent.check
