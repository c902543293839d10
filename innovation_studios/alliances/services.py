"""Studio alliances and their joint projects: found, edit, admit and release members, rotate
the lead (盟主), dissolve; record joint projects; and the lists the pages read.

The rules, each refused with a Chinese message naming the field:

* Only **named** studios (已命名 or 整改中) join; a delisted or never-named studio is refused.
* Members come from **different enterprises**: at most one current member studio per
  enterprise, and an alliance has at least two members.
* The **type** is checked against the current members' kinds: 同型 — all of one kind; 异型 —
  more than one kind; 关联 — any. A change that would break it (joining, leaving, changing the
  type) is refused.
* The **lead** is a current, named member. Rotation closes the running term the day before
  the new one starts; the lead cannot leave before handing over.
* **Dates** are in order and not in the future: a studio joins on or after the founding and
  its own naming, leaves on or after it joined, a new lead term starts after the running one;
  a project is due on or after its start, which is not before the founding.
* A **joint project** has at least two participating studios, all current named members when
  they are added, the lead studio among them; its status moves along
  :data:`PROJECT_TRANSITIONS`; a completed project states its results.
* A project **counts for** every year its period (start to due date) touches, unless it was
  cancelled: an alliance with none in a year is flagged "2026年无联合项目".

Services validate, change, audit and flush; the views commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.i18n import chinese_date
from core.states import StateMachine
from core.timeutil import beijing_today
from core.versions import check_version
from innovation_studios import certificates as studio_certificates
from innovation_studios.alliances.models import (
    Alliance,
    AllianceKind,
    AllianceLeadTerm,
    AllianceMembership,
    JointProject,
    JointProjectStudio,
    ProjectStatus,
)
from innovation_studios.studios.models import Studio, StudioKind, StudioState

ALLIANCE_FIELDS = ("name", "kind", "founded_on", "charter")
PROJECT_FIELDS = ("title", "goal", "lead_studio_id", "starts_on", "due_on", "status", "results")
#: An alliance joins studios of at least this many enterprises.
MIN_MEMBERS = 2
#: A joint project is joint: at least this many studios take part.
MIN_PARTICIPANTS = 2

P = ProjectStatus
#: (from, to) -> the action's name in the audit trail (``joint_project.<action>``). Completed
#: and cancelled projects are closed: their status no longer changes.
PROJECT_TRANSITIONS: dict[tuple[ProjectStatus, ProjectStatus], str] = {
    (P.PLANNED, P.IN_PROGRESS): "start",
    (P.PLANNED, P.COMPLETED): "complete",
    (P.PLANNED, P.CANCELLED): "cancel",
    (P.IN_PROGRESS, P.COMPLETED): "complete",
    (P.IN_PROGRESS, P.CANCELLED): "cancel",
}
PROJECT = StateMachine("joint_project", ProjectStatus, PROJECT_TRANSITIONS, field="status",
                       refusal=lambda a, b: _l("联合项目当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))
#: Projects still running: an alliance is not dissolved while it has any.
OPEN_PROJECT_STATUSES = frozenset({P.PLANNED, P.IN_PROGRESS})


def _d(value: date) -> str:
    """A date in a message: 2026年3月1日 in Chinese (the locale's form otherwise)."""
    return chinese_date(value)


def allowed_statuses(current: str | None) -> list[ProjectStatus]:
    """The statuses a project in ``current`` may be saved with (itself included); all at first."""
    if current is None:
        return list(ProjectStatus)
    return [ProjectStatus(current)] + PROJECT.targets(current)


# --- the rule on kinds (pure) --------------------------------------------------------------

def kind_problem(kind: str, studio_kinds) -> str | None:
    """Why member studios of ``studio_kinds`` do not fit an alliance of ``kind``, or None."""
    kinds = set(studio_kinds)
    names = "、".join(str(StudioKind(k).label) for k in sorted(kinds))
    if kind == AllianceKind.SAME_KIND and len(kinds) > 1:
        return str(_l("同型联盟的成员工作室须为同一类型，现有：%(k)s", k=names))
    if kind == AllianceKind.MIXED_KINDS and len(kinds) < 2:
        return str(_l("异型联盟的成员工作室须包含两种及以上类型，现仅有：%(k)s", k=names or "—"))
    return None


# --- finding studios by number or name -----------------------------------------------------

def find_studio(reference: str) -> Studio | None:
    """The studio with this number (编号) or, failing that, this exact name.

    A name shared by several studios finds the named one if exactly one is named; otherwise
    the caller is asked for the number.
    """
    text = (reference or "").strip()
    if not text:
        return None
    studio = db.session.scalar(select(Studio).where(Studio.number.in_({text, text.upper()})))
    if studio is not None:
        return studio
    same_name = db.session.scalars(select(Studio).where(Studio.name == text).order_by(Studio.id)).all()
    if len(same_name) > 1:
        named = [s for s in same_name if s.is_named]
        if len(named) == 1:
            return named[0]
        raise DomainError(_l("有多个名为“%(n)s”的工作室，请填写工作室编号", n=text))
    return same_name[0] if same_name else None


def studios_from_references(text: str, field_name: str) -> list[Studio]:
    """Studios from lines of numbers or names (one a line); every unknown line is reported."""
    studios, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            studio = find_studio(line)
        except DomainError as error:
            problems.append(str(_l("第 %(n)s 行：%(m)s", n=number, m=str(error))))
            continue
        if studio is None:
            problems.append(str(_l("第 %(n)s 行：找不到编号或名称为“%(r)s”的工作室", n=number, r=line.strip())))
        elif studio not in studios:
            studios.append(studio)
    if problems:
        raise DomainError("；".join(problems), field=field_name)
    return studios


def search_named_studios(text: str, limit: int = 20) -> list[Studio]:
    """Named studios whose name, number or enterprise contains ``text``: the lookup beside the
    alliance forms (administrators find the numbers to type)."""
    from core.organizations.models import Enterprise

    text = (text or "").strip()[:50]
    if not text:
        return []
    return list(db.session.scalars(
        select(Studio).join(Enterprise, Enterprise.id == Studio.enterprise_id)
        .where(Studio.state.in_([StudioState.NAMED.value, StudioState.RECTIFICATION.value]),
               or_(Studio.name.icontains(text, autoescape=True), Studio.number.icontains(text, autoescape=True),
                   Enterprise.name.icontains(text, autoescape=True)))
        .options(selectinload(Studio.enterprise))
        .order_by(Studio.name, Studio.id).limit(limit)))


# --- checks shared by the changes ------------------------------------------------------------

def _refuse_unnamed(studio: Studio, field_name: str, what=None) -> None:
    """Only named studios join or lead; the message says why this one may not."""
    if studio.is_named:
        return
    if studio.state == StudioState.DELISTED:
        raise DomainError(_l("“%(s)s”已摘牌，不能%(w)s", s=studio.name, w=what or _l("加入联盟")),
                          field=field_name)
    raise DomainError(_l("“%(s)s”尚未命名（当前：%(st)s），只有已命名的工作室才能%(w)s",
                         s=studio.name, st=studio.state_enum.label, w=what or _l("加入联盟")),
                      field=field_name)


def _refuse_future(value: date, field_name: str) -> None:
    if value > beijing_today():
        raise DomainError(_l("日期不能晚于今天（%(d)s）", d=_d(beijing_today())), field=field_name)


def _refuse_dissolved(alliance: Alliance) -> None:
    if alliance.dissolved_on is not None:
        raise DomainError(_l("该联盟已于 %(d)s 解散，不能再变更", d=_d(alliance.dissolved_on)))


def _check_members(kind: str, studios: list[Studio], field_name: str) -> None:
    """At least two members, of different enterprises, fitting the type."""
    if len(studios) < MIN_MEMBERS:
        raise DomainError(_l("联盟至少须有两个来自不同企业的成员工作室"), field=field_name)
    seen: dict[int, Studio] = {}
    for studio in studios:
        other = seen.setdefault(studio.enterprise_id, studio)
        if other is not studio:
            raise DomainError(_l("“%(a)s”与“%(b)s”属于同一企业；联盟成员须来自不同企业",
                                 a=other.name, b=studio.name), field=field_name)
    problem = kind_problem(kind, [s.kind for s in studios])
    if problem:
        raise DomainError(problem, field=field_name)




# --- alliances -------------------------------------------------------------------------------

@dataclass
class AllianceData:
    name: str
    kind: str
    founded_on: date
    charter: str = ""
    #: On founding only: the lead studio (a member by that fact) and the other members.
    lead: Studio | None = None
    members: list[Studio] = field(default_factory=list)


def _validate_alliance(data: AllianceData, alliance: Alliance | None = None) -> None:
    data.name = (data.name or "").strip()
    data.charter = (data.charter or "").strip()
    if not data.name:
        raise DomainError(_l("请填写联盟名称"), field="name")
    if len(data.name) > 100:
        raise DomainError(_l("联盟名称不能超过 100 个字"), field="name")
    same = db.session.scalar(select(Alliance).where(Alliance.name == data.name))
    if same is not None and same is not alliance:
        raise DomainError(_l("已有名为“%(n)s”的联盟", n=data.name), field="name")
    if data.kind not in {k.value for k in AllianceKind}:
        raise DomainError(_l("请选择联盟类型"), field="kind")
    if data.founded_on is None:
        raise DomainError(_l("请填写成立日期"), field="founded_on")
    _refuse_future(data.founded_on, "founded_on")
    if not data.charter:
        raise DomainError(_l("请填写联盟章程"), field="charter")


def create_alliance(data: AllianceData, *, by) -> Alliance:
    """Found an alliance with its lead and first members, all joining on the founding date."""
    _validate_alliance(data)
    if data.lead is None:
        raise DomainError(_l("请填写盟主工作室"), field="lead")
    members = [data.lead] + [s for s in data.members if s is not data.lead]
    _refuse_unnamed(data.lead, "lead", _l("担任盟主"))
    for studio in members[1:]:
        _refuse_unnamed(studio, "members")
    for studio in members:
        if studio.named_on and studio.named_on > data.founded_on:
            raise DomainError(_l("“%(s)s”于 %(d)s 命名，联盟成立日期不能早于成员工作室的命名日期",
                                 s=studio.name, d=_d(studio.named_on)), field="founded_on")
    _check_members(data.kind, members, "members")
    alliance = Alliance(name=data.name, kind=data.kind, founded_on=data.founded_on, charter=data.charter,
                        created_by_id=getattr(by, "id", None))
    db.session.add(alliance)
    alliance.memberships = [AllianceMembership(studio_id=s.id, joined_on=data.founded_on) for s in members]
    alliance.lead_terms = [AllianceLeadTerm(studio_id=data.lead.id, starts_on=data.founded_on,
                                            recorded_by_id=getattr(by, "id", None))]
    db.session.flush()
    changes = audit.diff({}, audit.snapshot(alliance, ALLIANCE_FIELDS))
    changes["lead"] = [None, data.lead.name]
    changes["members"] = [None, [s.name for s in members]]
    audit.record("alliance.create", alliance, by=by, changes=changes)
    studio_certificates.issue_for_memberships(alliance.memberships, by=by)
    return alliance


def update_alliance(alliance: Alliance, data: AllianceData, *, expected_version: int | None, by) -> None:
    """Edit the name, type, founding date and charter (members and lead have their own moves)."""
    check_version(alliance, expected_version,
                   _l("该联盟已被他人修改。您填写的内容仍保留在下方，请刷新后再保存。"))
    _refuse_dissolved(alliance)
    _validate_alliance(data, alliance)
    problem = kind_problem(data.kind, [m.studio.kind for m in alliance.current_memberships])
    if problem:
        raise DomainError(problem, field="kind")
    earliest = min([m.joined_on for m in alliance.memberships] + [t.starts_on for t in alliance.lead_terms]
                   + [p.starts_on for p in alliance.projects], default=None)
    if earliest is not None and data.founded_on > earliest:
        raise DomainError(_l("成立日期不能晚于成员加入、盟主任期或联合项目的最早日期（%(d)s）", d=_d(earliest)),
                          field="founded_on")
    before = audit.snapshot(alliance, ALLIANCE_FIELDS)
    for name in ALLIANCE_FIELDS:
        setattr(alliance, name, getattr(data, name))
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(alliance, ALLIANCE_FIELDS))
    if changes:
        audit.record("alliance.update", alliance, by=by, changes=changes)


