"""Studios from the enterprise's application to naming and delisting, with their members and
leaders.

* **Application** (申报): the enterprise's draft (name, kind, level sought, leader of its own
  enterprise, field, industry, space and equipment, management rules, plan, funding) and its
  team; submitted when complete; edited again only when returned.
* **Union check** (资格审查): the district or industry union's reviewer accepts (the application
  goes to expert review), returns it with a reason or rejects it with a reason.
* **Decision** after the expert review (:mod:`innovation_studios.studios.review`): the
  administrator names the studio (naming date, level, a unique number such as
  BJCX-2026-0001), or returns or rejects it. A named studio may be delisted with a date and
  a reason.
* **Members** join and leave with dates (rows of a named studio are never deleted);
  **leader changes** (retirement, transfer) are appended to a history that is never rewritten.

Every state change goes through :func:`innovation_studios.studios.transitions.move_studio`
(transition table + audit); other changes are audited here. Functions validate, change, audit
and flush; refusals are :class:`~core.errors.DomainError` with the Chinese reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.review_panels import scoring
from core.roles import Role
from core.timeutil import beijing_today, utc_to_beijing, utcnow
from core.versions import check_version
from innovation_studios.studios import rules, states
from innovation_studios.studios.models import (
    INDUSTRIES,
    LeaderChangeReason,
    MemberRole,
    Studio,
    StudioKind,
    StudioLeaderChange,
    StudioLevel,
    StudioMember,
    StudioState,
)
from innovation_studios.studios.states import EDITABLE_STATES, NAMED_STATES
from innovation_studios.studios.transitions import move_studio

S = StudioState

#: A studio is a team: at least this many members besides the leader when applying.
MIN_MEMBERS = 3
TEXT_MAX = 5000
REASON_MAX = 1000
NUMBER_PREFIX = "BJCX"
NUMBER_PATTERN = re.compile(r"^[A-Z]{2,8}-\d{4}-\d{4,6}$")
EARLIEST = date(1950, 1, 1)

#: Audited fields of an application.
APPLICATION_FIELDS = ("name", "kind", "level_sought", "leader_worker_id", "field", "industry",
                      "space_equipment", "management_rules", "plan", "funding_note")


@dataclass
class ApplicationData:
    """An application as typed in the form."""

    name: str
    kind: str
    level_sought: str
    leader_worker_id: int | None
    field: str = ""
    industry: str = ""
    space_equipment: str = ""
    management_rules: str = ""
    plan: str = ""
    funding_note: str = ""


# Checks shared by the steps -------------------------------------------------------------------

#: The answer to an edit or decision on a studio that changed after the page was opened.
STALE = _l("该工作室已被他人修改或处理（您打开页面后又有新的变化）。请刷新页面查看最新情况后再操作。")


def _today() -> date:
    return beijing_today()


def _check_date(value: date | None, field: str, label, *, not_before: date | None = None,
                not_before_label=None) -> date:
    if value is None:
        raise DomainError(_l("请填写%(label)s", label=label), field=field)
    if value > _today():
        raise DomainError(_l("%(label)s不能晚于今天", label=label), field=field)
    if value < EARLIEST:
        raise DomainError(_l("%(label)s不正确", label=label), field=field)
    if not_before is not None and value < not_before:
        raise DomainError(_l("%(label)s不能早于%(other)s（%(day)s）", label=label,
                             other=not_before_label, day=_cn(not_before)), field=field)
    return value


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _reason(text: str | None, *, required: bool, field: str = "reason", label=None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(label or _l("请填写理由"), field=field)
    if len(text) > REASON_MAX:
        raise DomainError(_l("理由不能超过 %(n)s 个字", n=REASON_MAX), field=field)
    return text


def worker_of_enterprise(studio_or_enterprise_id, worker_id, *, field: str, role_label) -> Worker:
    """The worker, if they belong to the studio's enterprise; a clear refusal otherwise."""
    enterprise_id = getattr(studio_or_enterprise_id, "enterprise_id", studio_or_enterprise_id)
    worker = db.session.get(Worker, worker_id) if worker_id else None
    if worker is None:
        raise DomainError(_l("请选择%(role)s", role=role_label), field=field)
    if worker.enterprise_id != enterprise_id:
        raise DomainError(_l("%(role)s须是本单位的职工：所选职工（%(name)s）不属于本单位，"
                             "请从本单位职工中选择，或先在“职工”中登记", role=role_label, name=worker.name),
                          field=field)
    return worker


