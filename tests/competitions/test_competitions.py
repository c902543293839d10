"""Administrators create competitions and events with their rules as data; events move
forward through their states one step at a time, audited; starting the scoring freezes a
complete marking scheme; and only administrators reach any of it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from competitions import rules, states
from competitions.models import Competition, Event, EventState
from competitions.services import competitions
from competitions.states import IllegalTransition
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.timeutil import beijing_today
from tests.competitions.conftest import event_data, make_competition, make_event
from tests.conftest import csrf_token

COMPETITION_FORM = {"title": "2026年北京市职工职业技能大赛", "year": "2026", "organizer": "北京市总工会",
                    "starts_on": "2026-03-01", "ends_on": "2026-11-30", "description": ""}


def _event_form(token, **overrides):
    data = {"occupation": "钳工", "occupation_code": "6-18-01-07", "venue": "北京市工业技师学院",
            "held_on": "2026-10-20", "registration_opens": "2026-09-01T09:00",
            "registration_closes": "2026-09-30T17:00", "min_skill_level": "level_3", "min_age": "18",
            "max_age": "55", "quota_per_enterprise": "2", "theory_weight_cap": "30",
            "first_prize_percent": "10", "second_prize_percent": "20", "third_prize_percent": "30",
            "tie_break": "practical,oral,theory", "promotion_top_n": "3", "title_top_n": "",
            "appeal_window_minutes": "120", "csrf_token": token}
    data.update(overrides)
    return data


def _competition(app) -> int:
    """A competition running through 2026 (the forms' dates lie in it)."""
    with app.app_context():
        competition = make_competition(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        db.session.commit()
        return competition.id


def test_admin_creates_a_competition_then_an_event(app, world, client, login):
    login(world.users.admin)
    response = client.post("/competitions/new", data={
        **COMPETITION_FORM, "csrf_token": csrf_token(client, "/competitions/new")})
    assert response.status_code == 302
    with app.app_context():
        competition = db.session.scalar(select(Competition))
        competition_id = competition.id
        assert competition.title == "2026年北京市职工职业技能大赛"
    url = f"/competitions/{competition_id}/events/new"
    response = client.post(url, data=_event_form(csrf_token(client, url)))
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert (event.occupation, event.quota_per_enterprise, event.min_skill_level) == ("钳工", 2, "level_3")
        assert event.registration_opens.hour == 1  # 09:00 Beijing time is 01:00 UTC
        assert event.tie_break_kinds == ["practical", "oral", "theory"]
        assert event.appeal_window_minutes == 120 and event.state == EventState.DRAFT
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"competition.create", "event.create"} <= actions
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "钳工" in html and "评分标准还没有模块" in html


@pytest.mark.parametrize("overrides, message", [
    ({"registration_closes": "2026-08-01T09:00"}, "报名截止时间须晚于开始时间"),
    ({"registration_closes": "2026-10-21T09:00"}, "报名须在比赛日期之前截止"),
    ({"held_on": "2027-01-05"}, "比赛日期应在竞赛期间内"),
    ({"min_age": "50", "max_age": "30"}, "最小年龄不能大于最大年龄"),
    ({"quota_per_enterprise": "0"}, "必须介于 1 到 100 之间"),
    ({"theory_weight_cap": "40"}, "必须介于 0 到 30 之间"),
    ({"first_prize_percent": "50", "second_prize_percent": "30", "third_prize_percent": "30"},
     "比例之和不能超过 100"),
    ({"tie_break": "oral,oral"}, "不是有效的选择"),
])
def test_bad_event_settings_are_explained_and_kept(app, world, client, login, overrides, message):
    competition_id = _competition(app)
    login(world.users.admin)
    url = f"/competitions/{competition_id}/events/new"
    html = client.post(url, data=_event_form(csrf_token(client, url), **overrides)).get_data(as_text=True)
    assert message in html and "北京市工业技师学院" in html
    with app.app_context():
        assert db.session.scalar(select(Event)) is None


def test_an_occupation_has_one_event_per_competition(app, world):
    with app.app_context():
        event = make_event()
        with pytest.raises(DomainError, match="已有“钳工”赛项"):
            competitions.create_event(event.competition, event_data(), by=None)


def test_competition_titles_are_unique_and_dates_ordered(app, world):
    with app.app_context():
        make_competition()
        with pytest.raises(DomainError, match="已有同名的竞赛"):
            make_competition()
        with pytest.raises(DomainError, match="结束日期不能早于开始日期"):
            competitions.create_competition(competitions.CompetitionData(
                title="另一届", year=2026, starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1)), by=None)


