"""Pooled database connections are checked only after sitting idle: a busy request runs no
housekeeping query, and a connection dropped while idle never reaches a request."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from core import create_app
from core.extensions import db


@pytest.fixture
def pinged(database_url, monkeypatch):
    """An app whose pool pings connections idle for ``idle`` seconds, and the pings it sent."""
    sent: list[int] = []

    def make(idle: float):
        app = create_app("testing", {"DATABASE_URL": database_url, "DATABASE_PING_IDLE_SECONDS": idle})
        with app.app_context():
            dialect = db.engine.dialect
            real = dialect.do_ping
            monkeypatch.setattr(dialect, "do_ping", lambda connection: sent.append(1) or real(connection))
        return app

    return make, sent


def _query(app) -> int:
    with app.app_context():
        value = db.session.execute(text("SELECT 1")).scalar()
        db.session.remove()
        return value


def test_a_connection_in_steady_use_is_not_pinged(pinged):
    make, sent = pinged
    app = make(idle=60)
    for _ in range(5):
        assert _query(app) == 1
    assert sent == []


def test_a_connection_idle_longer_than_the_setting_is_pinged_before_use(pinged):
    make, sent = pinged
    app = make(idle=0)
    _query(app)  # opens the connection: nothing to check yet
    _query(app)
    _query(app)
    assert len(sent) == 2


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="needs a PostgreSQL server whose backend can be ended")
def test_a_connection_dropped_while_idle_is_replaced_before_a_request_uses_it(pinged):
    make, _sent = pinged
    app = make(idle=0)
    with app.app_context():
        dropped = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
        outside = create_engine(db.engine.url, poolclass=NullPool)  # not from the app's pool
        with outside.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        outside.dispose()
        time.sleep(0.5)  # the backend ends on its signal, a moment later
        pids = set()
        for _ in range(3):
            pids.add(db.session.execute(text("SELECT pg_backend_pid()")).scalar())
            db.session.remove()
    assert dropped not in pids


def test_a_worker_forked_after_the_app_was_made_opens_its_own_connections(database_url):
    """gunicorn's preload_app forks the workers from the process that created the app: a worker
    never uses the connections it inherited (the parent, or a sibling, may be using them), and
    the parent keeps them open."""
    app = create_app("testing", {"DATABASE_URL": database_url})
    assert _query(app) == 1
    with app.app_context():
        engine = db.engine
    inherited = engine.pool.checkedin()
    assert inherited >= 1
    child = os.fork()
    if child == 0:  # the worker: a fresh pool, and a query on a connection of its own
        try:
            fresh = engine.pool.checkedin() == 0 and _query(app) == 1
        finally:
            os._exit(0 if fresh else 1)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert engine.pool.checkedin() == inherited and _query(app) == 1
