"""The event state machine of skills competitions, one table in one place.

draft → registration → check-in → scoring → locked → rechecked → published

An illegal move raises :class:`IllegalTransition` with a Chinese message; it is never a
silent no-op. Conditions beyond the table (a complete scheme before scoring, every sheet
submitted before lock, ...) are checked by the service that makes the move.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competitions.models import EventState
from core.states import IllegalTransition, StateMachine

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


EVENT = StateMachine(
    "event", EventState, EVENT_TRANSITIONS,
    refusal=lambda a, b: _l("赛项当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))

#: The action name of a move, or IllegalTransition.
event_action = EVENT.action
#: The state an event moves to next (the machine is a line), or None at the end.
next_state = EVENT.next_state

__all__ = ["EVENT", "EVENT_TRANSITIONS", "IDENTITIES_REVEALED_STATES", "SCORING_STATES",
           "SETTINGS_EDITABLE_STATES", "IllegalTransition", "event_action", "next_state"]
