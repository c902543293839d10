"""The studio state machine: every move of the table is allowed and audited as
``studio.<action>``; every other move is refused with a Chinese message and changes nothing."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from innovation_studios.studios.models import StudioState
from innovation_studios.studios.states import STUDIO_TRANSITIONS, IllegalTransition
from innovation_studios.studios.transitions import move_studio
from tests.innovation_studios.factories import make_studio, user

ILLEGAL = [(a, b) for a, b in itertools.product(StudioState, StudioState) if (a, b) not in STUDIO_TRANSITIONS]


@pytest.mark.parametrize(("source", "target"), list(STUDIO_TRANSITIONS), ids=lambda s: s.value)
def test_every_allowed_move_changes_the_state_and_is_audited(app, world, source, target):
    with app.app_context():
        studio = make_studio(world, source)
        action = move_studio(studio, target, by=user(world.users.admin), note="说明")
        db.session.commit()
        assert studio.state_enum is target and action == STUDIO_TRANSITIONS[(source, target)]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.target_type == "Studio"))
        assert entry.action == f"studio.{action}" and entry.changes["state"] == [source.value, target.value]


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=lambda s: s.value)
def test_every_other_move_is_refused(app, world, source, target):
    with app.app_context():
        studio = make_studio(world, source)
        with pytest.raises(IllegalTransition, match="不能变为"):
            move_studio(studio, target, by=user(world.users.admin))
        assert studio.state_enum is source
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.target_type == "Studio")) is None
