"""Selection cycles: create and edit with their occupations, quotas, rules and rubric."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.organizations.models import Union, UnionKind
from core.people.models import SkillLevel
from core.review_panels import scoring
from core.versions import check_version
from craftsmen import eligibility
from craftsmen.models import (
    CraftsmanLevel,
    CycleOccupation,
    CycleStatus,
    Nomination,
    ReviewMethod,
    SelectionCycle,
)
from craftsmen.services import review
from craftsmen.services.transitions import move_cycle

AUDITED_FIELDS = ("title", "level", "organizer_union_id", "year", "nomination_opens",
                  "nomination_closes", "notice_days", "min_years", "min_skill_level", "min_age",
                  "max_age", "front_line_required", "in_post_required", "exclude_title_holders", "max_per_enterprise",
                  "max_per_union", "rubric", "disagreement_threshold", "description")


@dataclass
class OccupationData:
    name: str
    quota: int
    code: str = ""
    method: str = ReviewMethod.COMPREHENSIVE.value


@dataclass(kw_only=True)
class CycleData(eligibility.Rules):
    """A cycle as typed: its own fields and its eligibility rules."""

    title: str
    level: str
    year: int
    nomination_opens: datetime
    nomination_closes: datetime
    occupations: list[OccupationData] = field(default_factory=list)
    organizer_union_id: int | None = None
    notice_days: int = 7
    rubric: dict = field(default_factory=lambda: dict(scoring.DEFAULT_CRAFTSMAN_RUBRIC))
    disagreement_threshold: Decimal = Decimal(15)
    description: str = ""


def _validate(data: CycleData) -> None:
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError(_l("请填写周期名称"), field="title")
    if data.level not in {lv.value for lv in CraftsmanLevel}:
        raise DomainError(_l("请选择级别"), field="level")
    if data.level == CraftsmanLevel.CITY:
        data.organizer_union_id = None
    else:
        union = db.session.get(Union, data.organizer_union_id or 0)
        wanted = UnionKind.DISTRICT if data.level == CraftsmanLevel.DISTRICT else UnionKind.INDUSTRY
        if union is None or union.kind != wanted:
            raise DomainError(_l("区级、产业工匠须选择主办的区总工会或产业工会"),
                              field="organizer_union_id")
    if not 2000 <= int(data.year) <= 2100:
        raise DomainError(_l("年份无效"), field="year")
    if data.nomination_closes <= data.nomination_opens:
        raise DomainError(_l("推荐截止时间须晚于开始时间"), field="nomination_closes")
    if not 1 <= int(data.notice_days) <= 30:
        raise DomainError(_l("公示期应为 1 到 30 天"), field="notice_days")
    if data.min_skill_level and data.min_skill_level not in {s.value for s in SkillLevel}:
        raise DomainError(_l("技能等级无效"), field="min_skill_level")
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        raise DomainError(_l("最小年龄不能大于最大年龄"), field="max_age")
    for name in ("min_years", "min_age", "max_age", "max_per_enterprise", "max_per_union"):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise DomainError(_l("不能为负数"), field=name)
    try:
        scoring.Rubric.from_data(data.rubric)
    except scoring.RubricError as exc:
        raise DomainError(str(exc), field="rubric") from None
    if not Decimal(0) < Decimal(data.disagreement_threshold) <= Decimal(100):
        raise DomainError(_l("分歧阈值应在 0 到 100 之间"), field="disagreement_threshold")
    if not data.occupations:
        raise DomainError(_l("至少要有一个工种"), field="occupations")
    names = [o.name.strip() for o in data.occupations]
    if any(not n for n in names):
        raise DomainError(_l("工种名称不能为空"), field="occupations")
    if len(set(names)) != len(names):
        raise DomainError(_l("工种不能重复"), field="occupations")
    for occupation in data.occupations:
        occupation.name = occupation.name.strip()
        if not 1 <= int(occupation.quota) <= 1000:
            raise DomainError(_l("“%(name)s”的名额应为 1 到 1000", name=occupation.name),
                              field="occupations")
        if occupation.method not in {m.value for m in ReviewMethod}:
            raise DomainError(_l("评审方式无效"), field="occupations")


def _apply(cycle: SelectionCycle, data: CycleData) -> None:
    for name in AUDITED_FIELDS:
        setattr(cycle, name, getattr(data, name))


def _sync_occupations(cycle: SelectionCycle, occupations: list[OccupationData]) -> None:
    """Update occupations by name; one with nominations cannot be removed."""
    wanted = {o.name: o for o in occupations}
    for existing in list(cycle.occupations):
        if existing.name not in wanted:
            used = db.session.scalar(select(func.count()).select_from(Nomination).where(
                Nomination.occupation_id == existing.id)) if existing.id else 0
            if used:
                raise DomainError(_l("工种“%(name)s”已有提名，不能删除", name=existing.name),
                                  field="occupations")
            cycle.occupations.remove(existing)
    have = {o.name: o for o in cycle.occupations}
    for name, data in wanted.items():
        target = have.get(name) or CycleOccupation(name=name)
        target.quota, target.code, target.method = int(data.quota), data.code.strip(), data.method
        if name not in have:
            cycle.occupations.append(target)


def occupations_summary(cycle: SelectionCycle) -> list[str]:
    return [f"{o.name}:{o.quota}:{o.method}" for o in cycle.occupations]


def create_cycle(data: CycleData, *, by) -> SelectionCycle:
    _validate(data)
    cycle = SelectionCycle(status=CycleStatus.DRAFT.value)
    _apply(cycle, data)
    _sync_occupations(cycle, data.occupations)
    db.session.add(cycle)
    db.session.flush()
    changes = audit.diff({}, audit.snapshot(cycle, AUDITED_FIELDS))
    changes["occupations"] = [[], occupations_summary(cycle)]
    audit.record("cycle.create", cycle, by=by, changes=changes)
    return cycle


def update_cycle(cycle: SelectionCycle, data: CycleData, *, expected_version: int | None, by) -> None:
    """Rules and occupations change only before review starts; the occupations' panels follow
    a changed rubric or threshold."""
    check_version(cycle, expected_version, _l("该周期已被他人修改。您填写的内容仍保留在下方，请刷新后再保存。"))
    if cycle.status not in (CycleStatus.DRAFT, CycleStatus.NOMINATING):
        raise DomainError(_l("评审开始后不能再修改周期设置"))
    _validate(data)
    before = audit.snapshot(cycle, AUDITED_FIELDS)
    before_occupations = occupations_summary(cycle)
    _apply(cycle, data)
    _sync_occupations(cycle, data.occupations)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(cycle, AUDITED_FIELDS))
    if occupations_summary(cycle) != before_occupations:
        changes["occupations"] = [before_occupations, occupations_summary(cycle)]
    if changes:
        audit.record("cycle.update", cycle, by=by, changes=changes)
    review.refresh_panels(cycle, by=by)  # a changed rubric or threshold reaches the panels


def open_nominations(cycle: SelectionCycle, *, by) -> None:
    move_cycle(cycle, CycleStatus.NOMINATING, by=by)


def start_review(cycle: SelectionCycle, *, by) -> None:
    """Close nominations: no more submissions; qualification and expert review go on.

    Panels formed earlier take the cycle's rubric and threshold as they are now.
    """
    move_cycle(cycle, CycleStatus.REVIEWING, by=by)
    review.refresh_panels(cycle, by=by)
