"""The expert-panel arithmetic, pure: trimmed mean, spread, weighted totals, ranking and the
quota cut. Property-based (hypothesis) where a property says more than an example."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.review_panels import scoring

D = Decimal
marks = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
score_lists = st.lists(marks, min_size=1, max_size=12)
many_scores = st.lists(marks, min_size=scoring.TRIM_THRESHOLD, max_size=12)
few_scores = st.lists(marks, min_size=1, max_size=scoring.TRIM_THRESHOLD - 1)


def _mean(values) -> Decimal:
    return sum(values, D(0)) / len(values)


# Aggregation -----------------------------------------------------------------------------------

def test_fewer_than_five_scores_are_simply_averaged():
    assert scoring.aggregate([D(80), D(90), D(70), D(100)]) == D(85)


def test_five_scores_drop_one_highest_and_one_lowest():
    assert scoring.aggregate([D(60), D(80), D(81), D(82), D(99)]) == D(81)


def test_only_one_of_several_equal_extremes_is_dropped():
    # two 90s at the top, two 70s at the bottom: one of each goes, the other stays
    assert scoring.aggregate([D(90), D(90), D(80), D(70), D(70)]) == _mean([D(90), D(80), D(70)])


def test_no_scores_no_aggregate():
    assert scoring.aggregate([]) is None


@given(many_scores)
def test_five_or_more_drop_exactly_one_max_and_one_min(scores):
    ordered = sorted(scores)
    assert scoring.aggregate(scores) == _mean(ordered[1:-1])


@given(few_scores)
def test_fewer_than_five_is_the_plain_mean(scores):
    assert scoring.aggregate(scores) == _mean(scores)


@given(score_lists)
def test_aggregate_lies_between_the_lowest_and_highest_score(scores):
    assert min(scores) <= scoring.aggregate(scores) <= max(scores)


@given(score_lists, st.randoms(use_true_random=False))
def test_aggregate_does_not_depend_on_the_order_of_scores(scores, rnd):
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    assert scoring.aggregate(shuffled) == scoring.aggregate(scores)


@given(marks, st.integers(min_value=1, max_value=12))
def test_equal_scores_aggregate_to_that_score(mark, count):
    assert scoring.aggregate([mark] * count) == mark


@given(st.lists(marks, min_size=1, max_size=scoring.TRIM_THRESHOLD - 2))
def test_adding_a_score_equal_to_the_mean_keeps_the_mean_below_five(scores):
    """Exactly when the mean terminates; to the published two decimals always."""
    mean = scoring.aggregate(scores)
    assert scoring.official(scoring.aggregate([*scores, mean])) == scoring.official(mean)
    exact = [D(80), D(90)]
    assert scoring.aggregate([*exact, scoring.aggregate(exact)]) == D(85)


@given(many_scores, marks)
def test_with_five_or_more_one_outlier_cannot_move_the_aggregate_beyond_the_others(scores, outlier):
    """Raising the top score, however far, leaves the trimmed mean unchanged."""
    ordered = sorted(scores)
    raised = [*ordered[:-1], max(ordered[-1], outlier) + D(1000)]
    assert scoring.aggregate(raised) == scoring.aggregate(ordered)


def test_official_figure_rounds_half_up_to_two_decimals():
    assert scoring.official(D("85.665")) == D("85.67")
    assert scoring.official(D("85.664999")) == D("85.66")
    assert scoring.official(D(256) / D(3)) == D("85.33")
    assert scoring.official(None) is None
    assert scoring.display(D("85.005")) == "85.01"
    assert scoring.display(None) == "—"


# Spread and disagreement ------------------------------------------------------------------------

@given(score_lists)
def test_spread_is_highest_minus_lowest_and_never_negative(scores):
    spread = scoring.spread(scores)
    assert spread >= 0
    assert spread == (max(scores) - min(scores) if len(scores) > 1 else 0)


def test_disagreement_is_a_spread_strictly_above_the_threshold():
    assert not scoring.disagrees([D(70), D(85)], D(15))
    assert scoring.disagrees([D(70), D("85.01")], D(15))
    assert not scoring.disagrees([D(10)], D(1))


# Weighted totals ---------------------------------------------------------------------------------

RUBRIC = scoring.Rubric.from_data(scoring.DEFAULT_CRAFTSMAN_RUBRIC)


@given(st.fixed_dictionaries({c.key: marks for c in RUBRIC.criteria}))
def test_weighted_total_stays_within_0_and_100(sheet):
    total = RUBRIC.total(sheet)
    assert D(0) <= total <= D(100)
    assert isinstance(total, Decimal)


@given(marks)
def test_equal_marks_on_every_criterion_give_that_total(mark):
    assert RUBRIC.total({c.key: mark for c in RUBRIC.criteria}) == mark


def test_weighted_total_on_a_rubric_scored_out_of_ten():
    rubric = scoring.Rubric.from_data({"max_score": "10", "criteria": [
        {"key": "a", "name": "甲", "weight": "60"}, {"key": "b", "name": "乙", "weight": "40"}]})
    assert rubric.total({"a": D(10), "b": D(5)}) == D(80)


@pytest.mark.parametrize("sheet, message", [
    ({"skill": D(101), "innovation": D(0), "contribution": D(0), "legacy": D(0)}, "0 到 100"),
    ({"skill": D(-1), "innovation": D(0), "contribution": D(0), "legacy": D(0)}, "0 到 100"),
    ({"skill": D(50)}, "缺少以下指标的评分"),
])
def test_a_sheet_out_of_range_or_incomplete_is_refused(sheet, message):
    with pytest.raises(scoring.RubricError, match=message):
        RUBRIC.total(sheet)


@pytest.mark.parametrize("data, message", [
    ({"criteria": []}, "至少要有一项"),
    ({"criteria": [{"key": "a", "name": "甲", "weight": "50"}, {"key": "a", "name": "乙", "weight": "50"}]},
     "不能重复"),
    ({"criteria": [{"key": "a", "name": "甲", "weight": "60"}, {"key": "b", "name": "乙", "weight": "30"}]},
     "之和应为 100"),
    ({"criteria": [{"key": "a", "name": "甲", "weight": "100"}, {"key": "b", "name": "乙", "weight": "0"}]},
     "大于 0"),
])
def test_bad_rubrics_are_refused(data, message):
    with pytest.raises(scoring.RubricError, match=message):
        scoring.Rubric.from_data(data)


# Ranking -------------------------------------------------------------------------------------

def test_equal_scores_are_ordered_by_the_tie_break_then_share_a_place():
    ranked = scoring.rank([
        ("a", D("85.00"), (D(80),)), ("b", D("90.00"), (D(70),)), ("c", D("85.00"), (D(90),)),
        ("d", D("85.00"), (D(80),)), ("e", D("70.00"), (D(99),)), ("f", None, (D(0),)),
    ])
    assert [(r.key, r.rank) for r in ranked] == [("b", 1), ("c", 2), ("a", 3), ("d", 3), ("e", 5)]


entries = st.lists(
    st.tuples(st.sampled_from([D(80), D(85), D(90), D("85.5")]), st.sampled_from([D(1), D(2), D(3)])),
    min_size=0, max_size=15)


@given(entries)
def test_rank_is_one_plus_the_number_strictly_ahead(items):
    ranked = scoring.rank((i, score, (tie,)) for i, (score, tie) in enumerate(items))
    assert len(ranked) == len(items)
    for r in ranked:
        ahead = sum((s, t) > (r.score, r.tie_break[0]) for s, t in items)
        assert r.rank == ahead + 1


@given(entries)
def test_ranking_order_is_by_score_then_tie_break(items):
    ranked = scoring.rank((i, score, (tie,)) for i, (score, tie) in enumerate(items))
    keys = [(r.score, r.tie_break) for r in ranked]
    assert keys == sorted(keys, reverse=True)
    ranks = [r.rank for r in ranked]
    assert ranks == sorted(ranks)
    for a, b in zip(ranked, ranked[1:], strict=False):
        assert (a.rank == b.rank) == ((a.score, a.tie_break) == (b.score, b.tie_break))


@given(entries, st.integers(min_value=1, max_value=6))
def test_quota_cut_takes_places_up_to_the_quota_and_reports_a_straddling_tie(items, quota):
    ranked = scoring.rank((i, score, (tie,)) for i, (score, tie) in enumerate(items))
    cut = scoring.cut_at_quota(ranked, quota)
    assert list(cut.within) + list(cut.outside) == ranked
    assert all(r.rank <= quota for r in cut.within)
    assert all(r.rank > quota for r in cut.outside)
    if len(ranked) >= quota and not cut.overflows:
        assert len(cut.within) == quota
    if cut.overflows:
        assert len(cut.within) > quota
        assert {r.rank for r in cut.boundary_tie} == {cut.within[-1].rank}
        assert cut.boundary_tie[0].rank <= quota < cut.boundary_tie[0].rank + len(cut.boundary_tie) - 1


def test_a_tie_at_the_quota_line_is_reported():
    ranked = scoring.rank([("a", D(90), ()), ("b", D(85), ()), ("c", D(85), ()), ("d", D(80), ())])
    cut = scoring.cut_at_quota(ranked, 2)
    assert [r.key for r in cut.within] == ["a", "b", "c"]
    assert [r.key for r in cut.boundary_tie] == ["b", "c"]
    assert [r.key for r in cut.outside] == ["d"]


def test_a_tie_entirely_inside_the_quota_is_no_problem():
    ranked = scoring.rank([("a", D(90), ()), ("b", D(90), ()), ("c", D(80), ())])
    cut = scoring.cut_at_quota(ranked, 2)
    assert not cut.overflows
    assert [r.key for r in cut.within] == ["a", "b"]
