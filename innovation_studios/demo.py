"""Demo data for innovation studios, loaded by ``flask seed-demo`` after the core demo data
(and after craftsmen's and competitions', in the order of ``FEATURES``).

It gives every demo role something to do:

* **The studio register** as the federation kept it before this system (imported as it stood):
  about thirty named studios across the twenty demo enterprises, named 2019-2025, of every
  kind and level — model workers lead 劳模创新工作室, registered craftsmen 工匠创新工作室 —
  each with a team; some members have left, three studios changed leader (a retirement,
  transfers) and one studio was delisted.
* **The demo enterprise** (北京京城精工机床有限公司) has a named studio, an application waiting
  for the 朝阳 reviewer's check and a draft that still needs one more team member.
* **The 2026 city-level review batch**: four applications accepted by their unions, scored by
  a panel led by the demo ``expert`` with two more experts; the two others have handed in their
  sheets, the demo expert has not.
* **The 2026 district-level batch**: two applications fully scored by the other two experts,
  waiting for the administrator's decision (naming).

Applications of this year go through the services (so states, scores and the audit trail are
real). At the end the alliance and assessment demos run when their modules are present.
"""

from __future__ import annotations

import importlib
import random
from datetime import date, timedelta

from sqlalchemy import select

from core.accounts import services as account_services
from core.accounts.models import User
from core.audit import services as audit
from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios.studios import leaders, review, services
from innovation_studios.studios.models import (
    INDUSTRIES,
    LeaderChangeReason,
    MemberRole,
    Studio,
    StudioKind,
    StudioLevel,
    StudioMember,
    StudioState,
)
from innovation_studios.studios.transitions import move_studio

DEMO_ENTERPRISE = "北京京城精工机床有限公司"
EXTRA_LOGINS = [("studio_expert1", "评审专家（创新工作室评审组）"),
                ("studio_expert2", "评审专家（创新工作室评审组）")]

#: The industry of each demo enterprise (by its name's key word).
INDUSTRY_OF = {"机床": "制造业", "重型": "制造业", "建设": "建筑业", "市政": "建筑业",
               "轨道": "交通运输、仓储和邮政业", "公共交通": "交通运输、仓储和邮政业",
               "热力": "电力、热力、燃气及水生产和供应业", "新材料": "制造业", "百货": "批发和零售业",
               "餐饮": "住宿和餐饮业", "电子": "信息传输、软件和信息技术服务业", "航天": "制造业",
               "运河": "建筑业", "汽车": "制造业", "物流": "交通运输、仓储和邮政业",
               "仪器": "科学研究和技术服务业", "农产品": "农、林、牧、渔业",
               "水务": "水利、环境和公共设施管理业", "冰雪": "制造业", "生态": "水利、环境和公共设施管理业"}
FIELDS = {"数控车工": "数控加工", "钳工": "精密装配", "铣工": "精密加工", "焊工": "焊接工艺",
          "电工": "电气运维", "砌筑工": "建筑施工", "钢筋工": "建筑施工", "混凝土工": "混凝土工艺",
          "管道工": "管网施工", "测量放线工": "工程测量", "电动列车司机": "列车驾驶",
          "信号工": "信号维护", "汽车维修工": "汽车检修", "锅炉运行值班员": "锅炉运行",
          "化学检验员": "化学检测", "化工总控工": "化工工艺", "仪表维修工": "仪表检修",
          "营销员": "商业服务", "中式烹调师": "烹饪技艺", "中式面点师": "面点技艺",
          "电子设备装接工": "电子装联", "计算机网络管理员": "网络运维", "数控铣工": "数控加工",
          "物流服务师": "智慧物流", "叉车司机": "仓储作业", "仪器仪表装调工": "仪器装调",
          "农产品食品检验员": "食品检测", "水处理工": "水处理", "园林绿化工": "生态修复"}
