"""State machines as data: one type for every feature's transition table.

A feature declares its machine once, e.g.::

    NOMINATION = StateMachine("nomination", NominationState, {
        (N.DRAFT, N.SUBMITTED): "submit", ...},
        refusal=lambda a, b: _l("提名当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))

and its services move records with ``NOMINATION.move(nomination, N.SUBMITTED, by=user)``: the
table is checked (an illegal move raises :class:`IllegalTransition`, never a silent no-op), the
state column changes, the session flushes, and one audit entry ``<name>.<action>`` records the
move with its note and any further changes. A machine may add hooks run after every move (e.g.
the studio's certificates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, Generic, TypeVar

from core.errors import DomainError

S = TypeVar("S", bound=Enum)

#: Called after a move with the record, the action name, the acting user and the note.
AfterMove = Callable[[Any, str, Any, "str | None"], None]


class IllegalTransition(DomainError):
    """A state change the transition table does not allow."""


class StateMachine(Generic[S]):
    """One transition table: ``(from, to) -> action name`` over the enum ``states``.

    ``name`` prefixes the audit actions (``nomination.submit``); ``field`` is the record's
    state column; ``refusal(a, b)`` builds the user's message from the two states' labels;
    ``note_field`` (optional) is where a move's note is kept on the record.
    """

    def __init__(self, name: str, states: type[S], transitions: dict[tuple[S, S], str], *,
                 refusal: Callable[[Any, Any], Any], field: str = "state",
                 note_field: str | None = None, after_move: Iterable[AfterMove] = ()) -> None:
        self.name = name
        self.states = states
        self.transitions = transitions
        self.refusal = refusal
        self.field = field
        self.note_field = note_field
        self.after_move: list[AfterMove] = list(after_move)

    def action(self, current: str | S, target: S) -> str:
        """The action name of moving from ``current`` to ``target``, or raise IllegalTransition."""
        source = self.states(current)
        try:
            return self.transitions[(source, target)]
        except KeyError:
            raise IllegalTransition(self.refusal(_label(source), _label(target))) from None

    def allows(self, current: str | S, target: S) -> bool:
        return (self.states(current), target) in self.transitions

    def targets(self, current: str | S) -> list[S]:
        """The states the table allows moving to from ``current``, in the table's order."""
        source = self.states(current)
        return [to for (frm, to) in self.transitions if frm == source]

    def next_state(self, current: str | S) -> S | None:
        """The first state reachable from ``current`` (for machines that are a line)."""
        targets = self.targets(current)
        return targets[0] if targets else None

    def move(self, record, target: S, *, by, note: str | None = None,
             changes: dict | None = None) -> str:
        """Change ``record``'s state if the table allows it, flush, audit; returns the action."""
        from core.audit import services as audit
        from core.extensions import db

        action = self.action(getattr(record, self.field), target)
        old = getattr(record, self.field)
        setattr(record, self.field, target.value)
        if note is not None and self.note_field:
            setattr(record, self.note_field, note)
        db.session.flush()
        recorded: dict[str, Any] = {self.field: [old, target.value]}
        if note:
            recorded["note"] = [None, note[:500]]
        recorded.update(changes or {})
        audit.record(f"{self.name}.{action}", record, by=by, changes=recorded)
        for hook in self.after_move:
            hook(record, action, by, note)
        return action


def _label(state: Enum) -> Any:
    return getattr(state, "label", state.value)
