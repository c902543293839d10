"""Builders of studios for tests of every part of the innovation-studio feature.

``make_studio(world, ...)`` inserts a studio directly in the wanted state (no transitions, no
audit), with a leader of its own enterprise and, by default, three members. Call it inside an
app context; it flushes, the caller commits.
"""

from __future__ import annotations

import itertools
from datetime import date

from core.extensions import db
from core.people.models import Worker
from core.timeutil import utcnow
from innovation_studios.studios.models import MemberRole, Studio, StudioKind, StudioLevel, StudioMember, StudioState
from tests import factories

_counter = itertools.count(1)

#: Studios in these states have been submitted at least once.
_SUBMITTED = {StudioState.APPLIED, StudioState.UNDER_REVIEW, StudioState.RETURNED, StudioState.REJECTED,
              StudioState.NAMED, StudioState.RECTIFICATION, StudioState.DELISTED}
_NAMED = {StudioState.NAMED, StudioState.RECTIFICATION, StudioState.DELISTED}


def _leader_for(world, enterprise_id: int) -> int:
    for ent, worker in (("ent_a", "worker_a"), ("ent_b", "worker_b"), ("ent_c", "worker_c")):
        if getattr(world, ent, None) == enterprise_id:
            return getattr(world, worker)
    return factories.worker(enterprise_id, name="周领办").id


def make_studio(world, state: str | StudioState = "named", *, enterprise: int | None = None,
                kind: str | StudioKind = StudioKind.WORKER, level: str | StudioLevel = StudioLevel.CITY,
                name: str | None = None, leader: int | None = None, members: int = 3,
                named_on: date | None = None, year: int | None = None, number: str | None = None,
                industry: str = "装备制造") -> Studio:
    """A studio of ``enterprise`` (default: ``world.ent_a``) in ``state``.

    ``level`` is the level sought and, once named, the level named. ``leader`` is a worker id
    (default: the enterprise's worker in ``world``, or a new one). ``members`` new workers of the
    enterprise join as members. Named studios get a number and a naming date.
    """
    state = StudioState(state)
    enterprise = enterprise or world.ent_a
    leader = leader or _leader_for(world, enterprise)
    n = next(_counter)
    year = year or (named_on.year if named_on else 2026)
    studio = Studio(
        name=name or f"测试创新工作室{n}", kind=StudioKind(kind).value, level_sought=StudioLevel(level).value,
        level=StudioLevel(level).value if state in _NAMED else None, enterprise_id=enterprise,
        leader_worker_id=leader, field="数控加工", industry=industry, space_equipment="车间二楼，120平方米",
        management_rules="每周例会，成果登记。", plan="三年攻克五项工艺难题。", funding_note="企业年投入20万元",
        state=state.value, submitted_at=utcnow() if state in _SUBMITTED else None,
        applied_year=year if state in _SUBMITTED else None,
        named_on=(named_on or date(year, 6, 1)) if state in _NAMED else None,
        number=(number or f"BJCX-{year}-T{n:04d}") if state in _NAMED else None,
    )
    if state is StudioState.DELISTED:
        studio.delisted_on = date(year + 1, 6, 1)
        studio.delist_reason = "年度考核连续不合格"
    db.session.add(studio)
    db.session.flush()
    joined = studio.named_on or date(year, 3, 1)
    for i in range(members):
        worker = factories.worker(enterprise, name=f"成员{n}{i}")
        db.session.add(StudioMember(studio_id=studio.id, worker_id=worker.id, role=MemberRole.CORE.value,
                                    joined_on=joined))
    db.session.flush()
    return studio


def worker_of(enterprise_id: int, **overrides) -> Worker:
    """A new worker of an enterprise (e.g. a second leader)."""
    return factories.worker(enterprise_id, **overrides)


def user(user_id: int):
    """The account (for ``by=``) of a user id from ``world.users``."""
    from core.accounts.models import User

    return db.session.get(User, user_id)


def application_data(leader_id: int, **overrides):
    """A complete application (services.studios.ApplicationData) led by ``leader_id``."""
    from innovation_studios.studios.services import ApplicationData

    values = {"name": "李明数控加工创新工作室", "kind": "worker", "level_sought": "city",
              "leader_worker_id": leader_id, "field": "数控加工", "industry": "制造业",
              "space_equipment": "车间二楼，120平方米，五轴加工中心一台",
              "management_rules": "每周例会；成果登记；带徒协议。", "plan": "三年攻克五项工艺难题。",
              "funding_note": "企业每年投入20万元。"}
    values.update(overrides)
    return ApplicationData(**values)