SPACE = ["生产车间二楼，面积 {n} 平方米，配备 {eq}。", "技术中心内独立工作区 {n} 平方米，配备 {eq}。"]
EQUIPMENT = ["五轴加工中心、三坐标测量仪", "焊接机器人、焊缝探伤仪", "仿真培训平台、检测仪器",
             "实训工位、工具工装", "数据采集终端、分析工作站"]
RULES = "每周技术例会；攻关项目立项与验收；成果登记与奖励；名师带徒协议；经费专款专用、年度公开。"
PLANS = ["围绕关键工序开展技术攻关，三年内完成 {n} 项技术革新，培养技师、高级技师 {m} 名。",
         "聚焦质量提升与节能降耗，三年内形成 {n} 项可推广的操作法，带徒 {m} 名。"]
FUNDING = "企业每年投入 {n} 万元，纳入年度预算；申请市、区总工会资助，专款专用。"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _expert(username: str, display: str) -> User:
    return _user(username) or account_services.create_account(account_services.AccountData(
        username=username, display_name=display, roles=[Role.EXPERT.value]), DEMO_PASSWORD, by=None)


def _industry(enterprise: Enterprise) -> str:
    return next((v for k, v in INDUSTRY_OF.items() if k in enterprise.name), INDUSTRIES[0])


def _texts(rng: random.Random, leader: Worker) -> dict:
    return {
        "field": FIELDS.get(leader.occupation, leader.occupation)[:64],
        "space_equipment": rng.choice(SPACE).format(n=rng.randrange(60, 400, 10), eq=rng.choice(EQUIPMENT)),
        "management_rules": RULES,
        "plan": rng.choice(PLANS).format(n=rng.randint(3, 8), m=rng.randint(3, 10)),
        "funding_note": FUNDING.format(n=rng.choice((10, 15, 20, 30, 50))),
    }


def _kind_of(flags) -> str:
    kinds = {f.kind for f in flags}
    if "model_worker" in kinds:
        return StudioKind.MODEL_WORKER.value
    if "craftsman" in kinds:
        return StudioKind.CRAFTSMAN.value
    return StudioKind.WORKER.value


def _name(leader: Worker, kind: str) -> str:
    field = FIELDS.get(leader.occupation, leader.occupation)
    return {StudioKind.MODEL_WORKER.value: f"{leader.name}{field}劳模创新工作室",
            StudioKind.CRAFTSMAN.value: f"{leader.name}{field}工匠创新工作室",
            StudioKind.WORKER.value: f"{leader.name}{field}职工创新工作室"}[kind]


# The register as it stood ---------------------------------------------------------------------

def _register(rng: random.Random, workers_by_enterprise: dict[int, list[Worker]],
              enterprises: list[Enterprise], flags) -> list[Studio]:
    """Named studios imported from the federation's register (historic facts, not re-run)."""
    studios, numbers = [], {}
    levels = [StudioLevel.CITY_DEMO, StudioLevel.CITY, StudioLevel.CITY, StudioLevel.DISTRICT,
              StudioLevel.DISTRICT, StudioLevel.ENTERPRISE]
    for index, enterprise in enumerate(enterprises):
        pool = list(workers_by_enterprise[enterprise.id])
        # Distinguished workers lead first; the demo enterprise keeps workers for this year's applications.
        pool.sort(key=lambda w: (not flags.get(w.id), w.id))
        count = 1 if index == 0 or index % 3 else 2
        for _ in range(count):
            if len(pool) < 5:
                break
            leader = pool.pop(0)
            kind = _kind_of(flags.get(leader.id, []))
            year = rng.randint(2019, 2025)
            named_on = date(year, rng.choice((4, 6, 9, 11)), rng.randint(1, 28))
            numbers[year] = numbers.get(year, 0) + 1
            level = rng.choice(levels).value
            studio = Studio(
                name=_name(leader, kind), kind=kind, level_sought=level, level=level,
                enterprise_id=enterprise.id, leader_worker_id=leader.id, industry=_industry(enterprise),
                state=StudioState.NAMED.value, applied_year=year, named_on=named_on,
                number=f"{services.NUMBER_PREFIX}-{year}-{numbers[year]:04d}", **_texts(rng, leader))
            db.session.add(studio)
            db.session.flush()
            team = rng.sample(pool, k=min(len(pool), rng.randint(3, 5)))
            for n, worker in enumerate(team):
                member = StudioMember(studio_id=studio.id, worker_id=worker.id,
                                      role=(MemberRole.DEPUTY if n == 0 else rng.choice(
                                          [MemberRole.CORE, MemberRole.MEMBER, MemberRole.APPRENTICE])).value,
                                      joined_on=named_on - timedelta(days=rng.randint(30, 200)))
                if n == len(team) - 1 and rng.random() < 0.4:
                    member.left_on = min(named_on + timedelta(days=rng.randint(200, 700)), beijing_today())
                    member.leave_reason = rng.choice(["调离本单位", "退休", "工作岗位调整"])
                db.session.add(member)
            audit.record("studio.import", studio, by=None, changes={
                "number": [None, studio.number], "named_on": [None, named_on.isoformat()]})
            studios.append(studio)
    db.session.flush()
    return studios


