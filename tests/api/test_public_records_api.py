"""Studios, certificates and plan indicators over the API: public data only, as the public
pages show it, through each feature's own queries and services. Every answer is checked
against the OpenAPI document."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from certificates.services import issuing
from core.extensions import db
from tests.api.conftest import error_of
from tests.certificates.conftest import issued  # noqa: F401 - the ``issued`` fixture
from tests.certificates.samples import issue_for, request_for
from tests.indicators.conftest import indicator, plan  # noqa: F401 - the ``plan`` fixture
from tests.innovation_studios.factories import make_studio

# --- Studios ----------------------------------------------------------------------------------


@pytest.fixture
def studios(app, world):
    with app.app_context():
        from core.people.models import Worker

        db.session.get(Worker, world.worker_a).honors = "2015年 北京市劳动模范"
        ids = {"named": make_studio(world, name="李明数控创新工作室", named_on=date(2025, 6, 1)).id,
               "older": make_studio(world, enterprise=world.ent_b, name="王芳焊接创新工作室", kind="model_worker",
                                    named_on=date(2023, 6, 1), industry="制造业").id,
               "rectifying": make_studio(world, "rectification", enterprise=world.ent_c, name="赵强软件工作室",
                                         named_on=date(2024, 6, 1)).id,
               "applied": make_studio(world, "applied", name="申报中的工作室").id,
               "delisted": make_studio(world, "delisted", name="已摘牌的工作室").id}
        db.session.commit()
        return ids


def test_studio_directory_lists_named_studios_only(client, studios, contract):
    body = contract(client.get("/api/v1/studios"))
    assert [s["name"] for s in body["data"]] == ["李明数控创新工作室", "赵强软件工作室", "王芳焊接创新工作室"]
    first = body["data"][0]
    assert first["leader"] == {"name": "李明", "distinctions": [
        {"kind": "model_worker", "label": "劳模", "title": "北京市劳动模范"}]}
    assert first["district"] == "朝阳区总工会" and first["number"].startswith("BJCX-")
    text = json.dumps(body, ensure_ascii=False)
    assert "成员" not in text and "id_number" not in text and "mobile" not in text


def test_studio_directory_filters_and_sorts(client, world, studios, contract):
    def names(query):
        return [s["name"] for s in contract(client.get(f"/api/v1/studios?{query}"))["data"]]

    assert names("kind=model_worker") == ["王芳焊接创新工作室"]
    assert names("year=2024") == ["赵强软件工作室"]
    assert names(f"district_id={world.haidian}&sort=named_on") == ["王芳焊接创新工作室", "赵强软件工作室"]
    assert names("q=数控") == ["李明数控创新工作室"]
    assert names("industry=制造业") == ["王芳焊接创新工作室"]
    error_of(client.get("/api/v1/studios?sort=leader"), 422)
    error_of(client.get("/api/v1/studios?industry=不存在的行业"), 422)


def test_a_studio_page_shows_public_data_and_team_size(client, studios, contract):
    body = contract(client.get(f"/api/v1/studios/{studios['named']}"))
    assert body["team_size"] == 3 and body["field"] == "数控加工"
    for hidden in ("applied", "delisted"):
        error_of(client.get(f"/api/v1/studios/{studios[hidden]}"), 404)


# --- Certificates -----------------------------------------------------------------------------

VERIFY = "/api/v1/certificates/verify"


def test_a_certificate_is_verified_by_serial_and_code(client, issued, contract):  # noqa: F811
    body = contract(client.post(VERIFY, json={"serial": issued.serial.lower(), "code": issued.code.lower()}))
    assert body["status"] == "valid" and body["valid"] is True and body["signature_valid"] is True
    assert body["holder_name"] == "李明" and body["honour"] == "2026年度北京大工匠（钳工）"
    assert {"label": "工作单位", "value": "朝阳精工有限公司"} in body["details"]
    assert body["replaced_by"] is None and body["reason"] is None


def test_a_wrong_code_or_serial_reveals_nothing(client, issued, contract):  # noqa: F811
    wrong_code = client.post(VERIFY, json={"serial": issued.serial, "code": "WRONG123"})
    unknown = client.post(VERIFY, json={"serial": "NO-SUCH-0001", "code": issued.code})
    contract(wrong_code)
    assert error_of(wrong_code, 404) == error_of(unknown, 404)
    error_of(client.post(VERIFY, json={"serial": issued.serial}), 422)


def test_failed_lookups_are_limited_per_address(app, client, issued):  # noqa: F811
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "2 per minute"
    try:
        for _ in range(2):
            error_of(client.post(VERIFY, json={"serial": issued.serial, "code": "WRONG123"}), 404)
        error_of(client.post(VERIFY, json={"serial": issued.serial, "code": "WRONG123"}), 429, "rate_limited")
    finally:
        app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "20 per 10 minutes"


def test_revoked_and_replaced_certificates_say_so(app, client, world, contract):
    with app.app_context():
        revoked = issue_for(world.worker_a, "revoked")
        issuing.revoke(revoked, "内部核查记录", by=None, category="honour_revoked")
        old = issue_for(world.worker_b, "old")
        new = issuing.replace(old, request_for(world.worker_b, "new"), "姓名更正", by=None)
        db.session.commit()
        codes = {"revoked": (revoked.serial, revoked.verification_code),
                 "old": (old.serial, old.verification_code), "new": (new.serial, new.verification_code)}
    body = contract(client.post(VERIFY, json=dict(zip(("serial", "code"), codes["revoked"], strict=True))))
    assert body["status"] == "revoked" and body["valid"] is False and body["reason"] == "荣誉称号已被撤销"
    assert "内部核查记录" not in json.dumps(body, ensure_ascii=False)
    body = contract(client.post(VERIFY, json=dict(zip(("serial", "code"), codes["old"], strict=True))))
    assert body["status"] == "replaced" and body["replaced_by"] == dict(zip(("serial", "code"), codes["new"],
                                                                           strict=True))


# --- Indicators -------------------------------------------------------------------------------


def test_indicators_are_listed_in_the_plans_order_with_progress(app, client, plan, contract):  # noqa: F811
    from indicators import services

    with app.app_context():
        homes = indicator("worker_homes")
        services.report_value(homes, year=2023, value=Decimal(15200), as_of=date(2023, 12, 31),
                              source_note="2023年度工会统计年报", by=None)
        db.session.commit()
        expected = [p.key for p in services.list_indicators()]
    body = contract(client.get("/api/v1/indicators?per_page=100"))
    assert [i["key"] for i in body["data"]] == expected and body["meta"]["total"] == len(expected)
    reported = next(i for i in body["data"] if i["key"] == "worker_homes")
    assert reported["value"] == "15200.00"
    assert reported["source_note"] == "2023年度工会统计年报" and reported["series"][0]["year"] == 2023
    one = contract(client.get(f"/api/v1/indicators/{reported['id']}"))
    assert one["key"] == "worker_homes" and one["value"] == reported["value"]


def test_indicators_filter_and_sort(client, plan, contract):  # noqa: F811
    everything = contract(client.get("/api/v1/indicators?per_page=100"))["data"]
    live = contract(client.get("/api/v1/indicators?source=live&per_page=100"))["data"]
    assert live and {i["source"] for i in live} == {"live"} and len(live) < len(everything)
    by_name = contract(client.get("/api/v1/indicators?sort=-name&per_page=100"))["data"]
    assert [i["name"] for i in by_name] == sorted((i["name"] for i in everything), reverse=True)
    backwards = contract(client.get("/api/v1/indicators?sort=-position&per_page=100"))["data"]
    assert [i["key"] for i in backwards] == [i["key"] for i in reversed(everything)]
    paged = contract(client.get("/api/v1/indicators?per_page=5&page=2"))
    assert [i["key"] for i in paged["data"]] == [i["key"] for i in everything[5:10]]
    error_of(client.get("/api/v1/indicators?sort=value"), 422)
    error_of(client.get("/api/v1/indicators/999999"), 404)
