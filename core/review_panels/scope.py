"""What a feature tells the panel engine about its panels: one :class:`PanelScope`.

The engine (:mod:`core.review_panels.services`) knows panels, sheets, conflicts and scoring;
a feature knows what its panels score. A feature describes that once — which records a panel
scores, how to find, name and link one, when scoring is open, and why a record may not be
scored now — and registers it (:func:`register_scope`). From that one description the engine
serves every expert's and lead's action on a record, the experts' task lists, the shared pages
(:mod:`core.review_panels.views`) and the workbench's counts (:mod:`core.review_panels.workbench`):

    SCOPE = PanelScope("studio_batch", "studio", subject_of=..., is_subject=..., ...)
    SCOPE.save_sheet(panel, studio, expert, marks, submit=True)

Conflicts of interest are the engine's rule for every scope: an expert employed by the
subject's enterprise (``Subject.enterprise_id``) steps aside, and any expert may declare one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from core.errors import DomainError
from core.extensions import db
from core.review_panels import services as panels
from core.review_panels.models import ReviewPanel

R = TypeVar("R")


@dataclass(frozen=True)
class PanelScope(Generic[R]):
    """A feature's panels.

    ``name`` is :attr:`ReviewPanel.scope` and ``subject_type`` the engine's subject type of its
    records; ``subject_of(record)`` the engine's subject; ``load(id)`` a record by id (None if
    there is none); ``name_of(record)`` and ``owner_of(record)`` how pages name it and its
    enterprise; ``records(panel)`` what the panel scores now, in the order pages list them;
    ``is_subject(panel, record)`` whether the panel scores the record; ``is_open(panel)``
    whether its experts may score now; ``closed_reason(record)`` why the record may not be
    scored now (None: it may); ``outside`` the message for a record of another panel;
    ``panel_for(record)`` the panel that scores the record.

    Links: ``endpoint`` is the blueprint that serves the scope's review pages, whose URLs name
    the panel and the record ``panel_arg`` and ``subject_arg``. The workbench counts what each
    panel scores now with ``open_subjects()`` (a select of ``panel_id``, ``subject_id`` and
    ``enterprise_id``) and calls a panel with unresolved disagreements ``flags_title``.
    """

    name: str
    subject_type: str
    subject_of: Callable[[R], panels.Subject]
    load: Callable[[int], R | None]
    name_of: Callable[[R], str]
    owner_of: Callable[[R], str]
    records: Callable[[ReviewPanel], list[R]]
    is_subject: Callable[[ReviewPanel, R], bool]
    is_open: Callable[[ReviewPanel], bool]
    closed_reason: Callable[[R], Any]
    outside: Any
    panel_for: Callable[[R], ReviewPanel | None]
    endpoint: str
    open_subjects: Callable[[], Select]
    flags_title: Any
    panel_arg: str = "panel_id"
    subject_arg: str = "subject_id"

    # Links (inside a request) -----------------------------------------------------------------

    def sheet_url(self, panel: ReviewPanel, subject_id: int, action: str = "sheet") -> str:
        """The score sheet of one record (``action``: or its conflict, resolve, reopen URL)."""
        args: dict[str, Any] = {self.panel_arg: panel.id, self.subject_arg: subject_id}
        return url_for(f"{self.endpoint}.{action}", **args)

    def flags_url(self, panel_id: int) -> str:
        args: dict[str, Any] = {self.panel_arg: panel_id}
        return url_for(f"{self.endpoint}.flags", **args)

    def tasks_url(self) -> str:
        return url_for(f"{self.endpoint}.expert_tasks")

    # Actions ----------------------------------------------------------------------------------

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

    # Reading ----------------------------------------------------------------------------------

    def on_panel(self, user, record: R) -> bool:
        """Whether ``user`` sits on the panel that scores ``record`` and need not step aside."""
        panel = self.panel_for(record)
        return (panel is not None and self.is_subject(panel, record) and user.id in panel.member_ids()
                and panels.exclusion_reason(panel, user, self.subject_of(record)) is None)

    def results(self, panel: ReviewPanel) -> list[tuple[R, panels.SubjectResult]]:
        """Every record the panel scores now with its result (three queries for the sheets)."""
        records = self.records(panel)
        state = panels.PanelState(panel, [self.subject_of(r) for r in records])
        return [(r, state.result(self.subject_of(r))) for r in records]

    def tasks_for(self, user) -> list[panels.PanelTasks]:
        """Every record of every panel of this scope ``user`` sits on, with where they stand."""
        found = []
        for panel in panels.panels_of(user, self.name):
            records = self.records(panel)
            state = panels.PanelState(panel, [self.subject_of(r) for r in records])
            group = panels.PanelTasks(panel=panel, is_open=self.is_open(panel))
            if panel.lead_user_id == user.id:
                group.flags_url = self.flags_url(panel.id)
                group.lead_flags = sum(state.result(self.subject_of(r)).needs_lead for r in records)
            for record in records:
                subject = self.subject_of(record)
                status = state.status(user, subject)
                sheet = state.sheet(user, subject)
                reason = (state.exclusion_reason(user, subject) if status is panels.SheetStatus.EXCLUDED
                          else sheet.reopen_reason if status is panels.SheetStatus.REOPENED and sheet is not None
                          else None)
                group.tasks.append(panels.Task(panel=panel, subject=subject, status=status, reason=reason,
                                               url=self.sheet_url(panel, subject.id), is_open=group.is_open,
                                               name=self.name_of(record), owner=self.owner_of(record)))
            found.append(group)
        return found


_SCOPES: dict[str, PanelScope] = {}


def register_scope(scope: PanelScope) -> None:
    """Make the scope's panels count on the workbench and in the deadline reminders."""
    _SCOPES[scope.name] = scope


def registered_scopes() -> list[PanelScope]:
    return list(_SCOPES.values())


def scope_named(name: str) -> PanelScope | None:
    return _SCOPES.get(name)
