"""Moving studios through their state machine, with the audit entry."""

from __future__ import annotations

from core.audit import services as audit
from core.extensions import db
from innovation_studios import certificates as studio_certificates
from innovation_studios import states
from innovation_studios.models import Studio, StudioState


def move_studio(studio: Studio, target: StudioState, *, by, note: str | None = None,
                changes: dict | None = None) -> str:
    """Change a studio's state if the table allows it; returns the action name."""
    action = states.studio_action(studio.state, target)
    old = studio.state
    studio.state = target.value
    if note is not None:
        studio.decision_note = note
    db.session.flush()
    recorded = {"state": [old, target.value]}
    if note:
        recorded["note"] = [None, note[:500]]
    recorded.update(changes or {})
    audit.record(f"studio.{action}", studio, by=by, changes=recorded)
    studio_certificates.after_move(studio, action, by=by, note=note)  # naming issues, delisting revokes
    return action