def add_member(alliance: Alliance, studio: Studio, joined_on: date, *, by) -> AllianceMembership:
    """Admit a named studio of an enterprise not yet in the alliance."""
    _refuse_dissolved(alliance)
    _refuse_unnamed(studio, "studio")
    if alliance.membership_of(studio.id):
        raise DomainError(_l("“%(s)s”已是本联盟成员", s=studio.name), field="studio")
    if joined_on is None:
        raise DomainError(_l("请填写加入日期"), field="joined_on")
    _refuse_future(joined_on, "joined_on")
    if joined_on < alliance.founded_on:
        raise DomainError(_l("加入日期不能早于联盟成立日期（%(d)s）", d=_d(alliance.founded_on)), field="joined_on")
    if studio.named_on and joined_on < studio.named_on:
        raise DomainError(_l("加入日期不能早于该工作室的命名日期（%(d)s）", d=_d(studio.named_on)),
                          field="joined_on")
    last_left = max((m.left_on for m in alliance.memberships if m.studio_id == studio.id and m.left_on),
                    default=None)
    if last_left and joined_on <= last_left:
        raise DomainError(_l("重新加入日期须晚于上次退出日期（%(d)s）", d=_d(last_left)), field="joined_on")
    _check_members(alliance.kind, [m.studio for m in alliance.current_memberships] + [studio], "studio")
    membership = AllianceMembership(alliance=alliance, studio_id=studio.id, joined_on=joined_on)
    db.session.add(membership)
    db.session.flush()
    audit.record("alliance.add_member", alliance, by=by,
                 changes={"member": [None, studio.name], "joined_on": [None, joined_on.isoformat()]})
    studio_certificates.issue_for_memberships([membership], by=by)
    return membership


