"""Demo data for skills competitions, loaded by ``flask seed-demo`` after the core demo data
(and after craftsmen's, in the order of ``FEATURES``).

One competition, 2026年北京市职工职业技能大赛, with three events that give every demo role
something to do:

* **焊工** is finished: 12 contestants (among them the demo ``worker``), marks from three
  judges, one discrepancy confirmed by the chief judge, locked, rechecked, results computed
  and published. The public results page and the demo worker's own results page show it.
* **数控车工** is being scored today: 12 contestants checked in, stations and blind numbers
  from the lot draw. ``judge2`` is the chief judge (supervises, does not score); ``judge3``
  and ``judge4`` have handed in both sheets, with one judgement mark two points apart, so the
  chief judge has a discrepancy to resolve; the demo ``judge`` has not marked anyone yet.
* **钳工** takes registrations now: the demo ``enterprise`` has registered one of its fitters
  and has two places left for its other eligible workers.

Everything goes through the services (so states, marks and audit entries are real); only
the finished event's timestamps are moved back to the days it took place, since the
services stamp everything "now" (and the appeal window would otherwise still be open).
Choices and marks come from ``random.Random(seed)``; stations and blind numbers come from
the lot draw's own random source, as they must.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from competitions.models import Contestant, Event, Result
from competitions.services import competitions, control, judges, marking, registration, results, schemes
from core.accounts import services as account_services
from core.accounts.models import User
from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.people.models import SkillLevel, Worker
from core.roles import Role
from core.timeutil import BEIJING_OFFSET, beijing_to_utc, utcnow

TITLE = "2026年北京市职工职业技能大赛"
D = Decimal

#: A marking scheme: (module, kind, weight, [(criterion, [(aspect, kind, max, step)])]).
SCHEMES = {
    "数控车工": [
        ("理论知识", "theory", 30, [
            ("理论知识考试", [("理论考试成绩（闭卷笔试，百分制）", "measurement", 100, "0.5")])]),
        ("技能操作", "practical", 70, [
            ("尺寸精度", [("外圆 Φ48h7、Φ36h7 尺寸", "measurement", 16, "1"),
                          ("内孔 Φ24H7 尺寸", "measurement", 10, "1"),
                          ("螺纹 M30×1.5-6g 通止规检验", "measurement", 8, "2"),
                          ("长度尺寸及同轴度 0.02", "measurement", 10, "0.5")]),
            ("表面质量", [("表面粗糙度 Ra1.6", "measurement", 6, "1")]),
            ("工艺与职业素养", [("加工工艺及切削参数合理性", "judgement", 10, None),
                                ("数控程序编制规范性", "judgement", 6, None),
                                ("安全文明生产", "judgement", 4, None)]),
        ]),
    ],
    "钳工": [
        ("理论知识", "theory", 30, [
            ("理论知识考试", [("理论考试成绩（闭卷笔试，百分制）", "measurement", 100, "0.5")])]),
        ("技能操作", "practical", 70, [
            ("锉配精度", [("凹凸件配合间隙 ≤0.04", "measurement", 16, "2"),
                          ("外形尺寸 60±0.02", "measurement", 12, "1"),
                          ("孔距 40±0.05 及位置度", "measurement", 8, "1")]),
            ("表面质量", [("锉削面粗糙度 Ra3.2", "measurement", 6, "1")]),
            ("工艺与职业素养", [("划线与锉削工艺合理性", "judgement", 10, None),
                                ("工件外观与棱边处理", "judgement", 6, None),
                                ("安全文明生产", "judgement", 4, None)]),
        ]),
    ],
    "焊工": [
        ("理论知识", "theory", 30, [
            ("理论知识考试", [("理论考试成绩（闭卷笔试，百分制）", "measurement", 100, "0.5")])]),
        ("技能操作", "practical", 70, [
            ("焊缝内部质量", [("射线探伤（RT）评级", "measurement", 20, "5"),
                              ("面弯、背弯试验", "measurement", 10, "5")]),
            ("焊缝外形尺寸", [("焊缝余高 0~3 mm", "measurement", 6, "1"),
                              ("焊缝宽度差 ≤2 mm", "measurement", 6, "1")]),
            ("外观与操作", [("焊缝外观成形", "judgement", 10, None),
                            ("板对接立焊操作规范性", "judgement", 6, None),
                            ("安全文明生产", "judgement", 4, None)]),
        ]),
    ],
}

#: What the measurement aspects are measured in (the rest state no unit).
UNITS = {
    "理论考试成绩（闭卷笔试，百分制）": "分", "外圆 Φ48h7、Φ36h7 尺寸": "mm", "内孔 Φ24H7 尺寸": "mm",
    "螺纹 M30×1.5-6g 通止规检验": "处", "长度尺寸及同轴度 0.02": "mm", "表面粗糙度 Ra1.6": "μm",
    "凹凸件配合间隙 ≤0.04": "mm", "外形尺寸 60±0.02": "mm", "孔距 40±0.05 及位置度": "mm",
    "锉削面粗糙度 Ra3.2": "μm", "射线探伤（RT）评级": "级", "面弯、背弯试验": "件",
    "焊缝余高 0~3 mm": "mm", "焊缝宽度差 ≤2 mm": "mm",
}

#: Demo judges added here (username, display name). ``judge2`` is the chief judge, who
#: supervises and does not score; the core demo's ``judge`` scores with judge3 and judge4.
JUDGES = [("judge2", "张建华（裁判长）"), ("judge3", "李秀兰（裁判）"), ("judge4", "王志强（裁判）")]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _beijing_today() -> date:
    return (utcnow() + BEIJING_OFFSET).date()


def _at(day: date, hour: int) -> datetime:
    """Naive UTC for ``hour`` o'clock Beijing time on ``day``."""
    return beijing_to_utc(datetime.combine(day, time(hour)))


