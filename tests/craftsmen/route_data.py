"""Helpers for the competition road's tests: a competition-route occupation with its arbitration
group, events created through the road's services, and an event marked and published straight
in the database (the marking itself is the competitions feature's, tested there)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

from competitions.models import Contestant, Event
from competitions.services import results as results_service
from core.accounts.models import User
from core.extensions import db
from core.roles import Role
from core.timeutil import utcnow
from craftsmen.models import CycleOccupation
from craftsmen.selection_route import services as route
from tests import factories
from tests.competitions.conftest import build_scheme, event_ids
from tests.competitions.results_data import add_mark

_numbers = count(1)


def stage_data(**overrides) -> route.StageData:
    now = utcnow()
    values = {"venue": "北京市工业技师学院", "held_on": (now + timedelta(days=20)).date(),
              "registration_opens": now - timedelta(hours=1), "registration_closes": now + timedelta(days=10),
              "quota_per_enterprise": 3}
    values.update(overrides)
    return route.StageData(**values)


def arbitrators(count_: int = 2, **bindings) -> list[User]:
    return [factories.user(f"arbiter-{next(_numbers)}", [Role.EXPERT], **bindings) for _ in range(count_)]


def competition_route(occupation: CycleOccupation, *, method: str = "competition", weights=(100, 0),
                      top_n: int = 2, list_min=None, admin=None) -> list[User]:
    """Set the route and name a two-expert arbitration group; returns the group."""
    route.set_route(occupation, route.RouteData(method=method, competition_weight=Decimal(weights[0]),
                                                panel_weight=Decimal(weights[1]), advance_top_n=top_n,
                                                list_min_score=list_min), by=admin)
    group = arbitrators()
    route.set_arbitrators(occupation, [u.id for u in group], by=admin)
    return group


def mark_and_publish(event: Event, theory: dict[int, int], *, by, publish: bool = True) -> None:
    """Every contestant of ``event`` marked (``theory`` by worker id; other marks equal, so the
    theory mark decides the order), the event rechecked and (unless told not to) its results
    published."""
    if not event.modules:
        build_scheme(event)
    ids = event_ids(event)
    judges = [factories.user(f"route-judge-{next(_numbers)}", [Role.JUDGE]) for _ in range(3)]
    contestants = db.session.scalars(db.select(Contestant).where(Contestant.event_id == event.id)
                                     .order_by(Contestant.id)).all()
    for number, contestant in enumerate(contestants, start=1):
        contestant.status = "checked_in"
        contestant.blind_number, contestant.station = f"X{number:03d}", f"S{number:02d}"
        add_mark(event.id, ids.aspects["笔试成绩"], contestant.id, judges[0].id, theory[contestant.worker_id])
        add_mark(event.id, ids.aspects["尺寸精度"], contestant.id, judges[0].id, 30)
        for judge in judges:
            add_mark(event.id, ids.aspects["加工工艺合理性"], contestant.id, judge.id, 2)
    event.state, event.scheme_frozen = "rechecked", True
    db.session.flush()
    if publish:
        results_service.publish(event, by=by)


def total_for(theory: int) -> Decimal:
    """The event total of a contestant with ``theory`` (size 30/40, judgement 2 of 3)."""
    practical = (Decimal(30) + Decimal(20) * 2 / 3) * Decimal(70) / Decimal(60)
    return Decimal(theory) * Decimal("0.3") + practical


def ids(**values) -> SimpleNamespace:
    return SimpleNamespace(**values)
