"""Demo data of the competition road, loaded after every feature's own demo data (it uses the
competitions' judges, the studios' numbering and the certificates).

* **第四届北京大工匠选树** (open): 数控车工 by competition, finished through the final (seed
  players voted by the occupation's committee of ``expert``, ``expert2`` and ``expert3``,
  challengers from the demo enterprise and 朝阳 enterprises, the qualifier and the
  final published, an appeal dismissed by the occupation's arbitration group), its places
  feeding the proposed list; 钳工 by competition with its qualifier taking challengers; the
  other trades by review; a studio funding plan of 10 万元 a year for 3 years.
* **第三届北京大工匠选树** (closed): its 数控车工 craftsmen came through a final in 2023; the
  winner's ladder runs from that result to the title, a funded craftsman studio and their
  certificates.

Events are run through the competitions' services up to the scoring; the judges' marks are then
written as submitted sheets would leave them, and the event is published (the marking screens
themselves are the competitions demo's business).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from competitions.models import Contestant, Event, EventState, Mark
from competitions.services import appeals as competition_appeals
from competitions.services import competitions as competition_service
from competitions.services import judges as competition_judges
from competitions.services import registration as competition_registration
from competitions.services import results as competition_results
from competitions.services import schemes
from core.accounts.models import User
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import SkillLevel, Worker
from core.timeutil import beijing_today, utcnow
from craftsmen import certificates as craftsman_certificates
from craftsmen.models import CraftsmanTitle, CycleOccupation, Nomination, NominationState, SelectionCycle
from craftsmen.selection_route import committee as seed_committee
from craftsmen.selection_route import services as route
from craftsmen.selection_route.models import OccupationRoute
from innovation_studios.services import craftsman_studios

D = Decimal
SEED_REASON = "上届北京市职工职业技能大赛数控车工项目一等奖，专家委员会一致同意列为种子选手。"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _prepare(worker: Worker, occupation: str) -> Worker:
    """A demo worker of ``occupation`` who meets the fourth edition's rules."""
    worker.occupation = occupation
    worker.years_in_occupation = max(worker.years_in_occupation, 8)
    if worker.skill_level_enum.rank < SkillLevel.LEVEL_2.rank:
        worker.skill_level = SkillLevel.LEVEL_2.value
    worker.in_post = True
    return worker


def _scheme(event: Event, admin: User) -> None:
    """理论知识 30 (笔试 /100), 技能操作 70 (尺寸精度 /40 measured, 工艺 /20 judged)."""
    theory = schemes.add_module(event, schemes.ModuleData("理论知识", "theory", D(30)), by=admin)
    exam = schemes.add_criterion(theory, "理论考试", by=admin)
    schemes.add_aspect(exam, schemes.AspectData("笔试成绩", "measurement", D(100), D("0.5")), by=admin)
    practical = schemes.add_module(event, schemes.ModuleData("技能操作", "practical", D(70)), by=admin)
    part = schemes.add_criterion(practical, "零件加工", by=admin)
    schemes.add_aspect(part, schemes.AspectData("尺寸精度", "measurement", D(40), D(1)), by=admin)
    schemes.add_aspect(part, schemes.AspectData("加工工艺合理性", "judgement", D(20)), by=admin)


def _run_and_publish(event: Event, ability: dict[int, float], panel: list[User], admin: User,
                     rng: random.Random) -> None:
    """Check-in, lots and scoring through the services; marks as the judges left them; then
    locked, rechecked and published (``ability``: 0-1 by worker id)."""
    for index, judge in enumerate(panel):
        competition_judges.assign_judge(event, judge, chief=index == 0, by=admin)
    competition_service.start_check_in(event, by=admin)
    competition_registration.check_in_all(event, by=admin)
    competition_registration.draw_lots(event, by=admin)
    competition_service.start_scoring(event, by=admin)
    aspects = {a.name: a for a in event.aspects()}
    for contestant in competition_registration.contestants(event):
        level = ability[contestant.worker_id]
        values = [(aspects["笔试成绩"], panel[1], D(round(level * 200) / 2)),
                  (aspects["尺寸精度"], panel[1], D(round(level * 40)))]
        values += [(aspects["加工工艺合理性"], judge, D(min(3, max(0, round(level * 3 + rng.choice((-1, 0, 0)))))))
                   for judge in panel]
        for aspect, judge, value in values:
            db.session.add(Mark(event_id=event.id, aspect_id=aspect.id, contestant_id=contestant.id,
                                judge_id=judge.id, value=value, submitted_at=utcnow(),
                                client_key=f"demo-route-{event.id}-{contestant.id}-{aspect.id}-{judge.id}"))
    now = utcnow()
    event.state, event.locked_at, event.locked_by_id, event.rechecked_at = (
        EventState.RECHECKED.value, now, panel[0].id, now)
    db.session.flush()
    competition_results.publish(event, by=admin)


