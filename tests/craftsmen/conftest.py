"""Fixtures for craftsman selection: a cycle open for nominations, and a shortcut to put
nominations in any state without walking the whole process (for tests of later stages)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from core.extensions import db
from core.timeutil import utcnow
from craftsmen.models import CraftsmanLevel, Nomination, NominationState, SelectionCycle
from craftsmen.services import cycles


def make_cycle(status="nominating", **overrides) -> SelectionCycle:
    """A city-level cycle with two occupations (钳工 quota 2, 焊工 quota 1). Needs an app context."""
    now = utcnow()
    data = cycles.CycleData(
        title=overrides.pop("title", "第四届北京大工匠选树"), level=CraftsmanLevel.CITY.value,
        year=2026, nomination_opens=now - timedelta(days=1), nomination_closes=now + timedelta(days=30),
        occupations=[cycles.OccupationData("钳工", 2, "6-18-01-07"), cycles.OccupationData("焊工", 1)],
        min_years=5, min_skill_level="level_2", in_post_required=True, **overrides)
    cycle = cycles.create_cycle(data, by=None)
    cycle.status = status
    db.session.flush()
    return cycle


def make_nomination(cycle: SelectionCycle, worker_id: int, occupation_name: str = "钳工",
                    state: NominationState = NominationState.QUALIFIED) -> Nomination:
    """Insert a nomination directly in ``state`` (no transitions, no audit)."""
    from core.people.models import Worker

    worker = db.session.get(Worker, worker_id)
    occupation = next(o for o in cycle.occupations if o.name == occupation_name)
    nomination = Nomination(cycle_id=cycle.id, occupation_id=occupation.id, worker_id=worker.id,
                            enterprise_id=worker.enterprise_id, state=state.value,
                            statement="长期扎根一线，攻克多项技术难题。",
                            submitted_at=utcnow() if state != NominationState.DRAFT else None)
    db.session.add(nomination)
    db.session.flush()
    return nomination


@pytest.fixture
def open_cycle(app, world) -> SimpleNamespace:
    """A cycle open for nominations; ids of the cycle and its occupations."""
    with app.app_context():
        cycle = make_cycle()
        db.session.commit()
        return SimpleNamespace(id=cycle.id, **{
            {"钳工": "fitter", "焊工": "welder"}[o.name]: o.id for o in cycle.occupations})
