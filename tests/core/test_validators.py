"""Chinese identifiers: resident ID numbers (GB 11643), unified social credit codes
(GB 32100), mobile numbers, occupation codes; and masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.validators import (
    USCC_ALPHABET,
    InvalidIdentifier,
    check_id_number,
    check_mobile,
    check_occupation_code,
    check_uscc,
    id_number_check_char,
    mask_id_number,
    mask_mobile,
    uscc_check_char,
)

# Published examples: the GB 11643 sample number, and a real enterprise's credit code.
KNOWN_ID = "11010519491231002X"
KNOWN_USCC = "91350100M000100Y43"


def test_known_id_number_is_valid_and_reveals_birth_date_and_gender():
    resident = check_id_number(KNOWN_ID)
    assert resident.birth_date == date(1949, 12, 31)
    assert resident.gender == "female"
    assert resident.region_code == "110105"


def test_lower_case_x_is_accepted_and_normalised():
    assert check_id_number(KNOWN_ID.lower()).number == KNOWN_ID


@pytest.mark.parametrize("value, message", [
    ("11010519491231002", "18 位"),
    ("1101051949123100211", "18 位"),
    ("11010519491231002Y", "数字"),
    ("110105194912310021", "校验位"),
    ("110105194902300027", "出生日期"),
    ("110105209912310021", "出生日期"),
    ("", "18 位"),
])
def test_bad_id_numbers_are_refused_with_a_reason(app, value, message):
    with app.test_request_context(), pytest.raises(InvalidIdentifier, match=message):
        check_id_number(value)


@st.composite
def id_numbers(draw):
    birth = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    first17 = draw(st.sampled_from(["110105", "110108", "310101", "440305"])) + \
        birth.strftime("%Y%m%d") + draw(st.from_regex(r"\A[0-9]{3}\Z"))
    return first17 + id_number_check_char(first17)


@given(id_numbers())
def test_any_number_with_its_check_char_is_valid(number):
    resident = check_id_number(number)
    assert resident.gender == ("male" if int(number[16]) % 2 else "female")


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_changing_any_single_digit_breaks_the_check(app, number, position, delta):
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    with app.test_request_context():
        try:
            check_id_number(changed)
        except InvalidIdentifier:
            return
    pytest.fail(f"{changed} should not pass the check")


def test_known_credit_code_is_valid():
    assert check_uscc(KNOWN_USCC.lower()) == KNOWN_USCC


@pytest.mark.parametrize("value, message", [
    ("91350100M000100Y4", "18 位"),
    ("91350100M000100Y44", "校验位"),
    ("91350100M00010OY43", "无效字符"),
    ("9135010AM000100Y43", "无效字符"),
])
def test_bad_credit_codes_are_refused_with_a_reason(app, value, message):
    with app.test_request_context(), pytest.raises(InvalidIdentifier, match=message):
        check_uscc(value)


@given(st.text(alphabet=USCC_ALPHABET, min_size=10, max_size=10),
       st.from_regex(r"\A[0-9]{6}\Z"))
def test_any_credit_code_with_its_check_char_is_valid(body, region):
    first17 = "91" + region + "0" + body[:8] + body[8]
    first17 = first17[:17]
    assert check_uscc(first17 + uscc_check_char(first17)) == first17 + uscc_check_char(first17)


@pytest.mark.parametrize("value, expected", [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("199 1234 5678", "19912345678"),
])
def test_mobile_numbers_are_normalised(value, expected):
    assert check_mobile(value) == expected


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "010-62345678", ""])
def test_bad_mobile_numbers_are_refused(app, value):
    with app.test_request_context(), pytest.raises(InvalidIdentifier, match="11 位"):
        check_mobile(value)


def test_occupation_codes_follow_the_national_classification(app):
    assert check_occupation_code("6-18-01-01") == "6-18-01-01"
    with app.test_request_context(), pytest.raises(InvalidIdentifier):
        check_occupation_code("61801")


def test_masking_keeps_region_and_last_four_only():
    assert mask_id_number(KNOWN_ID) == "110105********002X"
    assert mask_mobile("13812345678") == "138****5678"


@pytest.mark.parametrize("value", ["١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "１１０１０５１９４９１２３１００２X"])
def test_non_ascii_digits_are_not_digits_here(app, value):
    with app.test_request_context(), pytest.raises(InvalidIdentifier):
        check_id_number(value)
