"""Seed players (种子选手) are chosen by the occupation's expert committee itself: its members
support qualified nominees on their own page, the first with the reason, and a nominee with
more than half of the members who may vote on them (not from their enterprise) becomes a seed
player. The administrator forms the committee and never votes; every refusal changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from craftsmen.models import CycleOccupation, Nomination, NominationState
from craftsmen.selection_route import committee
from craftsmen.selection_route import services as route
from craftsmen.selection_route.models import SeedPlayer, SeedVote
from tests import factories
from tests.conftest import csrf_token
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.craftsmen.route_data import competition_route, stage_data


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(SeedPlayer)),
            db.session.scalar(select(func.count()).select_from(SeedVote)))


@pytest.fixture
def board(app, world):
    """钳工 by competition; a committee of three experts, the third from 李明's enterprise;
    qualified nominees 李明 (ent_a) and 王芳 (ent_b)."""
    with app.app_context():
        cycle = make_cycle()
        fitter = next(o for o in cycle.occupations if o.name == "钳工")
        competition_route(fitter)
        members = [factories.user("seed_expert_1", [Role.EXPERT]),
                   factories.user("seed_expert_2", [Role.EXPERT]),
                   factories.user("seed_expert_3", [Role.EXPERT], employer_id=world.ent_a)]
        committee.form_committee(fitter, [u.id for u in members], by=_user(world.users.admin))
        li = make_nomination(cycle, world.worker_a)
        wang = make_nomination(cycle, world.worker_b)
        db.session.commit()
        return {"occupation": fitter.id, "members": [u.id for u in members], "li": li.id, "wang": wang.id}


def _load(board):
    return (db.session.get(CycleOccupation, board["occupation"]), db.session.get(Nomination, board["li"]),
            db.session.get(Nomination, board["wang"]))


def test_a_majority_of_the_committee_chooses_the_seed_player_with_the_first_supporters_reason(app, board):
    with app.app_context():
        fitter, _li, wang = _load(board)
        one, two, three = (_user(i) for i in board["members"])
        assert committee.support(fitter, wang, "上届技能大赛一等奖", by=one) is None  # 1 of 3
        seed = committee.support(fitter, wang, "", by=two)  # 2 of 3: a majority
        assert seed is not None and seed.reason == "上届技能大赛一等奖" and seed.chosen_by_id == two.id
        assert [s.nomination_id for s in route.seeds(fitter)] == [wang.id]
        with pytest.raises(DomainError, match="已是种子选手"):
            committee.support(fitter, wang, "", by=three)


def test_a_member_from_the_nominees_enterprise_steps_aside_and_the_majority_counts_the_others(app, board):
    with app.app_context():
        fitter, li, _wang = _load(board)
        one, two, three = (_user(i) for i in board["members"])
        before = _counts()
        with pytest.raises(DomainError, match="回避"):
            committee.support(fitter, li, "本单位推荐", by=three)
        assert _counts() == before
        candidate = next(c for c in committee.ballot(fitter) if c.nomination.id == li.id)
        assert candidate.voters == {one.id, two.id} and candidate.needed == 2
        assert committee.support(fitter, li, "全国技术能手", by=one) is None  # 1 of 2 is not more than half
        assert committee.support(fitter, li, "", by=two) is not None


def test_the_first_supporter_must_state_the_reason(app, board):
    with app.app_context():
        fitter, _li, wang = _load(board)
        with pytest.raises(DomainError, match="理由"):
            committee.support(fitter, wang, "   ", by=_user(board["members"][0]))
        assert _counts() == (0, 0)


def test_only_committee_members_vote_and_only_on_qualified_nominees_of_the_occupation(app, world, board):
    with app.app_context():
        fitter, _li, wang = _load(board)
        with pytest.raises(DomainError, match="不是.*专家委员会的成员"):
            committee.support(fitter, wang, "理由", by=_user(world.users.admin))
        with pytest.raises(DomainError, match="不是.*专家委员会的成员"):
            committee.support(fitter, wang, "理由", by=_user(world.users.expert))
        cycle = fitter.cycle
        submitted = make_nomination(cycle, world.worker_c, state=NominationState.SUBMITTED)
        welder = make_nomination(cycle, factories.worker(world.ent_b, name="焊工甲", occupation="焊工").id, "焊工")
        for nomination in (submitted, welder):
            with pytest.raises(DomainError, match="不能作为种子选手"):
                committee.support(fitter, nomination, "理由", by=_user(board["members"][0]))
        assert _counts() == (0, 0)


def test_withdrawing_support_below_a_majority_drops_the_seed_and_nothing_moves_after_the_final(
        app, world, board):
    with app.app_context():
        fitter, _li, wang = _load(board)
        one, two, _three = (_user(i) for i in board["members"])
        committee.support(fitter, wang, "上届技能大赛一等奖", by=one)
        committee.support(fitter, wang, "", by=two)
        assert committee.withdraw(fitter, wang, by=two) is True
        assert route.seeds(fitter) == []
        committee.support(fitter, wang, "", by=two)
        admin = _user(world.users.admin)
        route.create_qualifier(fitter, stage_data(), by=admin)
        route.ensure_route(fitter).final_event_id = route.qualifier_of(fitter).id  # the final exists
        db.session.flush()
        before = _counts()
        with pytest.raises(DomainError, match="终极挑战赛已创建"):
            committee.withdraw(fitter, wang, by=one)
        with pytest.raises(DomainError, match="终极挑战赛已创建"):
            committee.form_committee(fitter, board["members"], by=admin)
        assert _counts() == before


def test_a_committee_has_at_least_three_experts_and_keeps_those_who_voted(app, world, board):
    with app.app_context():
        fitter, _li, wang = _load(board)
        admin = _user(world.users.admin)
        with pytest.raises(DomainError, match="至少需要 3 位"):
            committee.form_committee(fitter, board["members"][:2], by=admin)
        committee.support(fitter, wang, "理由", by=_user(board["members"][2]))
        other = factories.user("seed_expert_4", [Role.EXPERT])
        with pytest.raises(DomainError, match="已投票的专家不能移出委员会"):
            committee.form_committee(fitter, [*board["members"][:2], other.id], by=admin)
        assert committee.committee_of(fitter).member_ids() == set(board["members"])



def test_experts_put_on_a_committee_are_told_to_vote_on_its_page_not_to_score_sheets(app, world, board):
    from core.notifications import services as notifications
    from core.notifications.models import Notification

    with app.app_context(), app.test_request_context():
        told = db.session.scalars(select(Notification).where(Notification.user_id.in_(board["members"]))).all()
        assert sorted(n.user_id for n in told) == sorted(board["members"])
        assert {n.url for n in told} == {"/craftsmen/route/committee"}
        assert "种子选手遴选委员会" in notifications.title_of(told[0])
        assert "投票" in notifications.body_of(told[0]) and "评审任务" not in notifications.body_of(told[0])
        newcomer = factories.user("seed_expert_5", [Role.EXPERT])
        committee.form_committee(_load(board)[0], [*board["members"], newcomer.id], by=_user(world.users.admin))
        assert [n.url for n in db.session.scalars(select(Notification).where(Notification.user_id == newcomer.id))
                ] == ["/craftsmen/route/committee"]


# Pages --------------------------------------------------------------------------------------------

def _vote(client, url: str, nomination_id: int, reason: str):
    return client.post(url, data={f"n{nomination_id}-reason": reason,
                                  "csrf_token": csrf_token(client, "/craftsmen/route/committee")})


def test_members_vote_on_their_committee_page_and_see_the_work_on_their_workbench(app, client, board, login):
    login(board["members"][0])
    home = client.get("/home/expert").get_data(as_text=True)
    assert re.search(r'种子选手待投票</a>\s*<span[^>]*data-testid="work-count">2<', home)
    page = client.get("/craftsmen/route/committee").get_data(as_text=True)
    assert "李明" in page and "王芳" in page and f'data-testid="vote-{board["wang"]}"' in page
    url = f"/craftsmen/route/occupations/{board['occupation']}/seeds/{board['wang']}/support"
    response = _vote(client, url, board["wang"], "")
    assert response.status_code == 422 and "请写明推荐其为种子选手的理由" in response.get_data(as_text=True)
    response = _vote(client, url, board["wang"], "上届技能大赛一等奖")
    assert response.status_code == 302
    page = client.get("/craftsmen/route/committee").get_data(as_text=True)
    assert "推荐理由：上届技能大赛一等奖" in page and "您已支持" in page
    login(board["members"][1])
    _vote(client, url, board["wang"], "")
    with app.app_context():
        assert [s.nomination_id for s in db.session.scalars(select(SeedPlayer))] == [board["wang"]]


def test_administrators_form_the_committee_but_cannot_choose_seed_players(app, client, world, board, login):
    login(world.users.admin)
    page = client.get(f"/craftsmen/route/occupations/{board['occupation']}").get_data(as_text=True)
    assert 'data-testid="committee-form"' in page and 'data-testid="seed-form"' not in page
    url = f"/craftsmen/route/occupations/{board['occupation']}/seeds/{board['wang']}/support"
    token = csrf_token(client, f"/craftsmen/route/occupations/{board['occupation']}")
    assert client.post(url, data={f"n{board['wang']}-reason": "理由", "csrf_token": token}).status_code == 403
    assert client.post(f"/craftsmen/route/occupations/{board['occupation']}/seeds",
                       data={"csrf_token": token}).status_code in (404, 405)
    with app.app_context():
        assert _counts() == (0, 0)


def test_an_expert_outside_the_committee_cannot_vote(app, client, world, board, login):
    login(world.users.expert)
    url = f"/craftsmen/route/occupations/{board['occupation']}/seeds/{board['wang']}/support"
    token = csrf_token(client, "/craftsmen/route/committee")
    assert client.post(url, data={f"n{board['wang']}-reason": "理由", "csrf_token": token}).status_code == 403
    assert "您还不是任何种子选手遴选专家委员会的成员" in client.get("/craftsmen/route/committee").get_data(as_text=True)
