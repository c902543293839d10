"""Expert review of studio applications, and the administrator's decisions.

* Administrators: review batches (application year × level), the scores, and per application
  the decision after review: name it (date, level, number), return it or reject it; delisting
  of named studios.
* The panel pages (a batch's panel, experts' score sheets and conflicts, the lead's flags) are
  the review-panel engine's (:mod:`core.review_panels.views`), for studio applications.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.review_panels import scoring
from core.review_panels.views import ReviewPages, add_review_routes, flash_form_errors
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios import NAV_GROUP
from innovation_studios.studios import leaders, review, rules, services
from innovation_studios.studios.forms import AfterReviewForm, DelistForm, NameForm
from innovation_studios.studios.models import Studio, StudioLevel, StudioReviewBatch, StudioState
from innovation_studios.studios.views import load_for_page

bp = Blueprint("studio_review", __name__, url_prefix="/studios/review")

navigation.add("studio_review.admin_index", _l("工作室评审与命名"), Role.ADMIN, group=NAV_GROUP)
navigation.add("studio_review.expert_tasks", _l("工作室评审"), Role.EXPERT, group=NAV_GROUP)


def _batch_key() -> review.BatchKey:
    """The batch a panel form is for: ?year=2026&level=city (404 for anything else)."""
    year = request.args.get("year", type=int)
    level = request.args.get("level", "")
    if not year or not 2000 <= year <= 2100 or level not in {lv.value for lv in StudioLevel}:
        abort(404)
    batch = db.session.scalar(db.select(StudioReviewBatch).where(
        StudioReviewBatch.year == year, StudioReviewBatch.level == level))
    return review.BatchKey(year, StudioLevel(level), batch)


add_review_routes(bp, review.SCOPE, ReviewPages(
    templates="innovation_studios/review", subject_path="studios", form_prefix="s", panel_rule="/panel",
    target=_batch_key, target_of=review.batch_key,
    panel_of=lambda key: review.panel_of(key.batch) if key.batch is not None else None,
    form_panel=lambda key, expert_ids, lead_id, *, by: review.form_panel(
        key.year, key.level.value, expert_ids, lead_id, by=by),
    overlaps=lambda key: review.employer_overlaps(key.batch) if key.batch is not None else {},
    rubric=lambda key: review.DEFAULT_STUDIO_RUBRIC, threshold=lambda key: review.DEFAULT_THRESHOLD,
    saved=lambda key, panel: (_("已保存评审组"), url_for(".batch", studio_batch_id=panel.scope_id)),
    overlap_note=lambda n: _l("，回避本单位 %(n)s 个申报", n=n),
    tasks_title=_l("工作室评审"),
    conflict_example=_l("如：与领办人是亲属、师徒，或曾在该单位任职。声明后不再评审该申报。"),
    sheet_context=lambda studio: {
        "studio": studio, "members": [m for m in studio.members if m.left_on is None],
        "flags": leaders.flags_for([studio.leader]).get(studio.leader_worker_id, [])}))


# Administrators: batches and panels ---------------------------------------------------------------

@bp.get("/")
@roles_required(Role.ADMIN)
def admin_index():
    return render_template("innovation_studios/review/admin_index.html", rows=review.overview())


@bp.get("/batches/<int:studio_batch_id>")
@roles_required(Role.ADMIN)
def batch(studio_batch_id: int):
    """The batch's applications with their scores, and where each decision stands."""
    found = db.get_or_404(StudioReviewBatch, studio_batch_id)
    entries = review.standings(found)
    return render_template("innovation_studios/review/batch.html", batch=found, panel=review.panel_of(found),
                           entries=entries, flags=leaders.flags_for([e.studio.leader for e in entries]))


# Administrators: decisions ------------------------------------------------------------------------

def _render_decide(studio: Studio, name_form=None, after_form=None, status=200):
    version = str(studio.version)
    if name_form is None:
        name_form = NameForm(formdata=None, version=version, level=studio.level_sought,
                             named_on=beijing_today())
    after_form = after_form or AfterReviewForm(formdata=None, version=version)
    result = review.result_for(studio)
    batch = review.batch_of_studio(studio)
    return render_template(
        "innovation_studios/review/decide.html", studio=studio, result=result, batch=batch,
        panel=review.panel_of(batch) if batch else None, name_form=name_form, after_form=after_form,
        next_number=services.next_number(beijing_today().year),
        rubric=scoring.Rubric.from_data(review.DEFAULT_STUDIO_RUBRIC if result is None else
                                        review.panel_of(batch).rubric),
        flags=leaders.flags_for([studio.leader]).get(studio.leader_worker_id, [])), status


def _decide_again(studio: Studio, form, **forms):
    """A decision not taken: the decide page with ``form`` as typed, or the studio's page with
    the errors flashed once the studio is no longer under review."""
    if studio.state_enum is not StudioState.UNDER_REVIEW:
        flash_form_errors(form)
        return redirect(url_for("studios.detail", studio_id=studio.id))
    return _render_decide(studio, **forms)


@bp.get("/studios/<int:studio_id>/decide")
@roles_required(Role.ADMIN)
def decide(studio_id: int):
    studio = load_for_page(studio_id)
    if not rules.can_decide_after_review(current_user, studio):
        flash(_("工作室当前为“%(state)s”，不在评审中", state=studio.state_enum.label), "warning")
        return redirect(url_for("studios.detail", studio_id=studio.id))
    return _render_decide(studio)


@bp.post("/studios/<int:studio_id>/name")
@roles_required(Role.ADMIN)
def name(studio_id: int):
    studio = load_for_page(studio_id)
    form = NameForm()
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: services.name_studio(
            studio, named_on=form.named_on.data, level=form.level.data, number=form.number.data or "",
            note=form.note.data or "", expected_version=form.opened_version(), by=current_user))
        if done is not REFUSED:
            flash(_("已命名“%(name)s”，编号 %(number)s", name=studio.name, number=studio.number), "success")
            return redirect(url_for("studios.detail", studio_id=studio.id))
    return _decide_again(studio, form, name_form=form)


@bp.post("/studios/<int:studio_id>/after-review")
@roles_required(Role.ADMIN)
def after_review(studio_id: int):
    studio = load_for_page(studio_id)
    form = AfterReviewForm()
    if form.validate_on_submit():
        decision = form.decision
        done = commit_or_report(form, lambda: services.decide_after_review(
            studio, decision, form.reason.data, expected_version=form.opened_version(),
            by=current_user))
        if done is not REFUSED:
            flash(_("已退回“%(name)s”修改", name=studio.name) if decision == "return"
                  else _("“%(name)s”不予命名", name=studio.name), "success")
            return redirect(url_for("studios.detail", studio_id=studio.id))
    return _decide_again(studio, form, after_form=form)


@bp.route("/studios/<int:studio_id>/delist", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delist(studio_id: int):
    studio = load_for_page(studio_id)
    if not rules.can_delist(current_user, studio):
        flash(_("工作室当前为“%(state)s”，不能摘牌", state=studio.state_enum.label), "warning")
        return redirect(url_for("studios.detail", studio_id=studio.id))
    form = DelistForm()
    if request.method == "GET":
        form.version.data = str(studio.version)
        form.delisted_on.data = beijing_today()
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: services.delist(
            studio, delisted_on=form.delisted_on.data, reason=form.reason.data,
            expected_version=form.opened_version(), by=current_user))
        if done is not REFUSED:
            flash(_("“%(name)s”已摘牌", name=studio.name), "success")
            return redirect(url_for("studios.detail", studio_id=studio.id))
    return render_template("innovation_studios/review/delist.html", form=form, studio=studio)
