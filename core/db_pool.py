"""Checking pooled database connections without a query on every request.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` each time a request takes a connection from
the pool: one more round trip on every request, most of them on a connection that answered a
moment ago. Here a connection is pinged only when it sat unused in the pool for longer than
``DATABASE_PING_IDLE_SECONDS`` (the case where a restarted server or an idle-timeout firewall
has dropped it unnoticed); one found dead is replaced before the request sees it. A
connection that breaks while in steady use fails its statement, and SQLAlchemy then discards
every connection of the pool opened before it.

A process forked from one that created the app (gunicorn's ``preload_app``: the workers share
the master's memory instead of each building the app again) must not use the connections it
inherited, which the parent or a sibling may be using: :func:`dispose_after_fork` drops them
from the child's pools, without closing them, so that the child opens its own.

SQLite checks foreign keys only on connections that ask for it: :func:`sqlite_foreign_keys`
asks on every new connection, so that the embedded database refuses a dangling reference as
PostgreSQL does (migrations turn the check off while they run: see ``migrations/env.py``).
"""

from __future__ import annotations

import os
import time
import weakref

from sqlalchemy import event, exc


def sqlite_foreign_keys(engine) -> None:
    """Have every new SQLite connection of ``engine`` check foreign keys (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def check_foreign_keys(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Install the check on ``engine``'s pool (once; a disposed pool's successor keeps it)."""
    if engine.pool in _INSTALLED:
        return
    _INSTALLED.add(engine.pool)
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def returned(dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def taken(dbapi_connection, record, proxy) -> None:
        since = record.info.get("returned_at")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # just opened, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError() from error  # the pool replaces this connection
            raise


_INSTALLED: weakref.WeakSet = weakref.WeakSet()


_FORKED_ENGINES: weakref.WeakSet = weakref.WeakSet()


def dispose_after_fork(*engines) -> None:
    """Give a forked child fresh pools for ``engines`` (its parent's connections stay open)."""
    _FORKED_ENGINES.update(engines)


def _dispose_inherited_pools() -> None:
    for engine in list(_FORKED_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_inherited_pools)