def record_leaving(membership: AllianceMembership, left_on: date, reason: str = "", *, by) -> None:
    """A member leaves; the lead hands over first, and the rest must still form a valid alliance."""
    alliance = membership.alliance
    _refuse_dissolved(alliance)
    if membership.left_on is not None:
        raise DomainError(_l("“%(s)s”已于 %(d)s 退出", s=membership.studio.name, d=_d(membership.left_on)))
    term = alliance.current_lead_term
    if term and term.studio_id == membership.studio_id:
        raise DomainError(_l("“%(s)s”是现任盟主，不能退出联盟；请先轮换盟主", s=membership.studio.name))
    if left_on is None:
        raise DomainError(_l("请填写退出日期"), field="left_on")
    _refuse_future(left_on, "left_on")
    if left_on < membership.joined_on:
        raise DomainError(_l("退出日期不能早于加入日期（%(d)s）", d=_d(membership.joined_on)), field="left_on")
    remaining = [m.studio for m in alliance.current_memberships if m is not membership]
    if len(remaining) < MIN_MEMBERS:
        raise DomainError(_l("退出后联盟将不足两个成员工作室；如联盟不再运行，请办理解散"))
    problem = kind_problem(alliance.kind, [s.kind for s in remaining])
    if problem:
        raise DomainError(_l("退出后将不符合联盟类型：%(p)s。请先调整联盟类型或吸收新成员", p=problem))
    membership.left_on = left_on
    membership.leave_reason = (reason or "").strip()[:200]
    db.session.flush()
    audit.record("alliance.member_left", alliance, by=by,
                 changes={"member": [membership.studio.name, None], "left_on": [None, left_on.isoformat()],
                          "reason": [None, membership.leave_reason]})
    studio_certificates.revoke_for_membership(membership, by=by)