# Building blocks ------------------------------------------------------------------------------

def _event(competition, data: competitions.EventData, admin: User) -> Event:
    """An event with its complete marking scheme, built piece by piece as an administrator would."""
    event = competitions.create_event(competition, data, by=admin)
    for name, kind, weight, criteria in SCHEMES[data.occupation]:
        module = schemes.add_module(event, schemes.ModuleData(name, kind, D(weight)), by=admin)
        for criterion_name, aspects in criteria:
            criterion = schemes.add_criterion(module, criterion_name, by=admin)
            for aspect, aspect_kind, max_mark, step in aspects:
                schemes.add_aspect(criterion, schemes.AspectData(
                    aspect, aspect_kind, D(max_mark), D(step) if step else None, UNITS.get(aspect, "")),
                    by=admin)
    return event


def _pick(event: Event, count: int, rng: random.Random, *, first: list[Worker] = (),
          taken: set[int]) -> list[Worker]:
    """``count`` eligible workers of the event's own trade (``first`` included) within the
    event's quota per enterprise; none of the ``taken`` workers. Nobody enters a neighbouring
    trade: a competition result (and its award certificate) is always in the worker's trade."""
    candidates = [w for w in db.session.scalars(select(Worker).where(
        Worker.occupation == event.occupation).order_by(Worker.id))
        if w.id not in taken and w not in first and not registration.eligibility_failures(event, w)]
    rng.shuffle(candidates)
    chosen = list(first)
    per_enterprise = Counter(w.enterprise_id for w in chosen)
    for worker in candidates:
        if len(chosen) == count:
            break
        if per_enterprise[worker.enterprise_id] < event.quota_per_enterprise:
            chosen.append(worker)
            per_enterprise[worker.enterprise_id] += 1
    taken.update(w.id for w in chosen)
    return chosen


def _import(event: Event, workers: list[Worker], admin: User) -> None:
    """The organisers import the contestants from their spreadsheet (row 1 is the header)."""
    rows = [(number, {"姓名": w.name, "身份证号": w.id_number, "工种": w.occupation})
            for number, w in enumerate(workers, start=2)]
    registration.import_contestants(event, rows, by=admin)


def _seat(event: Event, panel: list[User], admin: User) -> list[Contestant]:
    """Judges assigned (the first is the chief), registration closed, everyone checked in,
    lots drawn, scoring started. Returns the contestants in registration order."""
    for index, judge in enumerate(panel):
        judges.assign_judge(event, judge, chief=index == 0, by=admin)
    competitions.start_check_in(event, by=admin)
    registration.check_in_all(event, by=admin)
    registration.draw_lots(event, by=admin)
    competitions.start_scoring(event, by=admin)
    return registration.contestants(event)


@dataclass
class _Plan:
    """The marks each judge will give: (contestant id, aspect id) -> {username: text}."""

    marks: dict[tuple[int, int], dict[str, str]]


