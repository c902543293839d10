"""Databases of the suite's own beside the one ``TEST_DATABASE_URL`` names, on its server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import create_engine, make_url, text

from core.config import normalise_database_url


@contextlib.contextmanager
def fresh_postgres_database(url: str, name: str) -> Iterator[str]:
    """The URL of a new, empty database ``name`` on ``url``'s PostgreSQL server (one left by an
    interrupted run is replaced), dropped afterwards."""
    base = make_url(normalise_database_url(url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
