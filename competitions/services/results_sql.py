"""Every contestant's module scores of an event from one SQL query, in exact whole numbers.

:mod:`competitions.services.results` computes results with :mod:`competitions.scoring`'s
Decimal functions. Fed one row per contestant and aspect, that costs a Python object and a
few Decimal operations per row; this module lets the database do the per-aspect arithmetic
instead, in integers, so that the same rules cost about as much as a plain ``GROUP BY`` over
the marks, and only a few rows per contestant come back.

The query (:func:`_query`) groups the marks by contestant and aspect in whole cents (count,
sum, lowest, highest, second entry present), joins the aspects of the scheme, and turns each
group into the aspect's mark as a fraction ``numerator / denominator`` of whole numbers:

* judgement: ``max × sum / (3 × count)``: ``max¢ × sum¢ / (3 × count × 10,000)``;
* one measurement, or one entered twice: the mark, ``low¢ / 100``;
* a continuous mark by several judges: the trimmed mean, ``(sum¢ − low¢ − high¢) / (100 ×
  (count − 2))`` from 5 judges on, else ``sum¢ / (100 × count)``.

It then adds up the numerators of each contestant's module by denominator (a handful of
denominators per event: they depend only on the kind of aspect and the number of judges) and
flags every group that breaks a rule (a judgement score that is not a whole number from 0 to
3 or from fewer than 3 judges; a measurement out of range, off its step, or whose two entries
differ), with the same tests as :mod:`competitions.scoring`'s ``*_from_stats`` functions.

In Python the module scores become exact fractions over one common denominator for the whole
event, ``module score = achieved × weight / module maximum``, and the total and the tie-break
sums are sums of those.

Why the figures equal :mod:`competitions.scoring`'s exactly: the scoring functions carry
divisions to Decimal's 28 significant digits, so they differ from the exact fraction by less
than a tiny bound (:func:`_error_bound`). What is published and stored is rounded (totals and
tie-break sums half-up to two decimals, totals and module scores to four): two values that
close round alike unless the exact value lies on a rounding boundary (half a cent, or half of
the fourth decimal); an exact fraction ``n / d`` that is not on one lies at least
``1 / (20,000 × d)`` from the nearest. So a contestant is computed here when none of their
figures is on a boundary and the common denominator is small enough for that distance to
exceed the bound, which is every contestant of an ordinary event. The others (on a boundary,
with a group that breaks a rule, or with an aspect unmarked) are left to the scoring functions,
which give their figures or refuse with their message. The property tests in
``tests/competitions/test_results_sql.py`` compare both on random schemes and marks.
"""

from __future__ import annotations

import decimal
import functools
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import BigInteger, BindParameter, Integer, and_, bindparam, case, cast, func, literal, or_, select, text

from competitions import scoring
from competitions.models import Mark, SchemeAspect, SchemeCriterion, SchemeModule
from core.extensions import db


def _whole_cents(expression, kind=Integer):
    """``expression`` (marks or maxima, at most two decimals) as a whole number of cents: see
    :func:`competitions.services.results._cents` for why rounding gives back the exact figure."""
    return cast(func.round(expression * 100), kind)


