"""Live metrics of the plan indicators (:mod:`indicators.metrics`): competitions and events
held, and the workers who competed. Imported by the indicators feature only when it runs.

An event counts as held only once its results are published (an event stuck in scoring, or
locked and never published, has not produced a result anyone can cite); its contestants are
those who competed: checked in, including those who abandoned or were disqualified. Each
figure is counted in the year the event was held.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, extract, func, select

from competitions.models import Competition, Contestant, ContestantStatus, Event, EventState
from core.extensions import db
from core.timeutil import beijing_today
from indicators.metrics import MetricResult, register, union_breakdowns, year_counts

HELD_STATES = (EventState.PUBLISHED.value,)
COMPETED = (ContestantStatus.CHECKED_IN.value, ContestantStatus.ABANDONED.value,
            ContestantStatus.DISQUALIFIED.value)


def _decimal_series(counts: dict[int, int]) -> dict[int, Decimal]:
    return {year: Decimal(n) for year, n in counts.items()}


def _events_held() -> MetricResult:
    held = (Event.state.in_(HELD_STATES),)
    value = db.session.scalar(select(func.count()).select_from(Event).where(*held)) or 0
    return MetricResult(value=Decimal(value), as_of=beijing_today(),
                        series=_decimal_series(year_counts(Event.held_on, *held)))


def _competitions_held() -> MetricResult:
    """Competitions with at least one event held, counted in the year of their first held event."""
    first = (select(Event.competition_id, func.min(Event.held_on).label("first_held"))
             .where(Event.state.in_(HELD_STATES)).group_by(Event.competition_id).subquery())
    year = extract("year", first.c.first_held)
    rows = db.session.execute(select(year, func.count()).select_from(first).group_by(year)).all()
    series = {int(y): Decimal(n) for y, n in rows if y is not None}
    value = db.session.scalar(
        select(func.count(distinct(Competition.id))).join(Event, Event.competition_id == Competition.id)
        .where(Event.state.in_(HELD_STATES))) or 0
    return MetricResult(value=Decimal(value), as_of=beijing_today(), series=series)


def _contestants() -> MetricResult:
    source = Contestant.__table__.join(Event.__table__, Event.id == Contestant.event_id)
    competed = (Event.state.in_(HELD_STATES), Contestant.status.in_(COMPETED))
    by_district, by_industry = union_breakdowns(source, Contestant.enterprise_id, *competed)
    value = db.session.scalar(select(func.count()).select_from(source).where(*competed)) or 0
    return MetricResult(value=Decimal(value), as_of=beijing_today(),
                        series=_decimal_series(year_counts(Event.held_on, *competed, source=source)),
                        by_district=by_district, by_industry=by_industry)


register("competitions.held", _l("已举办的职工技能竞赛"), _competitions_held)
register("competitions.events_held", _l("已举办的竞赛赛项"), _events_held)
register("competitions.contestants", _l("参赛职工人次（已检录）"), _contestants)
