"""The arithmetic of a competition-route occupation's proposed list, on plain values.

* **Scale**: the final's total and the panel's score are both on 0-100.
* **Competition only**: the score is the final's total; equal totals keep the final's own
  order (its tie-break keys, passed in as the final's rank), and a place the final shared
  stays shared.
* **Combined** (多模块组合综合比评): ``(final × competition weight + panel × panel weight) / 100``,
  the weights adding up to 100, rounded half-up to two decimals once (the stated rounding
  rule of the whole road); equal combined scores are ordered by the final's total, then the
  panel's score; still equal, they share the place ("1, 1, 3").
* **List**: places ``1..quota`` whose score reaches the stated minimum are proposed; a shared
  place that starts inside the quota and runs past it is reported for a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from core.review_panels import scoring

K = TypeVar("K")

HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")


class WeightError(ValueError):
    """Weights that cannot combine two scores (not 0-100, or not adding up to 100)."""


def check_weights(competition_weight: Decimal, panel_weight: Decimal) -> None:
    for weight in (competition_weight, panel_weight):
        if not Decimal(0) <= weight <= HUNDRED:
            raise WeightError("权重应在 0 到 100 之间")
    if competition_weight + panel_weight != HUNDRED:
        raise WeightError(f"竞赛成绩与评审成绩的权重之和应为 100（现为 {competition_weight + panel_weight}）")


def official(value: Decimal) -> Decimal:
    """The rounding rule: half-up to two decimals, applied once to the final figure."""
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def combined_score(final: Decimal, panel: Decimal, competition_weight: Decimal,
                   panel_weight: Decimal) -> Decimal:
    """The combined score of one finalist on the 0-100 scale."""
    check_weights(competition_weight, panel_weight)
    for score in (final, panel):
        if not Decimal(0) <= score <= HUNDRED:
            raise ValueError("成绩应在 0 到 100 之间")
    return official((final * competition_weight + panel * panel_weight) / HUNDRED)


@dataclass(frozen=True)
class Finalist:
    key: object
    final: Decimal               # the final's total, 0-100
    final_rank: int              # the final's place (its tie-break keys already applied)
    panel: Decimal | None = None  # the panel's official score, combined route only


def rank_competition(finalists: Sequence[Finalist]) -> list[scoring.Ranked]:
    """Competition only: by the final's total, then its own order; its shared places stay."""
    return scoring.rank((f.key, official(f.final), (-f.final_rank,)) for f in finalists)


def rank_combined(finalists: Sequence[Finalist], competition_weight: Decimal,
                  panel_weight: Decimal) -> list[scoring.Ranked]:
    """Combined: by the weighted score, then the final's total, then the panel's score."""
    return scoring.rank(
        (f.key, combined_score(f.final, f.panel, competition_weight, panel_weight),
         (official(f.final), official(f.panel))) for f in finalists)


@dataclass(frozen=True)
class ListCut:
    proposed: tuple[scoring.Ranked, ...]
    below_minimum: tuple[scoring.Ranked, ...]
    outside: tuple[scoring.Ranked, ...]
    boundary_tie: tuple[scoring.Ranked, ...]

    @property
    def overflows(self) -> bool:
        return bool(self.boundary_tie)


def cut(ranked: Sequence[scoring.Ranked], quota: int, minimum: Decimal | None) -> ListCut:
    """Who is proposed: within the quota (ties reported) and at or above the minimum."""
    reaching = [r for r in ranked if minimum is None or r.score >= minimum]
    below = tuple(r for r in ranked if minimum is not None and r.score < minimum)
    quota_cut = scoring.cut_at_quota(reaching, quota)
    return ListCut(proposed=quota_cut.within, below_minimum=below, outside=quota_cut.outside,
                   boundary_tie=quota_cut.boundary_tie)


def advancing(results: Sequence[tuple[K, Decimal, int | None]], top_n: int,
              minimum: Decimal | None) -> list[K]:
    """The qualifier's advancing keys from ``(key, total, rank)``: places ``1..top_n`` (a shared
    last place advances together) whose total reaches the minimum."""
    return [key for key, total, rank in results
            if rank is not None and rank <= top_n and (minimum is None or total >= minimum)]
