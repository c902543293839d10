"""Fixtures for the plan indicators: the plan loaded, indicators by key, and builders of the
records live metrics count (named studios, craftsman titles, held events)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from indicators import services
from indicators.models import Indicator

D = Decimal
_STUDIO_NUMBERS = itertools.count(1)


def indicator(key: str) -> Indicator:
    """The indicator ``key`` (needs an app context)."""
    return db.session.scalar(select(Indicator).where(Indicator.key == key))


def progress_of(key: str) -> services.IndicatorProgress:
    return next(p for p in services.list_indicators() if p.key == key)


def make_indicator(key="sample", source="reported", target="100", baseline=None, unit="个", **overrides) -> Indicator:
    values = {"key": key, "name": overrides.pop("name", f"测试指标{key}"), "unit": unit,
              "target": D(target) if target is not None else None, "target_year": 2025,
              "baseline": D(baseline) if baseline is not None else None,
              "baseline_year": overrides.pop("baseline_year", 2020), "source": source, **overrides}
    item = Indicator(**values)
    db.session.add(item)
    db.session.flush()
    return item


@pytest.fixture
def plan(app, world):
    """The plan's 18 indicators loaded (with the ``world`` of users and enterprises)."""
    with app.app_context():
        services.load_plan()
        db.session.commit()
    return world


def make_title(world, worker_id: int, level: str = "city", named_on: date = date(2024, 5, 1),
               revoked_on: date | None = None, district: str = "朝阳区总工会"):
    """A craftsman title of ``worker_id`` (its nomination names the worker's enterprise)."""
    from craftsmen.models import CraftsmanTitle, NominationState
    from tests.craftsmen.conftest import make_cycle, make_nomination

    cycle = make_cycle(status="closed", title=f"测试周期{worker_id}-{level}-{named_on}")
    nomination = make_nomination(cycle, worker_id, "钳工", NominationState.NAMED)
    title = CraftsmanTitle(nomination_id=nomination.id, worker_id=worker_id, cycle_id=cycle.id, name="测试工匠",
                           title="北京大工匠", level=level, year=named_on.year, occupation="钳工",
                           enterprise_name="测试企业", district=district, named_on=named_on,
                           revoked_on=revoked_on)
    db.session.add(title)
    db.session.flush()
    return title


def make_studio(enterprise_id: int, leader_id: int, *, level: str = "city", state: str = "named",
                named_on: date | None = date(2023, 6, 1), delisted_on: date | None = None, name: str = ""):
    """A studio inserted directly in ``state`` (no transitions, no audit)."""
    from innovation_studios.studios.models import Studio

    number = next(_STUDIO_NUMBERS)
    studio = Studio(name=name or f"指标测试工作室{number}", kind="worker", level_sought=level,
                    level=level if named_on else None, enterprise_id=enterprise_id, leader_worker_id=leader_id,
                    state=state, named_on=named_on, delisted_on=delisted_on)
    db.session.add(studio)
    db.session.flush()
    return studio
