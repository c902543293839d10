"""The expert-review pages, served by the engine for every feature with a panel.

A feature adds them to its own blueprint once (:func:`add_review_routes`) with its
:class:`~core.review_panels.scope.PanelScope` and a :class:`ReviewPages` (how the administrator
reaches the panel form, and its wording). The engine then serves, under the feature's URLs and
endpoint names:

* ``panel_form`` (administrators): the panel's experts, lead and deadline;
* ``expert_tasks``, ``sheet``, ``declare_conflict`` (experts): their panels' records, one score
  sheet per record, conflicts of interest;
* ``flags``, ``resolve``, ``reopen`` (the panel lead, or an administrator): flagged records,
  confirmed with a note or sent back for re-scoring.

Every route is guarded by role, then by ownership: an expert reaches only panels they sit on,
a lead only their own panel's flags. Pages are ``review_panels/<page>.html``; a feature that
has its own ``<templates>/<page>.html`` (extending the engine's, filling its blocks) gets that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.access import roles_required
from core.errors import DomainError
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.review_panels import rules as panel_rules
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels.forms import (
    MARK_PREFIX,
    ConflictForm,
    PanelForm,
    ReopenForm,
    ResolveForm,
    sheet_data,
    sheet_form,
    typed_marks,
)
from core.review_panels.models import ReviewPanel
from core.review_panels.scope import PanelScope, register_scope
from core.roles import Role
from core.timeutil import beijing_today

T = TypeVar("T")


@dataclass(frozen=True)
class ReviewPages(Generic[T]):
    """How a feature's review pages are reached and worded.

    The panel form is at ``panel_rule`` (relative to the blueprint); ``target(**view_args)``
    is what the panel is for (404 when there is none) and ``target_of(panel)`` the same from a
    panel; ``panel_of(target)`` its panel, if formed; ``form_panel(target, expert_ids, lead_id,
    by=...)`` forms or changes it; ``overlaps(target)`` counts the subjects per enterprise (whose
    experts step aside); ``rubric(target)`` and ``threshold(target)`` are shown before the panel
    exists; ``saved(target, panel)`` gives the message and the page after saving.

    A record's URL reads ``/panels/<panel>/<subject_path>/<record>``; ``form_prefix`` keeps the
    lead's forms apart on the flags page. ``overlap_note(n)`` words an expert's ``n`` overlapping
    subjects on the panel form, ``conflict_example`` the conflict form's example, ``tasks_title``
    names the experts' task list (and the way back to it); ``sheet_context(record)`` is what
    the feature's score-sheet page shows besides the engine's.
    """

    templates: str
    subject_path: str
    form_prefix: str
    panel_rule: str
    target: Callable[..., T]
    target_of: Callable[[ReviewPanel], T | None]
    panel_of: Callable[[T], ReviewPanel | None]
    form_panel: Callable[..., ReviewPanel]
    overlaps: Callable[[T], Mapping[int, int]]
    rubric: Callable[[T], Mapping]
    threshold: Callable[[T], Decimal]
    saved: Callable[[T, ReviewPanel], tuple[str, str]]
    overlap_note: Callable[[int], Any]
    conflict_example: Any
    tasks_title: Any
    sheet_context: Callable[[Any], dict] = lambda record: {}

    def render(self, name: str, **context) -> str:
        """The feature's own page ``name`` if it has one, else the engine's."""
        return render_template([f"{self.templates}/{name}", f"review_panels/{name}"],
                               tasks_title=self.tasks_title, tasks_url=url_for(f"{request.blueprint}.expert_tasks"),
                               **context)


@dataclass(frozen=True)
class FlagEntry:
    """One flagged record on the lead's page, with its result and links."""

    record: Any
    subject_id: int
    name: str
    owner: str
    result: panels.SubjectResult
    resolve_url: str
    reopen_url: str


