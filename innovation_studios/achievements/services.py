"""A studio's achievements: record, change and remove them with their members and evidence;
read them back cheaply (the studio page's summary, lists, the Excel export).

Services validate, change, audit and flush; the views commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core import uploads
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.timeutil import beijing_today
from core.versions import check_version
from innovation_studios.achievements import rules as record_rules
from innovation_studios.achievements.amounts import InvalidAmount, format_wan, parse_amount
from innovation_studios.achievements.models import (
    Achievement,
    AchievementEvidence,
    AchievementKind,
    AchievementMember,
    PatentStatus,
)
from innovation_studios.achievements.patents import InvalidPatentNumber, check_patent_number
from innovation_studios.assessments.models import AnnualReport, ReportState, report_achievements
from innovation_studios.studios.models import Studio, StudioMember

TITLE_MAX = 200
ISSUER_MAX = 200
DESCRIPTION_MAX = 2000
MAX_EVIDENCE = 10
EARLIEST = date(1950, 1, 1)


@dataclass
class AchievementData:
    """What the form says about an achievement; the benefit stays text until validated."""

    kind: str
    title: str
    achieved_on: date | None
    member_ids: list[int] = field(default_factory=list)
    issuer: str = ""
    description: str = ""
    patent_number: str = ""
    patent_status: str = ""
    economic_benefit: str | Decimal | None = None


# Members ---------------------------------------------------------------------------------

def eligible_members(studio: Studio) -> list[Worker]:
    """Who may be named on the studio's achievements: its leader and its members, present and
    past (an achievement may date from before someone left), each once, leader first."""
    workers = db.session.scalars(
        select(Worker).join(StudioMember, StudioMember.worker_id == Worker.id)
        .where(StudioMember.studio_id == studio.id).order_by(StudioMember.id)).all()
    result = [studio.leader] if studio.leader is not None else []
    for worker in workers:
        if all(worker.id != w.id for w in result):
            result.append(worker)
    return result


# Validation ------------------------------------------------------------------------------

def _clean(data: AchievementData, studio: Studio, *, exclude_id: int | None = None) -> dict:
    """The validated values to store, or a DomainError on the first bad field."""
    if data.kind not in {k.value for k in AchievementKind}:
        raise DomainError(_l("请选择成果类别"), field="kind")
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_l("请填写成果名称"), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("成果名称不能超过 %(n)s 个字", n=TITLE_MAX), field="title")
    if data.achieved_on is None:
        raise DomainError(_l("请填写成果取得日期"), field="achieved_on")
    if data.achieved_on > beijing_today():
        raise DomainError(_l("成果日期不能晚于今天"), field="achieved_on")
    if data.achieved_on < EARLIEST:
        raise DomainError(_l("成果日期不能早于 1950 年"), field="achieved_on")
    issuer = (data.issuer or "").strip()
    if len(issuer) > ISSUER_MAX:
        raise DomainError(_l("不能超过 %(n)s 个字", n=ISSUER_MAX), field="issuer")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_l("说明不能超过 %(n)s 个字", n=DESCRIPTION_MAX), field="description")
    try:
        benefit = parse_amount(data.economic_benefit, label=_l("经济效益"))
    except InvalidAmount as error:
        raise DomainError(str(error), field="economic_benefit") from None

    patent_number = patent_status = None
    if data.kind == AchievementKind.PATENT:
        try:
            patent = check_patent_number(data.patent_number, today=beijing_today())
        except InvalidPatentNumber as error:
            raise DomainError(str(error), field="patent_number") from None
        if data.patent_status not in {s.value for s in PatentStatus}:
            raise DomainError(_l("请选择专利状态（已受理或已授权）"), field="patent_status")
        if patent.year > data.achieved_on.year:
            raise DomainError(_l("专利号中的申请年份（%(year)s年）晚于成果日期，请核对专利号或日期",
                                 year=patent.year), field="achieved_on")
        patent_number, patent_status = patent.normalized, data.patent_status
        same = db.session.scalar(select(Achievement).where(
            Achievement.studio_id == studio.id, Achievement.patent_number == patent_number,
            Achievement.id != (exclude_id or 0)))
        if same is not None:
            raise DomainError(_l("本工作室已登记过该专利（“%(title)s”），无需重复登记", title=same.title),
                              field="patent_number")

    member_ids = list(dict.fromkeys(int(i) for i in data.member_ids or ()))
    if not member_ids:
        raise DomainError(_l("请选择参与该成果的工作室成员"), field="member_ids")
    allowed = {w.id for w in eligible_members(studio)}
    if not set(member_ids) <= allowed:
        raise DomainError(_l("所选人员不是本工作室的领办人或成员"), field="member_ids")

    return {"kind": data.kind, "title": title, "achieved_on": data.achieved_on, "issuer": issuer,
            "description": description, "patent_number": patent_number,
            "patent_status": patent_status, "economic_benefit": benefit, "member_ids": member_ids}


def _check_editable(studio: Studio, by) -> None:
    if by is not None and not record_rules.can_edit_achievements(by, studio):
        raise DomainError(_l("工作室当前为“%(state)s”，不能登记或修改成果", state=studio.state_enum.label))
    if studio.state_enum in record_rules.CLOSED_STATES:
        raise DomainError(_l("工作室当前为“%(state)s”，不能登记或修改成果", state=studio.state_enum.label))


def _locked_reports(achievement: Achievement) -> list[AnnualReport]:
    """Annual reports already submitted or graded that list this achievement."""
    return list(db.session.scalars(
        select(AnnualReport).join(report_achievements, report_achievements.c.report_id == AnnualReport.id)
        .where(report_achievements.c.achievement_id == achievement.id,
               AnnualReport.state.in_([ReportState.SUBMITTED.value, ReportState.GRADED.value]))))


def _audit_values(values: dict) -> dict:
    shown = {k: v for k, v in values.items() if k != "member_ids"}
    shown["members"] = ",".join(str(i) for i in values["member_ids"])
    return shown


# Changes ---------------------------------------------------------------------------------

def create_achievement(studio: Studio, data: AchievementData, *, evidence=None, by) -> Achievement:
    """Record an achievement; ``evidence`` is an optional first file (a werkzeug FileStorage)."""
    _check_editable(studio, by)
    values = _clean(data, studio)
    achievement = Achievement(studio_id=studio.id, created_by_id=getattr(by, "id", None),
                              **{k: v for k, v in values.items() if k != "member_ids"})
    achievement.members = [AchievementMember(worker_id=i) for i in values["member_ids"]]
    db.session.add(achievement)
    db.session.flush()
    audit.record("studio_achievement.create", achievement, by=by, changes={
        k: [None, audit._plain(v)] for k, v in _audit_values(values).items()})
    if evidence is not None and getattr(evidence, "filename", None):
        add_evidence(achievement, evidence, by=by)
    return achievement


def update_achievement(achievement: Achievement, data: AchievementData, *, expected_version: int | None,
                       by) -> Achievement:
    studio = achievement.studio
    _check_editable(studio, by)
    check_version(achievement, expected_version, _l("该成果已被他人修改，请刷新后再保存。您填写的内容仍保留在下方。"))
    locked = _locked_reports(achievement)
    if locked:
        raise DomainError(_l("该成果已列入已提交的%(year)s年度考核报告，不能修改",
                             year=locked[0].round.year))
    values = _clean(data, studio, exclude_id=achievement.id)
    before = _audit_values({**{k: getattr(achievement, k) for k in values if k != "member_ids"},
                            "member_ids": [m.worker_id for m in achievement.members]})
    for key, value in values.items():
        if key != "member_ids":
            setattr(achievement, key, value)
    current = {m.worker_id: m for m in achievement.members}
    for worker_id, member in current.items():
        if worker_id not in values["member_ids"]:
            achievement.members.remove(member)
    for worker_id in values["member_ids"]:
        if worker_id not in current:
            achievement.members.append(AchievementMember(worker_id=worker_id))
    db.session.flush()
    changes = audit.diff(before, _audit_values(values))
    if changes:
        audit.record("studio_achievement.update", achievement, by=by, changes=changes)
    return achievement


def delete_achievement(achievement: Achievement, *, by) -> None:
    """Remove an achievement not yet part of a submitted report; its files go after commit."""
    _check_editable(achievement.studio, by)
    locked = _locked_reports(achievement)
    if locked:
        raise DomainError(_l("该成果已列入已提交的%(year)s年度考核报告，不能删除",
                             year=locked[0].round.year))
    for item in achievement.evidence:
        uploads.delete_after_commit(db.session, item.stored_name)
    audit.record("studio_achievement.delete", achievement, by=by, changes={
        "title": [achievement.title, None], "kind": [achievement.kind, None],
        "achieved_on": [achievement.achieved_on.isoformat(), None]})
    db.session.delete(achievement)
    db.session.flush()


def add_evidence(achievement: Achievement, file_storage, *, by) -> AchievementEvidence:
    """Check and store an evidence file (type from the content; per-file and total limits)."""
    _check_editable(achievement.studio, by)
    if len(achievement.evidence) >= MAX_EVIDENCE:
        raise DomainError(_l("每项成果最多上传 %(n)s 个证明材料", n=MAX_EVIDENCE), field="file")
    config = current_app.config
    used = sum(e.size for e in achievement.evidence)
    stored = uploads.store(file_storage, max_bytes=config["UPLOAD_MAX_FILE_BYTES"],
                           room_bytes=config["UPLOAD_MAX_TOTAL_BYTES"] - used)
    same = next((e for e in achievement.evidence if e.sha256 == stored.sha256), None)
    if same is not None:
        uploads.remove(stored.stored_name)
        raise DomainError(_l("该文件已上传过（“%(name)s”），无需重复上传", name=same.original_name),
                          field="file")
    uploads.discard_on_rollback(db.session, stored.stored_name)
    item = AchievementEvidence(original_name=stored.original_name, stored_name=stored.stored_name,
                               content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                               uploaded_by_id=getattr(by, "id", None))
    achievement.evidence.append(item)
    db.session.flush()
    audit.record("studio_achievement.evidence_add", achievement, by=by, changes={
        "evidence": [None, f"{stored.original_name}（{stored.size} B，sha256 {stored.sha256[:12]}）"]})
    return item


def remove_evidence(achievement: Achievement, item: AchievementEvidence, *, by) -> None:
    _check_editable(achievement.studio, by)
    if item.achievement_id != achievement.id:
        raise DomainError(_l("该证明材料不属于本成果"))
    achievement.evidence.remove(item)
    db.session.flush()
    uploads.delete_after_commit(db.session, item.stored_name)
    audit.record("studio_achievement.evidence_remove", achievement, by=by, changes={
        "evidence": [f"{item.original_name}（sha256 {item.sha256[:12]}）", None]})


# Reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindCount:
    kind: AchievementKind
    count: int
    benefit: Decimal


@dataclass(frozen=True)
class StudioAchievementSummary:
    """What the studio page shows: the latest achievements and the totals by kind."""

    recent: list[Achievement]
    by_kind: list[KindCount]
    total: int
    benefit: Decimal

    @property
    def benefit_text(self) -> str:
        return format_wan(self.benefit)


def studio_summary(studio_id: int, *, recent: int = 5) -> StudioAchievementSummary:
    """The latest ``recent`` achievements and the counts by kind, in two queries whatever the
    number of achievements (both served by the (studio_id, achieved_on, id) index)."""
    latest = list(db.session.scalars(
        select(Achievement).where(Achievement.studio_id == studio_id)
        .order_by(Achievement.achieved_on.desc(), Achievement.id.desc()).limit(recent)))
    rows = db.session.execute(
        select(Achievement.kind, func.count(), func.coalesce(func.sum(Achievement.economic_benefit), 0))
        .where(Achievement.studio_id == studio_id).group_by(Achievement.kind)).all()
    counts = {kind: (count, Decimal(benefit or 0)) for kind, count, benefit in rows}
    by_kind = [KindCount(kind, *counts[kind.value]) for kind in AchievementKind if kind.value in counts]
    return StudioAchievementSummary(
        recent=latest, by_kind=by_kind, total=sum(k.count for k in by_kind),
        benefit=sum((k.benefit for k in by_kind), Decimal(0)))


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def achievements_of_year(studio_id: int, year: int) -> list[Achievement]:
    """The studio's achievements dated in ``year``, oldest first (an annual report's list)."""
    first, last = year_bounds(year)
    return list(db.session.scalars(
        select(Achievement).where(Achievement.studio_id == studio_id,
                                  Achievement.achieved_on.between(first, last))
        .order_by(Achievement.achieved_on, Achievement.id)))


def visible_query(user, *, year: int | None = None, kind: str | None = None, q: str = "",
                  studio_id: int | None = None):
    """Achievements ``user`` may see (enterprise: its own; reviewer: its unions'; admin: all),
    filtered by year, kind, studio and a search text (title, patent number, studio name)."""
    from innovation_studios.studios import rules

    query = (select(Achievement).join(Studio, Studio.id == Achievement.studio_id)
             .join(Enterprise, Enterprise.id == Studio.enterprise_id))
    condition = rules.visible_studios_filter(user, Studio, Enterprise)
    if condition is not None:
        query = query.where(condition)
    if year:
        first, last = year_bounds(year)
        query = query.where(Achievement.achieved_on.between(first, last))
    if kind in {k.value for k in AchievementKind}:
        query = query.where(Achievement.kind == kind)
    if studio_id:
        query = query.where(Achievement.studio_id == studio_id)
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        digits = "".join(ch for ch in q if ch.isdigit() or ch in "Xx")
        conditions = [Achievement.title.like(like), Studio.name.like(like), Enterprise.name.like(like)]
        if len(digits) >= 4:
            conditions.append(Achievement.patent_number.like(f"%{digits[:12]}%"))
        query = query.where(or_(*conditions))
    return query.order_by(Achievement.achieved_on.desc(), Achievement.id.desc())


EXPORT_HEADERS = ("工作室", "工作室编号", "所属企业", "成果类别", "成果名称", "取得日期", "专利号", "专利状态",
                  "发布/授予单位", "参与成员", "经济效益（万元）", "证明材料（份）", "说明")


def export_rows(query) -> Iterable[tuple]:
    """The rows of the Excel export, in the list's order (members and files read in batches)."""
    query = query.options(selectinload(Achievement.members).selectinload(AchievementMember.worker),
                          selectinload(Achievement.evidence).load_only(AchievementEvidence.id),
                          selectinload(Achievement.studio).selectinload(Studio.enterprise))
    for achievement in db.session.scalars(query).unique():
        studio = achievement.studio
        yield (studio.name, studio.number or "", studio.enterprise.name, str(achievement.kind_enum.label),
               achievement.title, achievement.achieved_on, achievement.patent_display,
               str(achievement.patent_status_enum.label) if achievement.patent_status_enum else "",
               achievement.issuer, "、".join(m.worker.name for m in achievement.members),
               achievement.economic_benefit, len(achievement.evidence), achievement.description)


def years_with_achievements() -> list[int]:
    """Years offered by the list's year filter (from the oldest achievement to this year)."""
    oldest = db.session.scalar(select(func.min(Achievement.achieved_on)))
    this_year = beijing_today().year
    first = oldest.year if oldest else this_year
    return list(range(this_year, first - 1, -1))

