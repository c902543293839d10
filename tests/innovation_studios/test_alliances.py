"""The studio alliance (创新工作室联盟): administrators found alliances of named studios from
different enterprises, check the type (关联/同型/异型) against the members' kinds, admit and
release members, rotate the lead with its history, and dissolve; the lead studio's enterprise
records joint projects; a completed project's results become achievements of the participating
studios; the administrators' list flags alliances without a project in a year; members'
enterprises see their alliances; the public directory shows no personal data."""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.organizations.models import Enterprise
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios.achievements import services as achievements
from innovation_studios.achievements.models import Achievement
from innovation_studios.alliances import services
from innovation_studios.alliances.models import (
    Alliance,
    AllianceKind,
    AllianceLeadTerm,
    AllianceMembership,
    JointProject,
    JointProjectStudio,
    ProjectStatus,
)
from innovation_studios.studios.models import Studio, StudioKind
from tests import factories
from tests.conftest import csrf_token
from tests.innovation_studios.factories import make_studio
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice

NAMED_ON = date(2024, 1, 10)
FOUNDED = date(2024, 3, 1)
CHARTER = "第一条 本联盟由北京市数控加工领域的创新工作室自愿组成。\n第二条 盟主每两年轮值一次。"


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _enterprise(name: str) -> int:
    from core.organizations.models import Union

    district = db.session.scalars(select(Union).where(Union.region_code.is_not(None))).first()
    return factories.enterprise(district, name=name).id


@pytest.fixture
def studios(app, world) -> SimpleNamespace:
    """Named studios of five enterprises (A, B: 职工; C: 工匠; D: 劳模; A2: a second studio of
    enterprise A), a delisted one and one still under application. Ids by name."""
    with app.app_context():
        ent_d, ent_e = _enterprise("丰台精密有限公司"), _enterprise("房山重工有限公司")
        ent_f = _enterprise("通州建工有限公司")
        made = {
            "a": make_studio(world, enterprise=world.ent_a, name="精工数控创新工作室", named_on=NAMED_ON,
                             number="BJCX-2024-0001"),
            "b": make_studio(world, enterprise=world.ent_b, name="海淀机械创新工作室", named_on=NAMED_ON,
                             number="BJCX-2024-0002"),
            "c": make_studio(world, enterprise=world.ent_c, name="软件工匠创新工作室", kind=StudioKind.CRAFTSMAN,
                             named_on=NAMED_ON, number="BJCX-2024-0003"),
            "d": make_studio(world, enterprise=ent_d, name="丰台劳模创新工作室", kind=StudioKind.MODEL_WORKER,
                             named_on=NAMED_ON, number="BJCX-2024-0004"),
            "a2": make_studio(world, enterprise=world.ent_a, name="精工焊接创新工作室", named_on=NAMED_ON,
                              number="BJCX-2024-0005"),
            "delisted": make_studio(world, "delisted", enterprise=ent_e, name="房山摘牌工作室",
                                    named_on=date(2023, 6, 1), number="BJCX-2023-0009"),
            "applied": make_studio(world, "applied", enterprise=ent_f, name="通州申报中工作室"),
        }
        db.session.commit()
        return SimpleNamespace(**{key: studio.id for key, studio in made.items()}, ent_d=ent_d)


def _studio(studio_id: int) -> Studio:
    return db.session.get(Studio, studio_id)


def _found(ids, *, lead: int, members: list[int], kind=AllianceKind.RELATED, name="数控加工创新工作室联盟",
           founded_on=FOUNDED, by=None) -> Alliance:
    return services.create_alliance(services.AllianceData(
        name=name, kind=kind.value, founded_on=founded_on, charter=CHARTER, lead=_studio(lead),
        members=[_studio(m) for m in members]), by=by)


@pytest.fixture
def alliance(app, world, studios) -> int:
    """A 关联 alliance founded 2024-03-01: lead A (enterprise user's studio), members B and C."""
    with app.app_context():
        founded = _found(studios, lead=studios.a, members=[studios.b, studios.c],
                         by=_user(world.users.admin))
        db.session.commit()
        return founded.id


def _project(alliance_id: int, studio_ids, *, lead=None, starts_on=date(2025, 3, 1), due_on=date(2025, 12, 31),
             status=ProjectStatus.PLANNED, results="", title="高精度主轴联合攻关") -> JointProject:
    return services.create_project(db.session.get(Alliance, alliance_id), services.ProjectData(
        title=title, goal="攻克主轴热变形难题，精度提升到 2 微米。", lead_studio_id=lead or studio_ids[0],
        studio_ids=list(studio_ids), starts_on=starts_on, due_on=due_on, status=status.value,
        results=results), by=None)


# --- founding ------------------------------------------------------------------------------

def test_admin_founds_an_alliance_whose_lead_and_members_join_on_the_founding_date(app, world, studios):
    with app.app_context():
        founded = _found(studios, lead=studios.a, members=[studios.b, studios.c], by=_user(world.users.admin))
        db.session.commit()
        assert founded.lead_studio.id == studios.a
        assert [(m.studio_id, m.joined_on, m.left_on) for m in founded.memberships] == [
            (studios.a, FOUNDED, None), (studios.b, FOUNDED, None), (studios.c, FOUNDED, None)]
        assert [(t.studio_id, t.starts_on, t.ends_on) for t in founded.lead_terms] == [(studios.a, FOUNDED, None)]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "alliance.create"))
        assert entry.actor_name == "admin" and entry.changes["lead"] == [None, "精工数控创新工作室"]


