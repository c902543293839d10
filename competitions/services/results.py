"""Results of an event: computed from the marks, stored as :class:`Result` rows, published.

All the arithmetic is :mod:`competitions.scoring`'s rules. The database does the per-aspect
part (:mod:`competitions.services.results_sql`): one query returns each contestant's module
scores as exact fractions, which equal the scoring functions' figures wherever they are
rounded; the few contestants it cannot vouch for (a figure exactly on a rounding boundary, a
missing or broken mark) are computed here from their marks' statistics (:func:`_load_mark_stats`:
how many marks, their sum, lowest and highest, whether a second entry is among them) by the
scoring functions, which also word any refusal. Ranking, awards and standardised scores run
over the contestants' totals, and the results are written in one statement.

How an aspect's mark is formed from its marks:

* judgement: the judges' 0-3 scores, ``max × mean / 3``
  (:func:`scoring.judgement_aspect_mark_from_stats`);
* measurement entered twice (entry 2 present): both entries must agree
  (:func:`scoring.aspect_mark_from_stats`);
* measurement by one judge: that mark, checked for range and step;
* measurement by several judges (a continuous subjective mark): the trimmed mean of the
  checked marks, one highest and one lowest dropped from 5 judges on
  (:func:`scoring.continuous_mark_from_stats`).

Each ``*_from_stats`` function equals its list-based counterpart in :mod:`competitions.scoring`
on the same marks (property tests in ``tests/competitions/test_scoring.py``).

Only contestants who competed (checked in, with a blind number) are ranked, and each needs
every aspect marked; those absent (缺考), abandoned (弃赛), withdrawn or disqualified are listed
apart with their status (:func:`not_ranked`). Rounding is the scoring module's: figures are compared and shown
half-up to two decimals; award counts are rounded cumulatively half-up
(:data:`AWARD_ROUNDING`).
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, cast, delete, func, select, text, update
from sqlalchemy.orm import selectinload

from competitions import certificates as award_certificates
from competitions import notifications, scoring, states
from competitions.models import (
    Award,
    Contestant,
    ContestantStatus,
    Event,
    EventState,
    Mark,
    Result,
    SchemeAspect,
    SchemeCriterion,
    SchemeModule,
)
from competitions.services import results_sql
from competitions.services.competitions import move_event
from core import public_cache
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

#: Contestants left out of the ranking.
NOT_RANKED = frozenset({ContestantStatus.ABSENT.value, ContestantStatus.ABANDONED.value,
                        ContestantStatus.WITHDRAWN.value, ContestantStatus.DISQUALIFIED.value})
#: Results may be (re)computed from the lock on; after publication only by an appeal ruling.
COMPUTABLE_STATES = frozenset({EventState.LOCKED, EventState.RECHECKED})
#: What the results page says about award counts.
AWARD_ROUNDING = _l("获奖人数按累计比例计算并四舍五入取整：一等奖人数 = 参赛人数 × 一等奖比例；"
                    "一、二等奖合计人数 = 参赛人数 ×（一等奖比例 + 二等奖比例）；依此类推。"
                    "名次并列者获同一奖项。")
AWARDS = {1: Award.FIRST, 2: Award.SECOND, 3: Award.THIRD}
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class EventScheme:
    """An event's marking scheme as the arithmetic takes it (keys are database ids as text)."""

    scheme: scoring.MarkingScheme
    aspects: dict[int, scoring.Aspect]        # by aspect id
    module_names: dict[str, str]              # module key -> name


def event_scheme(event: Event) -> EventScheme:
    """The scheme of ``event`` in one query (modules, their criteria and aspects, in order)."""
    rows = db.session.execute(
        select(SchemeModule.id, SchemeModule.name, SchemeModule.weight, SchemeModule.kind, SchemeCriterion.name,
               SchemeAspect.id, SchemeAspect.name, SchemeAspect.kind, SchemeAspect.max_mark, SchemeAspect.step)
        .outerjoin(SchemeCriterion, SchemeCriterion.module_id == SchemeModule.id)
        .outerjoin(SchemeAspect, SchemeAspect.criterion_id == SchemeCriterion.id)
        .where(SchemeModule.event_id == event.id)
        .order_by(SchemeModule.position, SchemeModule.id, SchemeCriterion.position, SchemeCriterion.id,
                  SchemeAspect.position, SchemeAspect.id))
    scheme_modules: dict[int, scoring.Module] = {}
    aspects: dict[int, scoring.Aspect] = {}
    for module_id, module_name, weight, module_kind, criterion_name, aspect_id, name, kind, max_mark, step in rows:
        if module_id not in scheme_modules:
            scheme_modules[module_id] = scoring.Module(str(module_id), module_name, weight, module_kind)
        if aspect_id is not None:
            aspects[aspect_id] = scoring.Aspect(str(aspect_id), str(module_id), criterion_name, name, kind,
                                                max_mark, step)
    scheme = scoring.MarkingScheme(tuple(scheme_modules.values()), tuple(aspects.values()))
    return EventScheme(scheme, aspects, {m.key: m.name for m in scheme_modules.values()})


