"""Skills-competition arithmetic as pure functions over Decimals, with no database.

A marking scheme (as in WorldSkills) has modules (理论知识, 技能操作, 答辩 ...) whose weights
add up to 100, theory at most 30; each module has criteria, and each criterion aspects. An
aspect is either

* **measurement** (测量): one mark from 0 to the aspect's maximum, in steps if the aspect has
  one; entered twice, both entries must agree;
* **judgement** (评价): each of at least 3 judges gives 0, 1, 2 or 3, and the aspect's mark is
  ``max_mark × mean / 3``.

Continuous subjective marks (e.g. an oral defence marked 0-max by a panel) are combined with
:func:`trimmed_mean`: from 5 judges on, one highest and one lowest are dropped (the same rule,
and the same code, as the expert panels of :mod:`core.review_panels.scoring`).

A module's score is ``sum of its aspect marks / sum of its aspects' maxima × module weight``,
so the module scores add up to a total out of 100.

Rounding rule (stated once): all arithmetic is exact Decimal arithmetic (divisions carried to
Decimal's 28 significant digits) and nothing is rounded on the way. A figure is rounded once,
half-up to two decimals, by :func:`official`; that official figure is what is shown
(:func:`display`) and what ranking, awards, honours and standardised scores are computed from,
so that the published figures explain the published places: two contestants whose totals
show the same are equal, whatever lies beyond the second decimal.

Error messages are lazy translations.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate
from typing import NamedTuple, TypeVar

from flask_babel import lazy_gettext as _l

from core.review_panels import scoring as panel_scoring
from core.review_panels.scoring import Ranked

K = TypeVar("K", bound=Hashable)

ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: Continuous subjective marks: from this many on, one highest and one lowest are dropped
#: (the expert panels' rule, kept in one place).
TRIM_THRESHOLD = panel_scoring.TRIM_THRESHOLD

#: The rounding rule: half-up to two decimals, applied once (see the module docstring).
DISPLAY_PLACES = Decimal("0.01")
DISPLAY_ROUNDING = ROUND_HALF_UP

#: Module weights add up to this; theory modules together at most THEORY_MAX_WEIGHT.
WEIGHT_TOTAL = HUNDRED
THEORY_MAX_WEIGHT = Decimal(30)

#: Judgement aspects: each judge scores 0..JUDGEMENT_SCALE (whole numbers), at least MIN_JUDGES.
JUDGEMENT_SCALE = Decimal(3)
MIN_JUDGES = 3
#: Judgement scores further apart than this are flagged for the chief judge.
JUDGEMENT_TOLERANCE = Decimal(1)

#: Standardised scores: the median contestant at STANDARD_CENTRE, one deviation = STANDARD_SPREAD.
STANDARD_CENTRE = Decimal(700)
STANDARD_SPREAD = Decimal(100)
#: The text the results page shows beside the standardised scores.
STANDARDISED_SCORE_FORMULA = _l(
    "标准分 = 700 + 100 × (原始总分 − 本赛项原始总分的中位数) ÷ 本赛项原始总分的标准差"
    "（总体标准差）；全部选手原始总分相同时，标准分均为 700。标准分仅供比较，名次与奖项按原始总分确定。")

#: Equal totals are ordered by these (module kinds or module keys, higher first), then share a place.
DEFAULT_TIE_BREAK: tuple[str, ...] = ("practical",)
#: First, second and third awards as shares of the contestants of an event.
DEFAULT_AWARD_RATIOS: tuple[Decimal, ...] = (Decimal("0.10"), Decimal("0.20"), Decimal("0.30"))

#: Recheck after lock: the top RECHECK_TOP always, and at least RECHECK_RATIO of the rest.
RECHECK_TOP = 10
RECHECK_RATIO = Decimal("0.15")
#: More than this share of rechecked marks wrong: the whole event is rechecked.
FULL_RECHECK_THRESHOLD = Decimal("0.05")


class SchemeError(ValueError):
    """A marking scheme, a mark or a setting that breaks the rules."""


class ModuleKind(StrEnum):
    THEORY = "theory"        # 理论知识
    PRACTICAL = "practical"  # 技能操作
    ORAL = "oral"            # 答辩


class AspectKind(StrEnum):
    MEASUREMENT = "measurement"  # 测量
    JUDGEMENT = "judgement"      # 评价


@dataclass(frozen=True)
class Module:
    key: str
    name: str
    weight: Decimal  # percent of the total
    kind: str        # a ModuleKind


@dataclass(frozen=True)
class Aspect:
    key: str
    module_key: str
    criterion: str
    name: str
    kind: str               # an AspectKind
    max_mark: Decimal
    step: Decimal | None = None  # measurement only: marks are whole multiples of the step


@dataclass(frozen=True)
class MarkingScheme:
    """The modules and aspects of one event, in the order they are shown."""

    modules: tuple[Module, ...]
    aspects: tuple[Aspect, ...]

    def aspects_of(self, module_key: str) -> tuple[Aspect, ...]:
        return tuple(a for a in self.aspects if a.module_key == module_key)

    def module_max(self, module_key: str) -> Decimal:
        """The sum of the maxima of a module's aspects."""
        return sum((a.max_mark for a in self.aspects_of(module_key)), ZERO)


