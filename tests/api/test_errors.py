"""Every error answers in one JSON shape, in Chinese and English, for every status the API
uses; bad input changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.extensions import db
from craftsmen.models import Nomination
from tests.api.conftest import error_of


def _nominations() -> int:
    return db.session.scalar(select(func.count()).select_from(Nomination))


@pytest.fixture
def nominate(app, world, open_cycle, bearer):
    """POST /api/v1/nominations as the enterprise, raw (data, headers)."""
    headers = bearer(world.users.enterprise)

    def post(client, data, content_type="application/json", extra=None):
        return client.post("/api/v1/nominations", data=data, content_type=content_type,
                           headers={**headers, **(extra or {})})

    return post


def test_a_missing_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/nominations")
    error = error_of(response, 401, "unauthorized")
    assert "令牌" in error["message"] and "token" in error["message_en"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_made_up_or_malformed_token_is_401(client):
    for header in ("Bearer bjgh_" + "x" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "):
        response = client.get("/api/v1/nominations", headers={"Authorization": header})
        assert error_of(response, 401)["code"] in {"unauthorized", "invalid_token"}


def test_the_login_cookie_is_not_accepted(client, world, login):
    login(world.users.enterprise)
    error_of(client.get("/api/v1/nominations"), 401, "unauthorized")


def test_a_role_without_access_is_403(client, world, bearer):
    error = error_of(client.get("/api/v1/judging/assignments", headers=bearer(world.users.enterprise)),
                     403, "role_required")
    assert error["details"] == {"roles": ["judge"]}


def test_unknown_addresses_are_404_and_wrong_methods_405_in_json(client):
    error_of(client.get("/api/v1/no-such-thing"), 404, "not_found")
    error_of(client.get("/api/v1/craftsmen/999999"), 404, "not_found")
    response = client.delete("/api/v1/craftsmen")
    error_of(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


def test_malformed_json_is_400_and_nothing_changes(app, client, nominate):
    for body in ("{", '{"cycle_id": 1,}', "[1, 2", "NaN", '{"a": Infinity}', "\xff\xfe"):
        error_of(nominate(client, body), 400, "malformed_json")
    error_of(nominate(client, ""), 400, "malformed_json")
    error_of(nominate(client, "[" * 50_000 + "]" * 50_000), 413)
    error_of(nominate(client, "[" * 30_000 + "]" * 30_000), 400, "malformed_json")
    with app.app_context():
        assert _nominations() == 0


def test_a_body_that_is_not_json_is_415(client, nominate):
    error_of(nominate(client, "cycle_id=1", content_type="application/x-www-form-urlencoded"), 415,
             "unsupported_media_type")
    error_of(nominate(client, "<a/>", content_type="text/xml"), 415)
    error_of(nominate(client, json.dumps({"cycle_id": 1}), content_type=None), 415)


def test_wrong_types_are_422_with_every_field_named(app, client, nominate):
    response = nominate(client, json.dumps({"cycle_id": "1", "worker_id": 1.5, "statement": 7, "extra": True}))
    error = error_of(response, 422, "validation_failed")
    problems = {item["field"]: item for item in error["details"]["fields"]}
    assert set(problems) == {"cycle_id", "worker_id", "occupation_id", "statement", "extra"}
    assert problems["cycle_id"]["message"] == "应为整数"
    assert problems["cycle_id"]["message_en"] == "Not a valid integer."
    assert problems["occupation_id"]["message"] == "缺少必填字段"
    assert problems["extra"]["message"] == "未知字段"
    assert all(item["location"] == "body" for item in problems.values())
    error_of(nominate(client, json.dumps([1, 2])), 422)
    error_of(nominate(client, "null"), 422)
    with app.app_context():
        assert _nominations() == 0


def test_bad_query_parameters_are_422(client):
    error = error_of(client.get("/api/v1/craftsmen?page=0&per_page=1000&sort=salary&year=abc"), 422)
    fields = {item["field"] for item in error["details"]["fields"]}
    assert fields == {"page", "per_page", "sort", "year"}
    assert all(item["location"] == "query" for item in error["details"]["fields"])
    error_of(client.get("/api/v1/craftsmen?page=2.5"), 422)
    # A mistyped parameter is refused rather than silently ignored.
    error = error_of(client.get("/api/v1/craftsmen?pgae=2"), 422)
    assert error["details"]["fields"] == [{"field": "pgae", "location": "query", "message": "未知字段",
                                           "message_en": "Unknown field."}]


def test_a_huge_payload_is_413_and_nothing_changes(app, client, nominate):
    statement = "长" * 70_000
    response = nominate(client, json.dumps({"cycle_id": 1, "worker_id": 1, "occupation_id": 1,
                                            "statement": statement}))
    error = error_of(response, 413, "payload_too_large")
    assert error["details"] == {"max_bytes": 64 * 1024}
    with app.app_context():
        assert _nominations() == 0


def test_a_body_without_content_length_is_cut_at_the_limit(app, client, world, bearer):
    import io

    body = b'{"statement": "' + b"x" * 100_000 + b'"}'
    environ = {"wsgi.input_terminated": True}
    response = client.post("/api/v1/nominations", input_stream=io.BytesIO(body), environ_overrides=environ,
                           headers={**bearer(world.users.enterprise), "Content-Type": "application/json",
                                    "Transfer-Encoding": "chunked"})
    error_of(response, 413, "payload_too_large")
    with app.app_context():
        assert _nominations() == 0


def test_csrf_does_not_apply_to_the_api(app, client, nominate):
    # The app checks CSRF everywhere else; no token is sent here and none is asked for.
    assert app.config["WTF_CSRF_ENABLED"]
    assert nominate(client, json.dumps({})).status_code == 422


def test_rate_limit_per_token_is_429_in_json(app, client, world, bearer):
    headers = bearer(world.users.enterprise)
    app.config["API_RATE_LIMIT_PER_TOKEN"] = "3 per minute"
    try:
        for _ in range(3):
            assert client.get("/api/v1/nominations", headers=headers).status_code == 200
        response = client.get("/api/v1/nominations", headers=headers)
        error_of(response, 429, "rate_limited")
        assert "Retry-After" in response.headers
        # Another token of another user has its own allowance.
        assert client.get("/api/v1/nominations", headers=bearer(world.users.other_enterprise)).status_code == 200
    finally:
        app.config["API_RATE_LIMIT_PER_TOKEN"] = "300 per minute"


def test_an_unexpected_failure_is_500_in_json_without_details(app, client, monkeypatch):
    from api import craftsmen_api

    def explode(**_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(craftsmen_api.registry, "registry_query", explode)
    error = error_of(client.get("/api/v1/craftsmen"), 500, "internal_error")
    assert error["details"] is None and "secret" not in json.dumps(error)


def test_messages_are_chinese_and_english_whatever_the_client_language(client):
    for language in ("en", "zh-CN"):
        error = error_of(client.get("/api/v1/no-such-thing", headers={"Accept-Language": language}), 404)
        assert error["message"] == "请求的资源不存在"
        assert error["message_en"] == "The requested resource does not exist."


def test_public_routes_ignore_cookies_and_bad_tokens(client):
    assert client.get("/api/v1/craftsmen", headers={"Authorization": "Bearer wrong"}).status_code == 200



def test_english_messages_never_carry_chinese_even_from_an_untranslated_refusal(app):
    import re

    from api.errors import domain_error, error_response
    from core.errors import DomainError

    refusal = DomainError("该职工本周期已被推荐")  # a message rendered before it reached the API
    refusal.reasons = ["从业年限不足 5 年"]
    with app.test_request_context("/api/v1/nominations", headers={"Accept-Language": "en"}):
        error = error_response(domain_error(refusal)).get_json()["error"]
    assert error["message"] == "该职工本周期已被推荐"
    assert error["details"]["reasons"] == ["从业年限不足 5 年"]
    chinese = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
    assert error["message_en"] and not chinese.search(error["message_en"])
    assert error["details"]["reasons_en"] and not any(chinese.search(r) for r in error["details"]["reasons_en"])


@pytest.mark.parametrize("path, allowed", [
    ("/api/v1/nominations", {"GET", "POST"}),
    ("/api/v1/nominations/1", {"GET", "PATCH"}),
    ("/api/v1/openapi.json", {"GET"}),
    ("/api/v1/craftsmen", {"GET"}),
])
def test_options_lists_only_the_methods_the_path_serves(client, path, allowed):
    response = client.open(path, method="OPTIONS")
    assert response.status_code == 204
    advertised = {m.strip() for m in response.headers["Allow"].split(",")}
    assert advertised == allowed | {"HEAD", "OPTIONS"}
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed:
        assert client.open(path, method=method).status_code == 405


def test_options_on_an_unknown_address_is_the_json_404(client):
    response = client.open("/api/v1/no-such-operation", method="OPTIONS")
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize("query", ["q=%00", "q=%E9%92%B3%00", "occupation=%00"])
def test_a_nul_byte_in_a_text_filter_is_a_validation_error_not_a_range_error(client, world, query):
    response = client.get(f"/api/v1/craftsmen?{query}")
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] != "out_of_range"
    assert "NUL" in json.dumps(body, ensure_ascii=False)