#: Sums, lowest and highest marks come from the database as whole cents (see :func:`_load_mark_stats`).
CENT = Decimal("0.01")


def _cents(expression):
    """An aggregate of ``Mark.value`` as a whole number of cents, rounded by the database.

    PostgreSQL's NUMERIC aggregates are exact. SQLite has no decimal type: marks are stored as
    binary floats, and their SUM may be off by a rounding error (e.g. 41.849999999999994 for
    41.85). Marks have at most two decimals (``Numeric(7, 2)``, and entry refuses more) and a
    group holds a handful of them, so that error is far below half a cent, and rounding the
    sum × 100 to a whole number gives back the exact sum. This is the one place where that
    rounding is done; integers also travel and compare faster than decimals.
    """
    return cast(func.round(expression * 100), Integer)


def _aspect_mark(aspect: scoring.Aspect, count: int, total: int, low: int, high: int,
                 double_entry: bool) -> Decimal:
    """One aspect's mark from its marks' statistics in cents (see the module docstring)."""
    stats = scoring.MarkStats(count, total * CENT, low * CENT, high * CENT)
    if aspect.kind == scoring.AspectKind.JUDGEMENT or double_entry or count == 1:
        return scoring.aspect_mark_from_stats(aspect, stats)
    return scoring.continuous_mark_from_stats(aspect, stats)


class Computed(NamedTuple):
    """One contestant's computed result, before it is stored (a tuple: thousands are made at once)."""

    contestant_id: int
    total: Decimal
    module_scores: dict[str, Decimal]
    rank: int
    rank_shared: bool
    standardised: Decimal | None
    award: Award | None
    promotion: bool
    title: bool


@functools.cache
def _mark_stats_query(by_id: bool):
    """The query of :func:`_load_mark_stats` (built once each): the marks of event ``:event_id``,
    with ``by_id`` only those of contestants ``:contestant_ids``."""
    query = (select(Mark.contestant_id, Mark.aspect_id, func.count(), _cents(func.sum(Mark.value)),
                    _cents(func.min(Mark.value)), _cents(func.max(Mark.value)), func.max(Mark.entry))
             .where(Mark.event_id == bindparam("event_id")).group_by(Mark.contestant_id, Mark.aspect_id))
    if by_id:
        query = query.where(Mark.contestant_id.in_(bindparam("contestant_ids", expanding=True)))
    return query


def _load_mark_stats(event_id: int, contestant_ids=None) -> dict[int, dict[int, tuple]]:
    """The statistics of every contestant's marks on every aspect (or only ``contestant_ids``'),
    in one GROUP BY query: contestant -> aspect -> (count, sum, lowest, highest, second entry
    present), the sums and extremes in whole cents (:func:`_cents`)."""
    parameters: dict = {"event_id": event_id}
    if contestant_ids is not None:
        parameters["contestant_ids"] = sorted(contestant_ids)
    stats: dict[int, dict[int, tuple]] = defaultdict(dict)
    for contestant_id, aspect_id, count, total, low, high, last_entry in db.session.connection().execute(
            _mark_stats_query(contestant_ids is not None), parameters):
        stats[contestant_id][aspect_id] = (count, total, low, high, last_entry == 2)
    return stats


#: Up to this many contestants left to the scoring functions, their marks are loaded by id;
#: beyond, the whole event's.
_LOAD_BY_ID = 500