def _decimal(value) -> Decimal:
    """A mark or weight as a Decimal; floats are a programming error, not a user's."""
    if type(value) is Decimal and value.is_finite():  # the usual case, taken as it is
        return value
    if isinstance(value, float):
        raise TypeError("marks and weights are Decimal, never float")
    result = Decimal(value)
    if not result.is_finite():
        raise SchemeError(_l("分数必须是有限的数字"))
    return result


# The rounding rule -------------------------------------------------------------------------------

def official(value: Decimal | None) -> Decimal | None:
    """The published figure: half-up to two decimals (the module's one rounding rule)."""
    if value is None:
        return None
    return _decimal(value).quantize(DISPLAY_PLACES, rounding=DISPLAY_ROUNDING)


def display(value: Decimal | None) -> str:
    """The published figure as text; "—" for no figure."""
    if value is None:
        return "—"
    return str(official(value))


# The marking scheme ----------------------------------------------------------------------------

def validate_scheme(scheme: MarkingScheme, theory_cap: Decimal = THEORY_MAX_WEIGHT) -> None:
    """Raise :class:`SchemeError` unless the scheme is usable.

    Modules: at least one, distinct keys, known kinds, positive weights adding up to exactly
    100, theory modules together at most ``theory_cap`` (30, or an event's lower cap; never
    more than 30). Aspects: distinct keys, each in an existing
    module, known kinds, a positive maximum; a step only on measurement aspects, positive and
    dividing the maximum. Every module has at least one aspect.
    """
    modules = scheme.modules
    if not modules:
        raise SchemeError(_l("评分方案至少要有一个模块"))
    module_keys = [m.key for m in modules]
    if len(set(module_keys)) != len(module_keys):
        raise SchemeError(_l("评分方案中的模块不能重复"))
    for m in modules:
        if m.kind not in set(ModuleKind):
            raise SchemeError(_l("模块“%(name)s”的类型无效", name=m.name))
        if _decimal(m.weight) <= 0:
            raise SchemeError(_l("模块“%(name)s”的权重必须大于 0", name=m.name))
    total = sum((_decimal(m.weight) for m in modules), ZERO)
    if total != WEIGHT_TOTAL:
        raise SchemeError(_l("各模块权重之和应为 100，当前为 %(total)s", total=total))
    cap = _decimal(theory_cap)
    if not ZERO <= cap <= THEORY_MAX_WEIGHT:
        raise SchemeError(_l("理论模块权重上限应在 0 到 30 之间"))
    theory = sum((_decimal(m.weight) for m in modules if m.kind == ModuleKind.THEORY), ZERO)
    if theory > cap:
        raise SchemeError(_l("理论知识模块的权重合计不得超过 %(cap)s，当前为 %(weight)s", cap=cap, weight=theory))

    aspect_keys = [a.key for a in scheme.aspects]
    if len(set(aspect_keys)) != len(aspect_keys):
        raise SchemeError(_l("评分方案中的评分细项不能重复"))
    for a in scheme.aspects:
        if a.module_key not in module_keys:
            raise SchemeError(_l("评分细项“%(name)s”所属的模块不存在", name=a.name))
        if a.kind not in set(AspectKind):
            raise SchemeError(_l("评分细项“%(name)s”的类型无效", name=a.name))
        if _decimal(a.max_mark) <= 0:
            raise SchemeError(_l("评分细项“%(name)s”的满分必须大于 0", name=a.name))
        if a.step is None:
            continue
        if a.kind == AspectKind.JUDGEMENT:
            raise SchemeError(_l("评价类细项“%(name)s”不设步长", name=a.name))
        if _decimal(a.step) <= 0:
            raise SchemeError(_l("评分细项“%(name)s”的步长必须大于 0", name=a.name))
        if a.max_mark % a.step != 0:
            raise SchemeError(_l("评分细项“%(name)s”的满分应为步长的整数倍", name=a.name))
    for m in modules:
        if not scheme.aspects_of(m.key):
            raise SchemeError(_l("模块“%(name)s”至少要有一个评分细项", name=m.name))


