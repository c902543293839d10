"""Craftsman selection: expert review (专家评审) and the proposed list (建议名单).

* Administrators: the cycles' occupations, scoring progress, the proposed list and adjustments.
* The panel pages (the panel per occupation, experts' score sheets and conflicts, the lead's
  flags) are the review-panel engine's (:mod:`core.review_panels.views`), for nominations.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.review_panels.views import ReviewPages, add_review_routes, flash_form_errors
from core.roles import Role
from craftsmen import NAV_GROUP
from craftsmen.models import CycleOccupation, Nomination, NominationState, SelectionCycle
from craftsmen.review_forms import AdjustForm, GenerateForm
from craftsmen.services import review

bp = Blueprint("craftsmen_review", __name__, url_prefix="/craftsmen/review")

navigation.add("craftsmen_review.admin_index", _l("专家评审"), Role.ADMIN, group=NAV_GROUP)
navigation.add("craftsmen_review.expert_tasks", _l("大工匠评审"), Role.EXPERT, group=NAV_GROUP)

add_review_routes(bp, review.SCOPE, ReviewPages(
    templates="craftsmen/review", subject_path="nominations", form_prefix="n",
    panel_rule="/occupations/<int:occupation_id>/panel",
    target=lambda occupation_id: db.get_or_404(CycleOccupation, occupation_id), target_of=review.occupation_of,
    panel_of=review.panel_of, form_panel=review.form_panel, overlaps=review.employer_overlaps,
    rubric=lambda occupation: occupation.cycle.rubric,
    threshold=lambda occupation: occupation.cycle.disagreement_threshold,
    saved=lambda occupation, panel: (_("已保存“%(name)s”评审组", name=occupation.name),
                                     url_for(".cycle", cycle_id=occupation.cycle_id)),
    overlap_note=lambda n: _l("，回避本单位 %(n)s 个提名", n=n),
    tasks_title=_l("大工匠评审"),
    conflict_example=_l("如：与被推荐人是亲属、师徒或曾同在一个班组。声明后不再评审该提名。"),
    sheet_context=lambda nomination: {"nomination": nomination}))


@bp.context_processor
def review_helpers():
    return {"NominationState": NominationState}


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


def _occupation_page(page: str, occupation_id: int, **context):
    """One of an occupation's review pages, with where its review stands."""
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    return render_template(f"craftsmen/review/{page}.html", occupation=occupation,
                           standings=review.standings(occupation), **context)


@bp.get("/occupations/<int:occupation_id>/progress")
@roles_required(Role.ADMIN)
def progress(occupation_id: int):
    return _occupation_page("progress", occupation_id)


@bp.get("/occupations/<int:occupation_id>/proposed")
@roles_required(Role.ADMIN)
def proposed(occupation_id: int):
    return _occupation_page("proposed", occupation_id, form=GenerateForm(),
                            boundary_tie_message=review.boundary_tie_message)


@bp.post("/occupations/<int:occupation_id>/proposed")
@roles_required(Role.ADMIN)
def generate(occupation_id: int):
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    form = GenerateForm()
    if form.validate_on_submit() and commit_or_report(form, lambda: review.generate_proposed_list(
            occupation, by=current_user, accept_boundary_tie=form.accept_boundary_tie.data)) is not REFUSED:
        flash(_("已生成“%(name)s”建议名单", name=occupation.name), "success")
    flash_form_errors(form)  # e.g. a tie at the quota line, reported on the confirmation checkbox
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
