"""What the benchmarks share: a throwaway database and fast bulk inserts."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import insert

from core.config import normalise_database_url
from core.extensions import db


@contextmanager
def database(name: str):
    """(backend, url, engine options) of a throwaway database, removed afterwards.

    SQLite in a temporary folder by default; with BENCH_DATABASE_URL, a fresh schema ``name``
    in that PostgreSQL database, dropped at the end.
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield "sqlite", f"sqlite:///{tmp}/bench.sqlite3", {}
        return
    schema = f"{name}_{os.getpid()}"
    admin = sa.create_engine(normalise_database_url(url))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield "postgresql", url, {"connect_args": {"options": f"-csearch_path={schema}"}}
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
