"""The competition road of a craftsman selection (竞赛选拔): route as data, seed players,
challengers, the qualifier and the final as competition events, the arbitration group, and the
proposed list; every refusal leaves nothing changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from competitions.models import Appeal, EventState, Result
from competitions.rules import can_rule_on_appeal
from competitions.services import appeals as appeal_service
from core.accounts.models import User
from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.timeutil import utcnow
from craftsmen.models import CycleOccupation, Nomination, NominationState, SelectionCycle
from craftsmen.selection_route import rules
from craftsmen.selection_route import services as route
from craftsmen.selection_route.models import Challenger, OccupationRoute, SeedPlayer
from craftsmen.services import notice
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.craftsmen.route_data import competition_route, mark_and_publish, stage_data, total_for

N = NominationState


def _user(user_id):
    return db.session.get(User, user_id)


def _fitter(cycle) -> CycleOccupation:
    return next(o for o in cycle.occupations if o.name == "钳工")


class Road:
    """The road walked to a given point; ids only, reloaded per use."""


def _walk(world, *, until: str = "listed", method: str = "competition", weights=(100, 0)) -> Road:
    """钳工 (quota 2) by competition: seed players 李明 and 赵强, challengers 王芳, 钱进, 孙伟, 吴刚;
    qualifier 王芳 90, 孙伟 80, 钱进 70, 吴刚 40 (top 2 advance); final 赵强 95, 王芳 85, 李明 60,
    孙伟 50."""
    admin = _user(world.users.admin)
    cycle = make_cycle()
    fitter = _fitter(cycle)
    road = Road()
    road.cycle, road.occupation = cycle.id, fitter.id
    road.arbiters = [u.id for u in competition_route(fitter, method=method, weights=weights, top_n=2,
                                                     admin=admin)]
    seed_a = make_nomination(cycle, world.worker_a)
    seed_c = make_nomination(cycle, world.worker_c)
    route.choose_seed(fitter, seed_a, "上届技能大赛一等奖", by=admin)
    route.choose_seed(fitter, seed_c, "全国技术能手", by=admin)
    qualifier = route.create_qualifier(fitter, stage_data(), by=admin)
    qian = factories.worker(world.ent_b, name="钱进")
    sun = factories.worker(world.ent_a, name="孙伟")
    wu = factories.worker(world.ent_a, name="吴刚")
    route.register_challenger(fitter, db.session.get(Worker, world.worker_b), by=_user(world.users.other_enterprise))
    route.register_challenger(fitter, qian, by=_user(world.users.industry_reviewer))
    route.register_challenger(fitter, sun, by=_user(world.users.enterprise))
    route.register_challenger(fitter, wu, by=_user(world.users.reviewer))
    road.workers = {"李明": world.worker_a, "赵强": world.worker_c, "王芳": world.worker_b,
                    "钱进": qian.id, "孙伟": sun.id, "吴刚": wu.id}
    road.qualifier = qualifier.id
    if until == "registered":
        db.session.commit()
        return road
    mark_and_publish(qualifier, {world.worker_b: 90, sun.id: 80, qian.id: 70, wu.id: 40}, by=admin)
    if until == "qualifier":
        db.session.commit()
        return road
    route.advance(fitter, by=admin)
    final = route.create_final(fitter, stage_data(), by=admin)
    road.final = final.id
    mark_and_publish(final, {world.worker_c: 95, world.worker_b: 85, world.worker_a: 60, sun.id: 50}, by=admin)
    cycle.status = "reviewing"
    if until == "final":
        db.session.commit()
        return road
    route.generate_list(fitter, by=admin)
    db.session.commit()
    return road


def _nomination_of(road, name) -> Nomination:
    return db.session.scalar(select(Nomination).where(Nomination.cycle_id == road.cycle,
                                                      Nomination.worker_id == road.workers[name]))


# The whole road ---------------------------------------------------------------------------------

def test_final_best_within_quota_are_proposed_and_labelled_with_how_they_were_selected(app, world):
    with app.app_context():
        road = _walk(world)
        states = {name: _nomination_of(road, name).state for name in road.workers}
        assert states == {"赵强": "proposed", "王芳": "proposed", "李明": "not_proposed",
                          "孙伟": "not_proposed", "钱进": "not_proposed", "吴刚": "not_proposed"}
        zhao = _nomination_of(road, "赵强")
        assert zhao.rank == 1 and zhao.aggregate_score == total_for(95).quantize(Decimal("0.01"))
        assert zhao.selection_basis.startswith("竞赛选拔·终极挑战赛第 1 名")
        assert _nomination_of(road, "王芳").selection_basis.startswith("竞赛选拔·终极挑战赛第 2 名")


def test_every_challenger_who_took_part_enters_the_talent_pool_with_their_result(app, world):
    with app.app_context():
        road = _walk(world, until="qualifier")
        advanced = route.advance(db.session.get(CycleOccupation, road.occupation), by=_user(world.users.admin))
        assert sorted(c.worker.name for c in advanced) == ["孙伟", "王芳"]
        wu = _nomination_of(road, "吴刚")
        assert wu.state == N.QUALIFIED.value
        assert wu.statement == f"挑战者选拔赛第 4 名，{total_for(40).quantize(Decimal('0.01'))} 分"


def test_final_holds_seed_players_and_advancing_challengers_on_the_qualifiers_scheme(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        from competitions.models import Contestant, Event

        final = db.session.get(Event, road.final)
        entered = set(db.session.scalars(select(Contestant.worker_id).where(Contestant.event_id == final.id)))
        assert entered == {road.workers[n] for n in ("李明", "赵强", "王芳", "孙伟")}
        assert [m.name for m in final.modules] == ["理论知识", "技能操作"]
        assert final.competition.title.endswith("终极挑战赛")


def test_generating_the_list_again_gives_the_same_list(app, world):
    with app.app_context():
        road = _walk(world)
        route.generate_list(db.session.get(CycleOccupation, road.occupation), by=_user(world.users.admin))
        assert _nomination_of(road, "赵强").state == "proposed"
        assert route.notice_blockers(db.session.get(CycleOccupation, road.occupation)) == []


def test_naming_keeps_how_the_craftsman_was_selected_on_the_registry_entry(app, world):
    from craftsmen.services import naming

    with app.app_context():
        road = _walk(world)
        cycle = db.session.get(SelectionCycle, road.cycle)
        welder = next(o for o in cycle.occupations if o.name == "焊工")
        assert welder.method == "comprehensive"
        admin = _user(world.users.admin)
        today = utcnow().date()
        notice.publish_notice(cycle, today, by=admin, today=today)
        titles = naming.name_cycle(cycle, by=admin, today=today + timedelta(days=30))
        assert all(t.selection_basis.startswith("竞赛选拔·终极挑战赛第") for t in titles)
        assert {t.name for t in titles} == {"赵强", "王芳"}


# Route settings ---------------------------------------------------------------------------------

def test_weights_that_do_not_sum_to_100_are_refused(app, world):
    with app.app_context():
        fitter = _fitter(make_cycle())
        with pytest.raises(DomainError, match="权重之和应为 100"):
            route.set_route(fitter, route.RouteData(method="combined", competition_weight=Decimal(70),
                                                    panel_weight=Decimal(20)), by=None)
        assert fitter.method == "comprehensive" and route.route_of(fitter) is None


def test_route_cannot_change_once_its_first_stage_started(app, world):
    with app.app_context():
        road = _walk(world, until="registered")
        fitter = db.session.get(CycleOccupation, road.occupation)
        with pytest.raises(DomainError, match="选拔已开始"):
            route.set_route(fitter, route.RouteData(method="comprehensive"), by=None)
        assert fitter.method == "competition"


def test_combined_route_stores_its_weights(app, world):
    with app.app_context():
        fitter = _fitter(make_cycle())
        route.set_route(fitter, route.RouteData(method="combined", competition_weight=Decimal(70),
                                                panel_weight=Decimal(30), advance_top_n=6), by=None)
        stored = db.session.get(OccupationRoute, fitter.id)
        assert (fitter.method, stored.competition_weight, stored.panel_weight) == ("combined", 70, 30)


# Seed players -----------------------------------------------------------------------------------

def test_seed_player_must_be_a_qualified_nominee_of_that_occupation(app, world):
    with app.app_context():
        cycle = make_cycle()
        fitter = _fitter(cycle)
        competition_route(fitter)
        submitted = make_nomination(cycle, world.worker_a, state=N.SUBMITTED)
        welder_nominee = make_nomination(cycle, world.worker_b, "焊工")
        for nomination in (submitted, welder_nominee):
            with pytest.raises(DomainError, match="不能作为种子选手"):
                route.choose_seed(fitter, nomination, "理由", by=None)
        assert db.session.scalar(select(func.count()).select_from(SeedPlayer)) == 0


def test_seed_player_needs_a_reason(app, world):
    with app.app_context():
        cycle = make_cycle()
        fitter = _fitter(cycle)
        competition_route(fitter)
        with pytest.raises(DomainError, match="理由"):
            route.choose_seed(fitter, make_nomination(cycle, world.worker_a), "  ", by=None)


# Challengers ------------------------------------------------------------------------------------

def _open_qualifier(world, **stage):
    cycle = make_cycle()
    fitter = _fitter(cycle)
    competition_route(fitter)
    route.create_qualifier(fitter, stage_data(**stage), by=_user(world.users.admin))
    return cycle, fitter


def test_challenger_who_fails_the_cycles_eligibility_rules_is_refused(app, world):
    with app.app_context():
        _, fitter = _open_qualifier(world)
        novice = factories.worker(world.ent_a, name="新手", years_in_occupation=2)
        with pytest.raises(DomainError, match="不满 5 年"):
            route.register_challenger(fitter, novice, by=_user(world.users.enterprise))
        assert route.challengers(fitter) == []


def test_challenger_registered_after_the_deadline_is_refused(app, world):
    with app.app_context():
        _, fitter = _open_qualifier(world)
        late = route.route_of(fitter).challenger_deadline + timedelta(minutes=1)
        with pytest.raises(DomainError, match="截止"):
            route.register_challenger(fitter, db.session.get(Worker, world.worker_a),
                                      by=_user(world.users.enterprise), now=late)
        assert route.challengers(fitter) == []


def test_nominated_worker_cannot_also_register_as_challenger(app, world):
    with app.app_context():
        cycle, fitter = _open_qualifier(world)
        make_nomination(cycle, world.worker_a, "焊工")
        with pytest.raises(DomainError, match="已被推荐"):
            route.register_challenger(fitter, db.session.get(Worker, world.worker_a),
                                      by=_user(world.users.enterprise))


def test_union_registers_challengers_of_its_own_enterprises_only(app, world):
    with app.app_context():
        worker_a, worker_b = db.session.get(Worker, world.worker_a), db.session.get(Worker, world.worker_b)
        reviewer, industry = _user(world.users.reviewer), _user(world.users.industry_reviewer)
        assert rules.can_register_challenger(reviewer, worker_a)
        assert not rules.can_register_challenger(reviewer, worker_b)
        assert rules.can_register_challenger(industry, worker_b)
        assert not rules.can_register_challenger(_user(world.users.enterprise), worker_b)


# The final and the list -----------------------------------------------------------------------

def test_final_cannot_start_before_the_qualifiers_results_are_published(app, world):
    with app.app_context():
        road = _walk(world, until="registered")
        fitter = db.session.get(CycleOccupation, road.occupation)
        with pytest.raises(DomainError, match="成绩尚未公布"):
            route.create_final(fitter, stage_data(), by=_user(world.users.admin))
        assert route.final_of(fitter) is None


def test_list_is_refused_while_the_finals_results_are_unpublished(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        from competitions.models import Event

        db.session.get(Event, road.final).state = EventState.RECHECKED.value
        fitter = db.session.get(CycleOccupation, road.occupation)
        with pytest.raises(DomainError, match="成绩尚未公布"):
            route.generate_list(fitter, by=None)
        assert _nomination_of(road, "赵强").state == "qualified"


def _file_appeal(world, road, name) -> Appeal:
    result = db.session.scalar(select(Result).join(Result.contestant).where(
        Result.event_id == road.final).where(Result.contestant.has(worker_id=road.workers[name])))
    enterprise = _user(world.users.enterprise)
    return appeal_service.file_appeal(result, "尺寸精度测量有误", by=enterprise)


def test_list_is_refused_while_an_appeal_is_open(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        _file_appeal(world, road, "李明")
        with pytest.raises(DomainError, match="申诉待仲裁组裁决"):
            route.generate_list(db.session.get(CycleOccupation, road.occupation), by=None)
        assert _nomination_of(road, "赵强").state == "qualified"


def test_selection_appeals_are_ruled_by_the_occupations_arbitration_group_not_administrators(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        appeal = _file_appeal(world, road, "李明")
        from competitions.models import Event

        event = db.session.get(Event, road.final)
        group = appeal_service.event_arbitrator_ids(event)
        assert group == frozenset(road.arbiters)
        assert not can_rule_on_appeal(_user(world.users.admin), event.competition, event_arbitrators=group)
        assert can_rule_on_appeal(_user(road.arbiters[0]), event.competition, event_arbitrators=group)
        with pytest.raises(DomainError, match="不是仲裁组成员"):
            appeal_service.dismiss(appeal, "测量无误", by=_user(world.users.admin))
        appeal_service.dismiss(appeal, "复测无误", by=_user(road.arbiters[0]))
        assert appeal.status == "dismissed" and appeal.ruled_by_id == road.arbiters[0]
        route.generate_list(db.session.get(CycleOccupation, road.occupation), by=None)
        assert _nomination_of(road, "赵强").state == "proposed"


def test_arbitration_member_from_the_appellants_enterprise_may_not_rule(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        colleague = factories.user("arbiter-colleague", ["expert"], employer_id=world.ent_a)
        fitter = db.session.get(CycleOccupation, road.occupation)
        route.set_arbitrators(fitter, [*road.arbiters, colleague.id], by=None)
        appeal = _file_appeal(world, road, "李明")  # 李明 works at ent_a
        with pytest.raises(DomainError, match="同属一个单位"):
            appeal_service.dismiss(appeal, "无误", by=colleague)
        assert appeal.status == "open"


def test_tie_on_the_quota_line_is_refused_unless_all_tied_are_accepted(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        fitter = db.session.get(CycleOccupation, road.occupation)
        fitter.quota = 1
        results = db.session.scalars(select(Result).where(Result.event_id == road.final)).all()
        for result in results:  # the final's top two share first place
            if result.rank in (1, 2):
                result.rank, result.total = 1, Decimal("90")
        with pytest.raises(DomainError, match="并列"):
            route.generate_list(fitter, by=None)
        assert _nomination_of(road, "赵强").state == "qualified"
        route.generate_list(fitter, by=None, accept_boundary_tie=True)
        assert {_nomination_of(road, n).state for n in ("赵强", "王芳")} == {"proposed"}


def test_stated_minimum_keeps_a_finalist_off_the_list(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        route.route_of(db.session.get(CycleOccupation, road.occupation)).list_min_score = total_for(90)
        route.generate_list(db.session.get(CycleOccupation, road.occupation), by=None)
        assert _nomination_of(road, "赵强").state == "proposed"
        assert _nomination_of(road, "王芳").state == "not_proposed"


def test_notice_waits_for_the_competition_list(app, world):
    with app.app_context():
        road = _walk(world, until="final")
        blockers = notice.publish_blockers(db.session.get(SelectionCycle, road.cycle))
        assert any("尚未按竞赛结果生成建议名单" in b for b in blockers)


def test_challenger_rows_link_to_their_qualifier_contestants(app, world):
    with app.app_context():
        road = _walk(world, until="registered")
        assert db.session.scalar(select(func.count()).select_from(Challenger).where(
            Challenger.contestant_id.is_not(None))) == 4
        assert road.qualifier


# The combined route (多模块组合综合比评) ----------------------------------------------------------------

def _panel_scores(world, road, scores: dict[str, int]) -> None:
    from core.review_panels.models import ReviewPanel
    from craftsmen.services import review

    fitter = db.session.get(CycleOccupation, road.occupation)
    panel = review.form_panel(fitter, [world.users.expert], world.users.expert, by=_user(world.users.admin))
    for name, value in scores.items():
        marks = {key: str(value) for key in ("skill", "innovation", "contribution", "legacy")}
        review.SCOPE.save_sheet(db.session.get(ReviewPanel, panel.id), _nomination_of(road, name),
                          _user(world.users.expert), marks, submit=True)


def test_combined_route_ranks_by_weighted_final_and_panel_scores(app, world):
    with app.app_context():
        road = _walk(world, until="final", method="combined", weights=(70, 30))
        fitter = db.session.get(CycleOccupation, road.occupation)
        from craftsmen.services import review

        panel_subjects = {n.worker.name for n in review.subject_nominations(fitter)}
        assert panel_subjects == {"赵强", "王芳", "李明", "孙伟"}  # finalists only, not every challenger
        with pytest.raises(DomainError, match="专家评审尚未完成"):
            route.generate_list(fitter, by=None)
        _panel_scores(world, road, {"赵强": 60, "王芳": 100, "李明": 100, "孙伟": 50})
        route.generate_list(fitter, by=None)
        wang, zhao = _nomination_of(road, "王芳"), _nomination_of(road, "赵强")
        expected_wang = (total_for(85) * 70 + Decimal(100) * 30) / 100
        assert wang.aggregate_score == expected_wang.quantize(Decimal("0.01"))
        assert wang.rank == 1 and wang.state == "proposed"
        assert wang.selection_basis.startswith("竞赛与评审组合·综合得分")
        # 李明 (final 68.56, panel 100 → 77.99) overtakes 赵强 (final 79.06, panel 60 → 73.34)
        li = _nomination_of(road, "李明")
        assert (li.state, li.rank) == ("proposed", 2)
        assert (zhao.state, zhao.rank) == ("not_proposed", 3)