def _measured(rng: random.Random, ability: float, max_mark: Decimal, step: Decimal | None) -> str:
    share = min(1.0, max(0.2, ability + rng.gauss(0, 0.08)))
    step = step or D("0.5")
    steps = int(max_mark / step)
    value = step * int((D(str(share)) * steps).quantize(D(1), rounding=ROUND_HALF_UP))
    return schemes.plain(value)


def _plan(event: Event, contestants: list[Contestant], panel: list[User], rng: random.Random,
          abilities: dict[int, float]) -> _Plan:
    """Realistic marks: a measurement is read once off the measuring report and entered alike
    by every judge; judgement scores (0-3) of the judges are at most one point apart."""
    marks: dict[tuple[int, int], dict[str, str]] = {}
    for contestant in contestants:  # registration order: the same marks on every machine
        ability = abilities.get(contestant.worker_id) or rng.uniform(0.55, 0.92)
        for aspect in event.aspects():
            if aspect.is_judgement:
                centre = min(3, max(0, round(3 * ability + rng.gauss(0, 0.4))))
                other = centre + 1 if centre < 3 and (centre == 0 or rng.random() < 0.5) else centre - 1
                scores = {j.username: str(centre if rng.random() < 0.7 else other) for j in panel}
            else:
                value = _measured(rng, ability, aspect.max_mark, aspect.step)
                scores = {j.username: value for j in panel}
            marks[(contestant.id, aspect.id)] = scores
    return _Plan(marks)


def _score(event: Event, judge: User, plan: _Plan, contestants: list[Contestant], module, *,
           submit: bool) -> None:
    """``judge`` marks ``contestants`` on ``module`` through the scoring service."""
    for contestant in contestants:
        for aspect in module.aspects():
            marking.save_mark(event, judge, contestant, aspect, plan.marks[(contestant.id, aspect.id)][
                judge.username], client_key=f"demo-{event.id}-{judge.id}-{contestant.id}-{aspect.id}")
    if submit:
        marking.submit_sheet(event, judge, module)


def _spread(plan: _Plan, contestant: Contestant, aspect, low: User, high: User) -> None:
    """Make two judges' scores of one judgement aspect two points apart (a discrepancy)."""
    scores = plan.marks[(contestant.id, aspect.id)]
    scores[high.username], scores[low.username] = "3", "1"


# The three events ------------------------------------------------------------------------------

def _welding(competition, held_on: date, panel: list[User], admin: User, worker: Worker,
             rng: random.Random, taken: set[int]) -> Event:
    """焊工: held three weeks ago, results published (the demo worker took part)."""
    now = utcnow()
    event = _event(competition, competitions.EventData(
        occupation="焊工", venue="北京燕京重型装备制造有限公司焊接培训基地（房山区）", held_on=held_on,
        registration_opens=now - timedelta(days=75), registration_closes=now - timedelta(days=35),
        min_skill_level=SkillLevel.LEVEL_4.value, min_age=18, max_age=60, quota_per_enterprise=3,
        promotion_top_n=3, title_top_n=1), admin)
    competitions.open_registration(event, by=admin)
    _import(event, _pick(event, 12, rng, first=[worker], taken=taken), admin)
    contestants = _seat(event, panel, admin)
    plan = _plan(event, contestants, panel, rng, {worker.id: 0.9})
    practical = event.modules[1]
    _spread(plan, contestants[4], practical.aspects()[-3], panel[2], panel[1])
    for judge in panel[1:]:  # the chief judge supervises, the others score
        for module in event.modules:
            _score(event, judge, plan, contestants, module, submit=True)
    chief = panel[0]
    for discrepancy in control.open_discrepancies(event):
        control.resolve_discrepancy(discrepancy, "confirmed", by=chief,
                                    note="调阅焊缝外观照片并现场复看试件，两名裁判评分理由均成立，维持原分。")
    control.lock_event(event, by=chief, seed="demo-2026-welding")
    for item in control.recheck_items(event):
        control.record_recheck(item, "correct", by=chief,
                               note="核对评分表与录入分数一致，加总无误。" if item.reason == "top" else "")
    control.complete_recheck(event, by=chief)
    results.compute_results(event, by=admin)
    results.publish(event, by=admin)
    # History: the services stamped all this "now"; it happened on and after the day itself.
    event.lots_drawn_at = _at(held_on, 8)
    event.locked_at = _at(held_on, 18)
    event.rechecked_at = _at(held_on + timedelta(days=1), 17)
    event.published_at = _at(held_on + timedelta(days=3), 10)
    for result in db.session.scalars(select(Result).where(Result.event_id == event.id)):
        result.computed_at = result.published_at = event.published_at
    for contestant in contestants:
        contestant.checked_in_at = _at(held_on, 7)
    db.session.flush()
    return event