def test_a_delisted_studio_cannot_join_an_alliance(app, world, studios, alliance):
    with app.app_context():
        with pytest.raises(DomainError, match="“房山摘牌工作室”已摘牌，不能加入联盟"):
            services.add_member(db.session.get(Alliance, alliance), _studio(studios.delisted), date(2025, 1, 1),
                                by=None)
        with pytest.raises(DomainError, match="已摘牌，不能加入联盟"):
            _found(studios, lead=studios.b, members=[studios.delisted], name="另一个联盟")


def test_a_studio_never_named_cannot_join_an_alliance(app, world, studios, alliance):
    refusal = "“通州申报中工作室”尚未命名（当前：已申报），只有已命名的工作室才能加入联盟"
    with app.app_context(), pytest.raises(DomainError, match=refusal):
        services.add_member(db.session.get(Alliance, alliance), _studio(studios.applied), date(2025, 1, 1), by=None)


def test_member_studios_must_come_from_different_enterprises(app, world, studios, alliance):
    with app.app_context():
        with pytest.raises(DomainError, match="属于同一企业；联盟成员须来自不同企业"):
            _found(studios, lead=studios.a, members=[studios.a2], name="同一企业联盟")
        with pytest.raises(DomainError, match="“精工数控创新工作室”与“精工焊接创新工作室”属于同一企业"):
            services.add_member(db.session.get(Alliance, alliance), _studio(studios.a2), date(2025, 1, 1), by=None)


def test_an_alliance_needs_at_least_two_member_studios(app, world, studios):
    with app.app_context():
        with pytest.raises(DomainError, match="至少须有两个来自不同企业的成员工作室") as refused:
            _found(studios, lead=studios.a, members=[])
        assert refused.value.field == "members"


def test_a_same_kind_alliance_takes_studios_of_one_kind_only(app, world, studios):
    with app.app_context():
        with pytest.raises(DomainError, match="同型联盟的成员工作室须为同一类型"):
            _found(studios, lead=studios.a, members=[studios.c], kind=AllianceKind.SAME_KIND)
        same = _found(studios, lead=studios.a, members=[studios.b], kind=AllianceKind.SAME_KIND)
        with pytest.raises(DomainError, match="同型联盟的成员工作室须为同一类型，现有：工匠创新工作室、职工创新工作室"):
            services.add_member(same, _studio(studios.c), date(2025, 1, 1), by=None)


def test_a_mixed_kinds_alliance_needs_more_than_one_kind(app, world, studios):
    with app.app_context():
        with pytest.raises(DomainError, match="异型联盟的成员工作室须包含两种及以上类型"):
            _found(studios, lead=studios.a, members=[studios.b], kind=AllianceKind.MIXED_KINDS)
        mixed = _found(studios, lead=studios.a, members=[studios.c], kind=AllianceKind.MIXED_KINDS)
        assert len(mixed.current_memberships) == 2


def test_a_related_alliance_takes_any_kinds(app, world, studios):
    with app.app_context():
        related = _found(studios, lead=studios.a, members=[studios.b, studios.c, studios.d])
        assert {m.studio.kind for m in related.current_memberships} == {"worker", "craftsman", "model_worker"}


def test_the_kind_rules_are_stated_for_every_type():
    assert services.kind_problem("same_kind", ["worker", "worker"]) is None
    assert services.kind_problem("mixed_kinds", ["worker", "craftsman"]) is None
    assert services.kind_problem("related", ["worker"]) is None
    assert "同型" in str(AllianceKind.SAME_KIND.rule) and "两种及以上" in str(AllianceKind.MIXED_KINDS.rule)