@functools.cache
def _query():
    """(contestant, module, denominator, numerator sum, aspects, aspects breaking a rule) rows
    of the marks of event ``:event_id``, whose modules are ``:module_ids`` (built once).

    Each aspect's rules come from the scheme once, as numbers the groups are compared with
    (``aspects`` below: judgement or not, the highest mark and the step in cents, the fewest
    marks), so that a group costs a few integer comparisons. The groups are joined to them with
    a LEFT JOIN, which lets SQLite read the groups as they are aggregated, in one pass over the
    index, instead of storing them first; a group of an aspect outside the scheme (none, as
    marks are saved) comes back without a module and is left out, as an inner join would.
    """
    event_id: BindParameter[int] = bindparam("event_id")
    module_ids: BindParameter[list[int]] = bindparam("module_ids", expanding=True)
    groups = (select(Mark.contestant_id, Mark.aspect_id, func.count().label("n"),
                     _whole_cents(func.sum(Mark.value), BigInteger).label("total"),
                     _whole_cents(func.min(Mark.value), BigInteger).label("low"),
                     _whole_cents(func.max(Mark.value), BigInteger).label("high"),
                     # second entries: counted only where there are any (cheaper than max(entry))
                     func.count().filter(Mark.entry == 2).label("second_entries"))
              .where(Mark.event_id == event_id)
              .group_by(Mark.contestant_id, Mark.aspect_id).subquery("groups"))
    scale = int(scoring.JUDGEMENT_SCALE)
    is_judgement = SchemeAspect.kind == scoring.AspectKind.JUDGEMENT.value
    max_cents = _whole_cents(SchemeAspect.max_mark, BigInteger)
    aspects = (select(SchemeAspect.id, SchemeCriterion.module_id,
                      case((is_judgement, 1), else_=0).label("judgement"),
                      max_cents.label("max_mark"),
                      # judgement scores are whole numbers from 0 to 3, from at least 3 judges
                      case((is_judgement, scale * 100), else_=max_cents).label("high_limit"),
                      case((is_judgement, 100),
                           else_=func.coalesce(_whole_cents(SchemeAspect.step, BigInteger), 1)).label("step"),
                      case((is_judgement, scoring.MIN_JUDGES), else_=1).label("min_marks"))
               .join(SchemeCriterion, SchemeCriterion.id == SchemeAspect.criterion_id)
               .where(SchemeCriterion.module_id.in_(module_ids)).subquery("aspects"))
    g, a = groups.c, aspects.c
    judgement = a.judgement == 1
    single = or_(g.second_entries > 0, g.n == 1)  # one measurement, or one entered twice
    trimmed = g.n >= scoring.TRIM_THRESHOLD
    numerator = case((judgement, a.max_mark * g.total), (single, g.low),
                     (trimmed, g.total - g.low - g.high), else_=g.total)
    denominator = case((judgement, literal(scale * 10_000, BigInteger) * g.n), (single, literal(100, BigInteger)),
                       (trimmed, literal(100, BigInteger) * (g.n - 2)), else_=literal(100, BigInteger) * g.n)
    # the tests of scoring's *_from_stats functions on the lowest and highest marks; the entries
    # of one measurement must agree
    valid = and_(g.low >= 0, g.high <= a.high_limit, g.low % a.step == 0, g.high % a.step == 0,
                 g.n >= a.min_marks, or_(judgement, g.low == g.high, ~single))
    sums = (select(g.contestant_id, a.module_id, denominator.label("denominator"),
                   cast(func.sum(numerator), BigInteger), func.count(),
                   cast(func.sum(case((valid, 0), else_=1)), Integer))
            .select_from(groups.outerjoin(aspects, a.id == g.aspect_id))
            .group_by(g.contestant_id, a.module_id, denominator.label("denominator")))
    return sums