def _module_scores(event: Event, plan: EventScheme, scorer, blind: dict[int, str | None]
                   ) -> dict[int, dict[str, Decimal]]:
    """Every contestant's module scores: from the exact sums of :mod:`results_sql`, and for the
    few it leaves undecided (or all, for an unusual scheme) from the marks' statistics through
    the scoring functions, which refuse a missing or broken mark naming the contestant."""
    exact = results_sql.exact_scores(event.id, plan.scheme, blind, tuple(event.tie_break_kinds or ()))
    undecided = set(blind) if exact is None else exact.undecided
    stats = {}
    if undecided:
        stats = _load_mark_stats(event.id, undecided if len(undecided) <= _LOAD_BY_ID else None)
    aspects = [(aspect_id, aspect, aspect.key, aspect.kind == scoring.AspectKind.JUDGEMENT)
               for aspect_id, aspect in plan.aspects.items()]
    memo: dict[tuple, Decimal] = {}  # judgement marks repeat: computed once each
    module_scores: dict[int, dict[str, Decimal]] = {}
    denominator = Decimal(exact.denominator) if exact is not None else None
    for contestant_id in blind:
        if contestant_id not in undecided:
            assert exact is not None and denominator is not None  # else every contestant is undecided
            module_scores[contestant_id] = {key: Decimal(numerator) / denominator
                                            for key, numerator in exact.numerators[contestant_id].items()}
            continue
        own = stats.get(contestant_id, {})
        aspect_marks = {}
        try:
            for aspect_id, aspect, key, repeats in aspects:
                group = own.get(aspect_id)
                if group is None:
                    raise scoring.SchemeError(_l("“%(name)s”尚未录入分数", name=aspect.name))
                if repeats:
                    mark = memo.get((aspect_id, group))
                    if mark is None:
                        mark = memo[(aspect_id, group)] = _aspect_mark(aspect, *group)
                else:
                    mark = _aspect_mark(aspect, *group)
                aspect_marks[key] = mark
            module_scores[contestant_id] = scorer(aspect_marks)
        except scoring.SchemeError as error:
            raise DomainError(_l("选手 %(n)s：%(e)s", n=_contestant_label(contestant_id, blind),
                                 e=error)) from None
    return module_scores


def _contestant_label(contestant_id: int, blind: dict[int, str | None]) -> str:
    return blind.get(contestant_id) or f"#{contestant_id}"


@functools.cache
def _competed_query():
    """(id, blind number) of the contestants of event ``:event_id`` who competed: checked in with
    a blind number (no-shows who were never checked in, and everyone recorded out, are not
    ranked); in id order, so that the first refusal is always the same (built once)."""
    return (select(Contestant.id, Contestant.blind_number)
            .where(Contestant.event_id == bindparam("event_id"),
                   Contestant.status == ContestantStatus.CHECKED_IN.value, Contestant.blind_number.is_not(None))
            .order_by(Contestant.id))


def compute(event: Event) -> list[Computed]:
    """Every ranked contestant's result, best first; nothing is written."""
    plan = event_scheme(event)
    try:
        scoring.validate_scheme(plan.scheme, event.theory_weight_cap)
        scorer = scoring.module_scorer(plan.scheme)  # validated once, for every contestant
    except scoring.SchemeError as error:
        raise DomainError(error) from None
    blind = dict(db.session.connection().execute(_competed_query(), {"event_id": event.id}).all())
    module_scores = _module_scores(event, plan, scorer, blind)
    totals = {cid: scoring.total_score(scores) for cid, scores in module_scores.items()}
    try:
        # the modules of each tie-break key, found once (and refused, if any, once there is a contestant)
        tie_modules = scoring.tie_break_modules(plan.scheme, event.tie_break_kinds or ()) if module_scores else []
        ranked = scoring.rank_contestants((cid, totals[cid], scoring.tie_break_sums(tie_modules, scores))
                                          for cid, scores in module_scores.items())
        awards = scoring.assign_awards(ranked, event.award_ratios)
    except scoring.SchemeError as error:
        raise DomainError(error) from None
    standardised = scoring.standardised_scores(totals, Decimal(event.standard_centre),
                                               Decimal(event.standard_spread))
    shared = Counter(r.rank for r in ranked)
    promotion = scoring.honours(ranked, top=event.promotion_top_n) if event.promotion_top_n else set()
    title = scoring.honours(ranked, top=event.title_top_n) if event.title_top_n else set()
    return [Computed(contestant_id=r.key, total=totals[r.key], module_scores=module_scores[r.key],
                     rank=r.rank, rank_shared=shared[r.rank] > 1,
                     standardised=scoring.official(standardised[r.key]),
                     award=AWARDS.get(awards[r.key] or 0), promotion=r.key in promotion, title=r.key in title)
            for r in ranked]