def test_changing_the_type_is_checked_against_the_current_members(app, world, studios, alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        data = services.AllianceData(name=founded.name, kind="same_kind", founded_on=FOUNDED, charter=CHARTER)
        with pytest.raises(DomainError, match="同型联盟的成员工作室须为同一类型") as refused:
            services.update_alliance(founded, data, expected_version=founded.version, by=None)
        assert refused.value.field == "kind"
        data.kind = "mixed_kinds"
        services.update_alliance(founded, data, expected_version=founded.version, by=None)
        assert founded.kind == "mixed_kinds"


def test_founding_date_cannot_precede_a_members_naming_or_lie_in_the_future(app, world, studios):
    with app.app_context():
        with pytest.raises(DomainError, match="不能早于成员工作室的命名日期"):
            _found(studios, lead=studios.a, members=[studios.b], founded_on=date(2023, 12, 31))
        with pytest.raises(DomainError, match="日期不能晚于今天"):
            _found(studios, lead=studios.a, members=[studios.b], founded_on=beijing_today() + timedelta(days=1))


def test_two_alliances_cannot_share_a_name(app, world, studios, alliance):
    with app.app_context(), pytest.raises(DomainError, match="已有名为“数控加工创新工作室联盟”的联盟"):
        _found(studios, lead=studios.b, members=[studios.d])


def test_studios_are_found_by_number_or_exact_name_and_every_unknown_line_is_reported(app, world, studios):
    with app.app_context():
        found = services.studios_from_references("bjcx-2024-0002\n\n软件工匠创新工作室\n", "members")
        assert [s.id for s in found] == [studios.b, studios.c]
        with pytest.raises(DomainError, match="第 1 行：找不到.*“无此工作室”.*第 2 行：找不到") as refused:
            services.studios_from_references("无此工作室\nBJCX-0000\n", "members")
        assert refused.value.field == "members"


# --- members -------------------------------------------------------------------------------

def test_joining_dates_must_follow_the_founding_and_the_studios_naming(app, world, studios, alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        with pytest.raises(DomainError, match="加入日期不能早于联盟成立日期"):
            services.add_member(founded, _studio(studios.d), date(2024, 2, 1), by=None)
        with pytest.raises(DomainError, match="日期不能晚于今天"):
            services.add_member(founded, _studio(studios.d), beijing_today() + timedelta(days=3), by=None)
        late = make_studio(world, enterprise=_enterprise("晚命名有限公司"), named_on=date(2025, 5, 1))
        with pytest.raises(DomainError, match="加入日期不能早于该工作室的命名日期"):
            services.add_member(founded, late, date(2025, 4, 1), by=None)
        services.add_member(founded, _studio(studios.d), date(2025, 1, 1), by=None)
        assert founded.membership_of(studios.d).joined_on == date(2025, 1, 1)


def test_a_member_cannot_join_twice_at_once(app, world, studios, alliance):
    with app.app_context(), pytest.raises(DomainError, match="已是本联盟成员"):
        services.add_member(db.session.get(Alliance, alliance), _studio(studios.b), date(2025, 1, 1), by=None)


def test_leaving_cannot_precede_joining(app, world, studios, alliance):
    with app.app_context():
        membership = db.session.get(Alliance, alliance).membership_of(studios.b)
        with pytest.raises(DomainError, match="退出日期不能早于加入日期") as refused:
            services.record_leaving(membership, date(2024, 2, 1), by=None)
        assert refused.value.field == "left_on"


def test_the_lead_cannot_leave_before_handing_over(app, world, studios, alliance):
    with app.app_context():
        membership = db.session.get(Alliance, alliance).membership_of(studios.a)
        with pytest.raises(DomainError, match="是现任盟主，不能退出联盟；请先轮换盟主"):
            services.record_leaving(membership, date(2025, 1, 1), by=None)


def test_leaving_is_refused_when_fewer_than_two_members_or_a_broken_type_would_remain(app, world, studios):
    with app.app_context():
        pair = _found(studios, lead=studios.a, members=[studios.b])
        with pytest.raises(DomainError, match="不足两个成员工作室；如联盟不再运行，请办理解散"):
            services.record_leaving(pair.membership_of(studios.b), date(2025, 1, 1), by=None)
        mixed = _found(studios, lead=studios.a, members=[studios.b, studios.c], kind=AllianceKind.MIXED_KINDS,
                       name="异型联盟")
        with pytest.raises(DomainError, match="退出后将不符合联盟类型"):
            services.record_leaving(mixed.membership_of(studios.c), date(2025, 1, 1), by=None)


def test_a_studio_that_left_may_rejoin_later_and_both_periods_are_kept(app, world, studios, alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        services.record_leaving(founded.membership_of(studios.c), date(2024, 9, 30), "转型调整", by=None)
        with pytest.raises(DomainError, match="重新加入日期须晚于上次退出日期"):
            services.add_member(founded, _studio(studios.c), date(2024, 9, 30), by=None)
        services.add_member(founded, _studio(studios.c), date(2025, 2, 1), by=None)
        periods = [(m.joined_on, m.left_on, m.leave_reason) for m in founded.memberships if m.studio_id == studios.c]
        assert periods == [(FOUNDED, date(2024, 9, 30), "转型调整"), (date(2025, 2, 1), None, "")]


# --- the lead ------------------------------------------------------------------------------

def test_rotating_the_lead_ends_the_running_term_the_day_before_and_keeps_the_history(app, world, studios,
                                                                                      alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        services.change_lead(founded, _studio(studios.b), date(2025, 3, 1), "按章程轮值", by=_user(world.users.admin))
        services.change_lead(founded, _studio(studios.c), date(2026, 3, 1), by=None)
        assert [(t.studio_id, t.starts_on, t.ends_on) for t in founded.lead_terms] == [
            (studios.a, FOUNDED, date(2025, 2, 28)), (studios.b, date(2025, 3, 1), date(2026, 2, 28)),
            (studios.c, date(2026, 3, 1), None)]
        assert founded.lead_studio.id == studios.c
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "alliance.change_lead")).changes[
            "lead"] == ["精工数控创新工作室", "海淀机械创新工作室"]


def test_the_lead_must_be_a_current_member(app, world, studios, alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        with pytest.raises(DomainError, match="盟主须为联盟的现有成员工作室"):
            services.change_lead(founded, _studio(studios.d), date(2025, 3, 1), by=None)
        services.record_leaving(founded.membership_of(studios.c), date(2024, 12, 31), by=None)
        with pytest.raises(DomainError, match="盟主须为联盟的现有成员工作室"):
            services.change_lead(founded, _studio(studios.c), date(2025, 3, 1), by=None)


def test_a_new_lead_term_must_start_after_the_running_one_and_after_the_new_lead_joined(app, world, studios,
                                                                                        alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        with pytest.raises(DomainError, match="新任期开始日期须晚于现任盟主任期的开始日期"):
            services.change_lead(founded, _studio(studios.b), FOUNDED, by=None)
        services.add_member(founded, _studio(studios.d), date(2025, 6, 1), by=None)
        with pytest.raises(DomainError, match="任期不能早于加入日期"):
            services.change_lead(founded, _studio(studios.d), date(2025, 5, 1), by=None)
        with pytest.raises(DomainError, match="已是盟主"):
            services.change_lead(founded, _studio(studios.a), date(2025, 5, 1), by=None)


def test_a_member_delisted_since_joining_cannot_become_lead(app, world, studios, alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        _studio(studios.b).state = "delisted"
        with pytest.raises(DomainError, match="已摘牌，不能担任盟主"):
            services.change_lead(founded, _studio(studios.b), date(2025, 3, 1), by=None)


# --- dissolution ---------------------------------------------------------------------------

def test_dissolving_closes_every_membership_and_the_lead_term_and_freezes_the_alliance(app, world, studios,
                                                                                       alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        running = _project(alliance, [studios.a, studios.b])
        with pytest.raises(DomainError, match="尚有未结束的联合项目：高精度主轴联合攻关"):
            services.dissolve(founded, date(2025, 12, 31), "任务完成", by=None)
        running.status = ProjectStatus.CANCELLED.value
        with pytest.raises(DomainError, match="请填写解散原因"):
            services.dissolve(founded, date(2025, 12, 31), " ", by=None)
        services.dissolve(founded, date(2025, 12, 31), "任务完成", by=None)
        assert {m.left_on for m in founded.memberships} == {date(2025, 12, 31)}
        assert founded.lead_terms[-1].ends_on == date(2025, 12, 31)
        with pytest.raises(DomainError, match="已于 2025年12月31日 解散"):
            services.add_member(founded, _studio(studios.d), date(2026, 1, 1), by=None)


# --- joint projects ------------------------------------------------------------------------

def test_a_joint_project_is_recorded_with_its_participants_and_lead(app, world, studios, alliance):
    with app.app_context():
        project = _project(alliance, [studios.b, studios.a], lead=studios.a)
        assert project.studio_ids == {studios.a, studios.b} and project.lead_studio_id == studios.a
        assert list(project.years) == [2025]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "joint_project.create"))


@pytest.mark.parametrize(("participants", "change", "message", "field"), [
    ("a", {}, "至少须有两个参与工作室", "studio_ids"),
    ("ab", {"lead": "c"}, "牵头工作室须是参与工作室之一", "lead_studio_id"),
    ("ab", {"due_on": date(2025, 2, 1)}, "完成期限不能早于开始日期", "due_on"),
    ("ab", {"starts_on": date(2024, 1, 1)}, "开始日期不能早于联盟成立日期", "starts_on"),
    ("ab", {"status": ProjectStatus.COMPLETED}, "项目已完成，请填写项目成果", "results"),
])
def test_a_joint_project_with_bad_input_is_refused(app, world, studios, alliance, participants, change, message,
                                                   field):
    with app.app_context():
        if "lead" in change:
            change["lead"] = getattr(studios, change["lead"])
        with pytest.raises(DomainError, match=message) as refused:
            _project(alliance, [getattr(studios, key) for key in participants], **change)
        assert refused.value.field == field


def test_only_current_named_members_may_take_part_in_a_new_project(app, world, studios, alliance):
    with app.app_context():
        with pytest.raises(DomainError, match="“丰台劳模创新工作室”不是本联盟的现有成员"):
            _project(alliance, [studios.a, studios.d])
        _studio(studios.c).state = "delisted"
        with pytest.raises(DomainError, match="已摘牌，不能参与联合项目"):
            _project(alliance, [studios.a, studios.c])


def test_a_participant_that_left_stays_on_the_project_record(app, world, studios, alliance):
    with app.app_context():
        project = _project(alliance, [studios.a, studios.b, studios.c])
        services.record_leaving(db.session.get(Alliance, alliance).membership_of(studios.c), date(2025, 6, 1),
                                by=None)
        data = services.ProjectData(title=project.title, goal=project.goal, lead_studio_id=studios.a,
                                    studio_ids=[studios.a, studios.b, studios.c], starts_on=project.starts_on,
                                    due_on=project.due_on, status="in_progress")
        services.update_project(project, data, expected_version=project.version, by=None)
        assert project.studio_ids == {studios.a, studios.b, studios.c} and project.status == "in_progress"


def test_project_status_moves_forward_only_and_closed_projects_stay_closed(app, world, studios, alliance):
    with app.app_context():
        project = _project(alliance, [studios.a, studios.b])

        def save(status, results=""):
            services.update_project(project, services.ProjectData(
                title=project.title, goal=project.goal, lead_studio_id=studios.a, studio_ids=[studios.a, studios.b],
                starts_on=project.starts_on, due_on=project.due_on, status=status, results=results),
                expected_version=project.version, by=None)

        save("in_progress")
        save("completed", "主轴温升降低 40%，形成企业标准 1 项。")
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "joint_project.complete"))
        with pytest.raises(DomainError, match="项目当前为“已完成”，不能变为“进行中”"):
            save("in_progress", "x")
        assert [s.value for s in services.allowed_statuses("completed")] == ["completed"]
        assert [s.value for s in services.allowed_statuses("planned")] == [
            "planned", "in_progress", "completed", "cancelled"]


def test_a_stale_project_form_is_refused(app, world, studios, alliance):
    from core.errors import ConcurrentEditError

    with app.app_context():
        project = _project(alliance, [studios.a, studios.b])
        data = services.ProjectData(title="新名称", goal=project.goal, lead_studio_id=studios.a,
                                    studio_ids=[studios.a, studios.b], starts_on=project.starts_on,
                                    due_on=project.due_on)
        with pytest.raises(ConcurrentEditError):
            services.update_project(project, data, expected_version=project.version - 1, by=None)


def test_projects_count_for_every_year_they_touch_and_cancelled_ones_for_none(app, world, studios, alliance):
    with app.app_context():
        _project(alliance, [studios.a, studios.b], starts_on=date(2024, 9, 1), due_on=date(2025, 6, 30),
                 title="跨年项目")
        _project(alliance, [studios.a, studios.b], starts_on=date(2026, 1, 1), due_on=date(2026, 6, 30),
                 status=ProjectStatus.CANCELLED, title="已取消项目")
        by_year = services.projects_by_year(db.session.get(Alliance, alliance), until=2026)
        assert [(year, [p.title for p in projects]) for year, projects in by_year] == [
            (2026, []), (2025, ["跨年项目"]), (2024, ["跨年项目"])]
        assert services.project_counts([alliance], 2026) == {}
        assert services.project_counts([alliance], 2025) == {alliance: 1}


# --- record as achievement ---------------------------------------------------------------

def _completed(alliance_id, studios) -> JointProject:
    return _project(alliance_id, [studios.a, studios.b], status=ProjectStatus.COMPLETED,
                    results="主轴温升降低 40%，形成企业标准 1 项。")


def test_a_participating_enterprise_records_the_results_as_an_achievement_of_its_studio(app, world, client, login,
                                                                                     studios, alliance):
    with app.app_context():
        project = _completed(alliance, studios)
        db.session.commit()
        project_id = project.id
        participation = next(p.id for p in project.participants if p.studio_id == studios.a)
        leader = _studio(studios.a).leader_worker_id
    login(world.users.enterprise)
    page = client.get(f"/alliances/projects/{project_id}").get_data(as_text=True)
    assert f"/alliances/project-studios/{participation}/achievement" in page
    url = f"/alliances/project-studios/{participation}/achievement"
    form = client.get(url).get_data(as_text=True)
    assert "高精度主轴联合攻关" in form and "主轴温升降低" in form
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "kind": "innovation",
                                      "title": "高精度主轴联合攻关", "achieved_on": "2025-12-31",
                                      "member_ids": str(leader), "issuer": "数控加工创新工作室联盟",
                                      "description": "主轴温升降低 40%", "patent_status": ""})
    assert response.status_code == 302
    with app.app_context():
        achievement = db.session.scalar(select(Achievement))
        assert (achievement.studio_id, achievement.kind, achievement.title) == (
            studios.a, "innovation", "高精度主轴联合攻关")
        assert db.session.get(JointProjectStudio, participation).achievement_id == achievement.id
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "joint_project.record_achievement"))
    assert client.get(url).status_code == 302  # recorded once: back to the project page
    page = client.get(f"/alliances/projects/{project_id}").get_data(as_text=True)
    assert "技术革新" in page and url not in page