def change_lead(alliance: Alliance, studio: Studio, starts_on: date, note: str = "", *, by) -> AllianceLeadTerm:
    """Rotate the lead: the running term ends the day before the new one starts."""
    _refuse_dissolved(alliance)
    membership = alliance.membership_of(studio.id)
    if membership is None:
        raise DomainError(_l("盟主须为联盟的现有成员工作室，“%(s)s”不是", s=studio.name), field="studio_id")
    _refuse_unnamed(studio, "studio_id", _l("担任盟主"))
    current = alliance.current_lead_term
    if current and current.studio_id == studio.id:
        raise DomainError(_l("“%(s)s”已是盟主", s=studio.name), field="studio_id")
    if starts_on is None:
        raise DomainError(_l("请填写任期开始日期"), field="starts_on")
    _refuse_future(starts_on, "starts_on")
    if current and starts_on <= current.starts_on:
        raise DomainError(_l("新任期开始日期须晚于现任盟主任期的开始日期（%(d)s）", d=_d(current.starts_on)),
                          field="starts_on")
    if starts_on < membership.joined_on:
        raise DomainError(_l("“%(s)s”于 %(d)s 加入联盟，任期不能早于加入日期", s=studio.name,
                             d=_d(membership.joined_on)), field="starts_on")
    previous = current.studio.name if current else None
    if current:
        current.ends_on = starts_on - timedelta(days=1)
    term = AllianceLeadTerm(alliance=alliance, studio_id=studio.id, starts_on=starts_on,
                            note=(note or "").strip()[:200], recorded_by_id=getattr(by, "id", None))
    db.session.add(term)
    db.session.flush()
    audit.record("alliance.change_lead", alliance, by=by,
                 changes={"lead": [previous, studio.name], "starts_on": [None, starts_on.isoformat()]})
    return term


