"""Achievements of studios: the enterprise records its studios' patents (number checked and
stored normalised), technical improvements, suggestions, papers, standards, construction
methods and awards, each with its date, the members involved, evidence files checked by
content and an exact economic benefit in 万元. Bad input is refused with a clear message and
nothing is lost. Reviewers see their unions' studios, administrators all; lists filter by
year and kind and export to Excel; the studio page's summary costs a constant number of
queries."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select, text

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.uploads import UploadRefused
from innovation_studios.achievements import services
from innovation_studios.achievements.models import Achievement, AchievementEvidence, AchievementMember
from innovation_studios.achievements.patents import check_digit
from innovation_studios.studios.models import StudioMember, StudioState
from tests import factories
from tests.conftest import csrf_token
from tests.innovation_studios.factories import make_studio
from tests.innovation_studios.records import (
    PDF,
    add_achievement,
    counted_queries,
    csrf_off,
    pdf,
    private_upload_folder,
    stored_files,
    studio,
    user,
)
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice

BASE = "/studios/achievements"


@pytest.fixture
def no_csrf(app):
    yield from csrf_off(app)


@pytest.fixture
def upload_dir(app, tmp_path):
    yield from private_upload_folder(app, tmp_path)


def _data(studio_id: int, **overrides) -> services.AchievementData:
    owner = studio(studio_id)
    values = {"kind": "patent", "title": "一种数控车床主轴快速找正装置", "achieved_on": date(2025, 4, 1),
              "member_ids": [owner.leader_worker_id], "patent_number": "ZL 2024 1 0601862.3",
              "patent_status": "granted", "economic_benefit": "12.5"}
    values.update(overrides)
    return services.AchievementData(**values)


def _valid_patent(year: int = 2024, serial: int = 601862) -> str:
    digits = f"{year}1{serial:07d}"
    return f"ZL{digits}.{check_digit(digits)}"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Achievement))


# Recording -------------------------------------------------------------------------------

def test_a_patent_is_recorded_with_its_members_its_exact_benefit_and_a_normalised_number(app, world, named_studio):
    with app.app_context():
        owner = studio(named_studio)
        member = owner.members[0].worker_id
        achievement = services.create_achievement(owner, _data(
            named_studio, patent_number=_valid_patent().replace("ZL", "zl ").replace(".", ""),
            member_ids=[owner.leader_worker_id, member], economic_benefit="12.3456"),
            by=user(world.users.enterprise))
        db.session.commit()
        saved = db.session.get(Achievement, achievement.id)
        assert saved.patent_number == _valid_patent().removeprefix("ZL")
        assert saved.patent_display == _valid_patent()
        assert saved.economic_benefit == Decimal("12.3456")
        assert {m.worker_id for m in saved.members} == {owner.leader_worker_id, member}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "studio_achievement.create"))
        assert entry.target_id == saved.id


@pytest.mark.parametrize("kind", ["innovation", "suggestion", "paper", "standard", "method", "award"])
def test_every_other_kind_is_recorded_without_patent_fields(app, world, named_studio, kind):
    with app.app_context():
        achievement = services.create_achievement(studio(named_studio), _data(
            named_studio, kind=kind, patent_number="whatever", patent_status="granted", economic_benefit=""),
            by=user(world.users.enterprise))
        assert achievement.kind == kind
        assert achievement.patent_number is None and achievement.patent_status is None
        assert achievement.economic_benefit is None


def test_benefits_add_up_exactly(app, world, named_studio):
    with app.app_context():
        owner, by = studio(named_studio), user(world.users.enterprise)
        for value in ("0.1", "0.2", "1,000.0001万元"):
            services.create_achievement(owner, _data(named_studio, kind="innovation", economic_benefit=value), by=by)
        summary = services.studio_summary(named_studio)
        assert summary.benefit == Decimal("1000.3001")
        assert summary.benefit_text == "1,000.3001"


@pytest.mark.parametrize("field, value, message", [
    ("patent_number", "ZL201710601862.4", "校验位错误"),
    ("patent_number", "", "请填写专利号"),
    ("patent_status", "", "请选择专利状态"),
    ("economic_benefit", "-3", "经济效益不能为负数"),
    ("economic_benefit", "十二万", "经济效益应为数字"),
    ("economic_benefit", "5000元", "单位是万元"),
    ("economic_benefit", "1.23456", "最多保留 4 位小数"),
    ("title", "  ", "请填写成果名称"),
    ("kind", "rumour", "请选择成果类别"),
    ("member_ids", [], "请选择参与该成果的工作室成员"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(app, world, named_studio, field, value, message):
    with app.app_context():
        with pytest.raises(DomainError, match=message) as refused:
            services.create_achievement(studio(named_studio), _data(named_studio, **{field: value}),
                                        by=user(world.users.enterprise))
        assert refused.value.field == field
        db.session.rollback()
        assert _count() == 0


def test_dates_in_the_future_or_before_the_patent_application_are_refused(app, world, named_studio):
    with app.app_context():
        by = user(world.users.enterprise)
        with pytest.raises(DomainError, match="不能晚于今天"):
            services.create_achievement(studio(named_studio), _data(named_studio, achieved_on=date(2099, 1, 1)),
                                        by=by)
        with pytest.raises(DomainError, match="申请年份（2024年）晚于成果日期"):
            services.create_achievement(studio(named_studio), _data(named_studio, achieved_on=date(2023, 1, 1)),
                                        by=by)


def test_members_must_be_the_leader_or_members_of_the_studio_past_members_included(app, world, named_studio):
    with app.app_context():
        owner, by = studio(named_studio), user(world.users.enterprise)
        left = owner.members[1]
        left.left_on = date(2025, 12, 31)
        stranger = factories.worker(world.ent_a, name="局外人").id
        with pytest.raises(DomainError, match="不是本工作室的领办人或成员") as refused:
            services.create_achievement(owner, _data(named_studio, member_ids=[stranger]), by=by)
        assert refused.value.field == "member_ids"
        achievement = services.create_achievement(owner, _data(named_studio, member_ids=[left.worker_id]), by=by)
        assert [m.worker_id for m in achievement.members] == [left.worker_id]


def test_the_same_patent_is_recorded_once_per_studio_but_may_appear_in_another_studio(app, world, named_studio):
    with app.app_context():
        by = user(world.users.enterprise)
        services.create_achievement(studio(named_studio), _data(named_studio), by=by)
        with pytest.raises(DomainError, match="已登记过该专利"):
            services.create_achievement(studio(named_studio), _data(named_studio, patent_number="2024106018 623"),
                                        by=by)
        other = make_studio(world, "named")
        services.create_achievement(other, _data(other.id), by=by)


@pytest.mark.parametrize("state", ["delisted", "rejected"])
def test_a_delisted_or_rejected_studio_takes_no_new_achievements(app, world, state):
    with app.app_context():
        closed = make_studio(world, state)
        with pytest.raises(DomainError, match="不能登记或修改成果"):
            services.create_achievement(closed, _data(closed.id), by=user(world.users.enterprise))


def test_only_the_studios_own_enterprise_records_achievements(app, world, named_studio):
    with app.app_context():
        for other in (world.users.other_enterprise, world.users.admin, world.users.reviewer):
            with pytest.raises(DomainError):
                services.create_achievement(studio(named_studio), _data(named_studio), by=user(other))


def test_an_update_changes_fields_and_members_and_is_audited(app, world, named_studio):
    with app.app_context():
        by = user(world.users.enterprise)
        owner = studio(named_studio)
        achievement = services.create_achievement(owner, _data(named_studio), by=by)
        version = achievement.version
        member = owner.members[0].worker_id
        services.update_achievement(achievement, _data(named_studio, title="改进后的找正装置", member_ids=[member],
                                                       economic_benefit="8"),
                                    expected_version=version, by=by)
        db.session.commit()
        assert achievement.title == "改进后的找正装置"
        assert [m.worker_id for m in achievement.members] == [member]
        assert achievement.economic_benefit == Decimal("8")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "studio_achievement.update"))
        assert entry.changes["title"] == ["一种数控车床主轴快速找正装置", "改进后的找正装置"]


def test_an_update_from_a_stale_page_is_refused(app, world, named_studio):
    with app.app_context():
        by = user(world.users.enterprise)
        achievement = services.create_achievement(studio(named_studio), _data(named_studio), by=by)
        with pytest.raises(DomainError, match="已被他人修改"):
            services.update_achievement(achievement, _data(named_studio), expected_version=achievement.version - 1,
                                        by=by)


# Evidence --------------------------------------------------------------------------------

def test_evidence_is_typed_by_content_stored_outside_the_web_root_and_removed_with_its_row(
        app, world, named_studio, upload_dir):
    with app.app_context():
        by = user(world.users.enterprise)
        achievement = services.create_achievement(studio(named_studio), _data(named_studio), evidence=pdf(), by=by)
        db.session.commit()
        item = achievement.evidence[0]
        assert item.content_type == "application/pdf" and item.original_name == "专利证书.pdf"
        assert [p.name for p in stored_files(upload_dir)] == [item.stored_name]
        with pytest.raises(UploadRefused, match="内容不是 PDF、JPG 或 PNG"):
            services.add_evidence(achievement, pdf("证书.pdf", b"just text, not a pdf"), by=by)
        with pytest.raises(DomainError, match="已上传过"):
            services.add_evidence(achievement, pdf("副本.pdf"), by=by)
        db.session.rollback()
        assert len(stored_files(upload_dir)) == 1
        services.delete_achievement(db.session.get(Achievement, achievement.id), by=by)
        db.session.commit()
        assert stored_files(upload_dir) == []
        assert db.session.scalar(select(func.count()).select_from(AchievementEvidence)) == 0


def test_a_refused_first_file_keeps_the_whole_achievement_out(app, world, named_studio, upload_dir):
    with app.app_context():
        with pytest.raises(UploadRefused):
            services.create_achievement(studio(named_studio), _data(named_studio),
                                        evidence=pdf("假.pdf", b"<html>"), by=user(world.users.enterprise))
        db.session.rollback()
        assert _count() == 0 and stored_files(upload_dir) == []


# Pages -----------------------------------------------------------------------------------

def _form(studio_id: int, **overrides) -> dict:
    with db.session.no_autoflush:
        owner = studio(studio_id)
        data = {"kind": "patent", "title": "一种管道焊缝自动检测方法", "achieved_on": "2025-06-01",
                "patent_number": "ZL202410601862.3", "patent_status": "granted", "economic_benefit": "3.5",
                "member_ids": [str(owner.leader_worker_id)], "issuer": "国家知识产权局", "description": ""}
    data.update(overrides)
    return data


def test_the_enterprise_records_an_achievement_with_evidence_in_the_browser_form(
        app, world, named_studio, client, login, upload_dir):
    login(world.users.enterprise)
    url = f"{BASE}/studio/{named_studio}/new"
    with app.app_context():
        data = _form(named_studio)
    data["csrf_token"] = csrf_token(client, url)
    data["file"] = (io.BytesIO(PDF), "授权通知书.pdf")
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ZL202410601862.3" in page and "3.50 万元" in page and "授权通知书.pdf" in page


@pytest.mark.parametrize("field, value, message", [
    ("patent_number", "ZL 2024 1 0601862.5", "专利号校验位错误"),
    ("economic_benefit", "-12", "经济效益不能为负数"),
    ("economic_benefit", "about 12", "经济效益应为数字"),
])
def test_a_refused_form_says_why_and_keeps_everything_typed(app, world, named_studio, client, login, field, value,
                                                           message):
    login(world.users.enterprise)
    url = f"{BASE}/studio/{named_studio}/new"
    with app.app_context():
        data = _form(named_studio, **{field: value}, description="现场试用三个月，效果良好")
    data["csrf_token"] = csrf_token(client, url)
    page = client.post(url, data=data).get_data(as_text=True)
    assert message in page
    assert f'value="{value}"' in page                      # the bad value, as typed
    assert 'value="一种管道焊缝自动检测方法"' in page            # and everything else
    assert "现场试用三个月，效果良好" in page
    with app.app_context():
        assert _count() == 0


def test_every_mistake_of_a_form_shows_at_once(app, world, named_studio, client, login):
    login(world.users.enterprise)
    url = f"{BASE}/studio/{named_studio}/new"
    with app.app_context():
        data = _form(named_studio, title="", patent_number="201710601862.4", economic_benefit="-1")
    data["csrf_token"] = csrf_token(client, url)
    page = client.post(url, data=data).get_data(as_text=True)
    assert "请填写成果名称" in page and "专利号校验位错误" in page and "经济效益不能为负数" in page


def test_edit_page_shows_the_stored_values_and_saves_changes(app, world, named_studio, client, login):
    with app.app_context():
        achievement_id = services.create_achievement(studio(named_studio), _data(named_studio),
                                                     by=user(world.users.enterprise)).id
        db.session.commit()
        data = _form(named_studio, title="新名称", economic_benefit="0.25")
    login(world.users.enterprise)
    url = f"{BASE}/{achievement_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="ZL202410601862.3"' in page and 'value="12.50"' in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data.update(csrf_token=csrf_token(client, url), version=version)
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        saved = db.session.get(Achievement, achievement_id)
        assert saved.title == "新名称" and saved.economic_benefit == Decimal("0.25")


@pytest.mark.parametrize("identity, status", [
    ("enterprise", 200), ("reviewer", 200), ("admin", 200), ("other_enterprise", 403), ("industry_reviewer", 403),
])
def test_who_sees_a_studios_achievements(app, world, named_studio, client, login, identity, status):
    with app.app_context():
        achievement_id = add_achievement(named_studio).id
        db.session.commit()
    login(getattr(world.users, identity))
    assert client.get(f"{BASE}/{achievement_id}").status_code == status
    assert client.get(f"{BASE}/studio/{named_studio}").status_code == status


@pytest.mark.parametrize("identity", ["other_enterprise", "reviewer", "admin"])
def test_only_the_owning_enterprise_changes_achievements(app, world, named_studio, client, login, no_csrf, identity):
    with app.app_context():
        achievement_id = add_achievement(named_studio).id
        db.session.commit()
        data = _form(named_studio)
    login(getattr(world.users, identity))
    assert client.post(f"{BASE}/studio/{named_studio}/new", data=data).status_code == 403
    assert client.post(f"{BASE}/{achievement_id}/edit", data=data).status_code == 403
    assert client.post(f"{BASE}/{achievement_id}/delete").status_code == 403
    with app.app_context():
        assert _count() == 1


def test_evidence_is_downloaded_by_those_who_see_the_studio_only(app, world, named_studio, client, login, upload_dir):
    with app.app_context():
        achievement = services.create_achievement(studio(named_studio), _data(named_studio), evidence=pdf(),
                                                  by=user(world.users.enterprise))
        db.session.commit()
        url = f"{BASE}/{achievement.id}/evidence/{achievement.evidence[0].id}"
    login(world.users.reviewer)
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    login(world.users.other_enterprise)
    assert client.get(url).status_code == 403


def test_the_list_filters_by_year_and_kind_and_each_role_sees_its_own(app, world, named_studio, client, login):
    with app.app_context():
        add_achievement(named_studio, kind="paper", title="论数控加工精度", on=date(2024, 3, 1))
        add_achievement(named_studio, kind="award", title="首都劳动奖状", on=date(2025, 3, 1))
        other = make_studio(world, "named", enterprise=world.ent_b)
        add_achievement(other.id, kind="award", title="海淀区技术革新奖", on=date(2025, 7, 1))
        db.session.commit()
    login(world.users.admin)
    page = client.get(f"{BASE}/?year=2025&kind=award").get_data(as_text=True)
    assert "首都劳动奖状" in page and "海淀区技术革新奖" in page and "论数控加工精度" not in page
    login(world.users.enterprise)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "首都劳动奖状" in page and "论数控加工精度" in page and "海淀区技术革新奖" not in page
    login(world.users.industry_reviewer)      # 机械冶金建材工会: ent_b's industry union
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "海淀区技术革新奖" in page and "首都劳动奖状" not in page


def test_the_excel_export_follows_the_filters_and_escapes_formulas(app, world, named_studio, client, login):
    with app.app_context():
        achievement = services.create_achievement(studio(named_studio), _data(named_studio, title="=HYPERLINK(1)"),
                                                  by=user(world.users.enterprise))
        add_achievement(named_studio, kind="paper", title="旧论文", on=date(2023, 1, 5))
        db.session.commit()
        leader = achievement.studio.leader.name
    login(world.users.reviewer)
    response = client.get(f"{BASE}/export.xlsx?year=2025")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("工作室", "工作室编号", "所属企业", "成果类别", "成果名称")
    assert len(rows) == 2
    assert rows[1][3] == "专利" and rows[1][4] == "'=HYPERLINK(1)" and rows[1][6] == "ZL202410601862.3"
    assert rows[1][9] == leader and Decimal(str(rows[1][10])) == Decimal("12.5")


@needs_libreoffice
def test_libreoffice_calc_shows_the_achievement_export_with_formulas_as_text(app, world, named_studio, client, login):
    with app.app_context():
        services.create_achievement(studio(named_studio), _data(named_studio, title="=HYPERLINK(1)"),
                                    by=user(world.users.enterprise))
        db.session.commit()
    login(world.users.reviewer)
    shown = next(iter(assert_calc_reads_alike(client.get(f"{BASE}/export.xlsx?year=2025").data).values()))
    assert shown[1][4] == "'=HYPERLINK(1)" and shown[1][10] == "12.5"


def test_the_studio_page_shows_the_latest_achievements_and_the_totals(app, world, named_studio, client, login):
    with app.app_context():
        for n in range(7):
            add_achievement(named_studio, title=f"革新{n}", on=date(2025, 1, n + 1), benefit=Decimal("1.5"))
        db.session.commit()
    login(world.users.enterprise)
    page = client.get(f"/studios/{named_studio}").get_data(as_text=True)
    assert 'data-testid="studio-achievements"' in page
    assert "革新6" in page and "革新2" in page and "革新1<" not in page   # the five latest
    assert "经济效益合计 10.50 万元" in page


def test_the_studio_summary_costs_the_same_few_queries_however_many_achievements(app, world, named_studio):
    with app.app_context():
        other = make_studio(world, "named").id
        add_achievement(other)
        for n in range(300):
            add_achievement(named_studio, title=f"建议{n}", kind="suggestion", on=date(2024 + n % 2, 1 + n % 12, 1))
        db.session.commit()
        db.session.expire_all()
        with counted_queries() as few:
            small = services.studio_summary(other)
        db.session.expire_all()
        with counted_queries() as many:
            large = services.studio_summary(named_studio)
        assert len(many) == len(few) == 2
        assert small.total == 1 and large.total == 300 and len(large.recent) == 5
        assert large.recent[0].achieved_on == date(2025, 12, 1)


def test_the_studio_summary_reads_the_studio_and_date_index(app, world, named_studio):
    """The latest achievements of a studio come straight off the (studio_id, achieved_on, id)
    index, already in order: SQLite's plan shows it (PostgreSQL chooses by table statistics)."""
    with app.app_context():
        indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("studio_achievements")}
        assert indexes["ix_studio_achievements_studio_date"] == ["studio_id", "achieved_on", "id"]
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in db.session.execute(text(
                "EXPLAIN QUERY PLAN SELECT * FROM studio_achievements WHERE studio_id = 1 "
                "ORDER BY achieved_on DESC, id DESC LIMIT 5")))
            assert "ix_studio_achievements_studio_date" in plan and "TEMP B-TREE" not in plan