def test_results_become_an_achievement_only_once_and_only_when_the_project_is_completed(app, world, studios,
                                                                                      alliance):
    with app.app_context():
        running = _project(alliance, [studios.a, studios.b], title="进行中项目")
        data = achievements.AchievementData(kind="innovation", title="成果", achieved_on=date(2025, 12, 31),
                                            member_ids=[_studio(studios.a).leader_worker_id])
        owner = _user(world.users.enterprise)
        with pytest.raises(DomainError, match="联合项目完成后才能"):
            services.record_as_achievement(running.participants[0], data, by=owner)
        done = _completed(alliance, studios)
        participant = next(p for p in done.participants if p.studio_id == studios.a)
        services.record_as_achievement(participant, data, by=owner)
        with pytest.raises(DomainError, match="已将本项目成果记为"):
            services.record_as_achievement(participant, data, by=owner)


def test_an_enterprise_cannot_record_another_enterprises_studio_achievement(app, world, client, login, studios,
                                                                            alliance):
    with app.app_context():
        project = _completed(alliance, studios)
        db.session.commit()
        theirs = next(p.id for p in project.participants if p.studio_id == studios.b)
    login(world.users.enterprise)
    assert client.get(f"/alliances/project-studios/{theirs}/achievement").status_code == 403
    login(world.users.admin)  # administrators do not record enterprises' achievements
    assert client.get(f"/alliances/project-studios/{theirs}/achievement").status_code == 403