def dissolve(alliance: Alliance, dissolved_on: date, reason: str, *, by) -> None:
    """Dissolve: every membership and the lead term close on that date. Nothing is deleted."""
    _refuse_dissolved(alliance)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请填写解散原因"), field="reason")
    if dissolved_on is None:
        raise DomainError(_l("请填写解散日期"), field="dissolved_on")
    _refuse_future(dissolved_on, "dissolved_on")
    latest = max([m.joined_on for m in alliance.current_memberships]
                 + [t.starts_on for t in alliance.lead_terms], default=alliance.founded_on)
    if dissolved_on < max(latest, alliance.founded_on):
        raise DomainError(_l("解散日期不能早于成员最近一次加入或盟主任期开始的日期（%(d)s）",
                             d=_d(max(latest, alliance.founded_on))), field="dissolved_on")
    running = [p.title for p in alliance.projects if p.status in OPEN_PROJECT_STATUSES]
    if running:
        raise DomainError(_l("尚有未结束的联合项目：%(t)s。请先完成或取消", t="、".join(running)))
    leaving = alliance.current_memberships
    for membership in leaving:
        membership.left_on = dissolved_on
        membership.leave_reason = "联盟解散"  # stored data: Chinese whatever the UI language
    if alliance.current_lead_term:
        alliance.current_lead_term.ends_on = dissolved_on
    alliance.dissolved_on = dissolved_on
    alliance.dissolve_reason = reason
    db.session.flush()
    audit.record("alliance.dissolve", alliance, by=by,
                 changes={"dissolved_on": [None, dissolved_on.isoformat()], "reason": [None, reason[:500]]})
    for membership in leaving:
        studio_certificates.revoke_for_membership(membership, by=by)


# --- joint projects --------------------------------------------------------------------------

@dataclass
class ProjectData:
    title: str
    goal: str
    lead_studio_id: int | None
    studio_ids: list[int]
    starts_on: date
    due_on: date
    status: str = ProjectStatus.PLANNED.value
    results: str = ""


def _validate_project(alliance: Alliance, data: ProjectData, project: JointProject | None) -> None:
    _refuse_dissolved(alliance)
    data.title = (data.title or "").strip()
    data.goal = (data.goal or "").strip()
    data.results = (data.results or "").strip()
    if not data.title:
        raise DomainError(_l("请填写项目名称"), field="title")
    if len(data.title) > 200:
        raise DomainError(_l("项目名称不能超过 200 个字"), field="title")
    if not data.goal:
        raise DomainError(_l("请填写项目目标"), field="goal")
    if data.starts_on is None:
        raise DomainError(_l("请填写开始日期"), field="starts_on")
    if data.due_on is None:
        raise DomainError(_l("请填写完成期限"), field="due_on")
    if data.starts_on < alliance.founded_on:
        raise DomainError(_l("开始日期不能早于联盟成立日期（%(d)s）", d=_d(alliance.founded_on)), field="starts_on")
    if data.due_on < data.starts_on:
        raise DomainError(_l("完成期限不能早于开始日期"), field="due_on")
    ids = list(dict.fromkeys(data.studio_ids or []))
    if len(ids) < MIN_PARTICIPANTS:
        raise DomainError(_l("联合项目至少须有两个参与工作室"), field="studio_ids")
    kept = project.studio_ids if project else set()
    for studio_id in ids:
        if studio_id in kept:
            continue  # taking part already; a studio that has since left stays in the record
        membership = alliance.membership_of(studio_id)
        if membership is None:
            studio = db.session.get(Studio, studio_id)
            raise DomainError(_l("“%(s)s”不是本联盟的现有成员，不能参与联合项目",
                                 s=studio.name if studio else studio_id), field="studio_ids")
        _refuse_unnamed(membership.studio, "studio_ids", _l("参与联合项目"))
    if data.lead_studio_id not in ids:
        raise DomainError(_l("牵头工作室须是参与工作室之一"), field="lead_studio_id")
    data.studio_ids = ids
    current = project.status if project else None
    if data.status not in {s.value for s in allowed_statuses(current)}:
        if current is None:
            raise DomainError(_l("请选择项目状态"), field="status")
        raise DomainError(_l("项目当前为“%(a)s”，不能变为“%(b)s”", a=ProjectStatus(current).label,
                             b=ProjectStatus(data.status).label if data.status in set(ProjectStatus) else data.status),
                          field="status")
    if data.status == ProjectStatus.COMPLETED and not data.results:
        raise DomainError(_l("项目已完成，请填写项目成果"), field="results")