def _history(rng: random.Random, studios: list[Studio]) -> None:
    """Three leader changes (through the service) and one delisting (as recorded then)."""
    admin = _user("admin")
    changed = 0
    for studio in studios[1:]:
        if changed == 3:
            break
        successor = next((m for m in studio.members if m.left_on is None and m.role == MemberRole.DEPUTY.value),
                         None)
        if successor is None or studio.named_on.year > 2023 or not successor.worker.in_post:
            continue
        reason = LeaderChangeReason.RETIREMENT if changed == 0 else LeaderChangeReason.TRANSFER
        note = "原领办人退休" if changed == 0 else "原领办人调往集团总部任职"
        on = studio.named_on + timedelta(days=rng.randint(300, 600))
        services.change_leader(studio, successor.worker_id, min(on, beijing_today()), reason.value, note,
                               expected_version=studio.version, by=admin)
        changed += 1
    demo_enterprise_id = studios[0].enterprise_id
    old = next((s for s in reversed(studios) if s.named_on.year <= 2021 and s.enterprise_id != demo_enterprise_id),
               None)
    if old is not None:
        services.delist(old, delisted_on=date(2024, 12, 20), reason="连续两年考核不合格，整改后仍未达到要求",
                        expected_version=old.version, by=admin)


# This year's applications ------------------------------------------------------------------------------

def _apply(rng: random.Random, enterprise: Enterprise, leader: Worker, team: list[Worker], kind: str, level: str,
           by, *, submit: bool = True) -> Studio:
    studio = services.create_application(enterprise.id, services.ApplicationData(
        name=_name(leader, kind), kind=kind, level_sought=level, leader_worker_id=leader.id,
        industry=_industry(enterprise), **_texts(rng, leader)), by=by)
    for n, worker in enumerate(team):
        services.add_member(studio, worker.id, (MemberRole.DEPUTY if n == 0 else MemberRole.CORE).value, None, by=by)
    if submit:
        services.submit(studio, expected_version=studio.version, by=by)
    return studio


def _enterprise_user(enterprise: Enterprise) -> User:
    """The enterprise's own account: the demo one, or a service account acting for it."""
    found = db.session.scalar(select(User).where(User.enterprise_id == enterprise.id))
    if found is not None:
        return found
    return account_services.create_account(account_services.AccountData(
        username=f"studio_ent{enterprise.id}", display_name=f"{enterprise.name}工会", roles=[Role.ENTERPRISE.value],
        enterprise_id=enterprise.id), DEMO_PASSWORD, by=None)