# --- pages and roles -----------------------------------------------------------------------

def test_admin_founds_an_alliance_in_the_form(app, world, client, login, studios):
    login(world.users.admin)
    url = "/alliances/new"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "name": "首都数控创新工作室联盟", "kind": "related",
        "founded_on": "2024-03-01", "lead": "BJCX-2024-0001", "members": "BJCX-2024-0002\n软件工匠创新工作室",
        "charter": CHARTER, "submit": "保存"})
    assert response.status_code == 302
    with app.app_context():
        founded = db.session.scalar(select(Alliance))
        assert founded.name == "首都数控创新工作室联盟" and len(founded.current_memberships) == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "首都数控创新工作室联盟" in page and "盟主" in page and "第二条 盟主每两年轮值一次" in page


def test_a_refused_founding_keeps_what_was_typed_and_says_why_in_chinese(app, world, client, login, studios):
    login(world.users.admin)
    url = "/alliances/new"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "name": "首都数控创新工作室联盟", "kind": "related",
        "founded_on": "2024-03-01", "lead": "BJCX-2024-0001", "members": "BJCX-2023-0009",
        "charter": CHARTER, "submit": "保存"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“房山摘牌工作室”已摘牌，不能加入联盟" in page
    assert "首都数控创新工作室联盟" in page and "BJCX-2023-0009" in page and "第一条 本联盟" in page
    with app.app_context():
        assert db.session.scalar(select(Alliance)) is None


def test_the_lookup_finds_named_studios_and_keeps_the_typed_form(app, world, client, login, studios):
    login(world.users.admin)
    url = "/alliances/new"
    page = client.post(url, data={"csrf_token": csrf_token(client, url), "name": "待定联盟", "lookup": "创新工作室",
                                  "find": "查找"}).get_data(as_text=True)
    assert "BJCX-2024-0003" in page and "待定联盟" in page
    assert "BJCX-2023-0009" not in page and "通州申报中工作室" not in page  # named studios only
    with app.app_context():
        assert db.session.scalar(select(Alliance)) is None