def _apply_project(project: JointProject, data: ProjectData) -> dict:
    """Copy the data; returns the participants' change for the audit trail."""
    for name in PROJECT_FIELDS:
        setattr(project, name, getattr(data, name))
    before = project.studio_ids
    wanted = set(data.studio_ids)
    project.participants = ([p for p in project.participants if p.studio_id in wanted]
                            + [JointProjectStudio(studio_id=s) for s in data.studio_ids if s not in before])
    if before == wanted:
        return {}
    return {"studio_ids": [sorted(before), sorted(wanted)]}


def create_project(alliance: Alliance, data: ProjectData, *, by) -> JointProject:
    _validate_project(alliance, data, None)
    project = JointProject(alliance=alliance, created_by_id=getattr(by, "id", None))
    db.session.add(project)
    participants = _apply_project(project, data)
    db.session.flush()
    changes = audit.diff({}, audit.snapshot(project, PROJECT_FIELDS))
    changes.update(participants)
    audit.record("joint_project.create", project, by=by, changes=changes)
    return project


def update_project(project: JointProject, data: ProjectData, *, expected_version: int | None, by) -> None:
    """Edit a project; a status change follows :data:`PROJECT_TRANSITIONS`."""
    check_version(project, expected_version,
                   _l("该联合项目已被他人修改。您填写的内容仍保留在下方，请刷新后再保存。"))
    _validate_project(project.alliance, data, project)
    old_status = ProjectStatus(project.status)
    before = audit.snapshot(project, PROJECT_FIELDS)
    participants = _apply_project(project, data)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(project, PROJECT_FIELDS))
    changes.update(participants)
    if changes:
        new_status = ProjectStatus(project.status)
        action = PROJECT.action(old_status, new_status) if new_status != old_status else "update"
        audit.record(f"joint_project.{action}", project, by=by, changes=changes)


def record_as_achievement(participant: JointProjectStudio, data, *, evidence=None, by):
    """Record a completed project's results as an achievement of one participating studio,
    through the achievements service (which checks the enterprise's right to its studio's
    records and the achievement's own rules); the participation keeps the link, once."""
    from innovation_studios.achievements import services as achievements

    project = participant.project
    if project.status != ProjectStatus.COMPLETED:
        raise DomainError(_l("联合项目完成后才能将成果记为工作室成果"))
    if participant.achievement_id is not None:
        raise DomainError(_l("“%(s)s”已将本项目成果记为“%(a)s”", s=participant.studio.name,
                             a=participant.achievement.title))
    achievement = achievements.create_achievement(participant.studio, data, evidence=evidence, by=by)
    participant.achievement_id = achievement.id
    db.session.flush()
    audit.record("joint_project.record_achievement", project, by=by,
                 changes={"studio": [None, participant.studio.name], "achievement": [None, achievement.title]})
    return achievement


# --- what the pages read ---------------------------------------------------------------------

#: The studio columns a whole set of alliances needs (the long application texts stay unloaded).
_STUDIO_COLUMNS = (Studio.id, Studio.name, Studio.number, Studio.kind, Studio.state, Studio.enterprise_id,
                   Studio.named_on, Studio.version)


def studio_alliances(studio: Studio) -> tuple[list[AllianceMembership], set[int]]:
    """The studio's memberships of alliances, now and before (latest first, with each alliance),
    and the alliances it leads now: two queries, the second only for a member."""
    memberships = list(db.session.scalars(
        select(AllianceMembership).where(AllianceMembership.studio_id == studio.id)
        .options(selectinload(AllianceMembership.alliance))
        .order_by(AllianceMembership.joined_on.desc(), AllianceMembership.id.desc())))
    if not memberships:
        return [], set()
    leading = set(db.session.scalars(select(AllianceLeadTerm.alliance_id).where(
        AllianceLeadTerm.studio_id == studio.id, AllianceLeadTerm.ends_on.is_(None))))
    return memberships, leading