def compute_results(event: Event, *, by, audited: bool = True) -> list[Computed]:
    """Compute and store every result of ``event`` (replacing earlier ones); flushes.
    Returns the computed results, best first.

    Allowed from the lock to the recheck; after publication only through
    :func:`recompute_after_appeal`.
    """
    if event.state_enum not in COMPUTABLE_STATES:
        raise DomainError(_l("只有在成绩锁定后、公布前才能计算成绩"))
    computed = compute(event)
    _store(event, computed)
    if audited:
        audit.record("results.compute", event, by=by, changes={"contestants": [None, len(computed)]})
    return computed


def recompute_after_appeal(event: Event) -> list[Computed]:
    """Recompute a published event after an upheld appeal (the ruling is audited by the caller)."""
    if event.state_enum != EventState.PUBLISHED:
        raise DomainError(_l("成绩尚未公布"))
    computed = compute(event)
    _store(event, computed)
    return computed


def _store(event: Event, computed: list[Computed]) -> None:
    """Write the computed results in bulk statements, without loading a row as an object:
    earlier rows of the same contestants are updated, stale ones deleted, new ones inserted
    (a first computation inserts them all). Result objects already in the session are
    expired, so that they read the new figures."""
    existing = dict(db.session.execute(select(Result.contestant_id, Result.id)
                                       .where(Result.event_id == event.id)).all())
    now = utcnow()
    updated, new = [], []
    for c in computed:
        result_id = existing.pop(c.contestant_id, None)
        if result_id is None:
            new.append(c)
        else:
            updated.append({"id": result_id, **_stored_values(c), "computed_at": now})
    db.session.flush()
    if existing:  # e.g. a contestant disqualified since the last computation
        db.session.execute(delete(Result).where(Result.id.in_(existing.values())))
    if updated:
        db.session.execute(update(Result), updated)
    if new:
        _insert_results(event, new, now)
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Result):
            db.session.expire(instance)


def _stored_values(c: Computed) -> dict:
    """What a result row stores of ``c``: the total and module scores to four decimals."""
    return {"total": c.total.quantize(FOUR_PLACES),
            "module_totals": {key: str(score.quantize(FOUR_PLACES)) for key, score in c.module_scores.items()},
            "rank": c.rank, "rank_shared": c.rank_shared, "standardised": c.standardised,
            "award": c.award.value if c.award else None, "recommend_promotion": c.promotion,
            "recommend_title": c.title}


#: New result rows come as one JSON array of arrays (one parameter, one statement, however
#: many contestants); the database reads it with its own JSON table function.
_INSERT_RESULTS = """
INSERT INTO competition_results (event_id, contestant_id, total, module_totals, rank, rank_shared,
    standardised, award, recommend_promotion, recommend_title, computed_at, published_at)
SELECT :event_id, CAST(value ->> 0 AS INTEGER), CAST(value ->> 1 AS NUMERIC), value -> 2,
    CAST(value ->> 3 AS INTEGER), CAST(value ->> 4 AS BOOLEAN), CAST(value ->> 5 AS NUMERIC),
    value ->> 6, CAST(value ->> 7 AS BOOLEAN), CAST(value ->> 8 AS BOOLEAN), :computed_at, :published_at
FROM {rows}
"""
_JSON_ROWS = {"sqlite": "json_each(:rows)", "postgresql": "json_array_elements(CAST(:rows AS json))"}


def _insert_results(event: Event, computed: list[Computed], now) -> None:
    """Insert the results of ``computed`` in one statement (SQLite 3.38+ and PostgreSQL read
    JSON arrays the same way); figures travel as text, so that decimals stay exact."""
    four = FOUR_PLACES  # as _stored_values rounds them
    rows = [[c.contestant_id, str(c.total.quantize(four)),
             {key: str(score.quantize(four)) for key, score in c.module_scores.items()}, c.rank, c.rank_shared,
             None if c.standardised is None else str(c.standardised), c.award.value if c.award else None,
             c.promotion, c.title] for c in computed]
    timestamp = Result.__table__.c.computed_at.type
    statement = text(_INSERT_RESULTS.format(rows=_JSON_ROWS[db.session.get_bind().dialect.name])).bindparams(
        bindparam("computed_at", type_=timestamp), bindparam("published_at", type_=timestamp))
    db.session.execute(statement, {"event_id": event.id, "rows": json.dumps(rows), "computed_at": now,
                                   "published_at": event.published_at})
    public_cache.note_change(db.session, Result)  # published results are on public pages