def test_admin_adds_a_member_and_a_refusal_stays_on_the_page(app, world, client, login, studios, alliance):
    login(world.users.admin)
    url = f"/alliances/{alliance}/workspace"
    refused = client.post(f"/alliances/{alliance}/members", data={
        "csrf_token": csrf_token(client, url), "studio": "通州申报中工作室", "joined_on": "2025-01-01",
        "submit": "加入联盟"}).get_data(as_text=True)
    assert "尚未命名" in refused and "通州申报中工作室" in refused
    response = client.post(f"/alliances/{alliance}/members", data={
        "csrf_token": csrf_token(client, url), "studio": "BJCX-2024-0004", "joined_on": "2025-01-01",
        "submit": "加入联盟"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Alliance, alliance).membership_of(studios.d) is not None


def test_admin_rotates_the_lead_and_records_a_leaving_in_the_browser_forms(app, world, client, login, studios,
                                                                         alliance):
    login(world.users.admin)
    url = f"/alliances/{alliance}/workspace"
    response = client.post(f"/alliances/{alliance}/lead", data={
        "csrf_token": csrf_token(client, url), "studio_id": studios.b, "starts_on": "2025-03-01", "note": "轮值"})
    assert response.status_code == 302
    with app.app_context():
        membership = db.session.get(Alliance, alliance).membership_of(studios.c).id
    bad = client.post(f"/alliances/memberships/{membership}/leave", data={
        "csrf_token": csrf_token(client, url), f"m{membership}-left_on": "2024-01-01",
        f"m{membership}-reason": "调整方向"}).get_data(as_text=True)
    assert "退出日期不能早于加入日期" in bad and "调整方向" in bad
    client.post(f"/alliances/memberships/{membership}/leave", data={
        "csrf_token": csrf_token(client, url), f"m{membership}-left_on": "2025-06-30",
        f"m{membership}-reason": "调整方向"})
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        assert founded.lead_studio.id == studios.b and founded.membership_of(studios.c) is None


def test_admin_edits_an_alliance_and_a_stale_form_is_refused(app, world, client, login, studios, alliance):
    login(world.users.admin)
    url = f"/alliances/{alliance}/edit"
    fields = {"name": "数控加工创新工作室联盟（二期）", "kind": "related", "founded_on": "2024-03-01",
              "charter": CHARTER}
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "version": "1", **fields})
    assert response.status_code == 302
    stale = client.post(url, data={"csrf_token": csrf_token(client, url), "version": "1", **fields,
                                   "name": "又一个名字"}).get_data(as_text=True)
    assert "已被他人修改" in stale and "又一个名字" in stale


def test_admin_list_filters_by_type_and_year_and_flags_alliances_without_a_project(app, world, client, login,
                                                                                   studios, alliance):
    with app.app_context():
        _found(studios, lead=studios.b, members=[studios.d], name="丰台海淀劳模联盟", founded_on=date(2025, 1, 1))
        _project(alliance, [studios.a, studios.b], starts_on=date(2026, 2, 1), due_on=date(2026, 10, 31))
        other = db.session.scalar(select(Alliance).where(Alliance.name == "丰台海淀劳模联盟"))
        other.kind = "mixed_kinds"
        db.session.commit()
    login(world.users.admin)
    page = client.get("/alliances/manage?year=2026").get_data(as_text=True)
    assert "数控加工创新工作室联盟" in page and "丰台海淀劳模联盟" in page
    assert page.count("2026年无联合项目") == 1
    flagged = client.get("/alliances/manage?year=2026&without=1").get_data(as_text=True)
    assert "丰台海淀劳模联盟" in flagged and "数控加工创新工作室联盟" not in flagged
    by_kind = client.get("/alliances/manage?year=2026&kind=mixed_kinds").get_data(as_text=True)
    assert "丰台海淀劳模联盟" in by_kind and "数控加工创新工作室联盟" not in by_kind
    before = client.get("/alliances/manage?year=2024").get_data(as_text=True)
    assert "数控加工创新工作室联盟" in before and "丰台海淀劳模联盟" not in before  # founded in 2025


def test_the_excel_export_lists_alliances_members_lead_terms_and_projects(app, world, client, login, studios,
                                                                          alliance):
    with app.app_context():
        _project(alliance, [studios.a, studios.b], title="=HYPERLINK(\"x\")")
        services.change_lead(db.session.get(Alliance, alliance), _studio(studios.b), date(2025, 3, 1), by=None)
        db.session.commit()
    login(world.users.admin)
    response = client.get("/alliances/manage/alliances.xlsx?year=2025")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["联盟", "成员", "盟主任期", "联合项目"]
    alliances_rows = list(book["联盟"].iter_rows(values_only=True))
    assert alliances_rows[1][:2] == ("数控加工创新工作室联盟", "关联") and alliances_rows[1][7] == 1
    assert len(list(book["成员"].iter_rows(values_only=True))) == 4
    assert [r[1] for r in list(book["盟主任期"].iter_rows(values_only=True))[1:]] == [
        "精工数控创新工作室", "海淀机械创新工作室"]
    project = list(book["联合项目"].iter_rows(values_only=True))[1]
    assert project[1] == "'=HYPERLINK(\"x\")"  # formula injection escaped
    assert project[4] == "精工数控创新工作室、海淀机械创新工作室"


@needs_libreoffice
def test_libreoffice_calc_shows_every_sheet_of_the_alliance_export(app, world, client, login, studios, alliance):
    with app.app_context():
        _project(alliance, [studios.a, studios.b], title="=HYPERLINK(\"x\")")
        db.session.commit()
    login(world.users.admin)
    shown = assert_calc_reads_alike(client.get("/alliances/manage/alliances.xlsx?year=2025").data)
    assert sorted(shown) == sorted(["联盟", "成员", "盟主任期", "联合项目"])
    assert shown["联合项目"][1][1] == "'=HYPERLINK(\"x\")"


