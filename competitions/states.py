"""The event state machine of skills competitions, one table in one place.

draft → registration → check-in → scoring → locked → rechecked → published

An illegal move raises :class:`IllegalTransition` with a Chinese message; it is never a
silent no-op. Conditions beyond the table (a complete scheme before scoring, every sheet
submitted before lock, ...) are checked by the service that makes the move.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competitions.models import EventState
from core.errors import DomainError

E = EventState

#: (from, to) -> the action's name, used in the audit trail as ``event.<action>``.
EVENT_TRANSITIONS: dict[tuple[EventState, EventState], str] = {
    (E.DRAFT, E.REGISTRATION): "open_registration",
    (E.REGISTRATION, E.CHECK_IN): "start_check_in",
    (E.CHECK_IN, E.SCORING): "start_scoring",
    (E.SCORING, E.LOCKED): "lock",
    (E.LOCKED, E.RECHECKED): "complete_recheck",
    (E.RECHECKED, E.PUBLISHED): "publish",
}

#: Settings (eligibility, dates, quota, award rules) may change only in these states.
SETTINGS_EDITABLE_STATES = frozenset({E.DRAFT, E.REGISTRATION})
#: From lock on, names may be revealed next to blind numbers in results.
IDENTITIES_REVEALED_STATES = frozenset({E.LOCKED, E.RECHECKED, E.PUBLISHED})
#: Marks may be entered and changed by judges (before lock) only in this state.
SCORING_STATES = frozenset({E.SCORING})


class IllegalTransition(DomainError):
    """A state change the table does not allow."""


def event_action(current: str, target: EventState) -> str:
    """The action name of moving an event from ``current`` to ``target``, or raise."""
    try:
        return EVENT_TRANSITIONS[(EventState(current), target)]
    except KeyError:
        raise IllegalTransition(_l("赛项当前为“%(a)s”，不能变为“%(b)s”",
                                   a=EventState(current).label, b=target.label)) from None


def next_state(current: str) -> EventState | None:
    """The state an event moves to next (the machine is a line), or None at the end."""
    for (source, target) in EVENT_TRANSITIONS:
        if source == current:
            return target
    return None
