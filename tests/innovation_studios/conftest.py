"""Fixtures for innovation studios; the builders are in :mod:`tests.innovation_studios.factories`."""

from __future__ import annotations

import pytest

from core.extensions import db
from tests.innovation_studios.factories import make_studio


@pytest.fixture
def named_studio(app, world) -> int:
    """The id of a named city-level 职工创新工作室 of ``world.ent_a`` led by ``world.worker_a``."""
    with app.app_context():
        studio = make_studio(world, "named")
        db.session.commit()
        return studio.id


@pytest.fixture
def applied_studio(app, world) -> int:
    """The id of a studio of ``world.ent_a`` waiting for its union's check."""
    with app.app_context():
        studio = make_studio(world, "applied")
        db.session.commit()
        return studio.id


@pytest.fixture
def no_csrf(app):
    """Route tests post forms without fetching a CSRF token first."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True
