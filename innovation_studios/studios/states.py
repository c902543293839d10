"""The studio state machine, one table in one place.

applied → under review → named → (annual assessment) → rectification → named again or
delisted; returned and rejected on the way in. An illegal move raises
:class:`IllegalTransition` with a Chinese message; it is never a silent no-op.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.states import IllegalTransition, StateMachine
from innovation_studios.studios.models import StudioState

S = StudioState

#: (from, to) -> the action's name, used in the audit trail as ``studio.<action>``.
STUDIO_TRANSITIONS: dict[tuple[StudioState, StudioState], str] = {
    (S.DRAFT, S.APPLIED): "apply",
    (S.RETURNED, S.APPLIED): "reapply",
    (S.APPLIED, S.UNDER_REVIEW): "accept",        # the district or industry union's check passed
    (S.APPLIED, S.RETURNED): "return",
    (S.APPLIED, S.REJECTED): "reject",
    (S.UNDER_REVIEW, S.NAMED): "name",           # the administrator names it after the panel
    (S.UNDER_REVIEW, S.REJECTED): "reject",
    (S.UNDER_REVIEW, S.RETURNED): "return",
    (S.NAMED, S.RECTIFICATION): "start_rectification",   # graded 不合格 in an annual assessment
    (S.RECTIFICATION, S.NAMED): "pass_rectification",
    (S.RECTIFICATION, S.DELISTED): "delist",             # failed again
    (S.NAMED, S.DELISTED): "delist",                     # e.g. serious breach, by the administrator
}

#: States in which the enterprise may still edit the application.
EDITABLE_STATES = frozenset({S.DRAFT, S.RETURNED})
#: States of a named studio (listed in the public directory, may join an alliance).
NAMED_STATES = frozenset({S.NAMED, S.RECTIFICATION})


STUDIO = StateMachine(
    "studio", StudioState, STUDIO_TRANSITIONS, note_field="decision_note",
    refusal=lambda a, b: _l("工作室当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))

#: The action name of a move, or IllegalTransition.
studio_action = STUDIO.action

__all__ = ["EDITABLE_STATES", "NAMED_STATES", "STUDIO", "STUDIO_TRANSITIONS", "IllegalTransition",
           "studio_action"]
