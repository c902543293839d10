"""Fixtures for skills competitions: a competition with one event (钳工) and a complete
marking scheme (理论知识 30 + 技能操作 70), in any state, without walking the whole process."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from competitions.models import Competition, Event
from competitions.services import competitions, schemes
from core.extensions import db
from core.timeutil import utcnow

D = Decimal


def make_competition(title: str = "2026年北京市职工职业技能大赛", starts_on: date | None = None,
                     ends_on: date | None = None) -> Competition:
    """Needs an app context."""
    return competitions.create_competition(competitions.CompetitionData(
        title=title, year=2026, starts_on=starts_on, ends_on=ends_on), by=None)


def event_data(**overrides) -> competitions.EventData:
    now = utcnow()
    values = {"occupation": "钳工", "occupation_code": "6-18-01-07", "venue": "北京市工业技师学院",
              "held_on": (now + timedelta(days=45)).date(), "registration_opens": now - timedelta(days=1),
              "registration_closes": now + timedelta(days=30), "min_skill_level": "level_3",
              "min_age": 18, "max_age": 55, "quota_per_enterprise": 2}
    values.update(overrides)
    return competitions.EventData(**values)


def build_scheme(event: Event) -> None:
    """理论知识 (theory, 30): one measured aspect; 技能操作 (practical, 70): measured and judged."""
    theory = schemes.add_module(event, schemes.ModuleData("理论知识", "theory", D(30)), by=None)
    exam = schemes.add_criterion(theory, "理论考试", by=None)
    schemes.add_aspect(exam, schemes.AspectData("笔试成绩", "measurement", D(100), D("0.5")), by=None)
    practical = schemes.add_module(event, schemes.ModuleData("技能操作", "practical", D(70)), by=None)
    machining = schemes.add_criterion(practical, "零件加工", by=None)
    schemes.add_aspect(machining, schemes.AspectData("尺寸精度", "measurement", D(40), D(1)), by=None)
    schemes.add_aspect(machining, schemes.AspectData("加工工艺合理性", "judgement", D(20)), by=None)


def make_event(competition: Competition | None = None, state: str = "draft", *, scheme: bool = True,
               frozen: bool | None = None, **overrides) -> Event:
    """An event in ``state`` (set directly: no transitions, no audit); a complete scheme unless
    ``scheme`` is False; frozen from scoring on unless ``frozen`` says otherwise."""
    competition = competition or make_competition()
    event = competitions.create_event(competition, event_data(**overrides), by=None)
    if scheme:
        build_scheme(event)
    event.state = state
    event.scheme_frozen = state not in ("draft", "registration", "check_in") if frozen is None else frozen
    db.session.flush()
    return event


def event_ids(event: Event) -> SimpleNamespace:
    """Ids of the event and of its scheme's pieces, by name."""
    modules = {m.name: m for m in event.modules}
    return SimpleNamespace(
        id=event.id, competition=event.competition_id,
        theory=modules["理论知识"].id if "理论知识" in modules else None,
        practical=modules["技能操作"].id if "技能操作" in modules else None,
        criteria={c.name: c.id for m in event.modules for c in m.criteria},
        aspects={a.name: a.id for a in event.aspects()})


@pytest.fixture
def event(app, world) -> SimpleNamespace:
    """A draft event of a competition, with a complete scheme."""
    with app.app_context():
        created = make_event()
        db.session.commit()
        return event_ids(created)


def assign_judges(event: Event, count: int = 3, *, chief: bool = True) -> list[int]:
    """Assign ``count`` scoring judges from no contestant's enterprise (and a chief judge), so
    that every contestant is covered; returns the scoring judges' user ids. Needs an app context."""
    from competitions.services import judges
    from core.roles import Role
    from tests import factories

    ids = []
    for n in range(count):
        user = factories.user(f"cover{n}_{event.id}", [Role.JUDGE])
        judges.assign_judge(event, user, by=None)
        ids.append(user.id)
    if chief:
        judges.assign_judge(event, factories.user(f"coverchief_{event.id}", [Role.JUDGE]), chief=True, by=None)
    return ids
