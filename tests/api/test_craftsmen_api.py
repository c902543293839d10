"""Craftsman selection over the API: the public registry as the public page shows it, and
enterprises' own nominations through the same services and rules as the web pages. Every
answer is checked against the OpenAPI document."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.extensions import db
from core.timeutil import utcnow
from craftsmen.models import (
    CraftsmanTitle,
    Nomination,
    NominationAchievement,
    NominationAttachment,
    NominationState,
)
from tests.api.conftest import error_of
from tests.craftsmen.conftest import make_cycle, make_nomination

NOMINATIONS = "/api/v1/nominations"


def _title(cycle, nomination, name, *, year=2025, occupation="钳工", district="朝阳区总工会",
           revoked=False):
    title = CraftsmanTitle(nomination_id=nomination.id, worker_id=nomination.worker_id, cycle_id=cycle.id,
                           name=name, title="北京大工匠", level="city", year=year, occupation=occupation,
                           enterprise_name=nomination.enterprise.name, district=district,
                           named_on=date(year, 12, 1), revoked_on=date(year + 1, 1, 5) if revoked else None,
                           revoke_reason="弄虚作假" if revoked else "")
    db.session.add(title)
    db.session.flush()
    return title


@pytest.fixture
def registry(app, world):
    """Three named craftsmen of a closed cycle (one title revoked), with achievements."""
    with app.app_context():
        cycle = make_cycle(status="closed", title="第三届北京大工匠选树")
        a = make_nomination(cycle, world.worker_a, "钳工", NominationState.NAMED)
        b = make_nomination(cycle, world.worker_b, "焊工", NominationState.NAMED)
        c = make_nomination(cycle, world.worker_c, "钳工", NominationState.REVOKED)
        db.session.add_all([
            NominationAchievement(nomination_id=a.id, kind="patent", title="一种夹具（ZL202310000001.2）",
                                  achieved_on=date(2023, 5, 1), publishable=True),
            NominationAchievement(nomination_id=a.id, kind="honor", title="内部表彰", achieved_on=date(2022, 1, 1),
                                  publishable=False)])
        ids = {"李明": _title(cycle, a, "李明", year=2025).id,
               "王芳": _title(cycle, b, "王芳", year=2024, occupation="焊工", district="海淀区总工会").id,
               "赵强": _title(cycle, c, "赵强", year=2025, district="海淀区总工会", revoked=True).id}
        db.session.commit()
        return ids


# --- Registry ---------------------------------------------------------------------------------

def test_registry_lists_named_craftsmen_with_paging_meta_and_links(client, registry, contract):
    body = contract(client.get("/api/v1/craftsmen?per_page=2"))
    assert [c["name"] for c in body["data"]] == ["李明", "赵强"]  # newest year first, then name
    assert body["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    assert body["links"]["next"].endswith("page=2") and body["links"]["prev"] is None
    second = contract(client.get(body["links"]["next"]))
    assert [c["name"] for c in second["data"]] == ["王芳"] and second["links"]["next"] is None


def test_registry_filters_and_sorts_from_an_allow_list(client, registry, contract):
    def names(query):
        return [c["name"] for c in contract(client.get(f"/api/v1/craftsmen?{query}"))["data"]]

    assert names("status=revoked") == ["赵强"]
    assert names("status=active&sort=name") == ["李明", "王芳"]
    assert names("year=2024") == ["王芳"]
    assert names("occupation=钳工&sort=-name") == ["赵强", "李明"]
    assert names("district=海淀区总工会&sort=year,name") == ["王芳", "赵强"]
    assert names("q=王") == ["王芳"]
    error = error_of(client.get("/api/v1/craftsmen?sort=id_number"), 422)
    assert error["details"]["fields"][0]["message"].endswith("year, name, named_on, occupation, district")


def test_registry_entry_shows_only_publishable_achievements_and_no_personal_data(client, registry, contract):
    body = contract(client.get(f"/api/v1/craftsmen/{registry['李明']}"))
    assert body["name"] == "李明" and body["cycle"]["title"] == "第三届北京大工匠选树"
    assert [a["title"] for a in body["achievements"]] == ["一种夹具（ZL202310000001.2）"]
    text = json.dumps(body, ensure_ascii=False)
    assert "id_number" not in text and "mobile" not in text and "attachment" not in text
    revoked = contract(client.get(f"/api/v1/craftsmen/{registry['赵强']}"))
    assert revoked["revoked"] is True and "弄虚作假" not in json.dumps(revoked, ensure_ascii=False)
    assert error_of(contract(client.get("/api/v1/craftsmen/99999")) and client.get("/api/v1/craftsmen/99999"),
                    404)


# --- Nominations ------------------------------------------------------------------------------

def _create(client, headers, open_cycle, worker_id, **extra):
    data = {"cycle_id": open_cycle.id, "worker_id": worker_id, "occupation_id": open_cycle.fitter, **extra}
    return client.post(NOMINATIONS, json=data, headers=headers)


def _complete(app, nomination_id):
    """Give the draft an achievement with evidence (the files themselves are the web's job)."""
    with app.app_context():
        attachment = NominationAttachment(nomination_id=nomination_id, original_name="证书.pdf",
                                          stored_name=f"api-test-{nomination_id}.pdf",
                                          content_type="application/pdf", size=10, sha256="0" * 64)
        db.session.add(attachment)
        db.session.flush()
        db.session.add(NominationAchievement(nomination_id=nomination_id, kind="honor", title="首都劳动奖章",
                                             achieved_on=date(2024, 5, 1), attachment_id=attachment.id))
        db.session.commit()


def test_enterprise_creates_updates_and_submits_its_own_nomination(app, client, world, open_cycle, bearer,
                                                                    contract):
    headers = bearer(world.users.enterprise)
    response = _create(client, headers, open_cycle, world.worker_a, statement="扎根一线二十年。")
    assert response.status_code == 201
    created = contract(response)
    assert created["state"] == "draft" and created["worker"] == {"id": world.worker_a, "name": "李明"}
    assert created["editable"] is True and "请至少填写一项主要成果" in created["submission_problems"]
    nomination_id = created["id"]

    changed = contract(client.patch(f"{NOMINATIONS}/{nomination_id}", headers=headers,
                                    json={"statement": "带徒二十人。", "occupation_id": open_cycle.welder,
                                          "version": created["version"]}))
    assert changed["statement"] == "带徒二十人。" and changed["occupation"]["name"] == "焊工"
    kept = contract(client.patch(f"{NOMINATIONS}/{nomination_id}", headers=headers,
                                 json={"occupation_id": open_cycle.fitter, "version": changed["version"]}))
    assert kept["statement"] == "带徒二十人。"  # fields not sent are kept

    _complete(app, nomination_id)
    submitted = contract(client.post(f"{NOMINATIONS}/{nomination_id}/submit", headers=headers,
                                     json={"version": kept["version"]}))
    assert submitted["state"] == "submitted" and submitted["submitted_at"] and submitted["editable"] is False
    assert contract(client.get(f"{NOMINATIONS}/{nomination_id}", headers=headers))["state"] == "submitted"
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "Nomination")
                                     .order_by(AuditEntry.id)).all()
        assert actions == ["nomination.create", "nomination.update", "nomination.update", "nomination.submit"]
        actor = db.session.scalar(select(AuditEntry.actor_name).where(AuditEntry.action == "nomination.submit"))
        assert actor == "ent_a"