def test_the_lead_enterprise_records_a_project_and_other_members_only_see_it(app, world, client, login, studios,
                                                                            alliance):
    login(world.users.enterprise)  # 朝阳精工: its studio is the lead
    url = f"/alliances/{alliance}/projects/new"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "title": "焊接机器人联合攻关", "goal": "焊缝一次合格率 99%",
        "studio_ids": [str(studios.a), str(studios.b)], "lead_studio_id": str(studios.a),
        "starts_on": "2026-03-01", "due_on": "2026-12-31", "status": "in_progress", "results": ""})
    assert response.status_code == 302
    with app.app_context():
        project_id = db.session.scalar(select(JointProject.id))
    other = login(world.users.other_enterprise)  # 海淀机械: a member, not the lead
    assert other.get(f"/alliances/{alliance}/workspace").status_code == 200
    assert other.get(f"/alliances/projects/{project_id}").status_code == 200
    assert other.get(url).status_code == 403
    assert other.get(f"/alliances/projects/{project_id}/edit").status_code == 403


def test_a_refused_project_keeps_the_typed_text(app, world, client, login, studios, alliance):
    login(world.users.enterprise)
    url = f"/alliances/{alliance}/projects/new"
    page = client.post(url, data={
        "csrf_token": csrf_token(client, url), "title": "焊接机器人联合攻关", "goal": "焊缝一次合格率 99%",
        "studio_ids": [str(studios.a), str(studios.b)], "lead_studio_id": str(studios.a),
        "starts_on": "2026-03-01", "due_on": "2026-01-31", "status": "planned"}).get_data(as_text=True)
    assert "完成期限不能早于开始日期" in page and "焊接机器人联合攻关" in page and "焊缝一次合格率 99%" in page


def test_after_rotation_the_new_leads_enterprise_records_projects(app, world, client, login, studios, alliance):
    with app.app_context():
        services.change_lead(db.session.get(Alliance, alliance), _studio(studios.b), date(2025, 3, 1), by=None)
        db.session.commit()
    login(world.users.enterprise)
    assert client.get(f"/alliances/{alliance}/projects/new").status_code == 403
    login(world.users.other_enterprise)
    assert client.get(f"/alliances/{alliance}/projects/new").status_code == 200


def test_enterprises_outside_the_alliance_and_other_roles_cannot_open_it(app, world, client, login, studios,
                                                                        alliance):
    with app.app_context():
        outsider = factories.user("ent_d", [Role.ENTERPRISE], enterprise_id=studios.ent_d)
        db.session.commit()
        outsider_id = outsider.id
    login(outsider_id)
    assert client.get(f"/alliances/{alliance}/workspace").status_code == 403
    assert "数控加工创新工作室联盟" not in client.get("/alliances/mine").get_data(as_text=True)
    for identity in ("reviewer", "expert", "judge", "worker"):
        login(getattr(world.users, identity))
        assert client.get(f"/alliances/{alliance}/workspace").status_code == 403
        assert client.get("/alliances/manage").status_code == 403
    login(world.users.enterprise)
    assert client.get("/alliances/manage").status_code == 403
    token = csrf_token(client, "/alliances/mine")
    assert client.post(f"/alliances/{alliance}/lead", data={"csrf_token": token}).status_code == 403


def test_a_former_members_enterprise_still_sees_the_alliance(app, world, client, login, studios, alliance):
    with app.app_context():
        founded = db.session.get(Alliance, alliance)
        services.record_leaving(founded.membership_of(studios.b), date(2025, 6, 30), by=None)
        db.session.commit()
    login(world.users.other_enterprise)
    assert client.get(f"/alliances/{alliance}/workspace").status_code == 200
    mine = client.get("/alliances/mine").get_data(as_text=True)
    assert "数控加工创新工作室联盟" in mine and "2025年6月30日 退出" in mine


def test_member_enterprises_see_their_alliances_with_this_years_flag(app, world, client, login, studios,
                                                                     alliance):
    login(world.users.enterprise)
    page = client.get("/alliances/mine").get_data(as_text=True)
    year = beijing_today().year
    assert "数控加工创新工作室联盟" in page and "本企业为盟主" in page and f"{year}年无联合项目" in page


def test_the_workspace_flags_years_without_a_project_and_states_the_type_rule(app, world, client, login, studios,
                                                                              alliance):
    with app.app_context():
        _project(alliance, [studios.a, studios.b])
        db.session.commit()
    login(world.users.admin)
    page = client.get(f"/alliances/{alliance}/workspace").get_data(as_text=True)
    assert "2024年无联合项目" in page and "2025年无联合项目" not in page
    assert str(AllianceKind.RELATED.rule) in page


def test_the_public_directory_shows_alliances_without_personal_data(app, world, client, studios, alliance):
    with app.app_context():
        _project(alliance, [studios.a, studios.b], title="高精度主轴联合攻关")
        leader = _studio(studios.a).leader.name
        db.session.commit()
    listing = client.get("/alliances").get_data(as_text=True)
    assert "数控加工创新工作室联盟" in listing and "精工数控创新工作室" in listing and "关联" in listing
    page = client.get(f"/alliances/{alliance}").get_data(as_text=True)
    assert "高精度主轴联合攻关" in page and "海淀机械创新工作室" in page and "盟主" in page
    assert leader not in page and leader not in listing and "第一条" not in page
    searched = client.get("/alliances?q=软件工匠").get_data(as_text=True)
    assert "数控加工创新工作室联盟" in searched
    assert "数控加工创新工作室联盟" not in client.get("/alliances?kind=same_kind").get_data(as_text=True)


def test_the_studio_page_section_lists_the_studios_alliances(app, world, studios, alliance):
    from innovation_studios.studios import sections

    with app.app_context(), app.test_request_context():
        studio = _studio(studios.a)
        rendered = [s for s in sections.for_studio(studio, None, public=True)
                    if s.template.endswith("alliances/_studio_section.html")]
        assert len(rendered) == 1
        assert [m.alliance.name for m in rendered[0].context["memberships"]] == ["数控加工创新工作室联盟"]
        assert rendered[0].context["leading"] == {alliance}
        assert not [s for s in sections.for_studio(_studio(studios.d), None, public=True)
                    if s.template.endswith("alliances/_studio_section.html")]