def _execute_streaming(query, parameters: dict) -> list:
    """The rows of ``query``, on PostgreSQL aggregated as the marks stream from their index.

    ix_marks_event_marks holds an event's marks in group order (contestant, aspect) with the
    marks themselves, so a sorted aggregate reads them once from the index and keeps one group
    in memory. The planner, counting on few groups, prefers to hash them instead; with tens of
    thousands of groups a hash table outgrows ``work_mem`` and spills to disk, at twice the time.
    Hashing is turned off for this one statement (for the transaction, and set back right after).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return list(db.session.execute(query, parameters))
    previous = db.session.scalar(text("SELECT current_setting('enable_hashagg')"))
    db.session.execute(text("SELECT set_config('enable_hashagg', 'off', true)"))
    rows = list(db.session.execute(query, parameters))
    # (on an error the transaction is rolled back, and the setting with it)
    db.session.execute(text("SELECT set_config('enable_hashagg', :previous, true)"), {"previous": previous})
    return rows


@dataclass(frozen=True)
class ExactScores:
    """Module scores as fractions of whole numbers over one denominator, per contestant."""

    denominator: int
    numerators: dict[int, dict[str, int]]  # contestant -> module key -> numerator
    undecided: set[int]  # contestants left to the scoring functions (see the module docstring)


def _error_bound(scheme: scoring.MarkingScheme) -> Decimal:
    """How far the scoring functions' figures (module scores, totals, tie-break sums) may lie
    from the exact fractions, at most, and the figures made here from them as well.

    Each Decimal operation is off by at most half a unit in the 28th significant digit,
    ``u = 5 × 10⁻²⁸`` relatively; aspect marks are at most their maximum, a module's
    achieved marks at most its maximum, a module score at most its weight (≤ 100). An aspect
    mark (one division) and each of a module's additions of them add at most ``u × module
    maximum`` to the achieved marks, which × weight ÷ maximum (two more roundings) give at most
    ``(aspects + 3) × u × 100`` on a module score; adding the module scores, at most ``u × 100``
    each. Over the scheme: ``(aspects + 4 × modules) × 100 u``; doubled, for the figure made
    here from the fraction (one division) and a margin.
    """
    u = Decimal(5).scaleb(-decimal.getcontext().prec)
    return 2 * (len(scheme.aspects) + 4 * len(scheme.modules) + 1) * 100 * u


def _on_boundary(numerator: int, denominator: int, *, cents: bool, fourth: bool) -> bool:
    """Whether ``numerator / denominator`` lies exactly on a boundary of the rounding it gets:
    half a cent (``….xx5``, the published figures) and/or half of the fourth decimal (``…x5``
    at the fifth, the stored figures)."""
    steps, rest = divmod(numerator * 20_000, denominator)
    if rest:
        return False
    return (fourth and steps % 2 == 1) or (cents and steps % 100 == 0 and steps // 100 % 2 == 1)


def exact_scores(event_id: int, scheme: scoring.MarkingScheme, contestant_ids,
                 tie_break_keys: tuple[str, ...]) -> ExactScores | None:
    """The module scores of ``contestant_ids`` from one query; None when the event's common
    denominator is too large for the fractions to stand for the scoring functions' figures."""
    rows = _execute_streaming(_query(), {"event_id": event_id, "module_ids": [int(m.key) for m in scheme.modules]})
    modules = [m.key for m in scheme.modules]
    position = {int(key): n for n, key in enumerate(modules)}
    maxima = [int(scheme.module_max(key) * 100) for key in modules]
    common_marks = math.lcm(*{denominator for _, module_id, denominator, _, _, _ in rows if module_id is not None})
    common_maxima = math.lcm(*maxima)
    denominator = common_marks * common_maxima
    if denominator * 20_000 * _error_bound(scheme) >= 1:
        return None
    # Per contestant: each module's marks over ``common_marks``, then aspects marked and broken.
    sums: dict[int, list[int]] = {}
    width = len(modules)
    multiples: dict[int, int] = {}  # group denominator -> common_marks // group denominator
    for contestant_id, module_id, group_denominator, numerator, count, broken in rows:
        if module_id is None:  # marks of an aspect outside the scheme (see :func:`_query`)
            continue
        own = sums.get(contestant_id)
        if own is None:
            own = sums[contestant_id] = [0] * (width + 2)
        multiple = multiples.get(group_denominator)
        if multiple is None:
            multiple = multiples[group_denominator] = common_marks // group_denominator
        own[position[module_id]] += numerator * multiple
        own[width] += count
        own[width + 1] += broken
    # module score = achieved × weight / maximum, over ``denominator``
    factors = [int(m.weight * 100) * (common_maxima // maximum) for m, maximum in zip(scheme.modules, maxima,
                                                                                     strict=True)]
    tie_modules = [[m.key for m in scheme.modules if key in (m.key, m.kind)] for key in tie_break_keys]
    aspects = len(scheme.aspects)
    # n / denominator is a whole number of 1/20,000ths (as a boundary is) exactly when ``unit`` divides n
    unit = denominator // math.gcd(denominator, 20_000)
    numerators, undecided = {}, set()
    for contestant_id in contestant_ids:
        own = sums.get(contestant_id)
        # every aspect marked (one group each) and none breaking a rule
        if own is None or own[width] != aspects or own[width + 1]:
            undecided.add(contestant_id)
            continue
        figures = {key: own[n] * factors[n] for n, key in enumerate(modules)}
        if _any_on_boundary(figures, tie_modules, denominator, unit):
            undecided.add(contestant_id)
        else:
            numerators[contestant_id] = figures
    return ExactScores(denominator, numerators, undecided)


def _any_on_boundary(numerators: dict[str, int], tie_modules: list[list[str]], denominator: int,
                     unit: int) -> bool:
    """Whether a figure that is rounded lies on a boundary of its rounding: module scores are
    stored to four decimals, the total stored to four and published to two, tie-break sums
    compared to two. A figure whose numerator ``unit`` does not divide is on none (the quick
    test that settles nearly every figure)."""
    for numerator in numerators.values():
        if not numerator % unit and _on_boundary(numerator, denominator, cents=False, fourth=True):
            return True
    total = sum(numerators.values())
    if not total % unit and _on_boundary(total, denominator, cents=True, fourth=True):
        return True
    for keys in tie_modules:
        tie = sum(numerators[k] for k in keys)
        if not tie % unit and _on_boundary(tie, denominator, cents=True, fourth=False):
            return True
    return False