def current_members(studio: Studio) -> list[StudioMember]:
    return [m for m in studio.members if m.left_on is None]


# Applications -----------------------------------------------------------------------------------

def _clean(data: ApplicationData, enterprise_id: int, *, exclude_id: int | None = None) -> ApplicationData:
    name = " ".join((data.name or "").split())
    if not name:
        raise DomainError(_l("请填写工作室名称"), field="name")
    if len(name) > 100:
        raise DomainError(_l("工作室名称不能超过 100 个字"), field="name")
    if data.kind not in {k.value for k in StudioKind}:
        raise DomainError(_l("请选择工作室类别"), field="kind")
    if data.level_sought not in {lv.value for lv in StudioLevel}:
        raise DomainError(_l("请选择申报级别"), field="level_sought")
    industry = (data.industry or "").strip()
    if industry and industry not in INDUSTRIES:
        raise DomainError(_l("请从列表中选择所属行业"), field="industry")
    worker_of_enterprise(enterprise_id, data.leader_worker_id, field="leader_worker_id",
                         role_label=_l("领办人"))
    texts = {}
    for name_, label, limit in (("field", _l("专业领域"), 64), ("space_equipment", _l("场地与设备"), TEXT_MAX),
                                ("management_rules", _l("管理制度"), TEXT_MAX), ("plan", _l("工作计划"), TEXT_MAX),
                                ("funding_note", _l("经费保障"), TEXT_MAX)):
        value = (getattr(data, name_) or "").strip()
        if len(value) > limit:
            raise DomainError(_l("%(label)s不能超过 %(n)s 个字", label=label, n=limit), field=name_)
        texts[name_] = value
    same_name = select(Studio.id).where(
        Studio.enterprise_id == enterprise_id, Studio.name == name,
        Studio.state.not_in([S.REJECTED.value, S.DELISTED.value]))
    if exclude_id is not None:
        same_name = same_name.where(Studio.id != exclude_id)
    if db.session.scalar(same_name.limit(1)) is not None:
        raise DomainError(_l("本单位已有名为“%(name)s”的工作室或申报，请换一个名称", name=name), field="name")
    return ApplicationData(name=name, kind=data.kind, level_sought=data.level_sought,
                           leader_worker_id=data.leader_worker_id, industry=industry, **texts)


def _snapshot(studio: Studio) -> dict:
    return audit.snapshot(studio, APPLICATION_FIELDS)


def create_application(enterprise_id: int, data: ApplicationData, *, by) -> Studio:
    """A new draft application of ``enterprise_id`` (the enterprise's own account only)."""
    if not rules.can_apply(by) or by.enterprise_id != enterprise_id:
        raise DomainError(_l("只有本单位的企业工会账号可以申报工作室"))
    clean = _clean(data, enterprise_id)
    studio = Studio(enterprise_id=enterprise_id, state=S.DRAFT.value, created_by_id=by.id,
                    **{f.name: getattr(clean, f.name) for f in fields(clean)})
    db.session.add(studio)
    db.session.flush()
    audit.record("studio.create", studio, by=by, changes=audit.diff({}, _snapshot(studio)))
    return studio