def test_admin_edits_a_competition_and_a_stale_form_is_refused(app, world, client, login):
    competition_id = _competition(app)
    login(world.users.admin)
    url = f"/competitions/{competition_id}/edit"
    token = csrf_token(client, url)
    response = client.post(url, data={**COMPETITION_FORM, "title": "2026年北京市职工技能大赛（决赛）",
                                      "version": "1", "csrf_token": token})
    assert response.status_code == 302
    html = client.post(url, data={**COMPETITION_FORM, "version": "1", "csrf_token": token}).get_data(as_text=True)
    assert "已被他人修改" in html
    with app.app_context():
        assert db.session.get(Competition, competition_id).title == "2026年北京市职工技能大赛（决赛）"


@pytest.mark.parametrize("version", ["", "abc", "1.0", "-1", "0", "99999999999", None])
def test_a_missing_or_tampered_version_is_answered_as_a_stale_form_not_an_error(app, world, client, login,
                                                                               version):
    competition_id = _competition(app)
    login(world.users.admin)
    url = f"/competitions/{competition_id}/edit"
    data = {**COMPETITION_FORM, "title": "改过的标题", "csrf_token": csrf_token(client, url)}
    if version is not None:
        data["version"] = version
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已被他人修改" in html and "改过的标题" in html  # told, and what was typed is kept
    with app.app_context():
        assert db.session.get(Competition, competition_id).title != "改过的标题"


def test_event_settings_cannot_change_once_check_in_starts(app, world, client, login):
    with app.app_context():
        event = make_event(state="check_in")
        db.session.commit()
        event_id, version = event.id, event.version
    login(world.users.admin)
    url = f"/competitions/events/{event_id}/edit"
    html = client.post(url, data=_event_form(csrf_token(client, url), version=str(version))).get_data(
        as_text=True)
    assert "检录开始后不能再修改赛项设置" in html


def test_the_theory_cap_cannot_go_below_the_schemes_theory_weight(app, world):
    with app.app_context():
        event = make_event()  # 理论知识 weighs 30
        data = event_data(theory_weight_cap=20)
        with pytest.raises(DomainError, match="不能把上限设得更低"):
            competitions.update_event(event, data, expected_version=event.version, by=None)


def test_the_event_moves_forward_step_by_step_and_every_move_is_audited(app, world):
    with app.app_context():
        admin = db.session.get(User, world.users.admin)
        event = make_event()
        competitions.open_registration(event, by=admin)
        assert event.state == EventState.REGISTRATION
        with pytest.raises(IllegalTransition, match="不能变为"):
            competitions.open_registration(event, by=admin)
        with pytest.raises(IllegalTransition):
            competitions.start_scoring(event, by=admin)  # check-in comes first
        assert not event.scheme_frozen
        competitions.start_check_in(event, by=admin)
        event.held_on = beijing_today()  # the competition day
        competitions.start_scoring(event, by=admin)
        assert event.state == EventState.SCORING and event.scheme_frozen and event.scheme_frozen_at
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "Event")
                                     .order_by(AuditEntry.id)).all()
        assert [e.action for e in entries][-4:] == ["event.open_registration", "event.start_check_in",
                                                    "scheme.freeze", "event.start_scoring"]
        assert entries[-1].changes == {"state": ["check_in", "scoring"]} and entries[-1].actor_name == "admin"


