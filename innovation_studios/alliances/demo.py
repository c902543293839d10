"""Demo data for studio alliances, loaded by the innovation studios' ``demo.load()`` once its
studios are named. It copes with whatever named studios exist (none: it adds nothing).

* **An alliance of one kind** (同型) — the kind with studios in the most enterprises — founded
  about two years ago. The lead rotated after a year to the demo ``enterprise`` account's
  studio when it is a member (so that account records the projects), else to another member. One joint project was
  completed in the founding year, and its results were recorded as an achievement of the
  lead studio; another runs this year.
* **A cross-kind alliance** (异型, or 关联 when the studios are all of one kind), founded a year
  later, with one completed project in its first year and none since: the administrators' list
  flags it "…年无联合项目" for this year.

Everything goes through the services, so the rules hold and the audit trail is real.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.organizations.models import Enterprise
from core.timeutil import beijing_today
from innovation_studios.alliances import services
from innovation_studios.alliances.models import Alliance, AllianceKind, ProjectStatus
from innovation_studios.studios.models import Studio, StudioKind
from innovation_studios.studios.states import NAMED_STATES

#: The demo ``enterprise`` account's enterprise (core.demo).
DEMO_ENTERPRISE = "北京京城精工机床有限公司"
SAME_KIND_NAMES = {StudioKind.MODEL_WORKER: "首都劳模创新工作室联盟",
                   StudioKind.CRAFTSMAN: "首都工匠创新工作室联盟",
                   StudioKind.WORKER: "首都职工创新工作室联盟"}
CROSS_KIND_NAME = "首都跨行业创新工作室协作联盟"
CHARTER = (
    "第一条 本联盟由北京市已命名的职工创新工作室自愿组成，在北京市总工会指导下开展工作。\n"
    "第二条 联盟宗旨：围绕首都高精尖产业发展，开展联合攻关、技术交流和人才共育，共享创新成果。\n"
    "第三条 成员工作室享有参与联合项目、共享联盟资源的权利，履行按时报送项目进展、遵守知识产权约定的义务。\n"
    "第四条 盟主工作室由成员工作室推举，原则上每两年轮值一次，负责召集联盟会议、登记联合项目。\n"
    "第五条 联盟每年至少开展 1—2 个联合项目，成果按贡献由参与工作室共享并分别登记。"
)
MAX_MEMBERS = 4
#: (title, goal, results) of the demo's joint projects.
PRECISION = ("数控机床关键部件精度提升联合攻关", "联合攻克主轴热变形和导轨磨损难题，关键部件加工精度提升到 2 微米。",
             "主轴温升降低 40%，形成《精密主轴装配工艺规程》企业标准 1 项，年节约维修费用 36 万元。")
ENERGY = ("智能产线节能改造联合项目", "成员工作室联合改造三条机加工产线的能源管理系统，单位产值能耗下降 10%。", "")
SUGGESTIONS = ("跨行业合理化建议互评互学活动", "成员工作室交叉评审合理化建议，推广可复制的改进经验。",
               "互评合理化建议 86 条，推广采纳 21 条，形成经验汇编 1 册。")


def _named_studios() -> list[Studio]:
    return list(db.session.scalars(select(Studio).where(Studio.state.in_([s.value for s in NAMED_STATES]))
                                   .order_by(Studio.named_on, Studio.id)))


def _one_per_enterprise(studios, prefer: int | None) -> list[Studio]:
    """At most one studio per enterprise, the preferred enterprise's first."""
    chosen: dict[int, Studio] = {}
    for studio in sorted(studios, key=lambda s: (s.enterprise_id != prefer, s.named_on or date.min, s.id)):
        chosen.setdefault(studio.enterprise_id, studio)
    return list(chosen.values())


def _founding(members, wanted: date, today: date) -> date:
    """The wanted date, unless a member was named later."""
    latest_naming = max((s.named_on for s in members if s.named_on), default=wanted)
    return min(max(wanted, latest_naming), today)


def _project(alliance, texts, participants, starts_on, due_on, status, *, by):
    title, goal, results = texts
    return services.create_project(alliance, services.ProjectData(
        title=title, goal=goal, lead_studio_id=participants[0].id, studio_ids=[s.id for s in participants],
        starts_on=starts_on, due_on=due_on, status=status.value, results=results), by=by)


