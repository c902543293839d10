"""Progress arithmetic: exact (Decimal), 0 at the baseline, 1 at the target, monotone in the
value, and the same for targets below their baseline."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from indicators.progress import expected_share, is_decreasing, percent, progress_share

D = Decimal
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert progress_share(D(5000), D(8000), D(2000)) == D("0.5")
    assert progress_share(D(1400), D(2000)) == D("0.7")  # no baseline: counted from 0


def test_progress_is_exact_decimal_to_four_places():
    share = progress_share(D(1), D(3))
    assert isinstance(share, Decimal) and share == D("0.3333")


def test_progress_beyond_the_target_is_above_one_and_below_the_baseline_is_zero():
    assert progress_share(D(9000), D(8000), D(4000)) == D("1.25")
    assert progress_share(D(3000), D(8000), D(4000)) == D(0)


def test_progress_is_unknown_without_a_value_or_a_target():
    assert progress_share(None, D(8000)) is None
    assert progress_share(D(10), None) is None


def test_a_falling_target_counts_moving_down_as_progress():
    assert is_decreasing(D(2), D(10))
    assert progress_share(D(6), D(2), D(10)) == D("0.5")
    assert progress_share(D(12), D(2), D(10)) == D(0)


def test_target_equal_to_baseline_is_reached_or_not():
    assert progress_share(D(90), D(90), D(90)) == D(1)
    assert progress_share(D(80), D(90), D(90)) == D(0)


def test_expected_share_follows_the_calendar_from_baseline_to_target_year():
    assert expected_share(2023, 2020, 2025) == D("0.6")
    assert expected_share(2027, 2020, 2025) == D(1)
    assert expected_share(2023, None, 2025) is None


def test_percent_text():
    assert percent(D("0.4567")) == "45.7%"
    assert percent(None) == "—"


@given(baseline=amounts, target=amounts)
def test_zero_at_baseline_and_one_at_target(baseline, target):
    assume(baseline != target)
    assert progress_share(baseline, target, baseline) == 0
    assert progress_share(target, target, baseline) == 1


@given(baseline=amounts, target=amounts, a=amounts, b=amounts)
def test_progress_is_monotone_in_the_value(baseline, target, a, b):
    low, high = min(a, b), max(a, b)
    p_low, p_high = progress_share(low, target, baseline), progress_share(high, target, baseline)
    if target >= baseline:
        assert p_low <= p_high  # rising indicator: more is better
    else:
        assert p_low >= p_high  # falling indicator: less is better


@given(baseline=amounts, target=amounts, value=amounts)
def test_progress_is_never_negative(baseline, target, value):
    assert progress_share(value, target, baseline) >= 0