# Aspect marks ------------------------------------------------------------------------------------

def check_measurement_mark(aspect: Aspect, mark: Decimal) -> Decimal:
    """The mark, if it lies in ``[0, max_mark]`` and on the aspect's step; else SchemeError."""
    mark = _decimal(mark)
    if not ZERO <= mark <= aspect.max_mark:
        raise SchemeError(_l("“%(name)s”的分数应在 0 到 %(max)s 之间", name=aspect.name, max=aspect.max_mark))
    if aspect.step is not None and mark % aspect.step != 0:
        raise SchemeError(_l("“%(name)s”的分数应为 %(step)s 的整数倍", name=aspect.name, step=aspect.step))
    return mark


def _judgement_score(score: Decimal) -> Decimal:
    score = _decimal(score)
    if score != score.to_integral_value() or not ZERO <= score <= JUDGEMENT_SCALE:
        raise SchemeError(_l("评价分只能是 0、1、2 或 3"))
    return score


def judgement_aspect_mark(max_mark: Decimal, scores: Iterable[Decimal]) -> Decimal:
    """``max_mark × mean(scores) / 3``: the mark of a judgement aspect, in ``[0, max_mark]``.

    Each score is a whole number from 0 to 3; at least 3 judges. Computed with one division.
    """
    values = [_judgement_score(s) for s in scores]
    if len(values) < MIN_JUDGES:
        raise SchemeError(_l("评价类细项至少需要 %(count)s 名裁判评分", count=MIN_JUDGES))
    return _decimal(max_mark) * sum(values, ZERO) / (JUDGEMENT_SCALE * len(values))


def trimmed_mean(marks: Iterable[Decimal]) -> Decimal:
    """Continuous subjective marks combined: from 5 marks on, drop one highest and one lowest
    (only one of several equal extremes), then the mean; fewer than 5 are simply averaged.

    Always between the lowest and the highest mark. Check each mark against its aspect first
    (:func:`check_measurement_mark`).
    """
    result = panel_scoring.aggregate([_decimal(m) for m in marks])
    if result is None:
        raise SchemeError(_l("没有可以计算的分数"))
    return result


def aspect_mark(aspect: Aspect, marks: Sequence[Decimal]) -> Decimal:
    """The mark of one aspect for one contestant.

    Judgement: ``marks`` are the judges' scores (see :func:`judgement_aspect_mark`).
    Measurement: ``marks`` are the entries of the one mark (once, or twice for double entry),
    each checked for range and step; entries that differ are refused until resolved.
    """
    if aspect.kind == AspectKind.JUDGEMENT:
        return judgement_aspect_mark(aspect.max_mark, marks)
    entries = [check_measurement_mark(aspect, m) for m in marks]
    if not entries:
        raise SchemeError(_l("“%(name)s”尚未录入分数", name=aspect.name))
    if measurement_discrepancy(entries):
        raise SchemeError(_l("“%(name)s”两次录入的分数不一致，请核对后再计分", name=aspect.name))
    return entries[0]


# Aspect marks from sufficient statistics -------------------------------------------------------
#
# The same rules as above, from what a database computes in one GROUP BY (how many marks,
# their sum, the lowest and the highest) instead of from every mark. Each function below
# equals its list-based counterpart on the same marks (the property tests say so), with one
# difference stated once: a mark strictly between the lowest and the highest is not seen, so
# only the lowest and highest are checked for step and whole-number scores. Every mark is
# checked against its aspect where it is entered (judges, the chief judge, appeals) and a
# scheme cannot change once marked, so the difference never shows in practice.