def test_the_transitions_table_is_one_line_from_draft_to_published():
    state, seen = EventState.DRAFT, [EventState.DRAFT]
    while (state := states.next_state(state)) is not None:
        seen.append(state)
    assert seen == list(EventState)
    assert len(states.EVENT_TRANSITIONS) == len(EventState) - 1


def test_scoring_cannot_start_with_an_incomplete_scheme(app, world):
    with app.app_context():
        event = make_event(state="check_in", scheme=False)
        with pytest.raises(DomainError, match="评分标准尚未完成"):
            competitions.start_scoring(event, by=None)
        assert event.state == EventState.CHECK_IN and not event.scheme_frozen


def test_admin_moves_the_event_with_the_buttons_on_its_page(app, world, client, login, event):
    login(world.users.admin)
    page = f"/competitions/events/{event.id}"
    html = client.get(page).get_data(as_text=True)
    assert "开始报名" in html and "评分标准已完整" in html
    client.post(f"{page}/open", data={"csrf_token": csrf_token(client, page)})
    client.post(f"{page}/check-in", data={"csrf_token": csrf_token(client, page)})
    html = client.post(f"{page}/scoring", data={"csrf_token": csrf_token(client, page)},
                       follow_redirects=True).get_data(as_text=True)
    assert "尚未到来，不能开始评分" in html and 'name="early_reason"' in html
    response = client.post(f"{page}/scoring", data={"csrf_token": csrf_token(client, page),
                                                     "early_reason": "场地提前一天交付，组委会决定"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "评分已开始，评分标准已冻结" in html and "添加模块" not in html
    with app.app_context():
        early = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.start_scoring_early")).one()
        assert early.changes["reason"] == [None, "场地提前一天交付，组委会决定"]
    with app.app_context():
        assert db.session.get(Event, event.id).state == EventState.SCORING


def test_an_illegal_move_is_flashed_not_applied(app, world, client, login, event):
    login(world.users.admin)
    page = f"/competitions/events/{event.id}"
    html = client.post(f"{page}/scoring", data={"csrf_token": csrf_token(client, page)},
                       follow_redirects=True).get_data(as_text=True)
    assert "不能变为" in html
    with app.app_context():
        assert db.session.get(Event, event.id).state == EventState.DRAFT


def test_a_move_without_the_csrf_token_is_refused(world, client, login, event):
    login(world.users.admin)
    assert client.post(f"/competitions/events/{event.id}/open").status_code == 400


@pytest.mark.parametrize("role", ["reviewer", "enterprise", "expert", "judge", "worker"])
def test_only_administrators_reach_competition_pages(world, client, login, event, role):
    login(getattr(world.users, role))
    for url in ("/competitions/", f"/competitions/{event.competition}", f"/competitions/events/{event.id}",
                f"/competitions/events/{event.id}/scheme.xlsx"):
        assert client.get(url).status_code == 403


def test_names_are_hidden_from_everyone_but_the_key_holder_until_the_lock(app, world):
    with app.app_context():
        admin, judge = db.session.get(User, world.users.admin), db.session.get(User, world.users.judge)
        event = make_event(state="scoring")
        enterprise = db.session.get(User, world.users.enterprise)
        assert rules.can_see_identities(admin, event) and not rules.can_see_identities(judge, event)
        assert not rules.can_see_identities(enterprise, event)
        event.state = EventState.LOCKED
        assert rules.can_see_identities(judge, event) and rules.can_see_identities(enterprise, event)


def test_the_competition_page_lists_its_events_with_their_states(app, world, client, login, event):
    login(world.users.admin)
    html = client.get(f"/competitions/{event.competition}").get_data(as_text=True)
    assert "钳工" in html and "筹备中" in html
    assert "2026年北京市职工职业技能大赛" in client.get("/competitions/").get_data(as_text=True)


def test_administrators_find_competitions_in_the_navigation(world, client, login):
    login(world.users.admin)
    assert "竞赛与赛项" in client.get("/competitions/").get_data(as_text=True)
    login(world.users.enterprise)
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "企业工作台" in html and "竞赛与赛项" not in html
