"""Moving studios through their state machine, with the audit entry and the certificates."""

from __future__ import annotations

from innovation_studios import certificates as studio_certificates
from innovation_studios.studios import states
from innovation_studios.studios.models import Studio, StudioState


def move_studio(studio: Studio, target: StudioState, *, by, note: str | None = None,
                changes: dict | None = None) -> str:
    """Change a studio's state if the table allows it; returns the action name. Naming issues
    the studio's certificate, delisting revokes it."""
    action = states.STUDIO.move(studio, target, by=by, note=note, changes=changes)
    studio_certificates.after_move(studio, action, by=by, note=note)
    return action