def _stage(held_on: date, *, open_now: bool = True) -> route.StageData:
    now = utcnow()
    return route.StageData(venue="北京市工业技师学院", held_on=held_on,
                           registration_opens=now - timedelta(days=1), registration_closes=now + timedelta(hours=2)
                           if open_now else now + timedelta(days=10), quota_per_enterprise=6)


def _move_back(event: Event, held_on: date) -> None:
    """Time passes: the event's registration ran before its day, which is behind us."""
    event.held_on = held_on
    event.registration_opens = datetime.combine(held_on - timedelta(days=30), datetime.min.time())
    event.registration_closes = datetime.combine(held_on - timedelta(days=3), datetime.min.time())


def _pool_nomination(cycle: SelectionCycle, occupation: CycleOccupation, worker: Worker) -> Nomination:
    now = utcnow()
    nomination = Nomination(cycle=cycle, occupation=occupation, worker=worker, enterprise_id=worker.enterprise_id,
                            state=NominationState.QUALIFIED.value, submitted_at=now - timedelta(days=9),
                            qualified_at=now - timedelta(days=8),
                            statement="扎根一线二十余年，主持攻克关键零部件精密加工难题，带徒十余名。")
    db.session.add(nomination)
    db.session.flush()
    return nomination


def _fresh_workers(cycle: SelectionCycle, enterprise_ids: list[int], count: int, skip: set[int],
                   occupation: str) -> list[Worker]:
    """``count`` workers of the enterprises not yet nominated or titled, those already of
    ``occupation`` first. Nobody who entered a competition in another trade is taken: the
    road makes them workers of ``occupation``, and a competition result (and its certificate)
    stays in the worker's own trade."""
    nominated = select(Nomination.worker_id).where(Nomination.cycle_id == cycle.id)
    titled = select(CraftsmanTitle.worker_id)
    competed_elsewhere = (select(Contestant.worker_id).join(Event, Event.id == Contestant.event_id)
                          .where(Event.occupation != occupation))
    found = db.session.scalars(select(Worker).where(Worker.enterprise_id.in_(enterprise_ids),
                                                    Worker.id.not_in(nominated), Worker.id.not_in(titled),
                                                    Worker.id.not_in(competed_elsewhere), Worker.id.not_in(skip))
                               .order_by(Worker.occupation != occupation, Worker.id).limit(count)).all()
    skip.update(w.id for w in found)
    return list(found)


def _committee_chooses(occupation: CycleOccupation, nominations: list[Nomination], reason: str,
                       members: list[User], admin: User) -> None:
    """The administrator forms the occupation's seed-selection committee; its members vote
    (the first states the reason) until each nominee has a majority."""
    seed_committee.form_committee(occupation, [u.id for u in members], by=admin)
    for nomination in nominations:
        for index, member in enumerate(members):
            if seed_committee.support(occupation, nomination, reason if index == 0 else "同意。", by=member):
                break