def test_another_enterprises_worker_cannot_be_nominated(app, client, world, open_cycle, bearer, contract):
    response = _create(client, bearer(world.users.enterprise), open_cycle, world.worker_b)
    error = error_of(response, 403, "not_yours")
    contract(response)
    assert error["details"] == {"field": "worker_id"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_another_enterprises_nomination_cannot_be_read_changed_or_submitted(app, client, world, open_cycle,
                                                                           bearer, contract):
    with app.app_context():
        theirs = make_nomination(db.session.merge(make_cycle(title="他人的周期")), world.worker_b, "钳工",
                                 NominationState.DRAFT)
        db.session.commit()
        nomination_id, version = theirs.id, theirs.version
    headers = bearer(world.users.enterprise)
    for response in (client.get(f"{NOMINATIONS}/{nomination_id}", headers=headers),
                     client.patch(f"{NOMINATIONS}/{nomination_id}", headers=headers, json={"statement": "改"}),
                     client.post(f"{NOMINATIONS}/{nomination_id}/submit", headers=headers)):
        contract(response)
        error_of(response, 403, "not_yours")
    listed = contract(client.get(NOMINATIONS, headers=headers))
    assert listed["meta"]["total"] == 0
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        assert nomination.version == version and nomination.statement == "长期扎根一线，攻克多项技术难题。"


def test_a_stale_version_is_409_and_nothing_changes(app, client, world, open_cycle, bearer, contract):
    headers = bearer(world.users.enterprise)
    created = contract(_create(client, headers, open_cycle, world.worker_a))
    contract(client.patch(f"{NOMINATIONS}/{created['id']}", headers=headers,
                          json={"statement": "第一次", "version": created["version"]}))
    response = client.patch(f"{NOMINATIONS}/{created['id']}", headers=headers,
                            json={"statement": "第二次", "version": created["version"]})
    contract(response)
    error_of(response, 409, "stale_version")
    assert client.get(f"{NOMINATIONS}/{created['id']}", headers=headers).get_json()["statement"] == "第一次"


@pytest.mark.parametrize("version", ["missing", None, "1", 1.0, True, 0, -3])
def test_a_patch_without_a_valid_version_is_409_and_nothing_changes(client, world, open_cycle, bearer, contract,
                                                                     version):
    headers = bearer(world.users.enterprise)
    created = contract(_create(client, headers, open_cycle, world.worker_a))
    body = {"statement": "没有版本号的修改"}
    if version != "missing":
        body["version"] = version
    response = client.patch(f"{NOMINATIONS}/{created['id']}", headers=headers, json=body)
    contract(response)
    error_of(response, 409, "stale_version")
    kept = client.get(f"{NOMINATIONS}/{created['id']}", headers=headers).get_json()
    assert kept["statement"] == created["statement"] and kept["version"] == created["version"]


def test_an_incomplete_nomination_is_refused_with_every_reason(client, world, open_cycle, bearer, contract):
    headers = bearer(world.users.enterprise)
    created = contract(_create(client, headers, open_cycle, world.worker_a))
    response = client.post(f"{NOMINATIONS}/{created['id']}/submit", headers=headers)
    contract(response)
    error = error_of(response, 422, "rule_violation")
    assert set(error["details"]["reasons"]) >= {"请填写个人陈述", "请至少填写一项主要成果"}
    assert error["message"].startswith("不能提交")
    assert client.get(f"{NOMINATIONS}/{created['id']}", headers=headers).get_json()["state"] == "draft"


def test_a_submitted_nomination_is_a_state_conflict(app, client, world, open_cycle, bearer, contract):
    with app.app_context():
        cycle = make_cycle(title="已提交的周期")
        nomination_id = make_nomination(cycle, world.worker_a, "钳工", NominationState.SUBMITTED).id
        db.session.commit()
    headers = bearer(world.users.enterprise)
    for response in (client.patch(f"{NOMINATIONS}/{nomination_id}", headers=headers, json={"statement": "改"}),
                     client.post(f"{NOMINATIONS}/{nomination_id}/submit", headers=headers)):
        contract(response)
        error_of(response, 409, "invalid_state")


def test_a_duplicate_nomination_is_refused_with_the_existing_one_named(client, world, open_cycle, bearer,
                                                                      contract):
    headers = bearer(world.users.enterprise)
    contract(_create(client, headers, open_cycle, world.worker_a))
    response = _create(client, headers, open_cycle, world.worker_a)
    contract(response)
    error = error_of(response, 422, "rule_violation")
    assert "同一周期每人只能被推荐一次" in error["message"] and error["details"] == {"field": "worker_id"}


def test_unknown_cycle_or_worker_is_404(client, world, open_cycle, bearer, contract):
    headers = bearer(world.users.enterprise)
    response = client.post(NOMINATIONS, headers=headers,
                           json={"cycle_id": 999, "worker_id": world.worker_a, "occupation_id": 1})
    contract(response)
    assert error_of(response, 404)["details"] == {"field": "cycle_id"}


def test_only_enterprises_create_and_others_read_as_the_web_page_lets_them(app, client, world, open_cycle,
                                                                          bearer, contract):
    headers = bearer(world.users.enterprise)
    nomination_id = contract(_create(client, headers, open_cycle, world.worker_a))["id"]
    for role in ("admin", "reviewer", "judge", "worker", "expert"):
        response = _create(client, bearer(getattr(world.users, role)), open_cycle, world.worker_a)
        contract(response)
        error_of(response, 403)
    # The nominee and administrators read the draft; the union reviewer only once submitted.
    for role in ("worker", "admin"):
        assert contract(client.get(f"{NOMINATIONS}/{nomination_id}",
                                   headers=bearer(getattr(world.users, role))))["id"] == nomination_id
    for role in ("reviewer", "industry_reviewer", "expert", "other_enterprise"):
        response = client.get(f"{NOMINATIONS}/{nomination_id}", headers=bearer(getattr(world.users, role)))
        contract(response)
        error_of(response, 403)
    error_of(client.get(f"{NOMINATIONS}/{nomination_id}", headers=bearer(world.users.judge)), 403,
             "role_required")


def test_nomination_list_is_limited_to_what_the_user_may_see(app, client, world, open_cycle, bearer, contract):
    with app.app_context():
        cycle = make_cycle(title="另一个周期")
        make_nomination(cycle, world.worker_a, "钳工", NominationState.SUBMITTED)
        make_nomination(cycle, world.worker_b, "钳工", NominationState.SUBMITTED)
        db.session.commit()

    def total(user, query=""):
        return contract(client.get(f"{NOMINATIONS}{query}", headers=bearer(user)))["meta"]["total"]

    assert total(world.users.enterprise) == 1
    assert total(world.users.other_enterprise) == 1
    assert total(world.users.reviewer) == 1          # 朝阳: 朝阳精工 only
    assert total(world.users.industry_reviewer) == 1  # 机械冶金: 海淀机械 only
    assert total(world.users.worker) == 1
    assert total(world.users.admin) == 2
    assert total(world.users.admin, "?state=draft") == 0
    assert total(world.users.admin, f"?worker_id={world.worker_b}&sort=-submitted_at") == 1


def test_union_reviewer_cannot_read_an_unsubmitted_draft(app, client, world, bearer, contract):
    with app.app_context():
        cycle = make_cycle(title="草稿周期")
        draft = make_nomination(cycle, world.worker_a, "钳工", NominationState.DRAFT).id
        submitted = make_nomination(cycle, world.worker_c, "钳工", NominationState.SUBMITTED)
        submitted.enterprise_id = world.ent_a
        submitted = submitted.id
        db.session.commit()
    headers = bearer(world.users.reviewer)
    response = client.get(f"{NOMINATIONS}/{draft}", headers=headers)
    contract(response)
    error_of(response, 403)
    listed = contract(client.get(NOMINATIONS, headers=headers))["data"]
    assert [n["id"] for n in listed] == [submitted]
    assert contract(client.get(f"{NOMINATIONS}/{draft}", headers=bearer(world.users.enterprise)))["id"] == draft
    error_of(client.get(f"{NOMINATIONS}?sort=worker.id_number", headers=bearer(world.users.admin)), 422)


def test_nomination_answers_carry_no_personal_identifiers(client, world, open_cycle, bearer, contract):
    body = contract(_create(client, bearer(world.users.enterprise), open_cycle, world.worker_a))
    text = json.dumps(body, ensure_ascii=False)
    assert "id_number" not in text and "mobile" not in text and "1101" not in text


def test_timestamps_are_utc_iso_8601(client, world, open_cycle, bearer):
    body = _create(client, bearer(world.users.enterprise), open_cycle, world.worker_a).get_json()
    assert body["created_at"].endswith("Z") and body["created_at"][:4] == str(utcnow().year)
