"""Judges: the administrator assigns users holding the judge role and names one chief judge;
a judge never scores a contestant from their own enterprise and is recused from those they
declared a conflict with; a judge's pages show only the events they judge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from competitions.models import Contestant, Event, JudgeAssignment, Mark
from competitions.services import judges, registration
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from tests import factories
from tests.competitions.conftest import make_event
from tests.conftest import csrf_token


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _judge(name: str, employer_id: int | None = None) -> User:
    user = factories.user(name, [Role.JUDGE])
    user.employer_id = employer_id
    db.session.flush()
    return user


def _contestant(event: Event, worker_id: int, enterprise_id: int) -> Contestant:
    contestant = Contestant(event_id=event.id, worker_id=worker_id, enterprise_id=enterprise_id,
                            status="checked_in")
    db.session.add(contestant)
    db.session.flush()
    return contestant


@pytest.fixture
def scoring_event(app, world):
    """An event in scoring with contestants of 朝阳精工 (ent_a) and 海淀机械 (ent_b)."""
    with app.app_context():
        event = make_event(state="scoring")
        _contestant(event, world.worker_a, world.ent_a)
        _contestant(event, world.worker_b, world.ent_b)
        db.session.commit()
        return event.id


# Assignment ---------------------------------------------------------------------------------

def test_admin_assigns_judges_and_names_exactly_one_chief_judge(app, world, scoring_event):
    with app.app_context():
        event, admin = db.session.get(Event, scoring_event), _user(world.users.admin)
        first = judges.assign_judge(event, _user(world.users.judge), chief=True, by=admin)
        second = judges.assign_judge(event, _judge("judge2"), by=admin)
        assert judges.chief_of(event) is first
        judges.name_chief(second, by=admin)
        assert judges.chief_of(event) is second and not first.is_chief
        third = judges.assign_judge(event, _judge("judge3"), chief=True, by=admin)
        assert [a.is_chief for a in judges.assignments(event)] == [True, False, False]
        assert judges.assignments(event)[0] is third
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judge.name_chief"))


def test_only_users_holding_the_judge_role_may_be_assigned(app, world, scoring_event):
    with app.app_context():
        event = db.session.get(Event, scoring_event)
        with pytest.raises(DomainError, match="裁判角色"):
            judges.assign_judge(event, _user(world.users.expert), by=None)


def test_the_same_judge_cannot_be_assigned_twice(app, world, scoring_event):
    with app.app_context():
        event, judge = db.session.get(Event, scoring_event), _user(world.users.judge)
        judges.assign_judge(event, judge, by=None)
        with pytest.raises(DomainError, match="已是本赛项的裁判"):
            judges.assign_judge(event, judge, by=None)


def test_judges_cannot_be_changed_after_the_lock(app, world):
    with app.app_context():
        event = make_event(state="locked")
        with pytest.raises(DomainError, match="成绩锁定后"):
            judges.assign_judge(event, _user(world.users.judge), by=None)


def test_judge_with_marks_cannot_be_removed_but_one_without_can(app, world, scoring_event):
    with app.app_context():
        event = db.session.get(Event, scoring_event)
        marking, idle = judges.assign_judge(event, _user(world.users.judge), by=None), \
            judges.assign_judge(event, _judge("idle"), by=None)
        contestant = db.session.scalar(select(Contestant).where(Contestant.enterprise_id == world.ent_a))
        db.session.add(Mark(event_id=event.id, aspect_id=event.aspects()[0].id, contestant_id=contestant.id,
                            judge_id=marking.user_id, value=Decimal("80"), client_key="k-1"))
        db.session.flush()
        with pytest.raises(DomainError, match="已录入评分"):
            judges.remove_judge(marking, by=None)
        judges.remove_judge(idle, by=None)
        assert [a.user_id for a in judges.assignments(event)] == [world.users.judge]


def test_admin_assigns_a_judge_through_the_form(app, world, client, login, scoring_event):
    login(world.users.admin)
    url = f"/competitions/events/{scoring_event}/judges"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "user_id": str(world.users.judge),
                                      "is_chief": "y"})
    assert response.status_code == 302
    with app.app_context():
        assignment = db.session.scalar(select(JudgeAssignment))
        assert (assignment.user_id, assignment.is_chief) == (world.users.judge, True)


def test_the_judge_form_offers_only_judges(app, world, client, login, scoring_event):
    login(world.users.admin)
    url = f"/competitions/events/{scoring_event}/judges"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "user_id": str(world.users.expert)})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(JudgeAssignment)) is None


# Recusal ------------------------------------------------------------------------------------

def test_judge_never_scores_a_contestant_from_their_own_enterprise(app, world, scoring_event):
    with app.app_context():
        event = db.session.get(Event, scoring_event)
        judge = _judge("colleague", employer_id=world.ent_a)
        judges.assign_judge(event, judge, by=None)
        own, other = (db.session.scalar(select(Contestant).where(Contestant.enterprise_id == e))
                      for e in (world.ent_a, world.ent_b))
        assert "同一单位" in judges.may_score(judge, own)
        assert judges.may_score(judge, other) is None


def test_a_judge_not_assigned_to_the_event_may_not_score(app, world, scoring_event):
    with app.app_context():
        contestant = db.session.scalar(select(Contestant))
        assert "不是本赛项的裁判" in judges.may_score(_user(world.users.judge), contestant)


def test_declared_conflicts_recuse_the_judge_from_an_enterprise_or_one_contestant(app, world, scoring_event):
    with app.app_context():
        event, judge = db.session.get(Event, scoring_event), _user(world.users.judge)
        assignment = judges.assign_judge(event, judge, by=None)
        of_a, of_b = (db.session.scalar(select(Contestant).where(Contestant.enterprise_id == e))
                      for e in (world.ent_a, world.ent_b))
        assert judges.may_score(judge, of_a) is None
        judges.declare_conflict(assignment, enterprise_id=world.ent_a, reason="曾在该单位任职", by=judge)
        assert "曾在该单位任职" in judges.may_score(judge, of_a)
        judges.declare_conflict(assignment, contestant=of_b, reason="亲属关系", by=None)
        assert "亲属关系" in judges.may_score(judge, of_b)
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judge.declare_conflict"))


@pytest.mark.parametrize(("reason", "message"), [("  ", "请说明回避原因"), ("长" * 501, "不能超过 500 个字")])
def test_a_conflict_needs_a_reason_of_sensible_length(app, world, scoring_event, reason, message):
    with app.app_context():
        assignment = judges.assign_judge(db.session.get(Event, scoring_event), _user(world.users.judge), by=None)
        with pytest.raises(DomainError, match=message):
            judges.declare_conflict(assignment, enterprise_id=world.ent_a, reason=reason, by=None)


def test_a_conflict_names_exactly_one_target_and_is_not_declared_twice(app, world, scoring_event):
    with app.app_context():
        assignment = judges.assign_judge(db.session.get(Event, scoring_event), _user(world.users.judge), by=None)
        with pytest.raises(DomainError, match="请选择回避的选手或单位"):
            judges.declare_conflict(assignment, reason="原因", by=None)
        judges.declare_conflict(assignment, enterprise_id=world.ent_a, reason="原因", by=None)
        with pytest.raises(DomainError, match="已申报过"):
            judges.declare_conflict(assignment, enterprise_id=world.ent_a, reason="又一次", by=None)


def test_judge_declares_a_conflict_on_their_event_page(app, world, client, login, scoring_event):
    with app.app_context():
        judges.assign_judge(db.session.get(Event, scoring_event), _user(world.users.judge), by=None)
        db.session.commit()
    login(world.users.judge)
    url = f"/competitions/judging/events/{scoring_event}"
    response = client.post(f"{url}/conflicts", data={"csrf_token": csrf_token(client, url),
                                                     "enterprise_id": str(world.ent_b), "reason": "曾为该单位培训"})
    assert response.status_code == 302
    with app.app_context():
        assignment = db.session.scalar(select(JudgeAssignment))
        assert [(c.enterprise_id, c.reason) for c in assignment.conflicts] == [(world.ent_b, "曾为该单位培训")]


# A judge's pages ----------------------------------------------------------------------------

def test_my_events_lists_only_the_events_the_judge_is_assigned_to(app, world, client, login, scoring_event):
    with app.app_context():
        event = db.session.get(Event, scoring_event)
        other = make_event(occupation="焊工", competition=event.competition)
        judges.assign_judge(event, _user(world.users.judge), by=None)
        db.session.commit()
        other_id = other.id
    login(world.users.judge)
    page = client.get("/competitions/judging/").get_data(as_text=True)
    assert "钳工" in page and "焊工" not in page
    assert client.get(f"/competitions/judging/events/{scoring_event}").status_code == 200
    assert client.get(f"/competitions/judging/events/{other_id}").status_code == 403
    url = f"/competitions/judging/events/{scoring_event}"
    assert client.post(f"/competitions/judging/events/{other_id}/conflicts",
                       data={"csrf_token": csrf_token(client, url), "enterprise_id": str(world.ent_a),
                             "reason": "x"}).status_code == 403


def test_judge_pages_are_for_judges_and_judge_assignment_for_administrators(world, client, login, scoring_event):
    for identity in ("enterprise", "worker", "expert"):
        login(getattr(world.users, identity))
        assert client.get("/competitions/judging/").status_code == 403
        assert client.get(f"/competitions/events/{scoring_event}/judges").status_code == 403
    login(world.users.judge)
    assert client.get(f"/competitions/events/{scoring_event}/judges").status_code == 403


def test_recused_contestants_are_marked_on_the_judges_page(app, world, client, login):
    with app.app_context():
        event = make_event(state="check_in")
        own = _contestant(event, world.worker_a, world.ent_a)
        registration.draw_lots(event, by=None)
        judge = _user(world.users.judge)
        judge.employer_id = world.ent_a
        judges.assign_judge(event, judge, by=None)
        db.session.commit()
        event_id, number = event.id, own.blind_number
    login(world.users.judge)
    page = client.get(f"/competitions/judging/events/{event_id}").get_data(as_text=True)
    assert number in page and "回避" in page and "李明" not in page