def _check_editable(studio: Studio, by) -> None:
    if not rules.is_owner(by, studio):
        raise DomainError(_l("只有申报单位可以修改申报材料"))
    if studio.state_enum not in EDITABLE_STATES:
        raise DomainError(_l("工作室当前为“%(state)s”，申报材料只能查看，不能修改",
                             state=studio.state_enum.label))


def update_application(studio: Studio, data: ApplicationData, *, expected_version: int | None,
                       by) -> Studio:
    _check_editable(studio, by)
    check_version(studio, expected_version, STALE)
    clean = _clean(data, studio.enterprise_id, exclude_id=studio.id)
    before = _snapshot(studio)
    for f in fields(clean):
        setattr(studio, f.name, getattr(clean, f.name))
    studio.leader = db.session.get(Worker, studio.leader_worker_id)  # keep the relationship in step
    # The leader is not one of the members: a member chosen as leader leaves the team list.
    for member in list(studio.members):
        if member.worker_id == studio.leader_worker_id:
            studio.members.remove(member)
    db.session.flush()
    changes = audit.diff(before, _snapshot(studio))
    if changes:
        audit.record("studio.update", studio, by=by, changes=changes)
    return studio


def delete_draft(studio: Studio, *, expected_version: int | None, by) -> None:
    """A draft never submitted may be deleted by its enterprise."""
    _check_editable(studio, by)
    check_version(studio, expected_version, STALE)
    if studio.state_enum is not S.DRAFT:
        raise DomainError(_l("已提交过的申报不能删除"))
    audit.record("studio.delete", studio, by=by, changes={"name": [studio.name, None]})
    db.session.delete(studio)
    db.session.flush()


def submission_problems(studio: Studio) -> list[str]:
    """What still stops the application from being submitted, as sentences (empty: ready)."""
    problems = []
    for name, label in (("field", _l("专业领域")), ("industry", _l("所属行业")),
                        ("space_equipment", _l("场地与设备")), ("management_rules", _l("管理制度")),
                        ("plan", _l("工作计划")), ("funding_note", _l("经费保障"))):
        if not (getattr(studio, name) or "").strip():
            problems.append(str(_l("请填写%(label)s", label=label)))
    leader = studio.leader
    if leader is None or leader.enterprise_id != studio.enterprise_id:
        problems.append(str(_l("领办人须是本单位的职工")))
    elif not leader.in_post:
        problems.append(str(_l("领办人 %(name)s 已不在岗，请更换领办人", name=leader.name)))
    members = current_members(studio)
    if len(members) < MIN_MEMBERS:
        problems.append(str(_l("团队成员（不含领办人）至少 %(n)s 人，当前 %(m)s 人", n=MIN_MEMBERS,
                               m=len(members))))
    strangers = [m.worker.name for m in members if m.worker.enterprise_id != studio.enterprise_id]
    if strangers:
        problems.append(str(_l("以下成员已不是本单位职工，请移出：%(names)s", names="、".join(strangers))))
    return problems


def submit(studio: Studio, *, expected_version: int | None, by) -> str:
    """Submit a draft or a returned application for the union's check; returns the action."""
    _check_editable(studio, by)
    check_version(studio, expected_version, STALE)
    problems = submission_problems(studio)
    if problems:
        raise DomainError(_l("不能提交：%(reasons)s", reasons="；".join(problems)))
    studio.submitted_at = utcnow()
    if studio.applied_year is None:
        studio.applied_year = _today().year
    return move_studio(studio, S.APPLIED, by=by)


# The union's check ----------------------------------------------------------------------------

CHECK_DECISIONS = ("accept", "return", "reject")