def _turning(cycle: SelectionCycle, admin: User, panel: list[User], arbiters: list[User],
             committee: list[User], rng) -> None:
    """数控车工: seed players, challengers, qualifier and final published, an appeal ruled."""
    turning = next(o for o in cycle.occupations if o.name == "数控车工")
    route.set_route(turning, route.RouteData(method="competition", advance_top_n=3,
                                             list_min_score=D(60)), by=admin)
    route.set_arbitrators(turning, [u.id for u in arbiters], by=admin)
    enterprise_user, reviewer = _user("enterprise"), _user("reviewer")
    worker_account = _user("worker")
    skip = {worker_account.worker_id}
    chaoyang = list(db.session.scalars(select(Enterprise.id).where(Enterprise.district_union_id == reviewer.union_id)))
    elsewhere = list(db.session.scalars(select(Enterprise.id).where(Enterprise.id.not_in(chaoyang))))
    seeds = [_prepare(w, "数控车工") for w in _fresh_workers(cycle, elsewhere, 2, skip, "数控车工")]
    _committee_chooses(turning, [_pool_nomination(cycle, turning, w) for w in seeds], SEED_REASON, committee, admin)
    today = beijing_today()
    qualifier = route.create_qualifier(turning, _stage(today + timedelta(days=1)), by=admin)
    _scheme(qualifier, admin)
    own = [_prepare(w, "数控车工") for w in _fresh_workers(cycle, [enterprise_user.enterprise_id], 2, skip, "数控车工")]
    others = [_prepare(w, "数控车工") for w in _fresh_workers(cycle, chaoyang, 4, skip, "数控车工")]
    for worker in own:
        route.register_challenger(turning, worker, by=enterprise_user)
    for worker in others:
        route.register_challenger(turning, worker, by=reviewer)
    _move_back(qualifier, today - timedelta(days=18))
    route.route_of(turning).challenger_deadline = qualifier.registration_closes
    challengers = own + others
    _run_and_publish(qualifier, {w.id: 0.95 - 0.06 * n for n, w in enumerate(challengers)}, panel, admin, rng)
    route.advance(turning, by=admin)
    final = route.create_final(turning, _stage(today + timedelta(days=1)), by=admin)
    _move_back(final, today - timedelta(days=6))
    finalists = {n.worker_id for n in route.finalists_to_enter(turning)}
    ability = {w.id: a for w, a in zip(seeds, (0.9, 0.72), strict=True)}
    ability.update({w.id: 0.96 - 0.08 * n for n, w in enumerate(challengers) if w.id in finalists})
    _run_and_publish(final, ability, panel, admin, rng)
    appellant = next(c for c in competition_registration.contestants(final)
                     if c.enterprise_id == enterprise_user.enterprise_id)
    result = next(r for r in competition_results.event_results(final) if r.contestant_id == appellant.id)
    appeal = competition_appeals.file_appeal(result, "选手认为尺寸精度复测值应高于记录值，申请复核。",
                                             by=enterprise_user)
    competition_appeals.dismiss(appeal, "仲裁组调阅测量记录并复测，记录无误，维持原成绩。", by=arbiters[0])


def _fitting(cycle: SelectionCycle, admin: User, arbiters: list[User], committee: list[User]) -> None:
    """钳工: a seed player, the qualifier taking challengers for ten more days, one registered."""
    fitting = next(o for o in cycle.occupations if o.name == "钳工")
    route.set_route(fitting, route.RouteData(method="competition", advance_top_n=6), by=admin)
    route.set_arbitrators(fitting, [u.id for u in arbiters], by=admin)
    enterprise_user = _user("enterprise")
    skip = {_user("worker").worker_id}
    others = [e.id for e in db.session.scalars(select(Enterprise).where(Enterprise.id != enterprise_user.enterprise_id)
                                                .order_by(Enterprise.id.desc()).limit(3))]
    _committee_chooses(fitting, [_pool_nomination(cycle, fitting, _prepare(seed, "钳工"))
                                 for seed in _fresh_workers(cycle, others, 1, skip, "钳工")],
                       "全国技术能手，曾获北京市职工职业技能大赛钳工项目一等奖。", committee, admin)
    route.create_qualifier(fitting, _stage(beijing_today() + timedelta(days=20), open_now=False), by=admin)
    reviewer = _user("reviewer")
    union_enterprises = list(db.session.scalars(select(Enterprise.id).where(
        Enterprise.district_union_id == reviewer.union_id)))
    for by, enterprise_ids in ((enterprise_user, [enterprise_user.enterprise_id]), (reviewer, union_enterprises)):
        found = _fresh_workers(cycle, enterprise_ids, 1, skip, "钳工")
        if found:  # one challenger so far, registered by the enterprise (or else its union)
            route.register_challenger(fitting, _prepare(found[0], "钳工"), by=by)
            break


