"""Expert review and naming: applications accepted by their union are scored by the panel of
their batch (application year × level sought) on the shared engine, with experts of the
studio's enterprise excluded and declared conflicts respected; the administrator names a
fully scored application with a naming date, a level and a unique number (BJCX-2026-0001),
or returns or rejects it with a reason; a named studio may be delisted with a date and a
reason."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.review_panels import services as panels
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios.studios import review, services
from innovation_studios.studios.models import Studio, StudioState
from innovation_studios.studios.states import IllegalTransition
from tests import factories
from tests.innovation_studios.factories import make_studio, user

MARKS = {"leader": "90", "innovation": "85", "team": "88", "conditions": "80", "plan": "86"}


def _experts(world, n: int = 3, employer: int | None = None) -> list[int]:
    return [factories.user(f"studio_expert{i}", [Role.EXPERT], employer_id=employer).id for i in range(n)]


def _panel_for(studio: Studio, expert_ids, by) -> object:
    return review.form_panel(studio.applied_year, studio.level_sought, expert_ids, expert_ids[0], by=by)


def _score_all(panel, studio, expert_ids, marks=MARKS):
    for expert_id in expert_ids:
        review.SCOPE.save_sheet(panel, studio, user(expert_id), marks, submit=True)


def _scored(world, **kwargs) -> Studio:
    studio = make_studio(world, "under_review", **kwargs)
    experts = _experts(world)
    panel = _panel_for(studio, experts, user(world.users.admin))
    _score_all(panel, studio, experts)
    return studio


# Panels and scoring ----------------------------------------------------------------------------

def test_one_panel_scores_the_applications_of_a_year_and_level(app, world):
    with app.app_context():
        city = make_studio(world, "under_review", level="city", year=2026)
        other_city = make_studio(world, "under_review", level="city", year=2026, enterprise=world.ent_b)
        district = make_studio(world, "under_review", level="district", year=2026)
        make_studio(world, "applied", level="city", year=2026)  # not accepted yet
        panel = _panel_for(city, _experts(world), user(world.users.admin))
        assert {s.id for s in review.SCOPE.records(panel)} == {city.id, other_city.id}
        assert review.is_subject(panel, city) and not review.is_subject(panel, district)


def test_experts_of_the_studios_enterprise_step_aside_automatically(app, world):
    with app.app_context():
        studio = make_studio(world, "under_review")
        own = factories.user("colleague", [Role.EXPERT], employer_id=world.ent_a).id
        others = _experts(world, 2)
        panel = review.form_panel(studio.applied_year, studio.level_sought, [own, *others], others[0],
                                  by=user(world.users.admin))
        with pytest.raises(DomainError, match="同属一个单位"):
            review.SCOPE.save_sheet(panel, studio, user(own), MARKS, submit=True)
        _score_all(panel, studio, others)
        result = review.result_for(studio)
        assert result.complete and result.expected == 2 and own in result.excluded


def test_a_declared_conflict_removes_the_expert_from_that_application(app, world):
    with app.app_context():
        studio = make_studio(world, "under_review")
        experts = _experts(world)
        panel = _panel_for(studio, experts, user(world.users.admin))
        review.SCOPE.declare_conflict(panel, studio, user(experts[1]), "领办人是我的师傅")
        with pytest.raises(DomainError, match="师傅"):
            review.SCOPE.save_sheet(panel, studio, user(experts[1]), MARKS, submit=True)
        _score_all(panel, studio, [experts[0], experts[2]])
        assert review.result_for(studio).complete


def test_scoring_stops_once_the_application_is_decided(app, world):
    with app.app_context():
        studio = _scored(world)
        services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                             by=user(world.users.admin))
        late = factories.user("late_expert", [Role.EXPERT]).id
        panel = review.panel_of(review.batch_of_studio(studio))
        panels.set_members(panel, sorted(panel.member_ids() | {late}), panel.lead_user_id, by=user(world.users.admin))
        with pytest.raises(DomainError, match="已有评审结论"):
            review.SCOPE.save_sheet(panel, studio, user(late), MARKS, submit=True)


# Naming ---------------------------------------------------------------------------------------------

def test_the_administrator_names_a_scored_application_with_date_level_and_number(app, world):
    with app.app_context():
        studio = _scored(world, level="city")
        named_on = beijing_today()  # the day it was submitted: the earliest naming date allowed
        services.name_studio(studio, named_on=named_on, level="city_demo", note="评审组一致推荐",
                             expected_version=studio.version, by=user(world.users.admin))
        db.session.commit()
        assert studio.state_enum is StudioState.NAMED
        assert studio.named_on == named_on and studio.level == "city_demo"
        assert studio.number == f"BJCX-{named_on.year}-0001"
        assert str(studio.review_score) == "86.20"  # 90*.25 + 85*.3 + 88*.2 + 80*.15 + 86*.1
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "studio.name"))
        assert entry.changes["number"] == [None, studio.number]


def test_numbers_follow_each_other_within_the_naming_year(app, world):
    with app.app_context():
        year = beijing_today().year
        make_studio(world, "named", number=f"BJCX-{year}-0007", named_on=date(year, 1, 2))
        studio = _scored(world)
        services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                             by=user(world.users.admin))
        assert studio.number == f"BJCX-{year}-0008"
        assert services.next_number(year - 5) == f"BJCX-{year - 5}-0001"


def test_a_number_typed_by_the_administrator_must_be_well_formed_and_unused(app, world):
    with app.app_context():
        year = beijing_today().year
        make_studio(world, "named", number=f"BJCX-{year}-0003")
        studio = _scored(world)
        with pytest.raises(DomainError, match="格式") as refused:
            services.name_studio(studio, named_on=beijing_today(), level="city", number="2026-3",
                                 expected_version=studio.version, by=user(world.users.admin))
        assert refused.value.field == "number"
        with pytest.raises(DomainError, match="已被其他工作室使用"):
            services.name_studio(studio, named_on=beijing_today(), level="city",
                                 number=f"bjcx-{year}-0003", expected_version=studio.version,
                                 by=user(world.users.admin))
        services.name_studio(studio, named_on=beijing_today(), level="city", number=f"BJCX-{year}-0100",
                             expected_version=studio.version, by=user(world.users.admin))
        assert studio.number == f"BJCX-{year}-0100"


def test_naming_waits_for_every_experts_score(app, world):
    with app.app_context():
        studio = make_studio(world, "under_review")
        experts = _experts(world)
        panel = _panel_for(studio, experts, user(world.users.admin))
        _score_all(panel, studio, experts[:2])
        with pytest.raises(DomainError, match="2/3"):
            services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                                 by=user(world.users.admin))
        assert studio.state_enum is StudioState.UNDER_REVIEW and studio.number is None


def test_naming_needs_a_panel(app, world):
    with app.app_context():
        studio = make_studio(world, "under_review")
        with pytest.raises(DomainError, match="尚无专家评审组"):
            services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                                 by=user(world.users.admin))


def test_a_disagreement_must_be_handled_by_the_lead_before_naming(app, world):
    with app.app_context():
        studio = make_studio(world, "under_review")
        experts = _experts(world)
        panel = _panel_for(studio, experts, user(world.users.admin))
        _score_all(panel, studio, experts[:2])
        review.SCOPE.save_sheet(panel, studio, user(experts[2]), dict.fromkeys(MARKS, "40"), submit=True)
        with pytest.raises(DomainError, match="组长"):
            services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                                 by=user(world.users.admin))
        review.SCOPE.resolve_disagreement(panel, studio, "经合议维持评分", by=user(experts[0]))
        services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                             by=user(world.users.admin))
        assert studio.state_enum is StudioState.NAMED


def test_the_naming_date_cannot_be_in_the_future_or_before_the_application(app, world):
    with app.app_context():
        studio = _scored(world)
        with pytest.raises(DomainError, match="不能晚于今天"):
            services.name_studio(studio, named_on=beijing_today() + timedelta(days=1), level="city",
                                 expected_version=studio.version, by=user(world.users.admin))
        with pytest.raises(DomainError, match="不能早于申报日期"):
            services.name_studio(studio, named_on=date(2001, 1, 1), level="city", expected_version=studio.version,
                                 by=user(world.users.admin))


def test_the_application_date_is_the_day_in_beijing_not_in_utc(app, world):
    with app.app_context():
        studio = _scored(world)
        studio.submitted_at = datetime(2026, 3, 1, 20, 0)  # UTC: 2 March, 04:00 in Beijing
        db.session.flush()
        with pytest.raises(DomainError, match="不能早于申报日期"):
            services.name_studio(studio, named_on=date(2026, 3, 1), level="city", expected_version=studio.version,
                                 by=user(world.users.admin))
        services.name_studio(studio, named_on=date(2026, 3, 2), level="city", expected_version=studio.version,
                             by=user(world.users.admin))
        assert studio.named_on == date(2026, 3, 2)


def test_only_applications_under_review_are_named(app, world):
    with app.app_context():
        studio = make_studio(world, "applied")
        with pytest.raises(IllegalTransition, match="已申报"):
            services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                                 by=user(world.users.admin))


def test_only_administrators_name(app, world):
    with app.app_context():
        studio = _scored(world)
        with pytest.raises(DomainError, match="只有管理员"):
            services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                                 by=user(world.users.reviewer))


@pytest.mark.parametrize(("decision", "state"), [("return", StudioState.RETURNED), ("reject", StudioState.REJECTED)])
def test_the_administrator_returns_or_rejects_after_review_with_a_reason(app, world, decision, state):
    with app.app_context():
        studio = _scored(world)
        with pytest.raises(DomainError, match="理由"):
            services.decide_after_review(studio, decision, "", expected_version=studio.version,
                                         by=user(world.users.admin))
        services.decide_after_review(studio, decision, "创新成果支撑材料不足", expected_version=studio.version,
                                     by=user(world.users.admin))
        assert studio.state_enum is state and studio.decision_note == "创新成果支撑材料不足"
        assert studio.review_score is not None


# Delisting --------------------------------------------------------------------------------------------

def test_the_administrator_delists_a_named_studio_with_a_date_and_reason(app, world):
    with app.app_context():
        studio = make_studio(world, "named", named_on=date(2024, 5, 1))
        with pytest.raises(DomainError, match="摘牌理由"):
            services.delist(studio, delisted_on=beijing_today(), reason="", expected_version=studio.version,
                            by=user(world.users.admin))
        with pytest.raises(DomainError, match="不能早于命名日期"):
            services.delist(studio, delisted_on=date(2024, 1, 1), reason="严重违规", expected_version=studio.version,
                            by=user(world.users.admin))
        services.delist(studio, delisted_on=beijing_today(), reason="弄虚作假", expected_version=studio.version,
                        by=user(world.users.admin))
        assert studio.state_enum is StudioState.DELISTED and studio.delist_reason == "弄虚作假"
        assert studio.number is not None  # the number stays with the studio's history
        with pytest.raises(IllegalTransition):
            services.delist(studio, delisted_on=beijing_today(), reason="再次", expected_version=studio.version,
                            by=user(world.users.admin))


def test_a_studio_under_rectification_may_be_delisted_but_not_an_application(app, world):
    with app.app_context():
        rectifying = make_studio(world, "rectification", named_on=date(2024, 5, 1))
        services.delist(rectifying, delisted_on=beijing_today(), reason="整改不合格",
                        expected_version=rectifying.version,
                        by=user(world.users.admin))
        assert rectifying.state_enum is StudioState.DELISTED
        application = make_studio(world, "applied")
        with pytest.raises(IllegalTransition):
            services.delist(application, delisted_on=beijing_today(), reason="x",
                            expected_version=application.version, by=user(world.users.admin))


def test_only_administrators_delist(app, world):
    with app.app_context():
        studio = make_studio(world, "named", named_on=date(2024, 5, 1))
        with pytest.raises(DomainError, match="只有管理员"):
            services.delist(studio, delisted_on=beijing_today(), reason="x", expected_version=studio.version,
                            by=user(world.users.enterprise))


# Routes ------------------------------------------------------------------------------------------------

def test_an_expert_scores_from_the_task_list_and_the_administrator_names(app, world, client, login, no_csrf):
    with app.app_context():
        studio = make_studio(world, "under_review")
        panel = review.form_panel(studio.applied_year, studio.level_sought, [world.users.expert],
                                  world.users.expert, by=user(world.users.admin))
        db.session.commit()
        studio_id, panel_id = studio.id, panel.id
    login(world.users.expert)
    tasks = client.get("/studios/review/my").get_data(as_text=True)
    assert studio.name in tasks
    assert "待评分的工作室申报" in client.get("/home/expert").get_data(as_text=True)
    sheet = f"/studios/review/panels/{panel_id}/studios/{studio_id}"
    response = client.post(sheet, data={"mark_leader": "101", "mark_innovation": "x", "submit_sheet": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "0 到 100" in html and "应为数字" in html
    marks = {f"mark_{k}": v for k, v in MARKS.items()}
    assert client.post(sheet, data={**marks, "submit_sheet": "1"}).status_code == 302
    assert client.get(f"/studios/{studio_id}").status_code == 200  # the application, while scoring it

    login(world.users.admin)
    page = client.get(f"/studios/review/studios/{studio_id}/decide").get_data(as_text=True)
    assert "86.20" in page
    with app.app_context():
        version = db.session.get(Studio, studio_id).version
    response = client.post(f"/studios/review/studios/{studio_id}/name", data={
        "version": version, "named_on": beijing_today().isoformat(), "level": "city", "number": ""})
    assert response.status_code == 302
    with app.app_context():
        named = db.session.get(Studio, studio_id)
        assert named.state_enum is StudioState.NAMED and named.number.startswith("BJCX-")
    public = client.get(f"/studio-directory/{studio_id}").get_data(as_text=True)
    assert named.number in public


def test_an_expert_not_on_the_panel_cannot_score_or_read_the_application(app, world, client, login):
    with app.app_context():
        studio = make_studio(world, "under_review")
        others = _experts(world, 1)
        panel = review.form_panel(studio.applied_year, studio.level_sought, others, others[0],
                                  by=user(world.users.admin))
        db.session.commit()
        studio_id, panel_id = studio.id, panel.id
    login(world.users.expert)
    assert client.get(f"/studios/review/panels/{panel_id}/studios/{studio_id}").status_code == 403
    assert client.get(f"/studios/{studio_id}").status_code == 403


def test_the_naming_form_reports_a_bad_number_and_keeps_the_date(app, world, client, login, no_csrf):
    with app.app_context():
        studio = _scored(world)
        db.session.commit()
        studio_id, version = studio.id, studio.version
    login(world.users.admin)
    response = client.post(f"/studios/review/studios/{studio_id}/name", data={
        "version": version, "named_on": beijing_today().isoformat(), "level": "city", "number": "第一号"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "编号格式" in html
    assert f'value="{beijing_today().isoformat()}"' in html and 'value="第一号"' in html


def test_the_administrator_forms_a_panel_from_the_review_overview(app, world, client, login, no_csrf):
    with app.app_context():
        studio = make_studio(world, "under_review", level="district", year=2026)
        db.session.commit()
        studio_id = studio.id
    login(world.users.admin)
    overview = client.get("/studios/review/").get_data(as_text=True)
    assert "2026年度" in overview and "尚未组建评审组" in overview
    response = client.post("/studios/review/panel?year=2026&level=district", data={
        "members": [world.users.expert], "lead_user_id": world.users.expert})
    assert response.status_code == 302
    batch_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "测试创新工作室" in batch_page
    with app.app_context():
        assert review.result_for(db.session.get(Studio, studio_id)) is not None


def test_a_studio_panels_deadline_is_set_on_its_form_and_reaches_the_experts_workbench(
        app, world, client, login, no_csrf):
    from datetime import timedelta

    with app.app_context():
        make_studio(world, "under_review", level="district", year=2026)
        db.session.commit()
    login(world.users.admin)
    due = beijing_today() + timedelta(days=4)
    response = client.post("/studios/review/panel?year=2026&level=district", data={
        "members": [world.users.expert], "lead_user_id": world.users.expert, "deadline": due.isoformat()})
    assert response.status_code == 302
    login(world.users.expert)
    home = client.get("/home/expert").get_data(as_text=True)
    item = home.split("待评分的工作室申报</a>", 1)[1].split("</li>", 1)[0]
    assert "还剩 4 天" in item
    assert 'data-testid="panel-deadline"' in client.get("/studios/review/my").get_data(as_text=True)


def test_delisting_in_the_browser_asks_for_confirmation(app, world, client, login, no_csrf):
    with app.app_context():
        studio = make_studio(world, "named", named_on=date(2024, 5, 1))
        db.session.commit()
        studio_id, version = studio.id, studio.version
    login(world.users.admin)
    response = client.post(f"/studios/review/studios/{studio_id}/delist", data={
        "version": version, "delisted_on": beijing_today().isoformat(), "reason": "弄虚作假"})
    assert response.status_code == 200 and "请先勾选确认" in response.get_data(as_text=True)
    response = client.post(f"/studios/review/studios/{studio_id}/delist", data={
        "version": version, "delisted_on": beijing_today().isoformat(), "reason": "弄虚作假", "confirmed": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Studio, studio_id).state_enum is StudioState.DELISTED
    assert client.get(f"/studio-directory/{studio_id}").status_code == 404


def test_a_number_taken_meanwhile_by_another_administrator_is_skipped(app, world, monkeypatch):
    """Two administrators naming at once compute the same next number; the database's unique
    index refuses the second, which takes the following number instead of failing."""
    with app.app_context():
        year = beijing_today().year
        make_studio(world, "named", number=f"BJCX-{year}-0001")
        studio = _scored(world)
        real = services.next_number
        answers = iter([f"BJCX-{year}-0001"])  # stale: computed before the other naming was saved
        monkeypatch.setattr(services, "next_number", lambda y: next(answers, None) or real(y))
        services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                             by=user(world.users.admin))
        db.session.commit()
        assert studio.number == f"BJCX-{year}-0002" and studio.state_enum is StudioState.NAMED