def check(studio: Studio, decision: str, reason: str, *, expected_version: int | None, by) -> None:
    """The union reviewer's decision on a submitted application: accept (to expert review),
    return for correction or reject; a reason is required to return or reject."""
    if not rules.is_reviewer_for(by, studio):
        raise DomainError(_l("只有申报单位所属区或产业工会的审核员可以审查该申报"))
    check_version(studio, expected_version, STALE)
    if decision not in CHECK_DECISIONS:
        raise DomainError(_l("请选择审查结论"), field="decision")
    target = {"accept": S.UNDER_REVIEW, "return": S.RETURNED, "reject": S.REJECTED}[decision]
    states.studio_action(studio.state, target)  # an illegal move is refused before anything else
    if studio.state_enum is not S.APPLIED:
        raise states.IllegalTransition(_l("该申报不在待审查状态"))
    note = _reason(reason, required=decision != "accept",
                   label=_l("退回修改或不予通过时，请填写理由"))
    move_studio(studio, target, by=by, note=note)


# Decision after the expert review ---------------------------------------------------------------

def _official_score(studio: Studio, *, required: bool):
    """The panel's official score of the studio; refuses while the review is unfinished."""
    from innovation_studios.studios import review

    result = review.result_for(studio)
    if result is None:
        if required:
            raise DomainError(_l("该申报尚无专家评审组，请先组建评审组并完成评分"))
        return None
    if required and not result.complete:
        raise DomainError(_l("专家评分尚未完成（%(n)s/%(m)s），全部提交后才能命名",
                             n=result.submitted, m=result.expected))
    if required and result.needs_lead:
        raise DomainError(_l("专家评分分歧较大，须由评审组长处理后才能命名"))
    return scoring.official(result.aggregate)


