"""What the benchmarks share: a throwaway database and fast bulk inserts."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import insert

from core.config import normalise_database_url
from core.extensions import db


@contextmanager
def database(name: str):
    """(backend, url, engine options) of a throwaway database, removed afterwards.

    SQLite in a temporary folder by default; with BENCH_DATABASE_URL, a fresh schema ``name``
    in that PostgreSQL database, dropped at the end (``public`` stays on the search path for the
    extensions installed there, such as ``pg_trgm`` and ``btree_gin``).
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield "sqlite", f"sqlite:///{tmp}/bench.sqlite3", {}
        return
    schema = f"{name}_{os.getpid()}"
    admin = sa.create_engine(normalise_database_url(url))
    with admin.begin() as connection:
        # in public, not in the first schema on the path (which is dropped with its tables)
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public"))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield "postgresql", url, {"connect_args": {"options": f"-csearch_path={schema},public"}}
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bulk_insert(model, rows: list[dict], *, returning: bool = True, batch: int = 5_000) -> list[int]:
    """Insert ``rows`` one statement per batch; returns the new ids in order when asked."""
    ids: list[int] = []
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        if returning:
            ids += db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                                      chunk).all()
        else:
            db.session.execute(insert(model), chunk)
    return ids


def medians_ms(fn, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU time of ``fn`` in milliseconds, after one warm-up call
    (templates compiled, caches filled). The CPU time (of this process: the app and the SQLite
    engine, not a PostgreSQL server) shows the work's own cost when other processes share the
    machine."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def median_ms(fn, repeat: int) -> float:
    """Median wall-clock time of ``fn`` in milliseconds, after one warm-up call."""
    return medians_ms(fn, repeat)[0]


def log_in(client, user):
    """Sign ``client`` in as ``user`` (a User) without the login form; returns the client."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
