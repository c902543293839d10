"""The annual assessment: the administrator opens a round (year, deadline); the enterprise writes
each named studio's report (the year's achievements listed in advance) and submits it; the
studio's union reviewer or an administrator grades it 优秀 / 合格 / 不合格; 不合格 starts a
rectification with a deadline; the administrator then records it passed (named again) or
failed; a second failure delists the studio with the reason and the date. A report for a year
that is not open is refused with a clear message and nothing is created."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.timeutil import beijing_today
from innovation_studios.assessments import services
from innovation_studios.assessments.models import AnnualReport, AssessmentRound, Rectification, ReportState
from innovation_studios.studios.models import Studio, StudioState
from tests.conftest import csrf_token
from tests.innovation_studios.factories import make_studio
from tests.innovation_studios.records import add_achievement, csrf_off, studio, user

BASE = "/studios/assessments"
TODAY = beijing_today()
YEAR = TODAY.year           # the year assessed (it may be the current one)
DEADLINE = TODAY + timedelta(days=20)


@pytest.fixture
def no_csrf(app):
    yield from csrf_off(app)


@pytest.fixture
def veteran_studio(app, world) -> int:
    """A studio of ``world.ent_a`` named in 2020: it reports for every year since."""
    with app.app_context():
        named = make_studio(world, "named", named_on=date(2020, 6, 1))
        db.session.commit()
        return named.id


def _open(app, world, year: int = YEAR, deadline: date = DEADLINE) -> int:
    with app.app_context():
        assessment = services.open_round(year, deadline, note="按《职工创新工作室管理办法》考核",
                                         by=user(world.users.admin))
        db.session.commit()
        return assessment.id


def _submitted(app, world, studio_id: int, year: int = YEAR) -> int:
    """A report written and submitted through the services; returns its id."""
    with app.app_context():
        by = user(world.users.enterprise)
        report = services.start_report(studio(studio_id), year, by=by)
        services.save_report(report, services.ReportData(
            summary="全年完成技术攻关 5 项。", next_plan="明年攻关 6 项。", apprentices_trained="4", trainings_held="6",
            achievement_ids=[a.id for a in report.achievements]), expected_version=report.version, by=by)
        services.submit_report(report, expected_version=report.version, by=by)
        db.session.commit()
        return report.id


def _report(report_id: int) -> AnnualReport:
    return db.session.get(AnnualReport, report_id)


def _grade(report_id: int, grade: str, note: str = "", *, by, deadline: date | None = None) -> str:
    report = _report(report_id)
    return services.grade_report(report, grade, note, rectification_deadline=deadline,
                                 expected_version=report.version, by=by)


# Rounds ----------------------------------------------------------------------------------

def test_the_administrator_opens_one_round_per_year(app, world):
    _open(app, world)
    with app.app_context():
        admin = user(world.users.admin)
        with pytest.raises(DomainError, match=f"{YEAR}年度考核已经开启过"):
            services.open_round(YEAR, DEADLINE, by=admin)
        with pytest.raises(DomainError, match="不能考核尚未到来的年度"):
            services.open_round(YEAR + 1, DEADLINE, by=admin)
        with pytest.raises(DomainError, match="截止日期不能早于今天"):
            services.open_round(YEAR - 1, TODAY - timedelta(days=1), by=admin)
        with pytest.raises(DomainError, match="只有管理员"):
            services.open_round(YEAR - 1, DEADLINE, by=user(world.users.reviewer))


# Reports ---------------------------------------------------------------------------------

def test_a_report_for_a_year_that_is_not_open_is_refused_and_nothing_is_created(app, world, named_studio):
    _open(app, world)
    with app.app_context():
        with pytest.raises(DomainError, match=f"{YEAR - 1}年度考核未开放，不能填写或提交该年度的考核报告"):
            services.start_report(studio(named_studio), YEAR - 1, by=user(world.users.enterprise))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AnnualReport)) == 0


def test_a_closed_round_or_a_passed_deadline_takes_no_reports(app, world, named_studio):
    round_id = _open(app, world)
    with app.app_context():
        by = user(world.users.enterprise)
        report = services.start_report(studio(named_studio), YEAR, by=by)
        db.session.commit()
        services.close_round(db.session.get(AssessmentRound, round_id), by=user(world.users.admin))
        db.session.commit()
        with pytest.raises(DomainError, match="未开放"):
            services.save_report(report, services.ReportData(summary="x"), expected_version=report.version, by=by)
        assessment = db.session.get(AssessmentRound, round_id)
        assessment.status = "open"
        assessment.deadline = TODAY - timedelta(days=1)
        db.session.commit()
        with pytest.raises(DomainError, match="已于 .* 截止提交"):
            services.submit_report(report, expected_version=report.version, by=by)
        db.session.rollback()
        assert _report(report.id).state == ReportState.DRAFT


def test_the_years_achievements_are_listed_in_advance(app, world, named_studio):
    _open(app, world)
    with app.app_context():
        this_year = add_achievement(named_studio, title="本年度革新", on=date(YEAR, 1, 2)).id
        add_achievement(named_studio, title="去年的论文", kind="paper", on=date(YEAR - 1, 12, 31))
        db.session.commit()
        report = services.start_report(studio(named_studio), YEAR, by=user(world.users.enterprise))
        assert [a.id for a in report.achievements] == [this_year]
        assert services.start_report(studio(named_studio), YEAR, by=user(world.users.enterprise)).id == report.id


def test_a_report_lists_only_the_studios_achievements_of_the_year(app, world, named_studio):
    _open(app, world)
    with app.app_context():
        old = add_achievement(named_studio, on=date(YEAR - 1, 5, 1)).id
        by = user(world.users.enterprise)
        report = services.start_report(studio(named_studio), YEAR, by=by)
        with pytest.raises(DomainError, match=f"只能列入本工作室在{YEAR}年取得的成果"):
            services.save_report(report, services.ReportData(achievement_ids=[old]),
                                 expected_version=report.version, by=by)


@pytest.mark.parametrize("field, value, message", [
    ("apprentices_trained", "-2", "培养徒弟人数不能为负数"),
    ("trainings_held", "三场", "开展培训场次应为整数"),
])
def test_bad_counts_are_refused_on_their_field(app, world, named_studio, field, value, message):
    _open(app, world)
    with app.app_context():
        by = user(world.users.enterprise)
        report = services.start_report(studio(named_studio), YEAR, by=by)
        with pytest.raises(DomainError, match=message) as refused:
            services.save_report(report, services.ReportData(**{field: value}), expected_version=report.version, by=by)
        assert refused.value.field == field


def test_a_report_is_submitted_only_when_complete_and_then_no_longer_changes(app, world, named_studio):
    _open(app, world)
    with app.app_context():
        by = user(world.users.enterprise)
        report = services.start_report(studio(named_studio), YEAR, by=by)
        with pytest.raises(DomainError, match="请填写年度工作总结"):
            services.submit_report(report, expected_version=report.version, by=by)
        db.session.rollback()
    report_id = _submitted(app, world, named_studio)
    with app.app_context():
        report = _report(report_id)
        assert report.state == ReportState.SUBMITTED and report.submitted_at
        with pytest.raises(DomainError, match="不能修改"):
            services.save_report(report, services.ReportData(summary="改"), expected_version=report.version, by=user(
                world.users.enterprise))


def test_only_named_studios_report(app, world, applied_studio):
    _open(app, world)
    with app.app_context(), pytest.raises(DomainError, match="不需要提交年度考核报告"):
        services.start_report(studio(applied_studio), YEAR, by=user(world.users.enterprise))


def test_a_studio_named_after_the_year_does_not_report_for_it(app, world):
    _open(app, world, year=YEAR - 1)
    with app.app_context():
        late = make_studio(world, "named", named_on=date(YEAR, 1, 5))
        with pytest.raises(DomainError, match="不参加"):
            services.start_report(late, YEAR - 1, by=user(world.users.enterprise))


# Grading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("grade", ["excellent", "qualified"])
def test_a_good_grade_leaves_the_studio_named(app, world, named_studio, grade):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    with app.app_context():
        assert _grade(report_id, grade, by=user(world.users.reviewer)) == "named"
        db.session.commit()
        assert _report(report_id).grade == grade and _report(report_id).state == ReportState.GRADED
        assert studio(named_studio).state == StudioState.NAMED


def test_who_may_grade_the_unions_reviewer_or_an_administrator(app, world, named_studio):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    with app.app_context():
        for outsider in (world.users.industry_reviewer, world.users.enterprise, world.users.other_enterprise):
            with pytest.raises(DomainError, match="不能评定"):
                _grade(report_id, "qualified", by=user(outsider))
        assert _grade(report_id, "excellent", by=user(world.users.admin)) == "named"


def test_fail_starts_a_rectification_with_a_deadline(app, world, named_studio):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    deadline = TODAY + timedelta(days=90)
    with app.app_context():
        reviewer = user(world.users.reviewer)
        with pytest.raises(DomainError, match="请写明存在的问题和整改要求"):
            _grade(report_id, "fail", by=reviewer, deadline=deadline)
        with pytest.raises(DomainError, match="请填写整改期限"):
            _grade(report_id, "fail", "制度不落实", by=reviewer)
        with pytest.raises(DomainError, match="整改期限应晚于今天"):
            _grade(report_id, "fail", "制度不落实", by=reviewer, deadline=TODAY)
        db.session.rollback()
        assert _grade(report_id, "fail", "全年无成果，活动记录缺失", by=reviewer, deadline=deadline) == "rectification"
        db.session.commit()
        assert studio(named_studio).state == StudioState.RECTIFICATION
        rectification = db.session.scalar(select(Rectification))
        assert rectification.deadline == deadline and rectification.is_open
        assert rectification.requirements == "全年无成果，活动记录缺失"
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "studio.start_rectification"))


def _in_rectification(app, world, studio_id: int, year: int = YEAR) -> int:
    report_id = _submitted(app, world, studio_id, year)
    with app.app_context():
        _grade(report_id, "fail", "制度不落实", by=user(world.users.reviewer), deadline=TODAY + timedelta(days=60))
        db.session.commit()
        return db.session.scalar(select(Rectification.id).where(Rectification.report_id == report_id))


def test_a_passed_rectification_names_the_studio_again(app, world, named_studio):
    _open(app, world)
    rectification_id = _in_rectification(app, world, named_studio)
    with app.app_context():
        rectification = db.session.get(Rectification, rectification_id)
        services.submit_rectification_statement(rectification, "已建立月度例会制度。",
                                                expected_version=rectification.version,
                                                by=user(world.users.enterprise))
        services.decide_rectification(rectification, "passed", "", expected_version=rectification.version,
                                      by=user(world.users.admin))
        db.session.commit()
        assert studio(named_studio).state == StudioState.NAMED and rectification.outcome == "passed"
        assert studio(named_studio).delisted_on is None


def test_a_failed_rectification_delists_the_studio_with_reason_and_date(app, world, named_studio):
    _open(app, world)
    rectification_id = _in_rectification(app, world, named_studio)
    with app.app_context():
        rectification = db.session.get(Rectification, rectification_id)
        admin = user(world.users.admin)
        with pytest.raises(DomainError, match="整改不合格将摘牌，请写明原因"):
            services.decide_rectification(rectification, "failed", "", expected_version=rectification.version, by=admin)
        db.session.rollback()
        assert rectification.outcome is None
        services.decide_rectification(rectification, "failed", "整改期满仍无活动记录",
                                      expected_version=rectification.version, by=admin)
        db.session.commit()
        delisted = studio(named_studio)
        assert delisted.state == StudioState.DELISTED and delisted.delisted_on == beijing_today()
        assert "整改期满仍无活动记录" in delisted.delist_reason
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "studio.delist"))


def test_fail_while_already_in_rectification_delists_the_studio(app, world, veteran_studio):
    named_studio = veteran_studio
    _open(app, world, year=YEAR - 1)
    _open(app, world, year=YEAR)
    first = _in_rectification(app, world, named_studio, YEAR - 1)
    second = _submitted(app, world, named_studio, YEAR)
    with app.app_context():
        outcome = _grade(second, "fail", "仍未整改", by=user(world.users.reviewer))   # no new deadline needed
        db.session.commit()
        assert outcome == "delisted"
        delisted = studio(named_studio)
        assert delisted.state == StudioState.DELISTED and delisted.delisted_on == beijing_today()
        assert f"{YEAR}年度考核不合格" in delisted.delist_reason and "仍未整改" in delisted.delist_reason
        assert db.session.get(Rectification, first).outcome == "failed"


def test_only_the_administrator_decides_a_rectification_and_only_once(app, world, named_studio):
    _open(app, world)
    rectification_id = _in_rectification(app, world, named_studio)
    with app.app_context():
        rectification = db.session.get(Rectification, rectification_id)
        with pytest.raises(DomainError):
            services.decide_rectification(rectification, "passed", "", expected_version=rectification.version,
                                          by=user(world.users.reviewer))
        services.decide_rectification(rectification, "passed", "", expected_version=rectification.version,
                                      by=user(world.users.admin))
        db.session.commit()
        with pytest.raises(DomainError, match="已有结论"):
            services.decide_rectification(rectification, "failed", "x", expected_version=rectification.version,
                                          by=user(world.users.admin))


def test_a_returned_report_is_corrected_and_resubmitted(app, world, named_studio):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    with app.app_context():
        report = _report(report_id)
        with pytest.raises(DomainError, match="请写明原因"):
            services.return_report(report, " ", expected_version=report.version, by=user(world.users.reviewer))
        services.return_report(report, "请补充培训记录", expected_version=report.version, by=user(world.users.reviewer))
        db.session.commit()
        by = user(world.users.enterprise)
        services.save_report(report, services.ReportData(summary="补充了培训记录。", next_plan="继续。"),
                             expected_version=report.version, by=by)
        assert services.submit_report(report, expected_version=report.version, by=by) == "resubmit"


def test_reports_move_only_as_the_table_allows(app, world, named_studio):
    _open(app, world)
    with app.app_context():
        report = services.start_report(studio(named_studio), YEAR, by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="不能评定"):
            _grade(report.id, "qualified", by=user(world.users.admin))
        with pytest.raises(DomainError, match="不能变为"):
            services.report_action("graded", ReportState.SUBMITTED)


def test_an_update_from_a_stale_page_is_refused(app, world, named_studio):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    with app.app_context():
        report = _report(report_id)
        with pytest.raises(DomainError, match="已被他人处理"):
            services.grade_report(report, "qualified", "", expected_version=report.version - 1,
                                  by=user(world.users.admin))


def test_progress_counts_the_studios_that_owe_a_report(app, world, named_studio):
    round_id = _open(app, world)
    with app.app_context():
        make_studio(world, "named", enterprise=world.ent_b)
        make_studio(world, "applied")
        db.session.commit()
    _submitted(app, world, named_studio)
    with app.app_context():
        progress = services.progress(db.session.get(AssessmentRound, round_id))
        assert progress.expected == 2 and progress.states["submitted"] == 1 and progress.not_started == 1


# Pages -----------------------------------------------------------------------------------

def _version(page: str, form_action: str) -> str:
    form = page[page.index(f'action="{form_action}"'):]
    return re.search(r'name="(?:[a-z]+-)?version" type="hidden" value="(\d+)"', form).group(1)


def test_the_whole_cycle_through_the_pages(app, world, named_studio, client, login):
    # the administrator opens the round
    login(world.users.admin)
    response = client.post(f"{BASE}/rounds", data={
        "csrf_token": csrf_token(client, f"{BASE}/"), "round-year": str(YEAR),
        "round-deadline": DEADLINE.isoformat(), "round-note": ""})
    assert response.status_code == 302
    with app.app_context():
        round_id = db.session.scalar(select(AssessmentRound.id))
        add_achievement(named_studio, title="焊缝检测工装", on=date(YEAR, 1, 3))
        db.session.commit()
    # the enterprise writes and submits the report
    login(world.users.enterprise)
    index = client.get(f"{BASE}/").get_data(as_text=True)
    assert "填写考核报告" in index
    response = client.post(f"{BASE}/rounds/{round_id}/studios/{named_studio}/report",
                           data={"csrf_token": csrf_token(client, f"{BASE}/")})
    edit_url = response.headers["Location"]
    page = client.get(edit_url).get_data(as_text=True)
    assert "焊缝检测工装" in page and "checked" in page
    with app.app_context():
        report = db.session.scalar(select(AnnualReport))
        report_id, achievement_ids = report.id, [str(a.id) for a in report.achievements]
    bad = client.post(edit_url, data={
        "csrf_token": csrf_token(client, edit_url), "version": "1", "summary": "完成攻关 3 项", "next_plan": "继续",
        "apprentices_trained": "-1", "trainings_held": "2", "achievement_ids": achievement_ids}).get_data(as_text=True)
    assert "培养徒弟人数不能为负数" in bad and "完成攻关 3 项" in bad
    assert client.post(edit_url, data={
        "csrf_token": csrf_token(client, edit_url), "version": "1", "summary": "完成攻关 3 项", "next_plan": "继续",
        "apprentices_trained": "3", "trainings_held": "2", "achievement_ids": achievement_ids}).status_code == 302
    report_url = f"{BASE}/reports/{report_id}"
    page = client.get(report_url).get_data(as_text=True)
    submit = f"{BASE}/reports/{report_id}/submit"
    client.post(submit, data={"csrf_token": csrf_token(client, report_url), "version": _version(page, submit)})
    # the reviewer finds it in the queue and grades it 不合格
    login(world.users.reviewer)
    assert "海淀" not in client.get(f"{BASE}/queue").get_data(as_text=True)
    assert f"/reports/{report_id}" in client.get(f"{BASE}/queue").get_data(as_text=True)
    page = client.get(report_url).get_data(as_text=True)
    grade_url = f"{BASE}/reports/{report_id}/grade"
    refused = client.post(grade_url, data={
        "csrf_token": csrf_token(client, report_url), "grade-version": _version(page, grade_url),
        "grade-grade": "fail", "grade-note": "", "grade-rectification_deadline": ""}).get_data(as_text=True)
    assert "评为不合格时请写明存在的问题和整改要求" in refused
    client.post(grade_url, data={
        "csrf_token": csrf_token(client, report_url), "grade-version": _version(page, grade_url),
        "grade-grade": "fail", "grade-note": "成果转化不足",
        "grade-rectification_deadline": (TODAY + timedelta(days=90)).isoformat()})
    with app.app_context():
        assert db.session.get(Studio, named_studio).state == StudioState.RECTIFICATION
        rectification_id = db.session.scalar(select(Rectification.id))
    # the enterprise explains; the administrator decides the rectification failed: delisted
    login(world.users.enterprise)
    url = f"{BASE}/rectifications/{rectification_id}"
    page = client.get(url).get_data(as_text=True)
    statement = f"{url}/statement"
    client.post(statement, data={"csrf_token": csrf_token(client, url), "version": _version(page, statement),
                                 "statement": "已制定成果转化计划。"})
    login(world.users.admin)
    page = client.get(url).get_data(as_text=True)
    assert "已制定成果转化计划。" in page
    decide = f"{url}/decide"
    unconfirmed = client.post(decide, data={
        "csrf_token": csrf_token(client, url), "version": _version(page, decide), "outcome": "failed",
        "note": "计划未落实"}).get_data(as_text=True)
    assert "请先勾选确认" in unconfirmed
    client.post(decide, data={"csrf_token": csrf_token(client, url), "version": _version(page, decide),
                              "outcome": "failed", "note": "计划未落实", "confirmed": "y"})
    page = client.get(url).get_data(as_text=True)
    assert "整改不合格" in page and "计划未落实" in page
    with app.app_context():
        assert db.session.get(Studio, named_studio).state == StudioState.DELISTED
    studio_page = client.get(f"/studios/{named_studio}").get_data(as_text=True)
    assert 'data-testid="studio-assessment"' in studio_page


@pytest.mark.parametrize("identity, status", [
    ("enterprise", 200), ("reviewer", 200), ("admin", 200), ("other_enterprise", 403), ("industry_reviewer", 403)])
def test_who_sees_a_report(app, world, named_studio, client, login, identity, status):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    login(getattr(world.users, identity))
    assert client.get(f"{BASE}/reports/{report_id}").status_code == status


@pytest.mark.parametrize("identity", ["industry_reviewer", "enterprise", "other_enterprise"])
def test_those_who_may_not_grade_are_refused(app, world, named_studio, client, login, no_csrf, identity):
    _open(app, world)
    report_id = _submitted(app, world, named_studio)
    login(getattr(world.users, identity))
    response = client.post(f"{BASE}/reports/{report_id}/grade", data={"grade-grade": "excellent"})
    assert response.status_code == 403
    with app.app_context():
        assert _report(report_id).state == ReportState.SUBMITTED


def test_only_the_administrator_opens_rounds_and_decides_rectifications(app, world, veteran_studio, client, login,
                                                                        no_csrf):
    named_studio = veteran_studio
    _open(app, world, year=YEAR - 1)
    rectification_id = _in_rectification(app, world, named_studio, YEAR - 1)
    for identity in ("reviewer", "enterprise"):
        login(getattr(world.users, identity))
        assert client.post(f"{BASE}/rounds", data={"round-year": str(YEAR), "round-deadline": DEADLINE.isoformat()}
                           ).status_code == 403
        assert client.post(f"{BASE}/rectifications/{rectification_id}/decide",
                           data={"outcome": "passed", "confirmed": "y"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentRound)) == 1
        assert db.session.get(Rectification, rectification_id).is_open


def test_the_round_page_filters_by_report_state(app, world, named_studio, client, login):
    round_id = _open(app, world)
    with app.app_context():
        make_studio(world, "named", name="尚未填报创新工作室")
        db.session.commit()
    _submitted(app, world, named_studio)
    login(world.users.admin)
    page = client.get(f"{BASE}/rounds/{round_id}?state=not_started").get_data(as_text=True)
    assert "尚未填报创新工作室" in page
    with app.app_context():
        name = studio(named_studio).name
    assert name not in page
    assert name in client.get(f"{BASE}/rounds/{round_id}?state=submitted").get_data(as_text=True)


# Demo data -------------------------------------------------------------------------------

def test_the_demo_records_achievements_funding_and_a_2025_round_with_one_studio_in_rectification(app):
    from types import SimpleNamespace

    from core import demo
    from core.organizations.models import Enterprise
    from core.people.models import Worker
    from innovation_studios.achievements.models import Achievement, FundingGrant
    from innovation_studios.achievements.patents import check_patent_number
    from innovation_studios.assessments import demo as assessment_demo

    with app.app_context():
        demo.load(workers_per_enterprise=4)
        own = db.session.scalar(select(Enterprise).where(Enterprise.name == assessment_demo.DEMO_ENTERPRISE))
        others = db.session.scalars(select(Enterprise).where(Enterprise.id != own.id).order_by(Enterprise.id)
                                    .limit(2)).all()

        def leader_of(enterprise) -> int:
            return db.session.scalar(select(Worker.id).where(Worker.enterprise_id == enterprise.id).limit(1))

        made = [make_studio(SimpleNamespace(), "named", enterprise=enterprise.id, leader=leader_of(enterprise),
                            kind=kind, named_on=date(2023 + n % 2, 5, 1))
                for n, enterprise in enumerate([own, *others]) for kind in ("craftsman", "model_worker")]
        assessment_demo.load()
        db.session.commit()

        assessment = db.session.scalar(select(AssessmentRound).where(AssessmentRound.year == 2025))
        assert assessment is not None and assessment.accepts_reports(beijing_today())
        reports = list(db.session.scalars(select(AnnualReport).where(AnnualReport.round_id == assessment.id)))
        grades = [r.grade for r in reports]
        assert "excellent" in grades and "qualified" in grades and grades.count("fail") == 1
        in_rectification = db.session.scalars(select(Studio).where(Studio.state == StudioState.RECTIFICATION)).all()
        assert len(in_rectification) == 1 and in_rectification[0].enterprise_id != own.id
        assert db.session.scalar(select(Rectification)).is_open
        reported = {r.studio_id for r in reports}
        assert any(s.enterprise_id == own.id and s.id not in reported for s in made)   # left for the demo
        for studio_ in made:
            assert db.session.scalar(select(func.count()).select_from(Achievement)
                                     .where(Achievement.studio_id == studio_.id)) >= 2
        patents = select(Achievement.patent_number).where(Achievement.patent_number.is_not(None))
        for number in db.session.scalars(patents):
            assert check_patent_number(number).normalized == number
        craftsman = made[0]
        assert db.session.scalar(select(func.count()).select_from(FundingGrant)
                                 .where(FundingGrant.studio_id == craftsman.id)) == 3