def with_members_and_leads(query):
    """Leads and members with their studios and enterprises, in a constant number of queries
    whatever the number of alliances (the export, an enterprise's own alliances)."""
    from core.organizations.models import Enterprise

    lead = selectinload(Alliance.lead_terms).selectinload(AllianceLeadTerm.studio).load_only(*_STUDIO_COLUMNS)
    members = selectinload(Alliance.memberships).selectinload(AllianceMembership.studio).load_only(*_STUDIO_COLUMNS)
    return query.options(lead.selectinload(Studio.enterprise).load_only(Enterprise.id, Enterprise.name),
                         members.selectinload(Studio.enterprise).load_only(Enterprise.id, Enterprise.name))


def alliance_for_page(alliance_id: int) -> Alliance | None:
    """One alliance with its members, leads and projects (and their studios and enterprises)
    loaded in a constant number of queries, however many members it has."""
    studio = selectinload(Studio.enterprise)
    return db.session.scalar(select(Alliance).where(Alliance.id == alliance_id).options(
        selectinload(Alliance.memberships).selectinload(AllianceMembership.studio).options(studio),
        selectinload(Alliance.lead_terms).selectinload(AllianceLeadTerm.studio).options(studio),
        selectinload(Alliance.projects).selectinload(JointProject.lead_studio).options(studio)))


@dataclass
class ListedAlliance:
    """What a list row shows besides the alliance itself: the lead and the current members."""

    lead: str = ""
    lead_enterprise: str = ""
    members: list[str] = field(default_factory=list)


def list_details(alliance_ids) -> dict[int, ListedAlliance]:
    """The leads and current members of a page of alliances: two queries of plain rows (a list
    page stays fast without loading a studio object per member)."""
    from core.organizations.models import Enterprise

    details = {alliance_id: ListedAlliance() for alliance_id in alliance_ids}
    if not details:
        return details
    ids = list(details)
    members = db.session.execute(
        select(AllianceMembership.alliance_id, Studio.name).join(Studio, Studio.id == AllianceMembership.studio_id)
        .where(AllianceMembership.alliance_id.in_(ids), AllianceMembership.left_on.is_(None))
        .order_by(AllianceMembership.joined_on, AllianceMembership.id))
    for alliance_id, name in members:
        details[alliance_id].members.append(name)
    leads = db.session.execute(
        select(AllianceLeadTerm.alliance_id, Studio.name, Enterprise.name)
        .join(Studio, Studio.id == AllianceLeadTerm.studio_id).join(Enterprise, Enterprise.id == Studio.enterprise_id)
        .where(AllianceLeadTerm.alliance_id.in_(ids), AllianceLeadTerm.ends_on.is_(None)))
    for alliance_id, name, enterprise in leads:
        details[alliance_id].lead, details[alliance_id].lead_enterprise = name, enterprise
    return details


@dataclass
class AllianceFilters:
    """The administrators' list: type, year (default this year), name, and only those without
    a joint project in the year."""

    year: int
    kind: str = ""
    q: str = ""
    without_projects: bool = False

    @classmethod
    def from_args(cls, args) -> AllianceFilters:
        today = beijing_today()
        year = args.get("year", type=int)
        if year is None or not 2000 <= year <= today.year + 1:
            year = today.year
        kind = args.get("kind", "")
        return cls(year=year, kind=kind if kind in {k.value for k in AllianceKind} else "",
                   q=(args.get("q") or "").strip()[:50], without_projects=args.get("without") == "1")

    @property
    def as_args(self) -> dict:
        args = {"year": self.year, "kind": self.kind, "q": self.q, "without": "1" if self.without_projects else ""}
        return {k: v for k, v in args.items() if v}


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _projects_in_year(year: int):
    """alliance_id, count of projects counting for ``year`` (a subquery)."""
    first, last = _year_bounds(year)
    return (select(JointProject.alliance_id, func.count(JointProject.id).label("n"))
            .where(JointProject.status != ProjectStatus.CANCELLED.value,
                   JointProject.starts_on <= last, JointProject.due_on >= first)
            .group_by(JointProject.alliance_id).subquery())


def admin_query(filters: AllianceFilters):
    """Alliances that existed in the year, by type and name, optionally only those without a
    joint project in that year."""
    first, last = _year_bounds(filters.year)
    query = select(Alliance).where(Alliance.founded_on <= last,
                                   or_(Alliance.dissolved_on.is_(None), Alliance.dissolved_on >= first))
    if filters.kind:
        query = query.where(Alliance.kind == filters.kind)
    if filters.q:
        query = query.where(Alliance.name.icontains(filters.q, autoescape=True))
    if filters.without_projects:
        counted = _projects_in_year(filters.year)
        query = query.outerjoin(counted, counted.c.alliance_id == Alliance.id).where(
            func.coalesce(counted.c.n, 0) == 0)
    return query.order_by(Alliance.founded_on.desc(), Alliance.id.desc())


