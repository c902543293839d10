"""Rubric arithmetic as pure functions over Decimals, with no database.

Error messages are lazy translations.

Rounding rule (stated once): an expert's sheet total keeps full precision (the database keeps
four decimals); the panel's aggregate is then rounded half-up to two decimals, *once*, by
:func:`official`, and that official figure is what is stored, shown and ranked. Two
candidates whose official figures are equal are tied, whatever lies beyond the second
decimal: nobody has to explain a ranking the published figures do not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from flask_babel import lazy_gettext as _l

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)

#: With this many scores or more, the highest and the lowest are dropped before averaging.
TRIM_THRESHOLD = 5


class RubricError(ValueError):
    """A rubric or a score sheet that breaks the rules."""


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: Decimal  # percent of the total; all weights add up to 100


@dataclass(frozen=True)
class Rubric:
    """Criteria with weights adding up to 100; each criterion scored from 0 to ``max_score``.

    The order of the criteria matters: the first one breaks ties in a ranking.
    """

    criteria: tuple[Criterion, ...]
    max_score: Decimal = HUNDRED

    @classmethod
    def from_data(cls, data: Mapping) -> Rubric:
        criteria = tuple(
            Criterion(key=str(c["key"]), name=str(c["name"]), weight=Decimal(str(c["weight"])))
            for c in data.get("criteria", [])
        )
        rubric = cls(criteria=criteria, max_score=Decimal(str(data.get("max_score", 100))))
        rubric.check()
        return rubric

    def to_data(self) -> dict:
        return {"max_score": str(self.max_score),
                "criteria": [{"key": c.key, "name": c.name, "weight": str(c.weight)}
                             for c in self.criteria]}

    def check(self) -> None:
        if not self.criteria:
            raise RubricError(_l("评分细则至少要有一项指标"))
        keys = [c.key for c in self.criteria]
        if len(set(keys)) != len(keys):
            raise RubricError(_l("评分指标不能重复"))
        if any(c.weight <= 0 for c in self.criteria):
            raise RubricError(_l("每项指标的权重必须大于 0"))
        total = sum((c.weight for c in self.criteria), Decimal(0))
        if total != HUNDRED:
            raise RubricError(_l("各项指标权重之和应为 100，当前为 %(total)s", total=total))
        if self.max_score <= 0:
            raise RubricError(_l("满分必须大于 0"))

    @property
    def first(self) -> Criterion:
        """The criterion that breaks ties (the first one listed)."""
        return self.criteria[0]

    def total(self, marks: Mapping[str, Decimal]) -> Decimal:
        """The weighted total on a 0-100 scale for one expert's marks."""
        missing = [c.name for c in self.criteria if c.key not in marks]
        if missing:
            raise RubricError(_l("缺少以下指标的评分：%(names)s", names="、".join(missing)))
        total = Decimal(0)
        for c in self.criteria:
            mark = Decimal(marks[c.key])
            if not Decimal(0) <= mark <= self.max_score:
                raise RubricError(_l("“%(name)s”的评分应在 0 到 %(max)s 之间", name=c.name, max=self.max_score))
            total += mark * c.weight / self.max_score
        return total


DEFAULT_CRAFTSMAN_RUBRIC = {
    "max_score": "100",
    "criteria": [
        {"key": "skill", "name": "技艺技能", "weight": "40"},
        {"key": "innovation", "name": "创新成果", "weight": "30"},
        {"key": "contribution", "name": "贡献价值", "weight": "20"},
        {"key": "legacy", "name": "精神传承", "weight": "10"},
    ],
}


def aggregate(totals: Sequence[Decimal]) -> Decimal | None:
    """The panel's score: with 5 or more, drop one highest and one lowest, then the mean.

    Exact (no rounding); None when there is nothing to average.
    """
    values = sorted(Decimal(t) for t in totals)
    if not values:
        return None
    if len(values) >= TRIM_THRESHOLD:
        values = values[1:-1]
    return sum(values, Decimal(0)) / len(values)


def official(value: Decimal | None) -> Decimal | None:
    """The published figure: half-up to two decimals (see the module's rounding rule)."""
    if value is None:
        return None
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def spread(totals: Sequence[Decimal]) -> Decimal:
    """Highest minus lowest total (0 for fewer than two)."""
    values = [Decimal(t) for t in totals]
    return max(values) - min(values) if len(values) > 1 else Decimal(0)


def disagrees(totals: Sequence[Decimal], threshold: Decimal) -> bool:
    """Experts disagree widely when the spread of their totals exceeds ``threshold``."""
    return spread(totals) > Decimal(threshold)


def display(value: Decimal | None) -> str:
    """Round half-up to two decimals for display."""
    if value is None:
        return "—"
    return str(official(value))


K = TypeVar("K")


@dataclass(frozen=True)
class Ranked(Generic[K]):
    key: K
    score: Decimal
    tie_break: tuple
    rank: int  # 1-based; equal scores and tie-break keys share a rank


def rank(entries: Iterable[tuple[K, Decimal | None, tuple]]) -> list[Ranked[K]]:
    """Rank ``(key, score, tie_break)`` entries, best first ("1, 1, 3" for a shared first place).

    Higher score first; equal scores are ordered by ``tie_break`` (a tuple compared
    descending, e.g. the score on the first criterion); entries equal on both share a rank.
    Entries without a score are left out. Scores are compared exactly as given: pass
    :func:`official` figures to rank on what is published.
    """
    scored = [(k, Decimal(s), tuple(t)) for k, s, t in entries if s is not None]
    scored.sort(key=lambda e: (e[1], e[2]), reverse=True)  # stable: equal entries keep input order
    result: list[Ranked[K]] = []
    previous = None
    for position, (key, score, tie) in enumerate(scored, start=1):
        current_rank = result[-1].rank if previous == (score, tie) else position
        result.append(Ranked(key=key, score=score, tie_break=tie, rank=current_rank))
        previous = (score, tie)
    return result


@dataclass(frozen=True)
class QuotaCut:
    """Who is within a quota, and the tied group that straddles it (if any)."""

    within: tuple[Ranked, ...]   # ranks up to the quota; longer than the quota when tied
    outside: tuple[Ranked, ...]
    boundary_tie: tuple[Ranked, ...]  # the group sharing the last place within, when it overflows

    @property
    def overflows(self) -> bool:
        return bool(self.boundary_tie)


def cut_at_quota(ranked: Sequence[Ranked], quota: int) -> QuotaCut:
    """Split a ranking at ``quota`` places.

    Entries ranked ``<= quota`` are within. When a shared place starts inside the quota and
    runs past it, every member of that group is within (so ``within`` is longer than the
    quota) and the group is reported as ``boundary_tie`` for someone to decide.
    """
    within = tuple(r for r in ranked if r.rank <= quota)
    outside = tuple(r for r in ranked if r.rank > quota)
    tie: tuple[Ranked, ...] = ()
    if len(within) > quota:
        last = within[-1].rank
        tie = tuple(r for r in within if r.rank == last)
    return QuotaCut(within=within, outside=outside, boundary_tie=tie)
