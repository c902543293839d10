"""`flask db upgrade` on an empty database builds exactly the schema the models describe,
on SQLite and on PostgreSQL, and downgrades cleanly."""

from __future__ import annotations

import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from core import create_app
from core.config import normalise_database_url
from core.extensions import db
from core.search_indexes import include_object
from tests.databases import fresh_postgres_database


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A brand-new empty database of the same kind as the suite's."""
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with fresh_postgres_database(database_url, f"migrations_{uuid.uuid4().hex[:8]}") as url:
        yield url


def test_upgrade_from_empty_matches_the_models_and_downgrade_removes_everything(empty_database_url):
    app = create_app("testing", {"DATABASE_URL": empty_database_url})
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                 "include_object": include_object})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        flask_migrate.downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()
