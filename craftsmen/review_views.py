"""Craftsman selection: expert review (专家评审) and the proposed list (建议名单).

* Administrators: panels per occupation, scoring progress, the proposed list and adjustments.
* Experts: the nominations of their panels, one score sheet per nomination, conflicts.
* Panel leads: flagged nominations, resolved with a note or sent back for re-scoring.

Every route is guarded by role, then by ownership: an expert reaches only panels they sit on,
a lead only their own panel's flags.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels import views_helpers as pages
from core.review_panels.forms import ReopenForm, ResolveForm
from core.review_panels.models import ReviewPanel
from core.roles import Role
from core.timeutil import beijing_today
from craftsmen import NAV_GROUP
from craftsmen.models import CycleOccupation, Nomination, NominationState, SelectionCycle
from craftsmen.review_forms import AdjustForm, ConflictForm, GenerateForm, PanelForm
from craftsmen.services import review

bp = Blueprint("craftsmen_review", __name__, url_prefix="/craftsmen/review")

navigation.add("craftsmen_review.admin_index", _l("专家评审"), Role.ADMIN, group=NAV_GROUP)
navigation.add("craftsmen_review.expert_tasks", _l("大工匠评审"), Role.EXPERT, group=NAV_GROUP)

panels.register_scope(review.PANEL_SCOPE, panels.ScopeProvider(
    subjects=review.panel_subjects,
    sheet_url=lambda panel, subject: url_for("craftsmen_review.sheet", panel_id=panel.id,
                                             subject_id=subject.id),
    is_open=review.scoring_open,
))


@bp.context_processor
def review_helpers():
    return {"score2": scoring.display, "SheetStatus": panels.SheetStatus, "NominationState": NominationState}


# Administrators -------------------------------------------------------------------------------

@bp.get("/")
@roles_required(Role.ADMIN)
def admin_index():
    return render_template("craftsmen/review/admin_index.html", cycles=review.review_cycles())


@bp.get("/cycles/<int:cycle_id>")
@roles_required(Role.ADMIN)
def cycle(cycle_id: int):
    selection = db.get_or_404(SelectionCycle, cycle_id)
    return render_template("craftsmen/review/cycle.html", cycle=selection,
                           overview=review.cycle_overview(selection))


@bp.route("/occupations/<int:occupation_id>/panel", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def panel_form(occupation_id: int):
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    panel = review.panel_of(occupation)
    form = pages.panel_form(PanelForm, panel, review.employer_overlaps(occupation))
    if form.validate_on_submit() and commit_or_report(form, lambda: pages.save_panel(
            lambda: review.form_panel(occupation, form.members.data, form.lead_user_id.data or None,
                                      by=current_user), form.deadline.data)) is not REFUSED:
        flash(_("已保存“%(name)s”评审组", name=occupation.name), "success")
        return redirect(url_for(".cycle", cycle_id=occupation.cycle_id))
    return render_template("craftsmen/review/panel_form.html", form=form, occupation=occupation,
                           panel=panel, rubric=scoring.Rubric.from_data(
                               panel.rubric if panel is not None else occupation.cycle.rubric))


@bp.get("/occupations/<int:occupation_id>/progress")
@roles_required(Role.ADMIN)
def progress(occupation_id: int):
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    return render_template("craftsmen/review/progress.html", occupation=occupation,
                           standings=review.standings(occupation))


@bp.get("/occupations/<int:occupation_id>/proposed")
@roles_required(Role.ADMIN)
def proposed(occupation_id: int):
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    return render_template("craftsmen/review/proposed.html", occupation=occupation,
                           standings=review.standings(occupation), form=GenerateForm(),
                           boundary_tie_message=review.boundary_tie_message)


@bp.post("/occupations/<int:occupation_id>/proposed")
@roles_required(Role.ADMIN)
def generate(occupation_id: int):
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    form = GenerateForm()
    if form.validate_on_submit() and commit_or_report(form, lambda: review.generate_proposed_list(
            occupation, by=current_user, accept_boundary_tie=form.accept_boundary_tie.data)) is not REFUSED:
        flash(_("已生成“%(name)s”建议名单", name=occupation.name), "success")
    pages.flash_form_errors(form)  # e.g. a tie at the quota line, reported on the confirmation checkbox
    return redirect(url_for(".proposed", occupation_id=occupation.id))


@bp.route("/nominations/<int:nomination_id>/adjust", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def adjust(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    back = url_for(".proposed", occupation_id=nomination.occupation_id)
    if nomination.state_enum not in (NominationState.PROPOSED, NominationState.NOT_PROPOSED):
        flash(_("只能调整已生成建议名单的提名"), "warning")
        return redirect(back)
    form = AdjustForm()
    if form.validate_on_submit() and commit_or_report(form, lambda: review.adjust_proposal(
            nomination, form.reason.data, by=current_user)) is not REFUSED:
        flash(_("已调整 %(name)s：%(state)s", name=nomination.worker.name,
                state=nomination.state_enum.label), "success")
        return redirect(back)
    return render_template("craftsmen/review/adjust.html", form=form, nomination=nomination, back=back)


# Experts ---------------------------------------------------------------------------------------

def _subject(panel: ReviewPanel, subject_id: int) -> Nomination:
    nomination = db.get_or_404(Nomination, subject_id)
    if not review.is_subject(panel, nomination):
        abort(404)
    return nomination


@bp.get("/my")
@roles_required(Role.EXPERT)
def expert_tasks():
    return render_template("craftsmen/review/expert_tasks.html",
                           groups=review.expert_panels(current_user), today=beijing_today())


@bp.route("/panels/<int:panel_id>/nominations/<int:subject_id>", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def sheet(panel_id: int, subject_id: int):
    panel = pages.member_panel(panel_id, review.PANEL_SCOPE)
    nomination = _subject(panel, subject_id)
    return pages.score_sheet(
        panel, review.subject_of(nomination),
        save=lambda marks, **how: review.save_sheet(panel, nomination, current_user, marks, **how),
        saved_url=url_for(".sheet", panel_id=panel.id, subject_id=nomination.id),
        render=lambda form: _render_sheet(panel, nomination, form=form))


def _render_sheet(panel: ReviewPanel, nomination: Nomination, *, form=None, conflict_form=None):
    """The score sheet page; a form just posted is shown as typed, the others start afresh."""
    return render_template(
        "craftsmen/review/sheet.html", nomination=nomination, is_open=review.scoring_open(panel),
        **pages.sheet_context(panel, review.subject_of(nomination), form=form,
                              conflict_form=conflict_form, conflict_form_class=ConflictForm))


@bp.post("/panels/<int:panel_id>/nominations/<int:subject_id>/conflict")
@roles_required(Role.EXPERT)
def declare_conflict(panel_id: int, subject_id: int):
    panel = pages.member_panel(panel_id, review.PANEL_SCOPE)
    nomination = _subject(panel, subject_id)
    form = ConflictForm()
    if form.validate_on_submit() and commit_or_report(form, lambda: review.declare_conflict(
            panel, nomination, current_user, form.reason.data)) is not REFUSED:
        flash(_("已声明回避：您不再评审 %(name)s", name=nomination.worker.name), "success")
        return redirect(url_for(".expert_tasks"))
    return _render_sheet(panel, nomination, conflict_form=form)


# Panel leads -----------------------------------------------------------------------------------

def _form_prefix(nomination_id: int) -> str:
    """One page shows a resolve and a reopen form per nomination: prefixes keep their ids apart."""
    return f"n{nomination_id}"


@bp.get("/panels/<int:panel_id>/flags")
@roles_required(Role.EXPERT, Role.ADMIN)
def flags(panel_id: int):
    return _render_flags(pages.lead_panel(panel_id, review.PANEL_SCOPE))


def _render_flags(panel: ReviewPanel, *, nomination_id: int | None = None, resolve_form=None,
                  reopen_form=None):
    """The flagged nominations of ``panel`` with the lead's forms; the form just posted for
    ``nomination_id`` is shown as typed (with its errors), every other form starts empty."""
    occupation = review.occupation_of(panel)
    standings = review.standings(occupation)
    flagged = [e for e in standings.entries if e.result is not None and e.result.flagged]
    forms = pages.lead_forms(((e.nomination.id, e.result.sheets) for e in flagged), prefix=_form_prefix,
                             posted_id=nomination_id, resolve_form=resolve_form, reopen_form=reopen_form)
    return render_template("craftsmen/review/flags.html", panel=panel, occupation=occupation,
                           flagged=flagged, forms=forms, is_open=review.scoring_open(panel),
                           is_admin=current_user.has_role(Role.ADMIN))


@bp.post("/panels/<int:panel_id>/nominations/<int:subject_id>/resolve")
@roles_required(Role.EXPERT, Role.ADMIN)
def resolve(panel_id: int, subject_id: int):
    panel = pages.lead_panel(panel_id, review.PANEL_SCOPE)
    nomination = _subject(panel, subject_id)
    form = ResolveForm(prefix=_form_prefix(nomination.id))
    if form.validate_on_submit() and commit_or_report(form, lambda: review.resolve_disagreement(
            panel, nomination, form.note.data, by=current_user)) is not REFUSED:
        flash(_("已确认 %(name)s 的评分", name=nomination.worker.name), "success")
        return redirect(url_for(".flags", panel_id=panel.id))
    return _render_flags(panel, nomination_id=nomination.id, resolve_form=form)


@bp.post("/panels/<int:panel_id>/nominations/<int:subject_id>/reopen")
@roles_required(Role.EXPERT, Role.ADMIN)
def reopen(panel_id: int, subject_id: int):
    panel = pages.lead_panel(panel_id, review.PANEL_SCOPE)
    nomination = _subject(panel, subject_id)
    form = ReopenForm(prefix=_form_prefix(nomination.id), sheets=pages.reopenable(
        panels.submitted_sheets(panel, review.subject_of(nomination))))
    if form.validate_on_submit() and commit_or_report(form, lambda: review.reopen_sheet(
            panel, nomination, form.expert_id.data, form.reason.data, by=current_user)) is not REFUSED:
        flash(_("已退回该专家重新评分"), "success")
        return redirect(url_for(".flags", panel_id=panel.id))
    return _render_flags(panel, nomination_id=nomination.id, reopen_form=form)