def publish(event: Event, *, by) -> list[Computed]:
    """Publish the results: only from the rechecked state (the transitions table decides).
    Results are computed afresh from the marks as they stand, then made public."""
    states.event_action(event.state, EventState.PUBLISHED)  # refuse before computing anything
    computed = compute_results(event, by=by, audited=False)
    now = utcnow()
    event.published_at = now
    db.session.execute(update(Result).where(Result.event_id == event.id).values(published_at=now))
    move_event(event, EventState.PUBLISHED, by=by)
    audit.record("results.publish", event, by=by, changes={"contestants": [None, len(computed)]})
    notifications.results_published(event)
    award_certificates.sync_awards(event, by=by)
    return computed


# Reading ----------------------------------------------------------------------------------------

def event_results(event: Event) -> list[Result]:
    """The stored results, best first, with contestant, worker and enterprise loaded."""
    return list(db.session.scalars(
        select(Result).where(Result.event_id == event.id).order_by(Result.rank, Result.contestant_id)
        .options(selectinload(Result.contestant).selectinload(Contestant.worker),
                 selectinload(Result.contestant).selectinload(Contestant.enterprise))))


def not_ranked(event: Event) -> list[Contestant]:
    """The contestants recorded out of the event (缺考, 弃赛, 取消资格, withdrawn after the draw),
    for the results list; withdrawals before the draw never competed and are left out."""
    return list(db.session.scalars(
        select(Contestant).where(Contestant.event_id == event.id, Contestant.status.in_(NOT_RANKED),
                                 (Contestant.status != ContestantStatus.WITHDRAWN.value)
                                 | Contestant.blind_number.is_not(None))
        .order_by(Contestant.blind_number, Contestant.id)
        .options(selectinload(Contestant.worker), selectinload(Contestant.enterprise))))


def ranked_workers(event: Event) -> list[tuple[int, Decimal, int | None]]:
    """``(worker id, total, rank)`` of every stored result, best first: one light query for
    features that rank on an event's results (e.g. a craftsman selection's final)."""
    return [(worker_id, total, rank) for worker_id, total, rank in db.session.execute(
        select(Contestant.worker_id, Result.total, Result.rank)
        .join(Contestant, Contestant.id == Result.contestant_id)
        .where(Result.event_id == event.id).order_by(Result.rank, Result.contestant_id))]


def worker_results(worker_id: int) -> list[Result]:
    """A worker's published results, newest event first."""
    return list(db.session.scalars(
        select(Result).join(Contestant, Contestant.id == Result.contestant_id)
        .join(Event, Event.id == Result.event_id)
        .where(Contestant.worker_id == worker_id, Event.state == EventState.PUBLISHED.value,
               Result.published_at.is_not(None))
        .order_by(Event.published_at.desc())
        .options(selectinload(Result.contestant).selectinload(Contestant.event))))


def module_columns(event: Event) -> list[tuple[str, str]]:
    """(module key, name) of the event's modules, in order, for result tables."""
    return [(str(m.id), m.name) for m in sorted(event.modules, key=lambda m: (m.position, m.id))]


# Judge analytics --------------------------------------------------------------------------------

#: Continuous (measurement) marks are compared as shares of the aspect's maximum; a judge is
#: flagged on one when more than this share away from the other judges' mean.
CONTINUOUS_TOLERANCE = Decimal("0.10")


@dataclass(frozen=True)
class JudgeAnalytics:
    judgement: dict[int, scoring.JudgeStats]   # by judge (user) id, on the 0-3 scores
    continuous: dict[int, scoring.JudgeStats]  # by judge id, marks as shares of the maximum


def judge_analytics(event: Event) -> JudgeAnalytics:
    """Each judge's mean deviation from the other judges and flag rate, as
    :func:`scoring.judge_deviation` defines them, over every first-entry mark of the event:
    aggregated by the database (:func:`results_sql.judge_deviation_sums`), a few rows per judge."""
    judgement: dict[int, scoring.JudgeStats] = {}
    continuous: dict[int, scoring.JudgeStats] = {}
    for row in results_sql.judge_deviation_sums(event.id, scoring.JUDGEMENT_TOLERANCE, CONTINUOUS_TOLERANCE):
        stats = judgement if row.kind == scoring.AspectKind.JUDGEMENT else continuous
        stats[row.judge] = row.stats
    return JudgeAnalytics(judgement, continuous)