# Judge analytics --------------------------------------------------------------------------------

@dataclass(frozen=True)
class JudgeDeviation:
    judge: int
    kind: str  # the aspects' kind: judgement scores, or continuous marks as shares of the maximum
    stats: scoring.JudgeStats


def _deviation_query(event_id: int, judgement_tolerance: Decimal, continuous_tolerance: Decimal):
    """(judge, aspect kind, panel size, scale, marks, sum of spreads, flagged) rows.

    On a panel (one contestant and aspect, first entries) of ``k`` marks summing to ``T``, a
    judge's mark ``m`` lies ``m − (T − m) / (k − 1) = (k·m − T) / (k − 1)`` from the others'
    mean. In cents ``k·m − T`` (the spread) is a whole number, and the deviation is the
    spread over ``(k − 1) × scale``: 100 for judgement scores, the aspect's maximum in cents
    for continuous marks (compared as shares of it). A judge is flagged where
    ``|spread| > tolerance × (k − 1) × scale``, compared in whole numbers."""
    group = (Mark.contestant_id, Mark.aspect_id)
    mark = _whole_cents(Mark.value, BigInteger)
    panels = (select(Mark.judge_id, Mark.aspect_id, mark.label("mark"),
                     func.count().over(partition_by=group).label("k"),
                     func.sum(mark).over(partition_by=group).label("total"))
              .where(Mark.event_id == event_id, Mark.entry == 1).subquery("panels"))
    aspects = (select(SchemeAspect.id, SchemeAspect.kind,
                      _whole_cents(SchemeAspect.max_mark, BigInteger).label("max_mark"))
               .join(SchemeCriterion, SchemeCriterion.id == SchemeAspect.criterion_id)
               .join(SchemeModule, SchemeModule.id == SchemeCriterion.module_id)
               .where(SchemeModule.event_id == event_id).subquery("aspects"))
    p, a = panels.c, aspects.c
    judgement = a.kind == scoring.AspectKind.JUDGEMENT.value
    scale = case((judgement, literal(100, BigInteger)), else_=a.max_mark)
    spread = p.k * p.mark - p.total
    flagged = or_(and_(judgement, _beyond(spread, judgement_tolerance, (p.k - 1) * scale)),
                  and_(~judgement, _beyond(spread, continuous_tolerance, (p.k - 1) * scale)))
    return (select(p.judge_id, a.kind, p.k, scale.label("scale"), func.count(), func.sum(spread),
                   func.sum(case((flagged, 1), else_=0)))
            .select_from(panels.join(aspects, a.id == p.aspect_id)).where(p.k >= 2)
            .group_by(p.judge_id, a.kind, p.k, scale.label("scale")))


def _beyond(spread, tolerance: Decimal, limit):
    """``|spread| > tolerance × limit`` in whole numbers (the tolerance as a fraction)."""
    numerator, denominator = tolerance.as_integer_ratio()
    return func.abs(spread) * denominator > limit * numerator


def judge_deviation_sums(event_id: int, judgement_tolerance: Decimal, continuous_tolerance: Decimal
                         ) -> list[JudgeDeviation]:
    """Each judge's :class:`scoring.JudgeStats` on judgement scores and on continuous marks,
    from one query: the spreads are summed exactly as fractions, and the mean deviation is
    one Decimal division of the sum by the number of marks."""
    totals: dict[tuple[int, str], list] = {}
    for judge, kind, k, scale, marks, spread, flagged in db.session.execute(
            _deviation_query(event_id, judgement_tolerance, continuous_tolerance)):
        entry = totals.setdefault((judge, kind), [0, Fraction(0), 0])
        entry[0] += marks
        entry[1] += Fraction(int(spread), (k - 1) * int(scale))
        entry[2] += int(flagged)
    return [JudgeDeviation(judge, kind, scoring.JudgeStats(
                judge=judge, marks=marks, flagged=flagged,
                mean_deviation=Decimal(deviation.numerator) / Decimal(deviation.denominator * marks)))
            for (judge, kind), (marks, deviation, flagged) in sorted(totals.items())]