def _this_year(rng: random.Random, workers_by_enterprise, enterprises, register, led: set[int], flags) -> None:
    """``led``: the workers who lead or led a studio of the register."""
    year = beijing_today().year
    used = led | {m.worker_id for s in register for m in s.members}
    free = {e.id: [w for w in workers_by_enterprise[e.id] if w.id not in used] for e in enterprises}
    demo_enterprise = enterprises[0]
    enterprise_user = _user("enterprise")
    reviewer = _user("reviewer")

    # The demo enterprise: one application waiting for the 朝阳 reviewer, one draft short of a member.
    pool = list(workers_by_enterprise[demo_enterprise.id])
    leaders_left = [w for w in pool if w.id not in used]
    waiting_leader, draft_leader = leaders_left[0], leaders_left[1]
    others = [w for w in pool if w.id not in (waiting_leader.id, draft_leader.id)]
    _apply(rng, demo_enterprise, waiting_leader, others[:3], _kind_of(flags.get(waiting_leader.id, [])),
           StudioLevel.DISTRICT.value, enterprise_user)
    _apply(rng, demo_enterprise, draft_leader, others[3:5], StudioKind.WORKER.value, StudioLevel.CITY.value,
           enterprise_user, submit=False)

    # Two batches under review, from other enterprises.
    admin = _user("admin")
    expert = _user("expert")
    colleagues = [_expert("studio_expert1", "王建华（评审专家）"), _expert("studio_expert2", "赵秀兰（评审专家）")]
    candidates = [e for e in enterprises[1:] if len(free[e.id]) >= 4]
    batches = {StudioLevel.CITY.value: candidates[:4], StudioLevel.DISTRICT.value: candidates[4:6]}
    for level, members in batches.items():
        studios = []
        for enterprise in members:
            leader, *team = free[enterprise.id][:4]
            studio = _apply(rng, enterprise, leader, team, _kind_of(flags.get(leader.id, [])), level,
                            _enterprise_user(enterprise))
            if reviewer is not None and reviewer.union_id in enterprise.union_ids():
                services.check(studio, "accept", "", expected_version=studio.version, by=reviewer)
            else:  # the check of a union without a demo account, recorded as done
                move_studio(studio, StudioState.UNDER_REVIEW, by=None, note="")
            studios.append(studio)
        panel_experts = [expert, *colleagues] if level == StudioLevel.CITY.value else colleagues
        lead = panel_experts[0]
        panel = review.form_panel(year, level, [u.id for u in panel_experts], lead.id, by=admin)
        for studio in studios:
            for scorer in colleagues:
                marks = {c["key"]: str(rng.randint(76, 94)) for c in review.DEFAULT_STUDIO_RUBRIC["criteria"]}
                review.SCOPE.save_sheet(panel, studio, scorer, marks, comment="申报材料翔实，团队结构合理。",
                                        submit=True)


def load(seed: int = 2026) -> None:
    rng = random.Random(seed)
    enterprises = list(db.session.scalars(select(Enterprise).order_by(Enterprise.id)))
    if not enterprises or _user("admin") is None:
        return
    demo = next((e for e in enterprises if e.name == DEMO_ENTERPRISE), enterprises[0])
    enterprises.remove(demo)
    enterprises.insert(0, demo)
    workers = list(db.session.scalars(select(Worker).where(Worker.in_post.is_(True)).order_by(Worker.id)))
    workers_by_enterprise: dict[int, list[Worker]] = {e.id: [] for e in enterprises}
    for worker in workers:
        workers_by_enterprise.setdefault(worker.enterprise_id, []).append(worker)
    flags = leaders.flags_for(workers)
    register = _register(rng, workers_by_enterprise, enterprises, flags)
    led = {s.leader_worker_id for s in register}
    _history(rng, register)
    _this_year(rng, workers_by_enterprise, enterprises, register, led, flags)
    db.session.flush()
    for name in ("innovation_studios.alliances.demo", "innovation_studios.assessments.demo"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a broken import inside the module is a real error
                raise
            continue
        module.load()