def test_lead_terms_and_memberships_keep_their_dates_in_order_in_the_database(app, world, studios, alliance):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        membership = db.session.scalar(select(AllianceMembership))
        membership.left_on = membership.joined_on - timedelta(days=1)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        term = db.session.scalar(select(AllianceLeadTerm))
        term.ends_on = term.starts_on - timedelta(days=1)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Enterprise, world.ent_a) is not None


# --- demo data -----------------------------------------------------------------------------

def test_the_demo_forms_two_alliances_from_the_named_studios_there_are(app, world, studios):
    from innovation_studios.alliances import demo as alliance_demo

    with app.app_context():
        made = alliance_demo.load()
        assert [a.kind for a in made] == ["same_kind", "mixed_kinds"]
        same, cross = made
        assert {m.studio.kind for m in same.current_memberships} == {"worker"}
        assert len({m.studio.enterprise_id for m in same.current_memberships}) == len(same.current_memberships)
        assert len(same.lead_terms) == 2 and same.lead_terms[0].ends_on is not None  # rotated, history kept
        completed = next(p for p in same.projects if p.status == "completed")
        assert any(p.achievement_id for p in completed.participants)
        this_year = beijing_today().year
        assert services.project_counts([same.id], this_year) == {same.id: 1}
        assert services.project_counts([cross.id], this_year) == {}  # flagged on the list
        assert all(m.studio.is_named for a in made for m in a.memberships)


def test_the_demo_adds_no_alliance_without_named_studios_of_two_enterprises(app, world):
    from innovation_studios.alliances import demo as alliance_demo

    with app.app_context():
        assert alliance_demo.load() == []
        make_studio(world, enterprise=world.ent_a)
        make_studio(world, enterprise=world.ent_a)
        make_studio(world, "delisted", enterprise=world.ent_b)
        assert alliance_demo.load() == []
        assert db.session.scalar(select(Alliance)) is None


def test_tampered_choices_are_refused_with_the_rules_chinese_message(app, world, client, login, studios, alliance):
    login(world.users.admin)
    url = f"/alliances/{alliance}/projects/new"
    page = client.post(url, data={
        "csrf_token": csrf_token(client, url), "title": "联合攻关", "goal": "目标",
        "studio_ids": [str(studios.a), str(studios.d)], "lead_studio_id": str(studios.a),
        "starts_on": "2026-03-01", "due_on": "2026-12-31", "status": "planned"}).get_data(as_text=True)
    assert "“丰台劳模创新工作室”不是本联盟的现有成员，不能参与联合项目" in page
    workspace = f"/alliances/{alliance}/workspace"
    page = client.post(f"/alliances/{alliance}/lead", data={
        "csrf_token": csrf_token(client, workspace), "studio_id": studios.d, "starts_on": "2025-03-01"}
    ).get_data(as_text=True)
    assert "盟主须为联盟的现有成员工作室，“丰台劳模创新工作室”不是" in page


def test_the_studio_pages_show_the_alliances_the_studio_belongs_to(app, world, client, login, studios, alliance):
    public_page = client.get(f"/studio-directory/{studios.a}").get_data(as_text=True)
    assert "参加的创新工作室联盟" in public_page and "数控加工创新工作室联盟" in public_page
    login(world.users.admin)
    page = client.get(f"/studios/{studios.a}").get_data(as_text=True)
    assert "参加的创新工作室联盟" in page and "盟主" in page


def test_admin_dissolves_an_alliance_only_with_the_box_ticked(app, world, client, login, studios, alliance):
    login(world.users.admin)
    url = f"/alliances/{alliance}/workspace"
    fields = {"dissolved_on": "2025-12-31", "reason": "联盟任务完成"}
    page = client.post(f"/alliances/{alliance}/dissolve", data={"csrf_token": csrf_token(client, url), **fields})
    assert "请先勾选确认" in page.get_data(as_text=True) and "联盟任务完成" in page.get_data(as_text=True)
    response = client.post(f"/alliances/{alliance}/dissolve", data={
        "csrf_token": csrf_token(client, url), **fields, "confirmed": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Alliance, alliance).dissolved_on == date(2025, 12, 31)
    page = client.get(url).get_data(as_text=True)
    assert "已于 2025年12月31日 解散" in page and "吸收成员" not in page and "登记联合项目" not in page
    assert "数控加工创新工作室联盟" not in client.get("/alliances").get_data(as_text=True)


def test_the_lead_enterprise_completes_a_project_with_its_results(app, world, client, login, studios, alliance):
    with app.app_context():
        project = _project(alliance, [studios.a, studios.b], status=ProjectStatus.IN_PROGRESS)
        db.session.commit()
        project_id, version = project.id, project.version
    login(world.users.enterprise)
    url = f"/alliances/projects/{project_id}/edit"
    fields = {"title": "高精度主轴联合攻关", "goal": "攻克主轴热变形难题",
              "studio_ids": [str(studios.a), str(studios.b)], "lead_studio_id": str(studios.a),
              "starts_on": "2025-03-01", "due_on": "2025-12-31",
              "status": "completed", "version": str(version)}
    page = client.post(url, data={"csrf_token": csrf_token(client, url), **fields, "results": ""})
    assert "项目已完成，请填写项目成果" in page.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **fields, "results": "精度达到 2 微米"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(JointProject, project_id)
        assert (saved.status, saved.results) == ("completed", "精度达到 2 微米")
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "joint_project.complete"))
    assert 'value="in_progress"' not in client.get(url).get_data(as_text=True)  # closed: no way back