def test_an_achievement_in_a_submitted_report_can_no_longer_change(app, world, named_studio):
    from innovation_studios.assessments.models import AnnualReport, AssessmentRound

    with app.app_context():
        achievement = add_achievement(named_studio)
        assessment = AssessmentRound(year=2025, deadline=date(2026, 12, 31))
        db.session.add(assessment)
        db.session.flush()
        report = AnnualReport(round_id=assessment.id, studio_id=named_studio, state="submitted")
        report.achievements = [achievement]
        db.session.add(report)
        db.session.commit()
        by = user(world.users.enterprise)
        with pytest.raises(DomainError, match="已列入已提交的2025年度考核报告"):
            services.delete_achievement(achievement, by=by)
        with pytest.raises(DomainError, match="已列入已提交的2025年度考核报告"):
            services.update_achievement(achievement, _data(named_studio, kind="innovation"),
                                        expected_version=achievement.version,
                                        by=by)


def test_eligible_members_are_the_leader_then_members_each_once(app, world, named_studio):
    with app.app_context():
        owner = studio(named_studio)
        db.session.add(StudioMember(studio_id=owner.id, worker_id=owner.members[0].worker_id, role="member",
                                    joined_on=date(2026, 1, 1)))      # came back after leaving
        db.session.flush()
        distinct = {m.worker_id for m in owner.members} | {owner.leader_worker_id}
        ids = [w.id for w in services.eligible_members(owner)]
        assert ids[0] == owner.leader_worker_id and len(ids) == len(set(ids)) == len(distinct)
        assert owner.state_enum is StudioState.NAMED
        assert db.session.scalar(select(func.count()).select_from(AchievementMember)) == 0