def flash_form_errors(form) -> None:
    """For forms that redirect back: their errors (including a refusal) go to flashes."""
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def reopenable(sheets) -> list:
    """The sheets the current user may send back: never their own (the lead's own sheet goes
    back only at an administrator's request)."""
    return [s for s in sheets if s.user_id != current_user.id]


def lead_forms(flagged: Iterable[tuple[int, Sequence]], *, prefix: Callable[[int], str],
               posted_id: int | None = None, resolve_form=None, reopen_form=None) -> dict:
    """The lead's (resolve, reopen) forms per flagged subject id, from ``(id, sheets)`` pairs.
    One page shows a pair per subject: ``prefix(id)`` keeps their field ids apart. The form just
    posted for ``posted_id`` is shown as typed (with its errors), every other form starts empty."""
    forms = {}
    for subject_id, sheets in flagged:
        resolve = ResolveForm(formdata=None, prefix=prefix(subject_id))
        reopen = ReopenForm(formdata=None, prefix=prefix(subject_id), sheets=reopenable(sheets))
        if subject_id == posted_id:
            resolve, reopen = resolve_form or resolve, reopen_form or reopen
        forms[subject_id] = (resolve, reopen)
    return forms


class ReviewViews:
    """The engine's review pages for one scope (see the module's docstring)."""

    def __init__(self, scope: PanelScope, pages: ReviewPages):
        self.scope, self.pages = scope, pages

    # Loading ------------------------------------------------------------------------------------

    def _panel(self, args: dict, may: Callable) -> ReviewPanel:
        panel = db.get_or_404(ReviewPanel, args[self.scope.panel_arg])
        if panel.scope != self.scope.name:
            abort(404)
        if not may(current_user, panel):
            abort(403)
        return panel

    def _record(self, panel: ReviewPanel, args: dict):
        record = self.scope.load(args[self.scope.subject_arg])
        if record is None or not self.scope.is_subject(panel, record):
            abort(404)
        return record

    def _prefix(self, subject_id: int) -> str:
        return f"{self.pages.form_prefix}{subject_id}"

    # Administrators -----------------------------------------------------------------------------

    def panel_form(self, **args):
        """Form or change the panel of what ``args`` name (its experts, lead and deadline)."""
        pages = self.pages
        target = pages.target(**args)
        panel = pages.panel_of(target)
        form = self._panel_form(target, panel)
        if form.validate_on_submit():
            saved = commit_or_report(form, lambda: self._save_panel(target, form))
            if saved is not REFUSED:
                message, url = pages.saved(target, saved)
                flash(message, "success")
                return redirect(url)
        return pages.render("panel_form.html", form=form, panel=panel, target=target,
                            rubric=scoring.Rubric.from_data(panel.rubric if panel else pages.rubric(target)),
                            threshold=panel.disagreement_threshold if panel else pages.threshold(target))

    def _panel_form(self, target, panel: ReviewPanel | None) -> PanelForm:
        """Every active expert, plus the current members even if their account was disabled (so
        they stay selectable); on GET the panel as it stands."""
        experts = panels.expert_choices()
        if panel is not None:
            experts += [m.user for m in panel.members if m.user not in experts]
        form = PanelForm(experts=experts, overlaps=self.pages.overlaps(target), overlap_note=self.pages.overlap_note)
        if request.method == "GET" and panel is not None:
            form.members.data = sorted(panel.member_ids())
            form.lead_user_id.data = panel.lead_user_id or 0
            form.deadline.data = panel.deadline
        return form

    def _save_panel(self, target, form) -> ReviewPanel:
        panel = self.pages.form_panel(target, form.members.data, form.lead_user_id.data or None, by=current_user)
        panels.set_deadline(panel, form.deadline.data, by=current_user)
        return panel

    # Experts ------------------------------------------------------------------------------------

    def expert_tasks(self):
        return self.pages.render("expert_tasks.html", groups=self.scope.tasks_for(current_user),
                                 today=beijing_today())

    def sheet(self, **args):
        """GET or POST the current expert's score sheet on one record."""
        panel = self._panel(args, panel_rules.can_score_on)
        record = self._record(panel, args)
        subject = self.scope.subject_of(record)
        rubric = scoring.Rubric.from_data(panel.rubric)
        own = panels.own_sheet(panel, current_user, subject)
        form = sheet_form(rubric, data=sheet_data(own) if request.method == "GET" else None)
        excluded = panels.exclusion_reason(panel, current_user, subject)
        if request.method == "POST" and excluded:
            flash(excluded, "danger")
            return self._render_sheet(panel, record, form=form), 403
        if form.validate_on_submit() and commit_or_report(form, lambda: self._save_sheet(
                panel, record, form, rubric)) is not REFUSED:
            flash(_("评分已提交") if form.submit_sheet.data else _("草稿已保存"), "success")
            return redirect(self.scope.sheet_url(panel, subject.id))
        return self._render_sheet(panel, record, form=form)

    def _save_sheet(self, panel: ReviewPanel, record, form, rubric: scoring.Rubric) -> None:
        """Save a sheet; marks out of range are refused on their own fields."""
        try:
            self.scope.save_sheet(panel, record, current_user, typed_marks(form, rubric),
                                  comment=form.comment.data or "", submit=bool(form.submit_sheet.data))
        except panels.InvalidMarks as error:
            raise DomainError(str(error), fields={MARK_PREFIX + key: message
                                                  for key, message in error.errors.items()}) from None

    def _render_sheet(self, panel: ReviewPanel, record, *, form=None, conflict_form=None):
        """The score-sheet page: the rubric, the expert's own sheet, the other experts' sheets,
        the conflict form. A form just posted is shown as typed, the others start afresh."""
        scope = self.scope
        subject = scope.subject_of(record)
        rubric = scoring.Rubric.from_data(panel.rubric)
        own = panels.own_sheet(panel, current_user, subject)
        return self.pages.render(
            "sheet.html", panel=panel, record=record, subject_name=scope.name_of(record),
            is_open=scope.closed_reason(record) is None, rubric=rubric, own=own, mark_prefix=MARK_PREFIX,
            form=form or sheet_form(rubric, formdata=None, data=sheet_data(own)),
            excluded=panels.exclusion_reason(panel, current_user, subject),
            others=panels.others_sheets(panel, current_user, subject),
            conflict_form=conflict_form or self._conflict_form(formdata=None),
            conflict_action=scope.sheet_url(panel, subject.id, "declare_conflict"),
            flags_url=scope.flags_url(panel.id),
            is_lead=panel_rules.is_lead(current_user, panel), **self.pages.sheet_context(record))

    def _conflict_form(self, **kwargs) -> ConflictForm:
        return ConflictForm(reason_description=self.pages.conflict_example, **kwargs)

    def declare_conflict(self, **args):
        """The current expert declares a conflict with the record and no longer scores it."""
        panel = self._panel(args, panel_rules.can_score_on)
        record = self._record(panel, args)
        form = self._conflict_form()
        if form.validate_on_submit() and commit_or_report(form, lambda: self.scope.declare_conflict(
                panel, record, current_user, form.reason.data)) is not REFUSED:
            flash(_("已声明回避：您不再评审“%(name)s”", name=self.scope.name_of(record)), "success")
            return redirect(self.scope.tasks_url())
        return self._render_sheet(panel, record, conflict_form=form)

    # Panel leads --------------------------------------------------------------------------------

    def flags(self, **args):
        return self._render_flags(self._panel(args, panel_rules.can_lead))

    def _render_flags(self, panel: ReviewPanel, *, posted_id: int | None = None, resolve_form=None,
                      reopen_form=None):
        """The flagged records of ``panel`` (best score first) with the lead's forms; the form
        just posted for ``posted_id`` is shown as typed (with its errors)."""
        scope = self.scope
        flagged = sorted(((r, result) for r, result in scope.results(panel) if result.flagged),
                         key=lambda e: (e[1].aggregate is None, -(e[1].aggregate or 0)))
        entries = [FlagEntry(record, result.subject.id, scope.name_of(record), scope.owner_of(record), result,
                             scope.sheet_url(panel, result.subject.id, "resolve"),
                             scope.sheet_url(panel, result.subject.id, "reopen"))
                   for record, result in flagged]
        forms = lead_forms(((e.subject_id, e.result.sheets) for e in entries), prefix=self._prefix,
                           posted_id=posted_id, resolve_form=resolve_form, reopen_form=reopen_form)
        return self.pages.render("flags.html", panel=panel, target=self.pages.target_of(panel),
                                 entries=entries, forms=forms, is_open=scope.is_open(panel),
                                 is_admin=current_user.has_role(Role.ADMIN))

    def resolve(self, **args):
        """The lead confirms the flagged scores of the record with a note."""
        panel = self._panel(args, panel_rules.can_lead)
        record = self._record(panel, args)
        subject_id = self.scope.subject_of(record).id
        form = ResolveForm(prefix=self._prefix(subject_id))
        if form.validate_on_submit() and commit_or_report(form, lambda: self.scope.resolve_disagreement(
                panel, record, form.note.data, by=current_user)) is not REFUSED:
            flash(_("已确认“%(name)s”的评分", name=self.scope.name_of(record)), "success")
            return redirect(self.scope.flags_url(panel.id))
        return self._render_flags(panel, posted_id=subject_id, resolve_form=form)

    def reopen(self, **args):
        """The lead sends one expert's sheet on the record back to be scored again."""
        panel = self._panel(args, panel_rules.can_lead)
        record = self._record(panel, args)
        subject = self.scope.subject_of(record)
        form = ReopenForm(prefix=self._prefix(subject.id), sheets=reopenable(panels.submitted_sheets(panel, subject)))
        if form.validate_on_submit() and commit_or_report(form, lambda: self.scope.reopen_sheet(
                panel, record, form.expert_id.data, form.reason.data, by=current_user)) is not REFUSED:
            flash(_("已退回该专家重新评分"), "success")
            return redirect(self.scope.flags_url(panel.id))
        return self._render_flags(panel, posted_id=subject.id, reopen_form=form)