def next_number(year: int) -> str:
    """The next free number of ``year``: BJCX-2026-0001, BJCX-2026-0002, ..."""
    prefix = f"{NUMBER_PREFIX}-{year}-"
    used = db.session.scalars(select(Studio.number).where(Studio.number.like(prefix + "%")))
    highest = max((int(n[len(prefix):]) for n in used if n and n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


def _check_number(number: str, *, exclude_id: int) -> str:
    number = (number or "").strip().upper()
    if not NUMBER_PATTERN.match(number):
        raise DomainError(_l("编号格式应如 BJCX-2026-0001"), field="number")
    taken = db.session.scalar(select(Studio.id).where(Studio.number == number, Studio.id != exclude_id))
    if taken is not None:
        raise DomainError(_l("编号 %(number)s 已被其他工作室使用", number=number), field="number")
    return number


def name_studio(studio: Studio, *, named_on: date | None, level: str, number: str = "",
                note: str = "", expected_version: int | None, by) -> Studio:
    """Name a studio after its expert review: naming date, level and a unique number.

    A blank ``number`` takes the next free number of the naming year. The panel's scoring must
    be complete, with any disagreement handled by the panel lead.
    """
    if not rules.can_manage_review(by):
        raise DomainError(_l("只有管理员可以命名工作室"))
    check_version(studio, expected_version, STALE)
    states.studio_action(studio.state, S.NAMED)
    if level not in {lv.value for lv in StudioLevel}:
        raise DomainError(_l("请选择命名级别"), field="level")
    submitted_on = (utc_to_beijing(studio.submitted_at).date() if studio.submitted_at else None)
    named_on = _check_date(named_on, "named_on", _l("命名日期"), not_before=submitted_on,
                           not_before_label=_l("申报日期"))
    note = _reason(note, required=False, field="note")
    score = _official_score(studio, required=True)
    given = (number or "").strip()
    if given:
        given = _check_number(given, exclude_id=studio.id)
    studio.level = level
    studio.named_on = named_on
    studio.review_score = score
    for _attempt in range(5):
        candidate = given or next_number(named_on.year)
        try:
            with db.session.begin_nested():  # another administrator may take the number meanwhile
                studio.number = candidate
                db.session.flush()
        except IntegrityError:
            if given:
                raise DomainError(_l("编号 %(number)s 已被其他工作室使用", number=given),
                                  field="number") from None
            continue
        break
    else:
        raise DomainError(_l("生成编号时发生冲突，请重试"))
    move_studio(studio, S.NAMED, by=by, note=note or None, changes={
        "number": [None, studio.number], "level": [None, level], "named_on": [None, named_on.isoformat()],
        "review_score": [None, scoring.display(score)]})
    return studio


def decide_after_review(studio: Studio, decision: str, reason: str, *,
                        expected_version: int | None, by) -> None:
    """The administrator returns (for correction) or rejects an application after review."""
    if not rules.can_manage_review(by):
        raise DomainError(_l("只有管理员可以作出评审结论"))
    check_version(studio, expected_version, STALE)
    if decision not in ("return", "reject"):
        raise DomainError(_l("请选择评审结论"), field="decision")
    target = S.RETURNED if decision == "return" else S.REJECTED
    states.studio_action(studio.state, target)
    if studio.state_enum is not S.UNDER_REVIEW:
        raise states.IllegalTransition(_l("该申报不在评审中"))
    note = _reason(reason, required=True, field="reason", label=_l("请填写退回或不予命名的理由"))
    studio.review_score = _official_score(studio, required=False)
    move_studio(studio, target, by=by, note=note)


def delist(studio: Studio, *, delisted_on: date | None, reason: str,
           expected_version: int | None, by) -> None:
    """The administrator delists (摘牌) a named studio, with a date and a reason."""
    if not by.has_role(Role.ADMIN):
        raise DomainError(_l("只有管理员可以摘牌"))
    check_version(studio, expected_version, STALE)
    states.studio_action(studio.state, S.DELISTED)
    delisted_on = _check_date(delisted_on, "delisted_on", _l("摘牌日期"), not_before=studio.named_on,
                              not_before_label=_l("命名日期"))
    reason = _reason(reason, required=True, field="reason", label=_l("请填写摘牌理由"))
    studio.delisted_on = delisted_on
    studio.delist_reason = reason
    move_studio(studio, S.DELISTED, by=by, note=reason,
                changes={"delisted_on": [None, delisted_on.isoformat()]})


# Members ---------------------------------------------------------------------------------------

def _check_members_open(studio: Studio, by) -> None:
    if not rules.can_manage_members(by, studio):
        if studio.state_enum in EDITABLE_STATES or studio.state_enum in NAMED_STATES:
            raise DomainError(_l("只有申报单位可以调整团队成员"))
        raise DomainError(_l("工作室当前为“%(state)s”，不能调整成员", state=studio.state_enum.label))


def add_member(studio: Studio, worker_id: int | None, role: str, joined_on: date | None, *, by) -> StudioMember:
    """A worker of the studio's enterprise joins the team on ``joined_on``."""
    _check_members_open(studio, by)
    worker = worker_of_enterprise(studio, worker_id, field="worker_id", role_label=_l("成员"))
    if role not in {r.value for r in MemberRole}:
        raise DomainError(_l("请选择成员角色"), field="role")
    if worker.id == studio.leader_worker_id:
        raise DomainError(_l("%(name)s 是领办人，不必再列为成员", name=worker.name), field="worker_id")
    if any(m.worker_id == worker.id for m in current_members(studio)):
        raise DomainError(_l("%(name)s 已是工作室成员", name=worker.name), field="worker_id")
    if studio.state_enum in EDITABLE_STATES and joined_on is None:
        joined_on = _today()
    joined_on = _check_date(joined_on, "joined_on", _l("加入日期"))
    member = StudioMember(worker_id=worker.id, role=role, joined_on=joined_on)
    studio.members.append(member)
    db.session.flush()
    audit.record("studio.member_join", studio, by=by, changes={
        "member": [None, worker.name], "role": [None, role], "joined_on": [None, joined_on.isoformat()]})
    return member


def remove_member(studio: Studio, member: StudioMember, *, by) -> None:
    """Take a worker off the team of an application not yet submitted (or returned)."""
    _check_members_open(studio, by)
    if studio.state_enum not in EDITABLE_STATES:
        raise DomainError(_l("已命名工作室的成员不能删除，请登记其退出日期"))
    name = member.worker.name
    studio.members.remove(member)
    db.session.flush()
    audit.record("studio.member_remove", studio, by=by, changes={"member": [name, None]})


def end_membership(studio: Studio, member: StudioMember, left_on: date | None, reason: str, *, by) -> None:
    """A member of a named studio leaves on ``left_on``; the row stays as history."""
    _check_members_open(studio, by)
    if studio.state_enum not in NAMED_STATES:
        raise DomainError(_l("申报阶段的成员直接移出即可"))
    if member.left_on is not None:
        raise DomainError(_l("%(name)s 已于 %(day)s 退出", name=member.worker.name, day=_cn(member.left_on)))
    left_on = _check_date(left_on, "left_on", _l("退出日期"), not_before=member.joined_on,
                          not_before_label=_l("加入日期"))
    reason = _reason(reason, required=True, field="reason", label=_l("请填写退出原因"))
    member.left_on = left_on
    member.leave_reason = reason[:200]
    db.session.flush()
    audit.record("studio.member_leave", studio, by=by, changes={
        "member": [member.worker.name, None], "left_on": [None, left_on.isoformat()], "reason": [None, reason[:200]]})


# Leaders ----------------------------------------------------------------------------------------

def change_leader(studio: Studio, new_worker_id: int | None, changed_on: date | None, reason: str,
                  note: str = "", *, expected_version: int | None, by) -> StudioLeaderChange:
    """Record that the studio's leader changed (retirement, transfer, ...): appended to the
    history, never overwriting it. A member who takes over leaves the member list that day."""
    if not rules.can_change_leader(by, studio):
        if studio.state_enum not in NAMED_STATES:
            raise DomainError(_l("只有已命名的工作室登记领办人变更；申报阶段请直接修改申报材料"))
        raise DomainError(_l("只有申报单位或管理员可以登记领办人变更"))
    check_version(studio, expected_version, STALE)
    worker = worker_of_enterprise(studio, new_worker_id, field="new_worker_id", role_label=_l("新领办人"))
    if worker.id == studio.leader_worker_id:
        raise DomainError(_l("%(name)s 已是领办人", name=worker.name), field="new_worker_id")
    if not worker.in_post:
        raise DomainError(_l("%(name)s 已不在岗，不能担任领办人", name=worker.name), field="new_worker_id")
    if reason not in {r.value for r in LeaderChangeReason}:
        raise DomainError(_l("请选择变更原因"), field="reason")
    last = db.session.scalar(select(func.max(StudioLeaderChange.changed_on))
                             .where(StudioLeaderChange.studio_id == studio.id))
    floor, floor_label = studio.named_on, _l("命名日期")
    if last is not None and (floor is None or last > floor):
        floor, floor_label = last, _l("上一次变更日期")
    changed_on = _check_date(changed_on, "changed_on", _l("变更日期"), not_before=floor,
                             not_before_label=floor_label)
    note = _reason(note, required=reason == LeaderChangeReason.OTHER.value, field="note",
                   label=_l("变更原因为“其他原因”时，请填写说明"))
    previous = db.session.get_one(Worker, studio.leader_worker_id)
    change = StudioLeaderChange(previous_worker_id=previous.id, new_worker_id=worker.id,
                                changed_on=changed_on, reason=reason, note=note, recorded_by_id=by.id)
    studio.leader_changes.append(change)
    studio.leader_worker_id = worker.id
    studio.leader = worker
    for member in current_members(studio):
        if member.worker_id == worker.id:
            member.left_on = max(changed_on, member.joined_on)
            member.leave_reason = str(_l("接任领办人"))
    db.session.flush()
    audit.record("studio.leader_change", studio, by=by, changes={
        "leader": [previous.name, worker.name], "changed_on": [None, changed_on.isoformat()],
        "reason": [None, reason], **({"note": [None, note[:200]]} if note else {})})
    return change
