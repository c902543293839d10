"""Fixtures in the flaskr style: ``app``, ``client``, ``world`` (a small realistic setup)
and ``login``. The suite runs on SQLite by default and on PostgreSQL when
``TEST_DATABASE_URL`` points at one."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import make_url

from core import create_app, public_cache
from core.extensions import db, limiter
from tests import factories
from tests.databases import fresh_postgres_database

# Property tests judge results, not speed: on a busy 2-core machine Hypothesis's timing checks
# (slow data generation, per-example deadline) would fail correct code.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """SQLite in a temporary folder, or ``TEST_DATABASE_URL``'s PostgreSQL database; under
    pytest-xdist (``-n``) each worker has a database of its own beside that one on its server
    (``<name>_gw0``, ...), made for the session and dropped after it."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    elif not worker:
        yield url
    else:
        with fresh_postgres_database(url, f"{make_url(url).database}_{worker}") as worker_url:
            yield worker_url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app("testing", {"DATABASE_URL": database_url,
                                 "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads"))})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables() -> None:
    """Delete every row, children first; raw SQL so the audit log's ORM guard does not apply."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    with app.app_context():
        _empty_all_tables()
        public_cache.forget_everything()
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> SimpleNamespace:
    """Two districts, an industry union, three enterprises, workers and one user per role."""
    with app.app_context():
        return factories.build_world()


@pytest.fixture
def login(client):
    """Log ``client`` in as a user (by id) without posting the form: fast and direct."""

    def _login(user_id: int, as_client=None):
        target = as_client or client
        with target.application.app_context():
            from core.accounts.models import User

            user = db.session.get(User, user_id)
            cookie_id = user.get_id()
        with target.session_transaction() as session:
            session["_user_id"] = cookie_id
            session["_fresh"] = True
        return target

    return _login


@functools.cache
def production_seal_env() -> dict[str, str]:
    """Environment settings of a certificate PDF seal (key and self-signed certificate, PEM), as
    production requires them."""
    from certificates import sealing

    seal = sealing.self_signed("北京市总工会")
    return {"CERTIFICATE_PDF_KEY": seal.key_pem.decode(), "CERTIFICATE_PDF_CERT": seal.chain_pem.decode()}


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token from its form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
