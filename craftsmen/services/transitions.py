"""Moving nominations and cycles through their state machines, with the audit entry."""

from __future__ import annotations

from craftsmen import states
from craftsmen.models import CycleStatus, Nomination, NominationState, SelectionCycle


def move_nomination(nomination: Nomination, target: NominationState, *, by, note: str | None = None,
                    changes: dict | None = None) -> str:
    """Change a nomination's state if the table allows it; returns the action name."""
    return states.NOMINATION.move(nomination, target, by=by, note=note, changes=changes)


def move_cycle(cycle: SelectionCycle, target: CycleStatus, *, by) -> str:
    return states.CYCLE.move(cycle, target, by=by)
