"""The embedded SQLite database holds references as PostgreSQL does: a row whose parent is
missing is refused, deleting a parent cascades where the schema says so, and running the
migrations (which turn the check off while they copy tables) leaves the app's connections
checking again."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core import create_app
from core.accounts.models import User, UserRole
from core.extensions import db
from core.roles import Role
from tests import factories


def test_a_row_whose_parent_is_missing_is_refused(app):
    with app.app_context():
        db.session.add(UserRole(user_id=2_000_000_000, role=Role.ADMIN.value))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_deleting_a_user_deletes_their_roles_as_the_schema_says(app):
    with app.app_context():
        user = factories.user("fk_user", [Role.ADMIN])
        db.session.commit()
        user_id = user.id
        db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user_id})
        db.session.commit()
        assert db.session.scalars(select(UserRole).where(UserRole.user_id == user_id)).all() == []
        assert db.session.get(User, user_id) is None


def test_after_the_migrations_the_apps_sqlite_connections_check_foreign_keys_again(tmp_path):
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})
    with app.app_context():
        flask_migrate.upgrade()
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.add(UserRole(user_id=2_000_000_000, role=Role.ADMIN.value))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.engine.dispose()


def test_a_migration_that_copies_a_table_other_rows_refer_to_keeps_them(tmp_path):
    """9fbdfd6c98b2 adds a column to ``users`` by copying the table (SQLite's batch mode):
    with foreign keys checked during it, dropping the old ``users`` would fail on the roles
    that refer to it."""
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp_path / 'copied.sqlite3'}"})
    with app.app_context():
        flask_migrate.upgrade()
        user_id = factories.user("fk_copied", [Role.ADMIN]).id
        db.session.commit()
        db.session.remove()
        flask_migrate.downgrade(revision="d4e19c7a5b20")
        flask_migrate.upgrade()
        assert db.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)).all() == [
            Role.ADMIN.value]
        db.engine.dispose()
