"""Pieces of the expert-review pages, shared by every feature with a panel.

A feature keeps its own routes, templates and wording; these helpers hold what the pages do
alike: reach a panel of the feature's scope as a member or as its lead, fill the panel form,
show and save a score sheet, and build the lead's forms for the flagged subjects. Everything
feature-specific (the scope, the save call, the page) comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import DomainError
from core.extensions import db
from core.forms import apply_domain_error
from core.review_panels import rules as panel_rules
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels.forms import (
    MARK_PREFIX,
    ConflictForm,
    ReopenForm,
    ResolveForm,
    sheet_data,
    sheet_form,
    typed_marks,
)
from core.review_panels.models import ReviewPanel


def flash_form_errors(form) -> None:
    """For forms that redirect back: their errors (including a refusal) go to flashes."""
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def _scoped_panel(panel_id: int, scope: str, may: Callable) -> ReviewPanel:
    panel = db.get_or_404(ReviewPanel, panel_id)
    if panel.scope != scope:
        abort(404)
    if not may(current_user, panel):
        abort(403)
    return panel


def member_panel(panel_id: int, scope: str) -> ReviewPanel:
    """The panel, if it is a panel of ``scope`` the current expert sits on (404 / 403 otherwise)."""
    return _scoped_panel(panel_id, scope, panel_rules.can_score_on)


def lead_panel(panel_id: int, scope: str) -> ReviewPanel:
    """The panel, if it is a panel of ``scope`` the current user leads (or an administrator)."""
    return _scoped_panel(panel_id, scope, panel_rules.can_lead)


def panel_form(form_class, panel: ReviewPanel | None, overlaps: dict):
    """The panel form: every active expert, plus the current members even if their account was
    disabled (so they stay selectable); on GET it shows the panel as it stands."""
    experts = panels.expert_choices()
    if panel is not None:
        experts += [m.user for m in panel.members if m.user not in experts]
    form = form_class(experts=experts, overlaps=overlaps)
    if request.method == "GET" and panel is not None:
        form.members.data = sorted(panel.member_ids())
        form.lead_user_id.data = panel.lead_user_id or 0
        form.deadline.data = panel.deadline
    return form


def save_panel(form_panel, deadline):
    """Form or change a feature's panel (``form_panel()`` returns it), then set its deadline
    from the panel form; the panel is returned. The view commits once, after both."""
    panel = form_panel()
    panels.set_deadline(panel, deadline, by=current_user)
    return panel


def sheet_context(panel: ReviewPanel, subject, *, form=None, conflict_form=None,
                  conflict_form_class=ConflictForm) -> dict:
    """What every score-sheet page shows of the current expert and ``subject`` (the engine's
    subject): the rubric, their own sheet, the form, the other experts' sheets, the conflict
    form. A form just posted is shown as typed, the others start afresh."""
    rubric = scoring.Rubric.from_data(panel.rubric)
    own = panels.own_sheet(panel, current_user, subject)
    if form is None:
        form = sheet_form(rubric, formdata=None, data=sheet_data(own))
    return {
        "panel": panel, "rubric": rubric, "form": form, "own": own,
        "excluded": panels.exclusion_reason(panel, current_user, subject),
        "others": panels.others_sheets(panel, current_user, subject),
        "conflict_form": conflict_form or conflict_form_class(formdata=None),
        "is_lead": panel_rules.is_lead(current_user, panel), "mark_prefix": MARK_PREFIX,
    }


def score_sheet(panel: ReviewPanel, subject, *, save: Callable, saved_url: str, render: Callable):
    """GET or POST one score sheet of the current expert.

    ``save(marks, comment=..., submit=...)`` saves it through the feature's service; on success
    the page goes to ``saved_url``; otherwise ``render(form)`` shows the sheet page with the form
    as typed and its errors (403 for an expert who must stay away from ``subject``).
    """
    rubric = scoring.Rubric.from_data(panel.rubric)
    own = panels.own_sheet(panel, current_user, subject)
    excluded = panels.exclusion_reason(panel, current_user, subject)
    form = sheet_form(rubric, data=sheet_data(own) if request.method == "GET" else None)
    if request.method == "POST" and excluded:
        flash(excluded, "danger")
        return render(form), 403
    if form.validate_on_submit():
        try:
            save(typed_marks(form, rubric), comment=form.comment.data or "",
                 submit=bool(form.submit_sheet.data))
        except panels.InvalidMarks as error:
            db.session.rollback()
            for key, message in error.errors.items():
                form[MARK_PREFIX + key].errors.append(message)
        except DomainError as error:
            db.session.rollback()
            if not apply_domain_error(form, error):
                flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("评分已提交") if form.submit_sheet.data else _("草稿已保存"), "success")
            return redirect(saved_url)
    return render(form), 200


def reopenable(sheets) -> list:
    """The sheets the current user may send back: never their own (the lead's own sheet goes
    back only at an administrator's request)."""
    return [s for s in sheets if s.user_id != current_user.id]


def lead_forms(flagged: Iterable[tuple[int, list]], *, prefix: Callable[[int], str],
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
