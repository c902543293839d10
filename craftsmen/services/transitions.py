"""Moving nominations and cycles through their state machines, with the audit entry."""

from __future__ import annotations

from core.audit import services as audit
from core.extensions import db
from craftsmen import states
from craftsmen.models import CycleStatus, Nomination, NominationState, SelectionCycle


def move_nomination(nomination: Nomination, target: NominationState, *, by, note: str | None = None,
                    changes: dict | None = None) -> str:
    """Change a nomination's state if the table allows it; returns the action name."""
    action = states.nomination_action(nomination.state, target)
    old = nomination.state
    nomination.state = target.value
    if note is not None:
        nomination.decision_note = note
    db.session.flush()
    recorded = {"state": [old, target.value]}
    if note:
        recorded["note"] = [None, note[:500]]
    recorded.update(changes or {})
    audit.record(f"nomination.{action}", nomination, by=by, changes=recorded)
    return action


def move_cycle(cycle: SelectionCycle, target: CycleStatus, *, by) -> str:
    action = states.cycle_action(cycle.status, target)
    old = cycle.status
    cycle.status = target.value
    db.session.flush()
    audit.record(f"cycle.{action}", cycle, by=by, changes={"status": [old, target.value]})
    return action
