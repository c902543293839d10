"""Skills competitions over the API: a judge lists their assignments (blind numbers only)
and submits marks through the marking service, idempotently by client key; published
results are public, with names, only once published."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from competitions.models import Event, Mark, SchemeAspect
from competitions.services import results
from core.audit.models import AuditEntry
from core.extensions import db
from tests.api.conftest import error_of
from tests.competitions import results_data
from tests.competitions.test_marking import scoring_event


@pytest.fixture
def scoring(app, world):
    with app.app_context():
        created = scoring_event(world)
        db.session.commit()
        return created


def _marks_url(setup) -> str:
    return f"/api/v1/judging/events/{setup.event}/marks"


def _mark(setup, contestant=0, aspect="尺寸精度", value="30", key=None, entry=1):
    return {"client_key": key or uuid.uuid4().hex, "blind_number": setup.blinds[setup.contestants[contestant]],
            "aspect_id": setup.ids.aspects[aspect], "entry": entry, "value": value}


def _stored(app) -> tuple[list, int]:
    with app.app_context():
        marks = db.session.execute(select(Mark.contestant_id, Mark.aspect_id, Mark.judge_id, Mark.value,
                                          Mark.client_key).order_by(Mark.id)).all()
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
        return [tuple(m) for m in marks], audits


def test_a_judge_lists_assignments_with_blind_numbers_only(client, world, scoring, bearer, contract):
    body = contract(client.get("/api/v1/judging/assignments", headers=bearer(world.users.judge)))
    assert body["meta"]["total"] == 1
    assignment = body["data"][0]
    assert assignment["event"]["id"] == scoring.event and assignment["accepts_marks"] is True
    assert [c["blind_number"] for c in assignment["contestants"]] == ["A001", "A002", "A003"]
    # No database id either: ids follow registration order, which groups contestants by enterprise.
    assert all(set(c) == {"blind_number", "recused", "recusal_reason"} for c in assignment["contestants"])
    # 李明 works where the judge does not; no name of any contestant is in the answer.
    text = json.dumps(body, ensure_ascii=False)
    assert not any(name in text for name in ("李明", "王芳", "赵强"))
    aspects = {a["name"]: a for m in assignment["modules"] for a in m["aspects"]}
    assert aspects["尺寸精度"]["max_mark"] == "40.00" and aspects["尺寸精度"]["entries"] == [1]
    assert aspects["加工工艺合理性"]["kind"] == "judgement"
    assert aspects["尺寸精度"]["unit"] == "" and aspects["加工工艺合理性"]["unit"] == ""


def test_a_judges_tablet_gets_each_measurement_aspects_unit(app, client, world, scoring, bearer, contract):
    with app.app_context():
        db.session.get(SchemeAspect, scoring.ids.aspects["尺寸精度"]).unit = "mm"
        db.session.commit()
    body = contract(client.get("/api/v1/judging/assignments", headers=bearer(world.users.judge)))
    aspects = {a["name"]: a for m in body["data"][0]["modules"] for a in m["aspects"]}
    assert aspects["尺寸精度"]["unit"] == "mm"


def test_recused_contestants_are_flagged(app, client, world, scoring, bearer, contract):
    with app.app_context():
        from core.accounts.models import User

        db.session.get(User, world.users.judge).employer_id = world.ent_a
        db.session.commit()
    body = contract(client.get("/api/v1/judging/assignments", headers=bearer(world.users.judge)))
    recused = {c["blind_number"]: c["recused"] for c in body["data"][0]["contestants"]}
    assert recused == {"A001": True, "A002": False, "A003": False}


def test_marks_are_saved_and_a_replay_returns_the_stored_result_changing_nothing(app, client, world, scoring,
                                                                                 bearer, contract):
    headers = bearer(world.users.judge)
    batch = {"marks": [_mark(scoring, 0, "尺寸精度", "30"), _mark(scoring, 1, "加工工艺合理性", "2")]}
    first = contract(client.post(_marks_url(scoring), json=batch, headers=headers))
    assert [(m["value"], m["changed"], m["replayed"]) for m in first["marks"]] == [("30", True, False),
                                                                                  ("2", True, False)]
    before = _stored(app)
    replay = contract(client.post(_marks_url(scoring), json=batch, headers=headers))
    assert [(m["mark_id"], m["value"], m["changed"], m["replayed"]) for m in replay["marks"]] == [
        (m["mark_id"], m["value"], False, True) for m in first["marks"]]
    assert _stored(app) == before
    # The same key sent again with another value is still a replay: the stored mark stands.
    tampered = {"marks": [dict(batch["marks"][0], value="35")]}
    again = contract(client.post(_marks_url(scoring), json=tampered, headers=headers))
    assert again["marks"][0]["value"] == "30" and again["marks"][0]["changed"] is False
    assert _stored(app) == before


def test_a_new_key_changes_the_mark(app, client, world, scoring, bearer, contract):
    headers = bearer(world.users.judge)
    contract(client.post(_marks_url(scoring), json={"marks": [_mark(scoring, value="30")]}, headers=headers))
    changed = contract(client.post(_marks_url(scoring), json={"marks": [_mark(scoring, value="31")]},
                                   headers=headers))
    assert changed["marks"][0]["value"] == "31" and changed["marks"][0]["changed"] is True
    assert len(_stored(app)[0]) == 1


def test_a_refused_mark_saves_none_of_the_batch_and_says_why_for_each(app, client, world, scoring, bearer,
                                                                     contract):
    headers = bearer(world.users.judge)
    before = _stored(app)
    batch = {"marks": [_mark(scoring, 0, "尺寸精度", "30"), _mark(scoring, 1, "尺寸精度", "41"),
                       _mark(scoring, 2, "加工工艺合理性", "1.5"), _mark(scoring, 0, "笔试成绩", "80.25")]}
    response = client.post(_marks_url(scoring), json=batch, headers=headers)
    contract(response)
    error = error_of(response, 422, "marks_refused")
    assert [p["index"] for p in error["details"]["marks"]] == [1, 2, 3]
    assert all(p["message"] and p["message_en"] for p in error["details"]["marks"])
    assert _stored(app) == before


def test_a_key_reused_for_another_mark_is_refused(app, client, world, scoring, bearer, contract):
    headers = bearer(world.users.judge)
    key = uuid.uuid4().hex
    contract(client.post(_marks_url(scoring), json={"marks": [_mark(scoring, 0, key=key)]}, headers=headers))
    before = _stored(app)
    response = client.post(_marks_url(scoring), json={"marks": [_mark(scoring, 1, key=key)]}, headers=headers)
    assert "client_key" in error_of(response, 422)["details"]["marks"][0]["message"]
    assert _stored(app) == before


def test_marks_of_another_event_or_a_judge_not_assigned_are_refused(app, client, world, scoring, bearer,
                                                                    contract):
    with app.app_context():
        other = scoring_event(world, title="另一场竞赛")
        db.session.commit()
    headers = bearer(world.users.judge)
    response = client.post(_marks_url(scoring), json={"marks": [{**_mark(scoring), "blind_number": "Z999"}]},
                           headers=headers)
    contract(response)
    assert error_of(response, 422)["details"]["marks"][0]["message"] == "该赛项没有这名选手"
    response = client.post(_marks_url(scoring), json={"marks": [_mark(other)]}, headers=headers)
    assert error_of(response, 422)["details"]["marks"][0]["message"] == "该赛项没有这个评分细项"
    with app.app_context():
        from tests import factories

        outsider = factories.user("outsider", ["judge"]).id
        db.session.commit()
    response = client.post(_marks_url(scoring), json={"marks": [_mark(scoring)]}, headers=bearer(outsider))
    contract(response)
    error_of(response, 403, "not_assigned")
    response = client.post("/api/v1/judging/events/99999/marks", json={"marks": [_mark(scoring)]}, headers=headers)
    error_of(response, 404)
    assert _stored(app)[0] == []


def test_the_chief_judge_does_not_mark(app, client, scoring, bearer):
    response = client.post(_marks_url(scoring), json={"marks": [_mark(scoring)]}, headers=bearer(scoring.chief))
    assert error_of(response, 422)["details"]["marks"][0]["message"] == "裁判长不参与评分"


def test_marks_are_refused_outside_scoring(app, client, world, scoring, bearer):
    with app.app_context():
        db.session.get(Event, scoring.event).state = "locked"
        db.session.commit()
    response = client.post(_marks_url(scoring), json={"marks": [_mark(scoring)]}, headers=bearer(world.users.judge))
    assert error_of(response, 422)["details"]["marks"][0]["message"] == "成绩已锁定，不能再修改分数"


def test_mark_input_is_validated_per_field(client, world, scoring, bearer, contract):
    headers = bearer(world.users.judge)
    response = client.post(_marks_url(scoring), headers=headers, json={"marks": [
        {"client_key": "bad key!", "blind_number": 1, "aspect_id": 1, "entry": 3, "value": 30}]})
    contract(response)
    fields = {p["field"] for p in error_of(response, 422, "validation_failed")["details"]["fields"]}
    assert fields == {"marks.0.client_key", "marks.0.blind_number", "marks.0.entry", "marks.0.value"}
    error_of(client.post(_marks_url(scoring), headers=headers, json={"marks": []}), 422)
    too_many = {"marks": [_mark(scoring) for _ in range(201)]}
    error_of(client.post(_marks_url(scoring), headers=headers, json=too_many), 422)


def test_only_judges_use_the_judging_operations(client, world, scoring, bearer):
    for role in ("admin", "enterprise", "expert", "worker"):
        headers = bearer(getattr(world.users, role))
        error_of(client.get("/api/v1/judging/assignments", headers=headers), 403, "role_required")
        error_of(client.post(_marks_url(scoring), json={"marks": [_mark(scoring)]}, headers=headers), 403)


# --- Results ----------------------------------------------------------------------------------

@pytest.fixture
def results_event(app, world):
    with app.app_context():
        data = results_data.build(world)
        db.session.commit()
        return data


def test_results_are_404_until_published_then_public_with_names(app, client, results_event, contract):
    url = f"/api/v1/competitions/events/{results_event.event_id}/results"
    response = client.get(url)
    contract(response)
    error_of(response, 404, "not_published")
    assert contract(client.get("/api/v1/competitions/events"))["meta"]["total"] == 0
    with app.app_context():
        results.publish(db.session.get(Event, results_event.event_id), by=None)
        db.session.commit()
    body = contract(client.get(url))
    assert [(r["rank"], r["name"], r["total"]) for r in body["data"]] == [
        (1, "李明", "82.33"), (1, "王芳", "82.33"), (3, "孙伟", "76.67"), (4, "赵强", "76.67"), (5, "周杰", "34.44")]
    assert body["data"][0]["rank_shared"] is True and body["data"][0]["enterprise"] == "朝阳精工有限公司"
    assert [m["name"] for m in body["data"][0]["modules"]] == ["理论知识", "技能操作"]
    assert body["event"]["state"] == "published" and body["event"]["appeals_close_at"].endswith("Z")
    text = json.dumps(body, ensure_ascii=False)
    assert "A101" not in text and "blind" not in text and "id_number" not in text
    assert contract(client.get("/api/v1/competitions/events"))["data"][0]["id"] == results_event.event_id


def test_results_page_sorts_and_filters(app, client, results_event, contract):
    with app.app_context():
        results.publish(db.session.get(Event, results_event.event_id), by=None)
        db.session.commit()
    url = f"/api/v1/competitions/events/{results_event.event_id}/results"
    body = contract(client.get(f"{url}?sort=total&per_page=2"))
    assert [r["name"] for r in body["data"]] == ["周杰", "赵强"] and body["meta"]["pages"] == 3
    awarded = contract(client.get(f"{url}?award=first"))["data"]
    assert {r["award"] for r in awarded} == {"first"}
    error_of(client.get(f"{url}?sort=name"), 422)
