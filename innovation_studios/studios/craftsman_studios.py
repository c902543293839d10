"""Studios attached to a craftsman's title, and what a worker's record shows of studios.

A Beijing Grand Craftsman's title carries a funded 工匠创新工作室 (e.g. 10 万元 a year for three
years). The title stands in for the application and the expert review: the administrator sets
the studio up from the title, and it goes through the studio's states in one step each
(applied → under review → named, each audited with the title as the reason; naming issues its
certificate as any naming does), then receives the cycle's funding plan as yearly grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.timeutil import beijing_today, utcnow
from innovation_studios.achievements import funding
from innovation_studios.alliances.models import AllianceMembership
from innovation_studios.studios import rules
from innovation_studios.studios.models import Studio, StudioKind, StudioLevel, StudioState
from innovation_studios.studios.services import next_number
from innovation_studios.studios.states import NAMED_STATES
from innovation_studios.studios.transitions import move_studio

S = StudioState


@dataclass
class TitleStudioData:
    """The studio as prefilled from the title, as the administrator confirmed it."""

    name: str
    leader_worker_id: int
    enterprise_id: int
    field: str
    named_on: date | None
    reason: str                          # e.g. 第四届北京大工匠（钳工）命名
    funding_per_year: Decimal | None = None
    funding_years: int | None = None
    funding_from: int | None = None
    funding_source: str = "北京市总工会北京大工匠资助"


def studio_led_since(worker_id: int) -> Studio | None:
    """A studio the worker leads now that is not delisted or rejected (one is enough)."""
    return db.session.scalar(select(Studio).where(
        Studio.leader_worker_id == worker_id,
        Studio.state.not_in([S.REJECTED.value, S.DELISTED.value])).order_by(Studio.id).limit(1))


def set_up_for_title(data: TitleStudioData, *, by) -> Studio:
    """Set up and name the title holder's craftsman studio, with the funding plan's grants."""
    if not rules.can_manage_review(by):
        raise DomainError(_l("只有管理员可以设立工作室"))
    name = " ".join((data.name or "").split())
    if not name or len(name) > 100:
        raise DomainError(_l("请填写工作室名称（不超过 100 个字）"), field="name")
    leader = db.session.get(Worker, data.leader_worker_id)
    if leader is None or leader.enterprise_id != data.enterprise_id:
        raise DomainError(_l("领办人须是本单位职工"), field="name")
    existing = studio_led_since(leader.id)
    if existing is not None:
        raise DomainError(_l("%(n)s 已领办“%(s)s”（%(state)s），不能重复设立", n=leader.name, s=existing.name,
                             state=existing.state_enum.label))
    named_on = data.named_on or beijing_today()
    if named_on > beijing_today():
        raise DomainError(_l("命名日期不能晚于今天"), field="named_on")
    studio = Studio(name=name, kind=StudioKind.CRAFTSMAN.value, level_sought=StudioLevel.CITY.value,
                    enterprise_id=data.enterprise_id, leader_worker_id=leader.id, field=(data.field or "")[:64],
                    plan="", funding_note=data.reason[:500], state=S.DRAFT.value, created_by_id=by.id,
                    submitted_at=utcnow(), applied_year=named_on.year)
    db.session.add(studio)
    db.session.flush()
    move_studio(studio, S.APPLIED, by=by, note=data.reason)
    move_studio(studio, S.UNDER_REVIEW, by=by, note=data.reason)
    studio.level, studio.named_on = StudioLevel.CITY.value, named_on
    for _attempt in range(5):
        try:
            with db.session.begin_nested():  # another naming may take the number meanwhile
                studio.number = next_number(named_on.year)
                db.session.flush()
        except IntegrityError:
            continue
        break
    else:
        raise DomainError(_l("生成编号时发生冲突，请重试"))
    move_studio(studio, S.NAMED, by=by, note=data.reason, changes={
        "number": [None, studio.number], "level": [None, studio.level], "named_on": [None, named_on.isoformat()]})
    if data.funding_per_year is not None and data.funding_years:
        funding.add_grants(studio, funding.GrantData(year=data.funding_from or named_on.year,
                                                     amount=data.funding_per_year, source=data.funding_source,
                                                     years=data.funding_years, note=data.reason[:200]), by=by)
    return studio


@dataclass
class LedStudio:
    studio: Studio
    alliances: list[AllianceMembership]


def studios_led(worker_id: int) -> list[LedStudio]:
    """Named studios the worker leads, each with its alliance memberships (current and past)."""
    studios = db.session.scalars(select(Studio).where(
        Studio.leader_worker_id == worker_id, Studio.state.in_([s.value for s in NAMED_STATES]))
        .order_by(Studio.named_on, Studio.id)).all()
    if not studios:
        return []
    memberships: dict[int, list[AllianceMembership]] = {studio.id: [] for studio in studios}
    for membership in db.session.scalars(select(AllianceMembership).where(
            AllianceMembership.studio_id.in_(list(memberships)))
            .options(selectinload(AllianceMembership.alliance))
            .order_by(AllianceMembership.joined_on, AllianceMembership.id)):
        memberships[membership.studio_id].append(membership)
    return [LedStudio(studio=studio, alliances=memberships[studio.id]) for studio in studios]
