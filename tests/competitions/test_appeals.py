"""Appeals: filed by the contestant's enterprise within the window after publication; ruled
on once by the arbitration group (administrators or the competition's arbitration members);
an upheld appeal corrects marks, recomputes the results and is audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from competitions.models import Appeal, ArbitrationMember, Event, Mark, MarkChange, Result
from competitions.services import appeals, results
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from tests import factories
from tests.competitions import results_data

D = Decimal


def _published(app, world, **overrides):
    with app.app_context():
        data = results_data.build(world, **overrides)
        results.publish(db.session.get(Event, data.event_id), by=None)
        db.session.commit()
        return data


def _result(data, blind: str) -> Result:
    return db.session.scalar(select(Result).where(Result.contestant_id == data.contestants[blind]))


def _file(app, world, data, blind="C303"):
    with app.app_context():
        appeal = appeals.file_appeal(_result(data, blind), "尺寸精度测量有误，请复核。",
                                     by=db.session.get(User, world.users.enterprise))
        db.session.commit()
        return appeal.id


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def test_enterprise_files_an_appeal_within_the_window(app, world, client, login, no_csrf):
    data = _published(app, world)
    with app.app_context():
        result_id = _result(data, "D404").id  # 孙伟 of ent_a
    login(world.users.enterprise)
    page = client.get(f"/competitions/results/{result_id}/appeal").get_data(as_text=True)
    assert "申诉截止" in page
    response = client.post(f"/competitions/results/{result_id}/appeal", data={"reason": "工艺评价分偏低"})
    assert response.status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.status == "open" and appeal.enterprise_id == world.ent_a
        assert appeal.contestant_id == data.contestants["D404"]


def test_appeal_after_the_window_is_refused_with_a_clear_message(app, world, client, login, no_csrf):
    data = _published(app, world, appeal_window_minutes=120)
    with app.app_context():
        event = db.session.get(Event, data.event_id)
        result = _result(data, "A101")
        late = event.published_at + timedelta(minutes=121)
        with pytest.raises(DomainError, match="申诉期已于"):
            appeals.file_appeal(result, "理由", by=None, now=late)
        # just inside the window: accepted
        appeals.file_appeal(result, "理由", by=None, now=event.published_at + timedelta(minutes=120))
        db.session.rollback()
        event = db.session.get(Event, data.event_id)
        event.published_at -= timedelta(minutes=121)
        db.session.commit()
        result_id = _result(data, "A101").id
    login(world.users.enterprise)
    response = client.post(f"/competitions/results/{result_id}/appeal", data={"reason": "理由"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "不再受理申诉" in html
    with app.app_context():
        assert db.session.scalar(select(Appeal.id)) is None


def test_only_the_contestants_enterprise_may_appeal(app, world, client, login):
    data = _published(app, world)
    with app.app_context():
        result_id = _result(data, "B202").id  # ent_b's contestant
    login(world.users.enterprise)  # ent_a
    assert client.get(f"/competitions/results/{result_id}/appeal").status_code == 403


def test_upheld_appeal_corrects_marks_recomputes_results_and_audits_old_and_new_values(app, world):
    data = _published(app, world)
    appeal_id = _file(app, world, data, "C303")
    with app.app_context():
        admin = db.session.get(User, world.users.admin)
        size = db.session.scalar(select(Mark).where(Mark.contestant_id == data.contestants["C303"],
                                                    Mark.aspect_id == data.ids.aspects["尺寸精度"]))
        before = _result(data, "C303")
        assert before.rank == 4
        appeal = db.session.get(Appeal, appeal_id)
        appeals.uphold(appeal, "复测确认尺寸精度应为 30 分", {size.id: "30"}, by=admin)
        db.session.commit()

        after = _result(data, "C303")
        # 30 + (30 + 20)/60 × 70 = 88.33: now alone in first place
        assert after.rank == 1 and not after.rank_shared and after.award == "first"
        assert _result(data, "A101").rank == 2 and _result(data, "D404").rank == 4
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.status == "upheld" and appeal.corrected_total == after.total
        change = db.session.scalar(select(MarkChange).where(MarkChange.appeal_id == appeal_id))
        assert (change.old_value, change.new_value, change.source) == (D(20), D(30), "appeal")
        assert db.session.get(Mark, size.id).value == D(30)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal.uphold"))
        assert entry.changes["marks"] == {str(size.id): ["20.00", "30"]}
        assert entry.changes["rank"] == [4, 1]
        assert [D(v) for v in entry.changes["total"]] == [D("76.6667"), D("88.3333")]


def test_upheld_appeal_needs_a_changed_and_valid_mark(app, world):
    data = _published(app, world)
    appeal_id = _file(app, world, data)
    with app.app_context():
        admin = db.session.get(User, world.users.admin)
        judged = db.session.scalar(select(Mark).where(Mark.contestant_id == data.contestants["C303"],
                                                      Mark.aspect_id == data.ids.aspects["加工工艺合理性"]))
        appeal = db.session.get(Appeal, appeal_id)
        with pytest.raises(DomainError, match="至少更正一项"):
            appeals.uphold(appeal, "理由", {judged.id: "3"}, by=admin)
        with pytest.raises(DomainError, match="0、1、2 或 3"):
            appeals.uphold(appeal, "理由", {judged.id: "2.5"}, by=admin)
        other = db.session.scalar(select(Mark).where(Mark.contestant_id == data.contestants["A101"]))
        with pytest.raises(DomainError, match="本人"):
            appeals.uphold(appeal, "理由", {other.id: "1"}, by=admin)


def test_dismissed_appeal_records_the_reason_and_changes_nothing(app, world, client, login, no_csrf):
    data = _published(app, world)
    appeal_id = _file(app, world, data)
    login(world.users.admin)
    response = client.post(f"/competitions/appeals/{appeal_id}",
                           data={"decision": "dismissed", "ruling": "经复核，评分无误"})
    assert response.status_code == 302
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.status == "dismissed" and appeal.ruling == "经复核，评分无误"
        assert appeal.ruled_by_id == world.users.admin and appeal.corrected_total is None
        assert _result(data, "C303").rank == 4
        assert db.session.scalar(select(MarkChange.id)) is None


def test_a_second_ruling_is_refused(app, world, client, login, no_csrf):
    data = _published(app, world)
    appeal_id = _file(app, world, data)
    with app.app_context():
        appeals.dismiss(db.session.get(Appeal, appeal_id), "评分无误",
                        by=db.session.get(User, world.users.admin))
        db.session.commit()
        with pytest.raises(DomainError, match="最终裁决"):
            appeals.dismiss(db.session.get(Appeal, appeal_id), "再次驳回", by=None)
    login(world.users.admin)
    html = client.post(f"/competitions/appeals/{appeal_id}",
                       data={"decision": "upheld", "ruling": "改判"}).get_data(as_text=True)
    assert "最终裁决" in html
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status == "dismissed"


def test_arbitration_members_may_rule_and_other_users_may_not(app, world, client, login):
    data = _published(app, world)
    appeal_id = _file(app, world, data)
    with app.app_context():
        member = factories.user("arbiter", [Role.EXPERT])
        db.session.add(ArbitrationMember(competition_id=data.competition_id, user_id=member.id))
        db.session.commit()
        member_id = member.id
    url = f"/competitions/appeals/{appeal_id}"
    for allowed in (member_id, world.users.admin):
        login(allowed)
        assert client.get(url).status_code == 200
    for refused in (world.users.expert, world.users.enterprise, world.users.judge):
        login(refused)
        assert client.get(url).status_code == 403