def _record_achievement(project, studio) -> None:
    """The lead studio's enterprise records the completed project's results as an achievement."""
    from innovation_studios.achievements import services as achievements

    participant = next(p for p in project.participants if p.studio_id == studio.id)
    achieved_on = min(project.due_on, beijing_today())
    services.record_as_achievement(participant, achievements.AchievementData(
        kind="innovation", title=project.title, achieved_on=achieved_on, member_ids=[studio.leader_worker_id],
        issuer=project.alliance.name, description=project.results), by=None)


def _same_kind_alliance(named, demo_enterprise_id, admin, today) -> Alliance | None:
    by_kind: dict[str, list[Studio]] = defaultdict(list)
    for studio in named:
        by_kind[studio.kind].append(studio)
    kind, studios = max(by_kind.items(), key=lambda item: (len({s.enterprise_id for s in item[1]}), item[0]))
    members = _one_per_enterprise(studios, demo_enterprise_id)[:MAX_MEMBERS]
    if len(members) < 2:
        return None
    # The lead rotates to the demo enterprise's studio (or the second member) after a year.
    next_lead = next((s for s in members if s.enterprise_id == demo_enterprise_id), members[1])
    first_lead = next(s for s in members if s is not next_lead)
    founded = _founding(members, date(today.year - 2, 3, 1), today)
    alliance = services.create_alliance(services.AllianceData(
        name=SAME_KIND_NAMES[StudioKind(kind)], kind=AllianceKind.SAME_KIND.value, founded_on=founded,
        charter=CHARTER, lead=first_lead, members=members), by=admin)
    rotation = founded + timedelta(days=365)
    if rotation <= today:
        services.change_lead(alliance, next_lead, rotation, "按章程轮值", by=admin)
    pair = [first_lead] + [s for s in members if s is not first_lead][:2]
    done = _project(alliance, PRECISION, pair, founded, min(founded + timedelta(days=240), date(founded.year, 12, 31)),
                    ProjectStatus.COMPLETED, by=admin)
    _record_achievement(done, first_lead)
    lead = alliance.lead_studio
    others = [s for s in members if s is not lead]
    starts = max(date(today.year, 1, 1), founded)
    _project(alliance, ENERGY, [lead] + others[:2], starts, date(today.year, 12, 31), ProjectStatus.IN_PROGRESS,
             by=admin)
    return alliance


def _cross_kind_alliance(named, taken, admin, today) -> Alliance | None:
    """Studios not ``taken`` by the first alliance come first; they join it if there are too few."""
    named = [s for s in named if s not in taken] + [s for s in named if s in taken]
    by_kind: dict[str, list[Studio]] = defaultdict(list)
    for studio in named:
        by_kind[studio.kind].append(studio)
    # One studio of each kind first (different enterprises), then others, up to MAX_MEMBERS.
    members: list[Studio] = []
    for kind in sorted(by_kind):
        studio = next((s for s in by_kind[kind] if s.enterprise_id not in {m.enterprise_id for m in members}), None)
        if studio is not None:
            members.append(studio)
    for studio in named:
        if len(members) >= MAX_MEMBERS:
            break
        if studio.enterprise_id not in {m.enterprise_id for m in members}:
            members.append(studio)
    if len(members) < 2:
        return None
    kind = AllianceKind.MIXED_KINDS if len({s.kind for s in members}) > 1 else AllianceKind.RELATED
    founded = _founding(members, date(today.year - 1, 4, 1), today)
    alliance = services.create_alliance(services.AllianceData(
        name=CROSS_KIND_NAME, kind=kind.value, founded_on=founded, charter=CHARTER, lead=members[-1],
        members=members), by=admin)
    _project(alliance, SUGGESTIONS, [members[-1]] + members[:-1], founded,
             min(founded + timedelta(days=150), date(founded.year, 12, 31)), ProjectStatus.COMPLETED, by=admin)
    return alliance


def load() -> list[Alliance]:
    """Two alliances of the named studios there are (fewer if there are too few); flushed, not
    committed (``flask seed-demo`` commits)."""
    named = _named_studios()
    if len({s.enterprise_id for s in named}) < 2:
        return []
    today = beijing_today()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    demo_enterprise_id = db.session.scalar(select(Enterprise.id).where(Enterprise.name == DEMO_ENTERPRISE))
    first = _same_kind_alliance(named, demo_enterprise_id, admin, today)
    taken = {m.studio for m in first.memberships} if first else set()
    made = [first, _cross_kind_alliance(named, taken, admin, today)]
    db.session.flush()
    return [a for a in made if a is not None]