def project_counts(alliance_ids, year: int) -> dict[int, int]:
    """Projects counting for ``year`` per alliance, for the listed alliances."""
    if not alliance_ids:
        return {}
    counted = _projects_in_year(year)
    return dict(db.session.execute(select(counted.c.alliance_id, counted.c.n)
                                   .where(counted.c.alliance_id.in_(list(alliance_ids)))).all())


def project_totals(alliance_ids) -> dict[int, int]:
    """Projects per alliance over all years, cancelled ones left out."""
    if not alliance_ids:
        return {}
    return dict(db.session.execute(
        select(JointProject.alliance_id, func.count(JointProject.id))
        .where(JointProject.alliance_id.in_(list(alliance_ids)), JointProject.status != ProjectStatus.CANCELLED.value)
        .group_by(JointProject.alliance_id)).all())


def year_choices() -> list[int]:
    """From the first founding year to this year, latest first."""
    today = beijing_today()
    first = db.session.scalar(select(func.min(Alliance.founded_on)))
    start = min(first.year, today.year) if first else today.year
    return list(range(today.year, start - 1, -1))


def directory_query(q: str = "", kind: str = ""):
    """The public directory: alliances not dissolved, by name or member studio."""
    query = select(Alliance).where(Alliance.dissolved_on.is_(None))
    if kind in {k.value for k in AllianceKind}:
        query = query.where(Alliance.kind == kind)
    q = (q or "").strip()[:50]
    if q:
        members = (select(AllianceMembership.alliance_id).join(Studio, Studio.id == AllianceMembership.studio_id)
                   .where(AllianceMembership.left_on.is_(None), Studio.name.icontains(q, autoescape=True)))
        query = query.where(or_(Alliance.name.icontains(q, autoescape=True), Alliance.id.in_(members)))
    return query.order_by(Alliance.name)


def projects_by_year(alliance: Alliance, until: int | None = None) -> list[tuple[int, list[JointProject]]]:
    """Each year from the founding to ``until`` (this year; the dissolution year if earlier,
    the last due year if later), latest first, with the projects counting for it (maybe none)."""
    last = until or beijing_today().year
    if alliance.dissolved_on:
        last = min(last, alliance.dissolved_on.year)
    last = max([last] + [p.due_on.year for p in alliance.projects if p.status != ProjectStatus.CANCELLED])
    years = range(last, alliance.founded_on.year - 1, -1)
    return [(year, [p for p in alliance.projects if year in p.years]) for year in years]


def cancelled_projects(alliance: Alliance) -> list[JointProject]:
    return [p for p in alliance.projects if p.status == ProjectStatus.CANCELLED]


def alliances_of_enterprise(enterprise_id: int) -> list[Alliance]:
    """Alliances any studio of the enterprise belongs or belonged to."""
    ids = (select(AllianceMembership.alliance_id).join(Studio, Studio.id == AllianceMembership.studio_id)
           .where(Studio.enterprise_id == enterprise_id))
    return list(db.session.scalars(with_members_and_leads(select(Alliance).where(Alliance.id.in_(ids)))
                                   .order_by(Alliance.dissolved_on.is_not(None), Alliance.name)))


def enterprise_took_part(enterprise_id: int, alliance: Alliance) -> bool:
    """Whether a studio of the enterprise is or was a member of the alliance."""
    return (db.session.scalar(
        select(func.count(AllianceMembership.id)).join(Studio, Studio.id == AllianceMembership.studio_id)
        .where(and_(AllianceMembership.alliance_id == alliance.id, Studio.enterprise_id == enterprise_id))) or 0) > 0


def candidate_leads(alliance: Alliance) -> list[Studio]:
    """Current named members other than the lead: whom the lead may rotate to."""
    lead = alliance.lead_studio
    return [m.studio for m in alliance.current_memberships
            if m.studio.is_named and (lead is None or m.studio_id != lead.id)]


def project_candidates(alliance: Alliance, project: JointProject | None = None) -> list[Studio]:
    """Studios that may be ticked as participants: current named members, plus those already
    taking part (kept even if they left since)."""
    studios = [m.studio for m in alliance.current_memberships if m.studio.is_named]
    if project:
        studios += [p.studio for p in project.participants if p.studio not in studios]
    return studios
