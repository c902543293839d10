"""What a feature tells the panel engine about its panels: one :class:`PanelScope`.

The engine (:mod:`core.review_panels.services`) knows panels, sheets, conflicts and scoring;
a feature knows what its panels score. A feature describes that once — the panels' scope
name, the engine's subject for one of its records, whether a record belongs to a panel, and
why a record may not be scored now — and every expert's and lead's action on a record goes
through the scope, the same way for every feature:

    SCOPE = PanelScope("studio_batch", subject_of=..., is_subject=..., closed_reason=...,
                       outside=_l("该申报不在本评审组的评审范围内"))
    SCOPE.save_sheet(panel, studio, expert, marks, submit=True)

The shared pages (:mod:`core.review_panels.views_helpers`) take the same scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.extensions import db
from core.review_panels import services as panels
from core.review_panels.models import ReviewPanel

R = TypeVar("R")


@dataclass(frozen=True)
class PanelScope(Generic[R]):
    """A feature's panels: ``name`` is :attr:`ReviewPanel.scope`; ``subject_of(record)`` the
    engine's subject; ``is_subject(panel, record)`` whether the panel scores the record;
    ``closed_reason(record)`` why it may not be scored now (None: it may); ``outside`` the
    message for a record of another panel; ``panel_for(record)`` (optional) the panel that
    scores the record."""

    name: str
    subject_of: Callable[[R], panels.Subject]
    is_subject: Callable[[ReviewPanel, R], bool]
    closed_reason: Callable[[R], Any]
    outside: Any
    panel_for: Callable[[R], ReviewPanel | None] | None = None

    def require_review(self, panel: ReviewPanel, record: R) -> panels.Subject:
        """The record's subject if ``panel`` may score it now; a DomainError otherwise."""
        if panel.scope != self.name or not self.is_subject(panel, record):
            raise DomainError(self.outside)
        reason = self.closed_reason(record)
        if reason:
            raise DomainError(reason)
        return self.subject_of(record)

    def save_sheet(self, panel: ReviewPanel, record: R, expert, marks: dict[str, str], *,
                   comment: str = "", submit: bool):
        subject = self.require_review(panel, record)
        return panels.save_sheet(panel, expert, subject, marks, comment=comment, submit=submit)

    def declare_conflict(self, panel: ReviewPanel, record: R, expert, reason: str) -> None:
        panels.declare_conflict(panel, expert, self.require_review(panel, record), reason)

    def resolve_disagreement(self, panel: ReviewPanel, record: R, note: str, *, by) -> None:
        panels.resolve_disagreement(panel, self.require_review(panel, record), note, by=by)

    def reopen_sheet(self, panel: ReviewPanel, record: R, expert_id: int, reason: str, *, by) -> None:
        """Send one expert's submitted sheet back to them (the lead, or an administrator)."""
        from core.accounts.models import User

        subject = self.require_review(panel, record)
        expert = db.session.get(User, expert_id or 0)
        if expert is None or expert.id not in panel.member_ids():
            raise DomainError(_l("请选择本评审组的专家"), field="expert_id")
        panels.reopen_sheet(panel, expert, subject, by=by, reason=reason)

    def on_panel(self, user, record: R) -> bool:
        """Whether ``user`` sits on the panel that scores ``record`` and need not step aside."""
        panel = self.panel_for(record) if self.panel_for is not None else None
        return (panel is not None and self.is_subject(panel, record) and user.id in panel.member_ids()
                and panels.exclusion_reason(panel, user, self.subject_of(record)) is None)
