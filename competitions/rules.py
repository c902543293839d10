"""Who may do what in skills competitions: plain ``can_*`` functions.

Anonymity is decided here and nowhere else: judges and scoring screens know contestants by
their blind numbers only; the administrator holds the key (number ↔ person); names appear
beside numbers for others only once the chief judge has locked the event. Enterprises know
their own contestants by name but never learn their blind numbers before the lock, so they
cannot pass them to a judge.
"""

from __future__ import annotations

from competitions.states import IDENTITIES_REVEALED_STATES
from core.roles import Role


def can_manage_competitions(user) -> bool:
    """Create competitions and events, build marking schemes, move events."""
    return user.has_role(Role.ADMIN)


def holds_blind_key(user) -> bool:
    """The administrator sees which person stands behind which blind number at any time."""
    return user.has_role(Role.ADMIN)


def can_see_identities(user, event) -> bool:
    """Names beside blind numbers: the key holder always, everyone else from the lock on."""
    return holds_blind_key(user) or event.state_enum in IDENTITIES_REVEALED_STATES


def can_see_blind_numbers(user, event, *, is_judge: bool = False) -> bool:
    """Blind numbers: the key holder, the event's judges (``is_judge``, decided by the caller
    from the judge assignments) and, from the lock on, everyone who may see the results."""
    return holds_blind_key(user) or is_judge or event.state_enum in IDENTITIES_REVEALED_STATES