class MarkStats(NamedTuple):
    """How many marks, their sum, the lowest and the highest (for one contestant and aspect)."""

    count: int
    total: Decimal
    low: Decimal
    high: Decimal

    @classmethod
    def of(cls, marks: Iterable[Decimal]) -> MarkStats:
        values = [_decimal(m) for m in marks]
        if not values:
            return cls(0, ZERO, ZERO, ZERO)
        return cls(len(values), sum(values, ZERO), min(values), max(values))


def judgement_aspect_mark_from_stats(max_mark: Decimal, stats: MarkStats) -> Decimal:
    """:func:`judgement_aspect_mark` from the scores' statistics."""
    if stats.count:
        _judgement_score(stats.low)
        _judgement_score(stats.high)
    if stats.count < MIN_JUDGES:
        raise SchemeError(_l("评价类细项至少需要 %(count)s 名裁判评分", count=MIN_JUDGES))
    return _decimal(max_mark) * stats.total / (JUDGEMENT_SCALE * stats.count)


def trimmed_mean_from_stats(stats: MarkStats) -> Decimal:
    """:func:`trimmed_mean` from the marks' statistics: from 5 marks on, the sum less the
    lowest and the highest over two fewer marks."""
    if not stats.count:
        raise SchemeError(_l("没有可以计算的分数"))
    if stats.count >= TRIM_THRESHOLD:
        return (stats.total - stats.low - stats.high) / (stats.count - 2)
    return stats.total / stats.count


def aspect_mark_from_stats(aspect: Aspect, stats: MarkStats) -> Decimal:
    """:func:`aspect_mark` from the marks' statistics: a judgement mark, or the entries of one
    measurement, which must all be equal (lowest = highest)."""
    if aspect.kind == AspectKind.JUDGEMENT:
        return judgement_aspect_mark_from_stats(aspect.max_mark, stats)
    if not stats.count:
        raise SchemeError(_l("“%(name)s”尚未录入分数", name=aspect.name))
    check_measurement_mark(aspect, stats.low)
    check_measurement_mark(aspect, stats.high)
    if stats.low != stats.high:
        raise SchemeError(_l("“%(name)s”两次录入的分数不一致，请核对后再计分", name=aspect.name))
    return _decimal(stats.low)


def continuous_mark_from_stats(aspect: Aspect, stats: MarkStats) -> Decimal:
    """``trimmed_mean([check_measurement_mark(aspect, m) for m in marks])`` from the marks'
    statistics: a continuous subjective mark by several judges."""
    if stats.count:
        check_measurement_mark(aspect, stats.low)
        check_measurement_mark(aspect, stats.high)
    return trimmed_mean_from_stats(stats)


# Discrepancies ---------------------------------------------------------------------------------

def judgement_discrepancy(scores: Iterable[Decimal], tolerance: Decimal = JUDGEMENT_TOLERANCE) -> bool:
    """Judgement scores more than ``tolerance`` apart (default 1: highest minus lowest > 1)
    go to the chief judge."""
    values = [_decimal(s) for s in scores]
    return bool(values) and max(values) - min(values) > _decimal(tolerance)


def measurement_discrepancy(entries: Iterable[Decimal]) -> bool:
    """A measurement mark entered more than once with different values."""
    return len({_decimal(e) for e in entries}) > 1


#: Continuous marks from several judges: a mark further than this share of the aspect's maximum
#: from the mean of the other judges' marks is flagged for the chief judge.
OUTLIER_SHARE = Decimal("0.2")


def continuous_outlier(marks: Iterable[Decimal], max_mark: Decimal, share: Decimal = OUTLIER_SHARE) -> bool:
    """Whether one judge's continuous mark lies far from the others' mean (see OUTLIER_SHARE)."""
    values = [_decimal(m) for m in marks]
    if len(values) < 2:
        return False
    limit = _decimal(max_mark) * _decimal(share)
    total = sum(values, ZERO)
    return any(abs(v - (total - v) / (len(values) - 1)) > limit for v in values)


# Module scores and totals ---------------------------------------------------------------------

