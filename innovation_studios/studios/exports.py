"""The Excel export of studios for administrators: the filtered list, every page. A Chinese
document whatever the UI language; no ID numbers or phone numbers, only the leader's name
and distinctions."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from core.excel import workbook
from core.extensions import db
from core.organizations.models import Enterprise
from innovation_studios.studios import leaders
from innovation_studios.studios.models import Studio, StudioKind, StudioLevel, StudioMember, StudioState

COLUMNS = {  # header: width
    "编号": 16, "工作室名称": 36, "类别": 16, "命名级别": 10, "申报级别": 10, "状态": 10,
    "企业": 36, "所在区": 14, "产业工会": 24, "所属行业": 24, "专业领域": 16, "领办人": 10,
    "领办人荣誉": 30, "在册成员": 10, "申报年度": 10, "命名日期": 12, "评审得分": 10,
    "摘牌日期": 12,
}


def studios_workbook(query: Select) -> bytes:
    """Every studio the query selects (with the list's eager loads), in its order."""
    studios = db.session.scalars(query.options(
        selectinload(Studio.enterprise).selectinload(Enterprise.industry_union))).all()
    flags = leaders.flags_for([s.leader for s in studios])
    counts = _member_counts([s.id for s in studios])
    with force_locale("zh"):
        rows = [
            (s.number or "", s.name, str(StudioKind(s.kind).label),
             str(StudioLevel(s.level).label) if s.level else "", str(StudioLevel(s.level_sought).label),
             str(StudioState(s.state).label), s.enterprise.name,
             s.enterprise.district_union.name if s.enterprise.district_union else "",
             s.enterprise.industry_union.name if s.enterprise.industry_union else "",
             s.industry, s.field, s.leader.name, leaders.title_text(flags.get(s.leader_worker_id, [])),
             counts.get(s.id, 0), s.applied_year, s.named_on, s.review_score, s.delisted_on)
            for s in studios
        ]
    return workbook("创新工作室", list(COLUMNS), rows, widths=COLUMNS)


def _member_counts(studio_ids: list[int]) -> dict[int, int]:
    if not studio_ids:
        return {}
    counts: dict[int, int] = {}
    for start in range(0, len(studio_ids), 1000):
        chunk = studio_ids[start:start + 1000]
        counts.update(dict(db.session.execute(
            select(StudioMember.studio_id, func.count()).where(
                StudioMember.studio_id.in_(chunk), StudioMember.left_on.is_(None))
            .group_by(StudioMember.studio_id)).all()))
    return counts
