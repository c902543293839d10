"""The competition road's arithmetic (craftsmen.selection_route.ranking), without a database:
combined scores on the 0-100 scale, ties, the quota and the stated minimum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from craftsmen.selection_route import ranking

D = Decimal
scores = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
weights = st.integers(min_value=0, max_value=100).map(lambda w: (D(w), D(100 - w)))


@given(final=scores, panel=scores, split=weights)
def test_combined_score_lies_between_its_two_scores(final, panel, split):
    combined = ranking.combined_score(final, panel, *split)
    assert min(final, panel) <= combined <= max(final, panel)
    assert combined == combined.quantize(D("0.01"))


@given(score=scores, split=weights)
def test_equal_scores_combine_to_themselves(score, split):
    assert ranking.combined_score(score, score, *split) == score


@given(final=scores, panel=scores)
def test_full_weight_on_one_side_is_that_side(final, panel):
    assert ranking.combined_score(final, panel, D(100), D(0)) == final
    assert ranking.combined_score(final, panel, D(0), D(100)) == panel


@given(final=scores, panel=scores, split=weights)
def test_combined_score_rounds_half_up_once(final, panel, split):
    exact = (final * split[0] + panel * split[1]) / 100
    combined = ranking.combined_score(final, panel, *split)
    assert abs(combined - exact) <= D("0.005")


def test_seventy_thirty_example():
    assert ranking.combined_score(D("92.5"), D("79.3"), D(70), D(30)) == D("88.54")


@given(a=st.integers(0, 100), b=st.integers(0, 100))
def test_weights_not_summing_to_100_are_refused(a, b):
    if a + b == 100:
        ranking.check_weights(D(a), D(b))
    else:
        with pytest.raises(ranking.WeightError):
            ranking.check_weights(D(a), D(b))


finalists = st.lists(st.tuples(scores, scores), min_size=1, max_size=12)


@given(entries=finalists, split=weights)
def test_combined_ranking_is_ordered_and_ties_share_a_place(entries, split):
    people = [ranking.Finalist(key=i, final=f, final_rank=0, panel=p) for i, (f, p) in enumerate(entries)]
    ranked = ranking.rank_combined(people, *split)
    assert len(ranked) == len(people)
    for before, after in zip(ranked, ranked[1:], strict=False):
        assert (before.score, before.tie_break) >= (after.score, after.tie_break)
        if (before.score, before.tie_break) == (after.score, after.tie_break):
            assert before.rank == after.rank
        else:
            assert after.rank == ranked.index(after) + 1


@given(entries=finalists)
def test_equal_combined_scores_go_to_the_better_final_score(entries):
    people = [ranking.Finalist(key=i, final=f, final_rank=0, panel=p) for i, (f, p) in enumerate(entries)]
    ranked = ranking.rank_combined(people, D(50), D(50))
    by_key = {r.key: r for r in ranked}
    for one in people:
        for other in people:
            a, b = by_key[one.key], by_key[other.key]
            if a.score == b.score and ranking.official(one.final) > ranking.official(other.final):
                assert a.rank < b.rank


def test_competition_ranking_keeps_the_finals_order_and_shared_places():
    people = [ranking.Finalist("甲", D("88"), 2), ranking.Finalist("乙", D("88"), 1),
              ranking.Finalist("丙", D("70"), 3), ranking.Finalist("丁", D("70"), 3)]
    ranked = ranking.rank_competition(people)
    assert [(r.key, r.rank) for r in ranked] == [("乙", 1), ("甲", 2), ("丙", 3), ("丁", 3)]


@given(totals=st.lists(scores, min_size=1, max_size=15), quota=st.integers(1, 8),
       minimum=st.one_of(st.none(), scores))
def test_list_is_within_quota_above_minimum_unless_a_tie_straddles_the_line(totals, quota, minimum):
    people = [ranking.Finalist(key=i, final=t, final_rank=1) for i, t in enumerate(totals)]
    cut = ranking.cut(ranking.rank_competition(people), quota, minimum)
    assert all(minimum is None or r.score >= minimum for r in cut.proposed)
    assert all(r.score < minimum for r in cut.below_minimum)
    assert len(cut.proposed) + len(cut.below_minimum) + len(cut.outside) == len(people)
    if cut.overflows:
        assert len(cut.proposed) > quota and len({r.rank for r in cut.boundary_tie}) == 1
    else:
        assert len(cut.proposed) <= quota


def test_advancing_takes_the_top_n_reaching_the_minimum_and_a_shared_last_place_together():
    results = [("a", D(90), 1), ("b", D(80), 2), ("c", D(80), 2), ("d", D(50), 4)]
    assert ranking.advancing(results, 2, None) == ["a", "b", "c"]
    assert ranking.advancing(results, 4, D(60)) == ["a", "b", "c"]
