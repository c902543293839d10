"""Production refuses what is only safe on a developer's machine: HTTPS deployments get secure
cookies and HSTS without being told, and the demo data (public passwords) never loads."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from core import create_app
from core.extensions import db
from tests.conftest import production_seal_env


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """The environment of a correctly configured single-process production start."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ID_LOOKUP_KEY", "l" * 48)
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", "Y2VydGlmaWNhdGUtc2lnbmluZy1rZXktMzItYnl0ZXM=")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://gj.example.org")
    for name, value in production_seal_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("RATELIMIT_SINGLE_PROCESS", "true")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    return monkeypatch


def test_https_public_address_means_secure_cookies_and_hsts_by_default(production_env):
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/login", base_url="https://gj.example.org")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_address_keeps_cookies_usable_without_https(production_env):
    production_env.setenv("PUBLIC_BASE_URL", "http://10.0.0.5:8000")
    app = create_app("production")
    assert not app.config["SESSION_COOKIE_SECURE"] and not app.config["HSTS_ENABLED"]


def test_secure_cookies_can_still_be_turned_off_explicitly(production_env):
    production_env.setenv("SESSION_COOKIE_SECURE", "false")
    assert not create_app("production").config["SESSION_COOKIE_SECURE"]


def test_seed_demo_is_refused_under_the_production_profile(production_env):
    from core.accounts.models import User

    app = create_app("production")
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "生产环境" in result.output and "flask create-admin" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.drop_all()
        db.engine.dispose()