def _third_edition_ladder(admin: User, panel: list[User], rng) -> None:
    """The third edition's 数控车工 craftsmen came through a 2023 final; the winner leads a funded
    craftsman studio. Their results, titles and certificates make a complete ladder."""
    cycle = db.session.scalar(select(SelectionCycle).where(SelectionCycle.title == "第三届北京大工匠选树"))
    if cycle is None:
        return
    turning = next(o for o in cycle.occupations if o.name == "数控车工")
    turning.method = "competition"
    cycle.studio_funding_per_year, cycle.studio_funding_years = D(10), 3
    titles = db.session.scalars(select(CraftsmanTitle).where(CraftsmanTitle.cycle_id == cycle.id,
                                                             CraftsmanTitle.occupation == "数控车工")
                                .order_by(CraftsmanTitle.id)).all()
    if not titles:
        return
    competition = competition_service.create_competition(competition_service.CompetitionData(
        title="第三届北京大工匠选树·终极挑战赛", year=2023, description="第三届北京大工匠竞赛选拔（终极挑战赛）"),
        by=admin)
    held = date(2023, 8, 20)
    event = competition_service.create_event(competition, competition_service.EventData(
        occupation="数控车工", venue="北京市工业技师学院", held_on=held,
        registration_opens=datetime(2023, 7, 1), registration_closes=datetime(2023, 8, 10),
        quota_per_enterprise=10), by=admin)
    _scheme(event, admin)
    competition_service.open_registration(event, by=admin)
    workers = [db.session.get(Worker, t.worker_id) for t in titles]
    competition_registration.enter_selected(event, workers, by=admin)
    _run_and_publish(event, {w.id: 0.95 - 0.05 * n for n, w in enumerate(workers)}, panel, admin, rng)
    db.session.add(OccupationRoute(occupation_id=turning.id, final_event_id=event.id,
                                   competition_weight=D(100), panel_weight=D(0), advance_top_n=6))
    places = {r.contestant.worker_id: r for r in competition_results.event_results(event)}
    for title in titles:
        place = places[title.worker_id]
        basis = f"竞赛选拔·终极挑战赛第 {place.rank} 名（{place.total.quantize(D('0.01'))} 分）"
        title.selection_basis = title.nomination.selection_basis = basis
    db.session.flush()
    winner = min(titles, key=lambda t: places[t.worker_id].rank)
    craftsman_certificates.issue_for_titles([winner], by=admin)
    if craftsman_studios.studio_led_since(winner.worker_id) is None:
        craftsman_studios.set_up_for_title(craftsman_studios.TitleStudioData(
            name=f"{winner.name}工匠创新工作室", leader_worker_id=winner.worker_id,
            enterprise_id=winner.nomination.enterprise_id, field="数控车工", named_on=date(2023, 12, 1),
            reason=f"2023年北京大工匠（数控车工）命名：{cycle.title}", funding_per_year=D(10), funding_years=3,
            funding_from=2024), by=admin)


def load(seed: int = 2026) -> None:
    rng = random.Random(seed)
    admin = _user("admin")
    panel = [u for u in (_user("judge2"), _user("judge"), _user("judge3"), _user("judge4")) if u is not None]
    arbiters = [u for u in (_user("expert2"), _user("expert3")) if u is not None]
    committee = [u for u in (_user("expert"), _user("expert2"), _user("expert3")) if u is not None]
    if admin is None or len(panel) < 3 or len(arbiters) < 2 or len(committee) < 3:
        return  # the other features' demo data is not there
    fourth = db.session.scalar(select(SelectionCycle).where(SelectionCycle.title == "第四届北京大工匠选树"))
    route.set_funding_plan(fourth, D(10), 3, by=admin)
    _turning(fourth, admin, panel, arbiters, committee, rng)
    _fitting(fourth, admin, arbiters, committee)
    _third_edition_ladder(admin, panel, rng)
    db.session.flush()