def add_review_routes(bp: Blueprint, scope: PanelScope, pages: ReviewPages) -> ReviewViews:
    """Serve the scope's review pages on the feature's blueprint ``bp`` and register the scope
    (its panels then count on the workbench and in the deadline reminders)."""
    register_scope(scope)
    views = ReviewViews(scope, pages)
    admin, expert = roles_required(Role.ADMIN), roles_required(Role.EXPERT)
    lead = roles_required(Role.EXPERT, Role.ADMIN)
    record = f"/panels/<int:{scope.panel_arg}>/{pages.subject_path}/<int:{scope.subject_arg}>"
    bp.add_url_rule(pages.panel_rule, "panel_form", admin(views.panel_form), methods=["GET", "POST"])
    bp.add_url_rule("/my", "expert_tasks", expert(views.expert_tasks))
    bp.add_url_rule(record, "sheet", expert(views.sheet), methods=["GET", "POST"])
    bp.add_url_rule(f"{record}/conflict", "declare_conflict", expert(views.declare_conflict), methods=["POST"])
    bp.add_url_rule(f"/panels/<int:{scope.panel_arg}>/flags", "flags", lead(views.flags))
    bp.add_url_rule(f"{record}/resolve", "resolve", lead(views.resolve), methods=["POST"])
    bp.add_url_rule(f"{record}/reopen", "reopen", lead(views.reopen), methods=["POST"])
    bp.context_processor(lambda: {"score2": scoring.display, "SheetStatus": panels.SheetStatus})
    return views
