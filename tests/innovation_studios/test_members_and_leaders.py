"""Members join and leave with dates (a named studio's rows are history, never deleted);
leaders change on a date for a reason (retirement, transfer) and every change is kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.timeutil import beijing_today
from innovation_studios.studios import services
from innovation_studios.studios.models import Studio, StudioLeaderChange, StudioMember
from tests import factories
from tests.innovation_studios.factories import make_studio, user, worker_of

NAMED_ON = date(2024, 6, 1)


def _named(world, **kwargs) -> Studio:
    return make_studio(world, "named", named_on=NAMED_ON, **kwargs)


# Members --------------------------------------------------------------------------------------------

def test_a_draft_team_member_joins_today_and_may_simply_be_removed(app, world):
    with app.app_context():
        studio = make_studio(world, "draft", members=0)
        member = services.add_member(studio, worker_of(world.ent_a).id, "deputy", None, by=user(world.users.enterprise))
        assert member.joined_on == beijing_today() and member.role_enum.label == "副领办人"
        services.remove_member(studio, member, by=user(world.users.enterprise))
        db.session.commit()
        assert db.session.scalar(select(StudioMember.id)) is None


def test_a_named_studios_member_joins_on_a_date_and_leaves_on_a_later_one_and_the_row_stays(app, world):
    with app.app_context():
        studio = _named(world, members=0)
        worker = worker_of(world.ent_a, name="孙成员")
        member = services.add_member(studio, worker.id, "core", date(2025, 3, 1), by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="不能早于加入日期"):
            services.end_membership(studio, member, date(2025, 2, 1), "调离", by=user(world.users.enterprise))
        services.end_membership(studio, member, date(2025, 9, 30), "调离本单位", by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="登记其退出日期"):
            services.remove_member(studio, member, by=user(world.users.enterprise))
        again = services.add_member(studio, worker.id, "member", date(2026, 1, 5), by=user(world.users.admin))
        db.session.commit()
        rows = db.session.scalars(select(StudioMember).where(StudioMember.worker_id == worker.id)
                                  .order_by(StudioMember.id)).all()
        assert [(r.joined_on, r.left_on) for r in rows] == [(date(2025, 3, 1), date(2025, 9, 30)),
                                                            (date(2026, 1, 5), None)]
        assert again.is_current
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == studio.id,
                                                                     AuditEntry.target_type == "Studio")).all()
        assert actions == ["studio.member_join", "studio.member_leave", "studio.member_join"]


def test_a_member_must_be_a_worker_of_the_enterprise_not_yet_in_the_team(app, world):
    with app.app_context():
        studio = _named(world, members=1)
        existing = studio.members[0].worker_id
        with pytest.raises(DomainError, match="须是本单位的职工"):
            services.add_member(studio, world.worker_b, "core", date(2025, 1, 1), by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="已是工作室成员"):
            services.add_member(studio, existing, "core", date(2025, 1, 1), by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="是领办人"):
            services.add_member(studio, world.worker_a, "core", date(2025, 1, 1), by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="不能晚于今天"):
            services.add_member(studio, worker_of(world.ent_a).id, "core", beijing_today() + timedelta(days=3),
                                by=user(world.users.enterprise))


def test_the_team_is_frozen_while_the_application_is_checked_and_reviewed(app, world):
    with app.app_context():
        for state in ("applied", "under_review", "rejected", "delisted"):
            studio = make_studio(world, state)
            with pytest.raises(DomainError, match="不能调整成员"):
                services.add_member(studio, worker_of(world.ent_a).id, "core", date(2025, 1, 1),
                                    by=user(world.users.enterprise))


def test_another_enterprise_cannot_change_the_team(app, world):
    with app.app_context():
        studio = _named(world)
        with pytest.raises(DomainError, match="只有申报单位"):
            services.add_member(studio, worker_of(world.ent_a).id, "core", date(2025, 1, 1),
                                by=user(world.users.other_enterprise))


# Leaders -----------------------------------------------------------------------------------------------

def test_a_leader_change_is_recorded_with_date_and_reason_and_history_is_kept(app, world):
    with app.app_context():
        studio = _named(world)
        second = worker_of(world.ent_a, name="周接任")
        third = worker_of(world.ent_a, name="吴再任")
        services.change_leader(studio, second.id, date(2025, 1, 10), "retirement", "李明退休",
                               expected_version=studio.version, by=user(world.users.enterprise))
        services.change_leader(studio, third.id, date(2025, 8, 1), "transfer", expected_version=studio.version,
                               by=user(world.users.admin))
        db.session.commit()
        assert studio.leader_worker_id == third.id
        history = db.session.scalars(select(StudioLeaderChange).order_by(StudioLeaderChange.id)).all()
        assert [(c.previous_worker_id, c.new_worker_id, c.changed_on, c.reason) for c in history] == [
            (world.worker_a, second.id, date(2025, 1, 10), "retirement"),
            (second.id, third.id, date(2025, 8, 1), "transfer")]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "studio.leader_change")
                                  .order_by(AuditEntry.id))
        assert entry.changes["leader"] == ["李明", "周接任"]


def test_a_leader_change_date_follows_the_naming_and_the_previous_change(app, world):
    with app.app_context():
        studio = _named(world)
        first, second = worker_of(world.ent_a).id, worker_of(world.ent_a).id
        with pytest.raises(DomainError, match="不能早于命名日期"):
            services.change_leader(studio, first, date(2024, 1, 1), "transfer", expected_version=studio.version,
                                   by=user(world.users.enterprise))
        services.change_leader(studio, first, date(2025, 5, 1), "transfer", expected_version=studio.version,
                               by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="不能早于上一次变更日期"):
            services.change_leader(studio, second, date(2025, 4, 1), "transfer", expected_version=studio.version,
                                   by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="不能晚于今天"):
            services.change_leader(studio, second, beijing_today() + timedelta(days=1), "transfer",
                                   expected_version=studio.version, by=user(world.users.enterprise))


def test_the_new_leader_is_an_in_post_worker_of_the_enterprise_other_than_the_current_one(app, world):
    with app.app_context():
        studio = _named(world)
        with pytest.raises(DomainError, match="须是本单位的职工"):
            services.change_leader(studio, world.worker_b, date(2025, 1, 1), "transfer",
                                   expected_version=studio.version, by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="已是领办人"):
            services.change_leader(studio, world.worker_a, date(2025, 1, 1), "transfer",
                                   expected_version=studio.version, by=user(world.users.enterprise))
        retired = factories.worker(world.ent_a, name="钱退休", in_post=False)
        with pytest.raises(DomainError, match="不在岗"):
            services.change_leader(studio, retired.id, date(2025, 1, 1), "transfer", expected_version=studio.version,
                                   by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="请填写说明"):
            services.change_leader(studio, worker_of(world.ent_a).id, date(2025, 1, 1), "other",
                                   expected_version=studio.version, by=user(world.users.enterprise))


def test_a_member_who_takes_over_leaves_the_member_list_that_day(app, world):
    with app.app_context():
        studio = _named(world)
        member = studio.members[0]
        services.change_leader(studio, member.worker_id, date(2025, 3, 3), "retirement",
                               expected_version=studio.version, by=user(world.users.enterprise))
        assert member.left_on == date(2025, 3, 3) and member.leave_reason == "接任领办人"


def test_leader_changes_are_for_named_studios_only(app, world):
    with app.app_context():
        for state in ("draft", "applied", "delisted"):
            studio = make_studio(world, state)
            with pytest.raises(DomainError, match="已命名"):
                services.change_leader(studio, worker_of(world.ent_a).id, beijing_today(), "transfer",
                                       expected_version=studio.version, by=user(world.users.enterprise))


# Routes -------------------------------------------------------------------------------------------------

def test_the_enterprise_records_a_leader_change_and_the_page_shows_the_history(app, world, client, login, no_csrf):
    with app.app_context():
        studio = _named(world)
        successor = worker_of(world.ent_a, name="周接任")
        db.session.commit()
        studio_id, successor_id, version = studio.id, successor.id, studio.version
    login(world.users.enterprise)
    assert client.get(f"/studios/{studio_id}/leader").status_code == 200
    response = client.post(f"/studios/{studio_id}/leader", data={
        "version": version, "new_worker_id": world.worker_b, "changed_on": "2025-01-10", "reason": "retirement"})
    assert "须是本单位的职工" in response.get_data(as_text=True)
    response = client.post(f"/studios/{studio_id}/leader", data={
        "version": version, "new_worker_id": successor_id, "changed_on": "2025-01-10", "reason": "retirement",
        "note": "李明退休"})
    assert response.status_code == 302
    page = client.get(f"/studios/{studio_id}").get_data(as_text=True)
    assert 'data-testid="leader-changes"' in page and "李明" in page and "周接任" in page and "退休" in page


def test_members_leave_through_the_studio_page(app, world, client, login, no_csrf):
    with app.app_context():
        studio = _named(world)
        member = studio.members[0]
        db.session.commit()
        studio_id, member_id = studio.id, member.id
    login(world.users.enterprise)
    response = client.post(f"/studios/{studio_id}/members/{member_id}/leave", data={
        f"leave{member_id}-left_on": "2025-06-30", f"leave{member_id}-reason": ""})
    assert "请填写退出原因" in response.get_data(as_text=True)
    response = client.post(f"/studios/{studio_id}/members/{member_id}/leave", data={
        f"leave{member_id}-left_on": "2025-06-30", f"leave{member_id}-reason": "退休"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(StudioMember, member_id).left_on == date(2025, 6, 30)


def test_workers_see_the_studios_they_belong_to_and_no_others(app, world, client, login):
    with app.app_context():
        mine = _named(world, name="我的工作室甲")
        other = _named(world, enterprise=world.ent_b, name="别人的工作室乙")
        db.session.commit()
        mine_id, other_id = mine.id, other.id
    login(world.users.worker)  # worker_a leads `mine`
    listing = client.get("/studios/mine").get_data(as_text=True)
    assert "我的工作室甲" in listing and "别人的工作室乙" not in listing
    assert client.get(f"/studios/{mine_id}").status_code == 200
    assert client.get(f"/studios/{other_id}").status_code == 403


def test_the_worker_picker_of_a_large_enterprise_lists_a_few_and_finds_the_rest(
        app, world, client, login, monkeypatch):
    from innovation_studios.studios import queries

    monkeypatch.setattr(queries, "WORKER_CHOICES", 2)
    with app.app_context():
        studio = make_studio(world, "draft", members=0)
        for name in ("甲一", "乙二", "丙三", "丁四"):
            worker_of(world.ent_a, name=name)
        db.session.commit()
        studio_id = studio.id
    login(world.users.enterprise)
    page = client.get(f"/studios/{studio_id}/members").get_data(as_text=True)
    assert "只列出前 2 人" in page and page.count("<option") == 3 + 4  # none + 2 workers; 4 roles
    found = client.get(f"/studios/{studio_id}/members?q=丁四").get_data(as_text=True)
    assert "丁四" in found and "找到 1 人" in found