class ModuleScorer:
    """:func:`module_scores` for the contestants of one scheme: the scheme is validated, and
    each module's aspects and maximum worked out, once rather than per contestant."""

    def __init__(self, scheme: MarkingScheme):
        validate_scheme(scheme)
        self._aspects = tuple((a.key, a.name, a.max_mark) for a in scheme.aspects)
        self._keys = frozenset(a.key for a in scheme.aspects)
        self._modules = tuple((m.key, _decimal(m.weight), tuple(a.key for a in scheme.aspects_of(m.key)),
                               scheme.module_max(m.key)) for m in scheme.modules)

    def __call__(self, aspect_marks: Mapping[str, Decimal]) -> dict[str, Decimal]:
        marks = {key: _decimal(mark) for key, mark in aspect_marks.items()}
        if marks.keys() - self._keys:
            unknown = sorted(marks.keys() - self._keys)
            raise SchemeError(_l("评分方案中没有以下评分细项：%(keys)s", keys="、".join(unknown)))
        missing = [name for key, name, _ in self._aspects if key not in marks]
        if missing:
            raise SchemeError(_l("缺少以下评分细项的分数：%(names)s", names="、".join(missing)))
        for key, name, max_mark in self._aspects:
            if not ZERO <= marks[key] <= max_mark:
                raise SchemeError(_l("“%(name)s”的分数应在 0 到 %(max)s 之间", name=name, max=max_mark))
        scores = {}
        for key, weight, aspect_keys, module_max in self._modules:
            achieved = sum((marks[k] for k in aspect_keys), ZERO)
            scores[key] = achieved * weight / module_max
        return scores


@functools.lru_cache(maxsize=64)
def module_scorer(scheme: MarkingScheme) -> ModuleScorer:
    """The scheme's :class:`ModuleScorer` (validated once: many contestants share one scheme)."""
    return ModuleScorer(scheme)