def _turning(competition, held_on: date, panel: list[User], admin: User, rng: random.Random,
             taken: set[int]) -> Event:
    """数控车工: today, being scored; judge3 and judge4 have handed in, the demo judge has not
    started, and the chief judge has a discrepancy to resolve."""
    now = utcnow()
    event = _event(competition, competitions.EventData(
        occupation="数控车工", venue="北京市工业技师学院数控实训中心（朝阳区）", held_on=held_on,
        registration_opens=now - timedelta(days=50), registration_closes=now - timedelta(days=12),
        min_skill_level=SkillLevel.LEVEL_4.value, min_age=18, max_age=55, quota_per_enterprise=3,
        promotion_top_n=3, title_top_n=1), admin)
    competitions.open_registration(event, by=admin)
    _import(event, _pick(event, 12, rng, taken=taken), admin)
    contestants = _seat(event, panel, admin)
    plan = _plan(event, contestants, panel, rng, {})
    theory, practical = event.modules
    _, _demo_judge, judge3, judge4 = panel
    _spread(plan, contestants[2], practical.aspects()[-3], judge4, judge3)
    for judge in (judge3, judge4):
        _score(event, judge, plan, contestants, theory, submit=True)
        _score(event, judge, plan, contestants, practical, submit=True)
    return event


def _fitting(competition, held_on: date, admin: User, enterprise_user: User, rng: random.Random,
             taken: set[int]) -> Event:
    """钳工: registration open; the demo enterprise has used one of its three places."""
    now = utcnow()
    event = _event(competition, competitions.EventData(
        occupation="钳工", venue="北京京城机电技师学院钳工实训楼（朝阳区）", held_on=held_on,
        registration_opens=now - timedelta(days=6), registration_closes=now + timedelta(days=20),
        min_skill_level=SkillLevel.LEVEL_4.value, min_age=18, max_age=55, quota_per_enterprise=3,
        promotion_top_n=3, title_top_n=1), admin)
    competitions.open_registration(event, by=admin)
    own = [w for w in db.session.scalars(select(Worker).where(
        Worker.enterprise_id == enterprise_user.enterprise_id).order_by(Worker.id))
        if w.id not in taken and not registration.eligibility_failures(event, w)]
    fitter = next((w for w in own if w.occupation == "钳工"), own[0])
    registration.register(event, fitter, by=enterprise_user)
    taken.update(w.id for w in own)  # the rest is the demo enterprise's to register
    others = _pick(event, 6, rng, taken=taken)
    _import(event, others, admin)
    return event


def load(seed: int = 2026) -> None:
    rng = random.Random(seed)
    admin, enterprise_user, demo_judge = _user("admin"), _user("enterprise"), _user("judge")
    worker = db.session.get(Worker, _user("worker").worker_id)
    chief, judge3, judge4 = [account_services.create_account(account_services.AccountData(
        username=username, display_name=name, roles=[Role.JUDGE.value]), DEMO_PASSWORD, by=None)
        for username, name in JUDGES]
    panel = [chief, demo_judge, judge3, judge4]  # the first is the chief judge
    db.session.flush()
    today = _beijing_today()
    welding_day, fitting_day = today - timedelta(days=24), today + timedelta(days=30)
    competition = competitions.create_competition(competitions.CompetitionData(
        title=TITLE, year=2026, organizer="北京市总工会、北京市人力资源和社会保障局",
        starts_on=welding_day, ends_on=fitting_day,
        description="面向全市企业一线职工，设焊工、数控车工、钳工三个赛项。各赛项前三名推荐晋升技能等级，"
                    "第一名推荐申报“北京市技术能手”。"), by=admin)
    taken: set[int] = set()
    _welding(competition, welding_day, panel, admin, worker, rng, taken)
    _turning(competition, today, panel, admin, rng, taken)
    _fitting(competition, fitting_day, admin, enterprise_user, rng, taken)
    db.session.flush()


#: Demo accounts this module adds, for the list that ``flask seed-demo`` prints.
EXTRA_LOGINS = [("judge2", "裁判长（数控车工赛项有评分分歧待处理）"),
                ("judge3", "裁判（数控车工赛项，已交评分表）"),
                ("judge4", "裁判（数控车工赛项，已交评分表）")]
