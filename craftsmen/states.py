"""The two state machines of craftsman selection, each one table in one place.

Both are :class:`core.states.StateMachine` tables: an illegal move raises
:class:`IllegalTransition` with a Chinese message; it is never a silent no-op.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.states import IllegalTransition, StateMachine
from craftsmen.models import CycleStatus, NominationState

N = NominationState
C = CycleStatus

#: (from, to) -> the action's name, used in the audit trail as ``nomination.<action>``.
NOMINATION_TRANSITIONS: dict[tuple[NominationState, NominationState], str] = {
    (N.DRAFT, N.SUBMITTED): "submit",
    (N.RETURNED, N.SUBMITTED): "resubmit",
    (N.SUBMITTED, N.QUALIFIED): "qualify",
    (N.SUBMITTED, N.RETURNED): "return",
    (N.SUBMITTED, N.REJECTED): "reject",
    (N.RETURNED, N.REJECTED): "reject",  # the enterprise gave up correcting it
    (N.QUALIFIED, N.PROPOSED): "propose",
    (N.QUALIFIED, N.NOT_PROPOSED): "not_propose",
    (N.PROPOSED, N.NOT_PROPOSED): "unpropose",
    (N.NOT_PROPOSED, N.PROPOSED): "propose",
    (N.PROPOSED, N.QUALIFIED): "reset_proposal",
    (N.NOT_PROPOSED, N.QUALIFIED): "reset_proposal",
    (N.PROPOSED, N.WITHDRAWN): "withdraw",
    (N.PROPOSED, N.NAMED): "name",
    (N.NAMED, N.REVOKED): "revoke",
}

CYCLE_TRANSITIONS: dict[tuple[CycleStatus, CycleStatus], str] = {
    (C.DRAFT, C.NOMINATING): "open_nominations",
    (C.NOMINATING, C.REVIEWING): "start_review",
    (C.REVIEWING, C.NOTICE): "publish_notice",
    (C.NOTICE, C.REVIEWING): "reopen_review",
    (C.NOTICE, C.CLOSED): "close",
}

#: States in which a nominee belongs to the talent pool (人才库).
TALENT_POOL_STATES = frozenset({N.QUALIFIED, N.PROPOSED, N.NOT_PROPOSED, N.WITHDRAWN, N.NAMED,
                                N.REVOKED})
#: Their values in one fixed order, the order the pool's partial grams index names them in: a
#: query that writes ``state IN (...)`` the same way is recognised as the index's own condition
#: (a set's order changes from process to process, and another order is a second condition).
TALENT_POOL_STATE_VALUES = tuple(sorted(state.value for state in TALENT_POOL_STATES))
#: States in which the enterprise may still edit the nomination.
EDITABLE_STATES = frozenset({N.DRAFT, N.RETURNED})
#: Cycle phases before the 公示, in which how nominees are reviewed (panels, the competition
#: road) may still change.
BEFORE_NOTICE_STATUSES = (C.DRAFT, C.NOMINATING, C.REVIEWING)


NOMINATION = StateMachine(
    "nomination", NominationState, NOMINATION_TRANSITIONS, note_field="decision_note",
    refusal=lambda a, b: _l("提名当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))
CYCLE = StateMachine(
    "cycle", CycleStatus, CYCLE_TRANSITIONS, field="status",
    refusal=lambda a, b: _l("选树周期当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))

def review_phase_problem(cycle) -> str | None:
    """Why the review's outcome (standings, the proposed list) cannot be acted on in ``cycle``
    now; None while the cycle is in its review phase."""
    if cycle.status_enum is C.REVIEWING:
        return None
    return str(_l("选树周期不在评审阶段"))


#: The action name of a move, or IllegalTransition.
nomination_action = NOMINATION.action
cycle_action = CYCLE.action

__all__ = ["BEFORE_NOTICE_STATUSES", "CYCLE", "CYCLE_TRANSITIONS", "EDITABLE_STATES", "NOMINATION",
           "NOMINATION_TRANSITIONS", "TALENT_POOL_STATES", "TALENT_POOL_STATE_VALUES", "IllegalTransition",
           "cycle_action", "nomination_action",
           "review_phase_problem"]