def module_scores(scheme: MarkingScheme, aspect_marks: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each module's score, out of its weight: ``sum of aspect marks / module maximum × weight``.

    ``aspect_marks`` maps every aspect key of the scheme to its mark in ``[0, max_mark]``;
    missing, unknown or out-of-range marks are refused. Exact (not rounded).
    """
    return module_scorer(scheme)(aspect_marks)


def total_score(scores_by_module: Mapping[str, Decimal]) -> Decimal:
    """The total out of 100: the sum of the module scores. Exact (not rounded)."""
    return sum((_decimal(s) for s in scores_by_module.values()), ZERO)


# Ranking ----------------------------------------------------------------------------------------

def tie_break_modules(scheme: MarkingScheme, keys: Sequence[str] = DEFAULT_TIE_BREAK) -> list[list[str]]:
    """The module keys whose scores each tie-break key adds up (see :func:`tie_break`).

    Each key names a module kind (e.g. ``"practical"``: all practical modules) or a module key.
    A key that matches no module of the scheme is refused.
    """
    modules = []
    for key in keys:
        matching = [m.key for m in scheme.modules if key in (m.key, m.kind)]
        if not matching:
            raise SchemeError(_l("评分方案中没有用于并列排序的模块“%(key)s”", key=key))
        modules.append(matching)
    return modules


def tie_break(scheme: MarkingScheme, scores_by_module: Mapping[str, Decimal],
              keys: Sequence[str] = DEFAULT_TIE_BREAK) -> tuple[Decimal, ...]:
    """The values that order equal totals, higher first, for :func:`rank_contestants`: for each
    key, the sum of the scores of its modules (:func:`tie_break_modules`)."""
    return tie_break_sums(tie_break_modules(scheme, keys), scores_by_module)


def tie_break_sums(modules: Sequence[Sequence[str]], scores_by_module: Mapping[str, Decimal]
                   ) -> tuple[Decimal, ...]:
    """:func:`tie_break` with the modules of each key found once (for many contestants)."""
    return tuple(sum((_decimal(scores_by_module[key]) for key in keys), ZERO) for keys in modules)


def rank_contestants(entries: Iterable[tuple[Hashable, Decimal | None, tuple]]) -> list[Ranked]:
    """Rank ``(contestant, total, tie_break)`` entries, best first, with shared places.

    Totals and tie-break values are compared as published (:func:`official`): a higher total
    first; equal totals are ordered by the tie-break tuple (see :func:`tie_break`), compared
    higher first; entries equal on both share a place ("1, 1, 3"). A contestant's place is one
    more than the number of contestants strictly ahead. Entries without a total are left out.
    """
    return panel_scoring.rank((key, official(total), tuple(official(v) for v in tie))
                for key, total, tie in entries)


def _median(ordered: Sequence[Decimal]) -> Decimal:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _population_deviation(values: Sequence[Decimal]) -> Decimal:
    mean = sum(values, ZERO) / len(values)
    return (sum(((v - mean) ** 2 for v in values), ZERO) / len(values)).sqrt()


def standardised_scores(totals: Mapping[K, Decimal], centre: Decimal = STANDARD_CENTRE,
                        spread: Decimal = STANDARD_SPREAD) -> dict[K, Decimal]:
    """WorldSkills-style standardised scores, shown beside the raw totals (not rounded).

    The formula, as the results page states it (:data:`STANDARDISED_SCORE_FORMULA`)::

        standardised = 700 + 100 × (raw − median) / σ

    where raw is a contestant's official total, median the median of the event's official
    totals (the mean of the two middle ones for an even count) and σ their population standard
    deviation (divided by n: the contestants are the whole population, not a sample). When
    σ = 0 (one contestant, or all equal) everyone has 700. The median contestant has exactly
    700, and the order of the raw totals is kept.
    """
    raw = {key: official(total) for key, total in totals.items()}
    if not raw:
        return {}
    values = sorted(raw.values())
    median = _median(values)
    deviation = _population_deviation(values)
    if deviation == 0:
        return dict.fromkeys(raw, _decimal(centre))
    return {key: _decimal(centre) + _decimal(spread) * (value - median) / deviation for key, value in raw.items()}


# Awards and honours ----------------------------------------------------------------------------

def award_counts(contestants: int, ratios: Sequence[Decimal] = DEFAULT_AWARD_RATIOS) -> tuple[int, ...]:
    """How many of each award (first, second, ...) an event of ``contestants`` gives.

    Rounding: counts are rounded cumulatively. The number with the k-th award *or better* is
    ``contestants × (ratio₁ + … + ratioₖ)`` rounded half-up to a whole number; each award's
    count is the difference from the previous one. With the default 10/20/30%, 25 contestants
    give 2.5 → 3, 7.5 → 8 and 15 → 15 places, i.e. 3, 5 and 7 awards. The counts never add
    up to more than the contestants (ratios must be non-negative and add up to at most 1).
    """
    if contestants < 0:
        raise SchemeError(_l("参赛人数不能为负数"))
    values = [_decimal(r) for r in ratios]
    if any(r < 0 for r in values):
        raise SchemeError(_l("获奖比例不能为负数"))
    if sum(values, ZERO) > 1:
        raise SchemeError(_l("各奖项比例之和不得超过 1"))
    counts, previous = [], 0
    for share in accumulate(values):
        reached = int((share * contestants).to_integral_value(rounding=ROUND_HALF_UP))
        counts.append(reached - previous)
        previous = reached
    return tuple(counts)


def assign_awards(ranked: Sequence[Ranked], ratios: Sequence[Decimal] = DEFAULT_AWARD_RATIOS
                  ) -> dict[Hashable, int | None]:
    """Each ranked contestant's award: 1 for first, 2 for second, ... or None.

    A contestant gets the best award k whose cumulative count (:func:`award_counts` over
    ``len(ranked)``) is at least their place. Ties at a boundary: contestants sharing a place
    all get the better award, and the next award has as many fewer places (the cumulative
    counts are kept); a tie across the last boundary all get the last award, so in that case
    more than the counted number are awarded.
    """
    limits = list(accumulate(award_counts(len(ranked), ratios)))
    return {r.key: next((award for award, limit in enumerate(limits, start=1) if r.rank <= limit), None)
            for r in ranked}


def honours(ranked: Sequence[Ranked], *, top: int | None = None, min_total: Decimal | None = None
            ) -> set[Hashable]:
    """Contestants recommended for an honour (e.g. skill-level promotion): those placed
    ``top`` or better (a shared place at the boundary included) and/or with an official total
    of at least ``min_total``. Every condition given must hold; at least one must be given.
    """
    if top is None and min_total is None:
        raise SchemeError(_l("请设定名次或分数线"))
    threshold = None if min_total is None else _decimal(min_total)
    return {r.key for r in ranked
            if (top is None or r.rank <= top) and (threshold is None or r.score >= threshold)}


# Lock and recheck ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecheckSample:
    always: tuple   # the top of the ranking, rechecked without exception
    drawn: tuple    # the random sample of the rest, in ranking order

    @property
    def contestants(self) -> tuple:
        return self.always + self.drawn


def _draw_key(seed: str | int, contestant: Hashable) -> str:
    return hashlib.sha256(f"{seed}\x1f{contestant}".encode()).hexdigest()


def recheck_sample(ranked_ids: Sequence[Hashable], seed: str | int, top: int = RECHECK_TOP,
                   ratio: Decimal = RECHECK_RATIO) -> RecheckSample:
    """The contestants whose marks are rechecked after the chief judge locks the event.

    ``ranked_ids`` in ranking order: the first ``top`` always; of the rest, ``ratio`` of them
    rounded up (so at least that share), drawn reproducibly: the rest are ordered by
    SHA-256 of ``"<seed>\\x1f<contestant id>"`` and the first ones taken. The same seed and ids
    give the same sample on any machine or Python version; record the seed with the lock.
    """
    ids = list(ranked_ids)
    if len(set(ids)) != len(ids):
        raise SchemeError(_l("复核名单中有重复的选手"))
    head, rest = ids[:top], ids[top:]
    size = int((_decimal(ratio) * len(rest)).to_integral_value(rounding=ROUND_CEILING))
    drawn = set(sorted(rest, key=lambda contestant: _draw_key(seed, contestant))[:size])
    return RecheckSample(always=tuple(head), drawn=tuple(c for c in rest if c in drawn))


def full_recheck_required(checked: int, wrong: int, threshold: Decimal = FULL_RECHECK_THRESHOLD) -> bool:
    """True when more than ``threshold`` (5%) of the rechecked marks were wrong (strictly more)."""
    if checked < 0 or not 0 <= wrong <= checked:
        raise SchemeError(_l("复核数量有误：错误数应在 0 到复核数之间"))
    return Decimal(wrong) > _decimal(threshold) * checked


# Judge analytics -------------------------------------------------------------------------------

@dataclass(frozen=True)
class JudgeStats:
    judge: Hashable
    marks: int               # marks compared with at least one other judge's
    mean_deviation: Decimal  # negative: severe (below the others); positive: lenient
    flagged: int             # marks more than the tolerance away from the others' mean

    @property
    def flag_rate(self) -> Decimal:
        return Decimal(self.flagged) / self.marks if self.marks else ZERO


def judge_deviation(panels: Iterable[Mapping[Hashable, Decimal | Fraction]],
                    tolerance: Decimal = JUDGEMENT_TOLERANCE) -> dict[Hashable, JudgeStats]:
    """Each judge's severity or leniency, and how often they were flagged.

    ``panels``: one mapping ``judge → mark`` per contestant and aspect, on one scale (the 0-3
    judgement scores, or continuous marks divided by the aspect's maximum — given as exact
    fractions — with a tolerance to match). On each, a judge's deviation is their mark minus the
    mean of the *other* judges' marks; a judge is flagged there when it exceeds ``tolerance``
    either way, compared exactly (a mark exactly the tolerance away is not flagged). (On
    judgement scores with the default tolerance of 1, an aspect is flagged by
    :func:`judgement_discrepancy` exactly when at least one of its judges is flagged.) A mark
    with no other judge beside it is left out.
    """
    deviations: dict[Hashable, list[Fraction]] = defaultdict(list)
    limit = Fraction(_decimal(tolerance))
    for panel in panels:
        marks = {judge: _fraction(mark) for judge, mark in panel.items()}
        if len(marks) < 2:
            continue
        total = sum(marks.values(), Fraction(0))
        for judge, mark in marks.items():
            deviations[judge].append(mark - (total - mark) / (len(marks) - 1))
    return {judge: JudgeStats(judge=judge, marks=len(values),
                              mean_deviation=_fraction_decimal(sum(values, Fraction(0)) / len(values)),
                              flagged=sum(abs(d) > limit for d in values))
            for judge, values in deviations.items()}


def _fraction(value) -> Fraction:
    """A mark as an exact fraction: Decimals as they are written, fractions as given."""
    return value if isinstance(value, Fraction) else Fraction(_decimal(value))


def _fraction_decimal(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal to the context's precision."""
    return Decimal(value.numerator) / Decimal(value.denominator)
