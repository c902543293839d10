"""Applications: an enterprise applies for a studio led by one of its own workers, with a team;
submits it when complete; the reviewer of the enterprise's district or industry union
accepts it for expert review, returns it with a reason (the enterprise corrects and resubmits)
or rejects it with a reason. Every step is audited; illegal moves are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from innovation_studios.studios import services
from innovation_studios.studios.models import Studio, StudioMember, StudioState
from innovation_studios.studios.states import IllegalTransition
from tests.innovation_studios.factories import application_data, make_studio, user, worker_of


def _actions(studio_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "Studio", AuditEntry.target_id == studio_id).order_by(AuditEntry.id)))


def _draft_with_team(world, members: int = 3) -> Studio:
    studio = services.create_application(world.ent_a, application_data(world.worker_a),
                                         by=user(world.users.enterprise))
    for n in range(members):
        services.add_member(studio, worker_of(world.ent_a, name=f"队员{n}").id, "core", None,
                            by=user(world.users.enterprise))
    return studio


# The application --------------------------------------------------------------------------------

def test_an_enterprise_creates_a_draft_led_by_its_own_worker_and_it_is_audited(app, world):
    with app.app_context():
        studio = services.create_application(world.ent_a, application_data(world.worker_a),
                                             by=user(world.users.enterprise))
        db.session.commit()
        assert studio.state_enum is StudioState.DRAFT
        assert studio.leader_worker_id == world.worker_a and studio.enterprise_id == world.ent_a
        assert _actions(studio.id) == ["studio.create"]


def test_a_leader_from_another_enterprise_is_refused_with_a_clear_message(app, world):
    with app.app_context(), pytest.raises(DomainError) as refused:
        services.create_application(world.ent_a, application_data(world.worker_b),
                                    by=user(world.users.enterprise))
    assert refused.value.field == "leader_worker_id"
    assert "领办人须是本单位的职工" in str(refused.value) and "王芳" in str(refused.value)


def test_an_enterprise_applies_only_for_itself(app, world):
    with app.app_context(), pytest.raises(DomainError):
        services.create_application(world.ent_b, application_data(world.worker_b),
                                    by=user(world.users.enterprise))


def test_the_form_keeps_what_was_typed_when_the_leader_is_another_enterprises_worker(
        app, world, client, login, no_csrf):
    login(world.users.enterprise)
    response = client.post("/studios/apply", data={
        "name": "精密测量创新工作室", "kind": "craftsman", "level_sought": "district",
        "leader_worker_id": world.worker_b, "field": "精密测量", "industry": "制造业",
        "space_equipment": "计量室80平方米", "management_rules": "周例会", "plan": "三年计划",
        "funding_note": "年投入10万元"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "领办人须是本单位的职工" in html
    assert 'value="精密测量创新工作室"' in html and "计量室80平方米" in html and "年投入10万元" in html
    with app.app_context():
        assert db.session.scalar(select(Studio.id)) is None


def test_the_application_form_marks_model_workers_among_the_enterprises_workers(app, world, client, login):
    with app.app_context():
        worker_of(world.ent_a, name="陈劳模", honors="2015年 北京市劳动模范")
        db.session.commit()
    login(world.users.enterprise)
    html = client.get("/studios/apply").get_data(as_text=True)
    assert "陈劳模" in html and "北京市劳动模范" in html


def test_a_studio_name_is_unique_within_the_enterprise(app, world):
    with app.app_context():
        services.create_application(world.ent_a, application_data(world.worker_a), by=user(world.users.enterprise))
        with pytest.raises(DomainError, match="已有名为") as refused:
            services.create_application(world.ent_a, application_data(world.worker_a),
                                        by=user(world.users.enterprise))
        assert refused.value.field == "name"


def test_submission_lists_everything_missing(app, world):
    with app.app_context():
        studio = services.create_application(world.ent_a, application_data(world.worker_a, plan="", industry=""),
                                             by=user(world.users.enterprise))
        with pytest.raises(DomainError) as refused:
            services.submit(studio, expected_version=studio.version, by=user(world.users.enterprise))
        message = str(refused.value)
        assert "工作计划" in message and "所属行业" in message and "至少 3 人" in message
        assert studio.state_enum is StudioState.DRAFT


def test_a_complete_application_is_submitted_for_the_unions_check(app, world):
    with app.app_context():
        studio = _draft_with_team(world)
        assert services.submit(studio, expected_version=studio.version, by=user(world.users.enterprise)) == "apply"
        db.session.commit()
        assert studio.state_enum is StudioState.APPLIED
        assert studio.submitted_at is not None and studio.applied_year is not None
        assert _actions(studio.id)[-1] == "studio.apply"


def test_a_submitted_application_can_no_longer_be_edited(app, world):
    with app.app_context():
        studio = make_studio(world, "applied")
        with pytest.raises(DomainError, match="只能查看"):
            services.update_application(studio, application_data(world.worker_a, name="新名称"),
                                        expected_version=studio.version, by=user(world.users.enterprise))


def test_an_edit_from_a_stale_page_is_refused(app, world):
    with app.app_context():
        studio = make_studio(world, "draft")
        with pytest.raises(DomainError, match="已被他人修改"):
            services.update_application(studio, application_data(world.worker_a), expected_version=studio.version - 1
                                        if studio.version > 1 else 99, by=user(world.users.enterprise))


def test_choosing_a_member_as_leader_takes_them_off_the_team(app, world):
    with app.app_context():
        studio = _draft_with_team(world)
        member = studio.members[0]
        services.update_application(studio, application_data(member.worker_id), expected_version=studio.version,
                                    by=user(world.users.enterprise))
        assert studio.leader_worker_id == member.worker_id
        assert member.worker_id not in {m.worker_id for m in studio.members}


def test_a_draft_may_be_deleted_but_not_a_submitted_application(app, world):
    with app.app_context():
        draft = make_studio(world, "draft")
        draft_id = draft.id
        services.delete_draft(draft, expected_version=draft.version, by=user(world.users.enterprise))
        db.session.commit()
        assert db.session.get(Studio, draft_id) is None
        returned = make_studio(world, "returned")
        with pytest.raises(DomainError, match="不能删除"):
            services.delete_draft(returned, expected_version=returned.version, by=user(world.users.enterprise))


# The union's check --------------------------------------------------------------------------------

def test_the_district_reviewer_accepts_an_application_for_expert_review(app, world):
    with app.app_context():
        studio = make_studio(world, "applied")
        services.check(studio, "accept", "", expected_version=studio.version, by=user(world.users.reviewer))
        db.session.commit()
        assert studio.state_enum is StudioState.UNDER_REVIEW
        assert _actions(studio.id) == ["studio.accept"]


def test_the_industry_reviewer_checks_applications_of_its_industrys_enterprises(app, world):
    with app.app_context():
        studio = make_studio(world, "applied", enterprise=world.ent_b)
        services.check(studio, "accept", "", expected_version=studio.version, by=user(world.users.industry_reviewer))
        assert studio.state_enum is StudioState.UNDER_REVIEW


def test_a_reviewer_of_another_union_may_not_check(app, world):
    with app.app_context():
        studio = make_studio(world, "applied", enterprise=world.ent_b)
        with pytest.raises(DomainError, match="审核员"):
            services.check(studio, "accept", "", expected_version=studio.version, by=user(world.users.reviewer))


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_returning_or_rejecting_needs_a_reason(app, world, decision):
    with app.app_context():
        studio = make_studio(world, "applied")
        with pytest.raises(DomainError, match="请填写理由") as refused:
            services.check(studio, decision, "  ", expected_version=studio.version, by=user(world.users.reviewer))
        assert refused.value.field == "reason"
        assert studio.state_enum is StudioState.APPLIED


def test_a_returned_application_is_corrected_and_resubmitted(app, world):
    with app.app_context():
        studio = _draft_with_team(world)
        services.submit(studio, expected_version=studio.version, by=user(world.users.enterprise))
        services.check(studio, "return", "场地面积与设备清单不符，请补充。", expected_version=studio.version,
                       by=user(world.users.reviewer))
        assert studio.state_enum is StudioState.RETURNED and studio.decision_note.startswith("场地面积")
        services.update_application(studio, application_data(world.worker_a, space_equipment="车间二楼200平方米"),
                                    expected_version=studio.version, by=user(world.users.enterprise))
        assert services.submit(studio, expected_version=studio.version, by=user(world.users.enterprise)) == "reapply"
        db.session.commit()
        assert studio.state_enum is StudioState.APPLIED
        assert _actions(studio.id)[-4:] == ["studio.apply", "studio.return", "studio.update", "studio.reapply"]


def test_a_rejected_application_is_final(app, world):
    with app.app_context():
        studio = make_studio(world, "applied")
        services.check(studio, "reject", "不符合申报条件。",
                       expected_version=studio.version, by=user(world.users.reviewer))
        assert studio.state_enum is StudioState.REJECTED
        with pytest.raises(DomainError):
            services.submit(studio, expected_version=studio.version, by=user(world.users.enterprise))
        with pytest.raises(IllegalTransition):
            services.check(studio, "accept", "", expected_version=studio.version, by=user(world.users.reviewer))


def test_an_application_already_under_review_cannot_be_checked_again(app, world):
    with app.app_context():
        studio = make_studio(world, "under_review")
        with pytest.raises(IllegalTransition, match="评审中"):
            services.check(studio, "accept", "", expected_version=studio.version, by=user(world.users.reviewer))


# Routes ------------------------------------------------------------------------------------------------

def test_the_enterprise_applies_adds_its_team_and_submits_in_the_browser_forms(app, world, client, login, no_csrf):
    with app.app_context():
        team = [worker_of(world.ent_a, name=f"队员{n}").id for n in range(3)]
        db.session.commit()
    login(world.users.enterprise)
    response = client.post("/studios/apply", data={
        "name": "李明数控加工创新工作室", "kind": "worker", "level_sought": "city",
        "leader_worker_id": world.worker_a, "field": "数控加工", "industry": "制造业",
        "space_equipment": "车间二楼", "management_rules": "周例会", "plan": "三年计划",
        "funding_note": "年投入20万元"})
    assert response.status_code == 302
    studio_id = int(response.headers["Location"].split("/studios/")[1].split("#")[0])
    for worker_id in team:
        assert client.post(f"/studios/{studio_id}/members", data={
            "worker_id": worker_id, "role": "core"}).status_code == 302
    with app.app_context():
        version = db.session.get(Studio, studio_id).version
    assert client.post(f"/studios/{studio_id}/submit", data={"version": version}).status_code == 302
    with app.app_context():
        assert db.session.get(Studio, studio_id).state_enum is StudioState.APPLIED
    login(world.users.reviewer)
    assert "李明数控加工创新工作室" in client.get("/studios/check").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Studio, studio_id).version
    response = client.post(f"/studios/{studio_id}/check", data={"version": version, "reason": "", "accept": "通过"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Studio, studio_id).state_enum is StudioState.UNDER_REVIEW


def test_a_worker_of_another_enterprise_cannot_join_the_team(app, world, client, login, no_csrf):
    with app.app_context():
        studio_id = make_studio(world, "draft").id
        db.session.commit()
    login(world.users.enterprise)
    response = client.post(f"/studios/{studio_id}/members", data={
        "worker_id": world.worker_b, "role": "core"})
    assert response.status_code == 200
    assert "成员须是本单位的职工" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(StudioMember.id).where(StudioMember.worker_id == world.worker_b)) is None


def test_the_reviewer_must_give_a_reason_to_return_and_the_form_says_so(app, world, client, login, no_csrf):
    with app.app_context():
        studio = make_studio(world, "applied")
        db.session.commit()
        studio_id, version = studio.id, studio.version
    login(world.users.reviewer)
    response = client.post(f"/studios/{studio_id}/check", data={"version": version, "reason": "",
                                                               "return": "退回修改"})
    assert response.status_code == 200
    assert "请填写理由" in response.get_data(as_text=True)


def test_another_enterprise_and_other_unions_cannot_open_the_studio(app, world, client, login, no_csrf):
    with app.app_context():
        studio_id = make_studio(world, "applied").id
        draft_id = make_studio(world, "draft").id
        db.session.commit()
    login(world.users.other_enterprise)
    assert client.get(f"/studios/{studio_id}").status_code == 403
    login(world.users.industry_reviewer)
    assert client.get(f"/studios/{studio_id}").status_code == 403
    login(world.users.reviewer)
    assert client.get(f"/studios/{studio_id}").status_code == 200
    assert client.get(f"/studios/{draft_id}").status_code == 403  # drafts are the enterprise's own
    login(world.users.enterprise)
    assert client.post(f"/studios/{studio_id}/check", data={}).status_code == 403


def test_the_reviewer_sees_a_warning_when_a_model_worker_studio_has_no_model_worker(app, world, client, login):
    with app.app_context():
        studio_id = make_studio(world, "applied", kind="model_worker").id
        db.session.commit()
    login(world.users.reviewer)
    html = client.get(f"/studios/{studio_id}").get_data(as_text=True)
    assert 'data-testid="kind-warning"' in html
