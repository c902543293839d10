"""Expert review of studio applications, and the administrator's decisions.

* Administrators: review batches (application year × level) and their panels, the scores,
  and per application the decision after review: name it (date, level, number), return it
  or reject it; delisting of named studios.
* Experts: the applications of their panels, one score sheet each, conflict declarations.
* Panel leads: flagged applications, confirmed with a note or sent back for re-scoring.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

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
from innovation_studios import NAV_GROUP, leaders, rules
from innovation_studios.forms import AfterReviewForm, ConflictForm, DelistForm, NameForm, PanelForm
from innovation_studios.models import Studio, StudioLevel, StudioMember, StudioReviewBatch, StudioState
from innovation_studios.services import review
from innovation_studios.services import studios as services
from innovation_studios.views import load_for_page

bp = Blueprint("studio_review", __name__, url_prefix="/studios/review")

navigation.add("studio_review.admin_index", _l("工作室评审与命名"), Role.ADMIN, group=NAV_GROUP)
navigation.add("studio_review.expert_tasks", _l("工作室评审"), Role.EXPERT, group=NAV_GROUP)

panels.register_scope(review.PANEL_SCOPE, panels.ScopeProvider(
    subjects=review.panel_subjects,
    sheet_url=lambda panel, subject: url_for("studio_review.sheet", studio_panel_id=panel.id,
                                             studio_id=subject.id),
    is_open=review.scoring_open,
))


@bp.context_processor
def review_helpers():
    return {"score2": scoring.display, "SheetStatus": panels.SheetStatus}


def _commit(form, call):
    return commit_or_report(form, call, stale_message=_l("该工作室已被他人修改或处理，请查看最新情况后再操作。"))


# Administrators: batches and panels ---------------------------------------------------------------

@bp.get("/")
@roles_required(Role.ADMIN)
def admin_index():
    return render_template("innovation_studios/review/admin_index.html", rows=review.overview())


def _year_level() -> tuple[int, str]:
    year = request.args.get("year", type=int)
    level = request.args.get("level", "")
    if not year or not 2000 <= year <= 2100 or level not in {lv.value for lv in StudioLevel}:
        abort(404)
    return year, level


@bp.route("/panel", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def panel_form():
    """Form (or change) the panel of one batch: ?year=2026&level=city."""
    year, level = _year_level()
    batch = db.session.scalar(db.select(StudioReviewBatch).where(
        StudioReviewBatch.year == year, StudioReviewBatch.level == level))
    panel = review.panel_of(batch) if batch is not None else None
    form = pages.panel_form(PanelForm, panel, review.employer_overlaps(batch) if batch else {})
    if form.validate_on_submit():
        saved = _commit(form, lambda: pages.save_panel(lambda: review.form_panel(
            year, level, form.members.data, form.lead_user_id.data or None, by=current_user),
            form.deadline.data))
        if saved is not REFUSED:
            flash(_("已保存评审组"), "success")
            return redirect(url_for(".batch", studio_batch_id=saved.scope_id))
    return render_template("innovation_studios/review/panel_form.html", form=form, panel=panel,
                           year=year, level=StudioLevel(level),
                           rubric=scoring.Rubric.from_data(panel.rubric if panel else review.DEFAULT_STUDIO_RUBRIC))


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
        done = _commit(form, lambda: services.name_studio(
            studio, named_on=form.named_on.data, level=form.level.data, number=form.number.data or "",
            note=form.note.data or "", expected_version=form.opened_version() or None, by=current_user))
        if done is not REFUSED:
            flash(_("已命名“%(name)s”，编号 %(number)s", name=studio.name, number=studio.number), "success")
            return redirect(url_for("studios.detail", studio_id=studio.id))
    if studio.state_enum is not StudioState.UNDER_REVIEW:
        pages.flash_form_errors(form)
        return redirect(url_for("studios.detail", studio_id=studio.id))
    return _render_decide(studio, name_form=form)


@bp.post("/studios/<int:studio_id>/after-review")
@roles_required(Role.ADMIN)
def after_review(studio_id: int):
    studio = load_for_page(studio_id)
    form = AfterReviewForm()
    if form.validate_on_submit():
        decision = form.decision
        done = _commit(form, lambda: services.decide_after_review(
            studio, decision, form.reason.data, expected_version=form.opened_version() or None,
            by=current_user))
        if done is not REFUSED:
            flash(_("已退回“%(name)s”修改", name=studio.name) if decision == "return"
                  else _("“%(name)s”不予命名", name=studio.name), "success")
            return redirect(url_for("studios.detail", studio_id=studio.id))
    if studio.state_enum is not StudioState.UNDER_REVIEW:
        pages.flash_form_errors(form)
        return redirect(url_for("studios.detail", studio_id=studio.id))
    return _render_decide(studio, after_form=form)


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
        done = _commit(form, lambda: services.delist(
            studio, delisted_on=form.delisted_on.data, reason=form.reason.data,
            expected_version=form.opened_version() or None, by=current_user))
        if done is not REFUSED:
            flash(_("“%(name)s”已摘牌", name=studio.name), "success")
            return redirect(url_for("studios.detail", studio_id=studio.id))
    return render_template("innovation_studios/review/delist.html", form=form, studio=studio)


# Experts ------------------------------------------------------------------------------------------

def _subject(panel: ReviewPanel, studio_id: int) -> Studio:
    studio = load_subject(studio_id)
    if not review.is_subject(panel, studio):
        abort(404)
    return studio


def load_subject(studio_id: int) -> Studio:
    studio = db.session.scalar(db.select(Studio).where(Studio.id == studio_id).options(
        selectinload(Studio.enterprise), selectinload(Studio.leader),
        selectinload(Studio.members).selectinload(StudioMember.worker)))
    if studio is None:
        abort(404)
    return studio


@bp.get("/my")
@roles_required(Role.EXPERT)
def expert_tasks():
    return render_template("innovation_studios/review/expert_tasks.html",
                           groups=review.expert_panels(current_user), today=beijing_today())


def _render_sheet(panel: ReviewPanel, studio: Studio, *, form=None, conflict_form=None):
    return render_template(
        "innovation_studios/review/sheet.html", studio=studio,
        is_open=studio.state_enum is StudioState.UNDER_REVIEW,
        flags=leaders.flags_for([studio.leader]).get(studio.leader_worker_id, []),
        members=[m for m in studio.members if m.left_on is None],
        **pages.sheet_context(panel, review.subject_of(studio), form=form, conflict_form=conflict_form,
                              conflict_form_class=ConflictForm))


@bp.route("/panels/<int:studio_panel_id>/studios/<int:studio_id>", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def sheet(studio_panel_id: int, studio_id: int):
    panel = pages.member_panel(studio_panel_id, review.PANEL_SCOPE)
    studio = _subject(panel, studio_id)
    return pages.score_sheet(
        panel, review.subject_of(studio),
        save=lambda marks, **how: review.save_sheet(panel, studio, current_user, marks, **how),
        saved_url=url_for(".sheet", studio_panel_id=panel.id, studio_id=studio.id),
        render=lambda form: _render_sheet(panel, studio, form=form))


@bp.post("/panels/<int:studio_panel_id>/studios/<int:studio_id>/conflict")
@roles_required(Role.EXPERT)
def declare_conflict(studio_panel_id: int, studio_id: int):
    panel = pages.member_panel(studio_panel_id, review.PANEL_SCOPE)
    studio = _subject(panel, studio_id)
    form = ConflictForm()
    if form.validate_on_submit() and _commit(form, lambda: review.declare_conflict(
            panel, studio, current_user, form.reason.data)) is not REFUSED:
        flash(_("已声明回避：您不再评审“%(name)s”", name=studio.name), "success")
        return redirect(url_for(".expert_tasks"))
    return _render_sheet(panel, studio, conflict_form=form)


# Panel leads ------------------------------------------------------------------------------------------

def _form_prefix(studio_id: int) -> str:
    return f"s{studio_id}"


def _render_flags(panel: ReviewPanel, *, studio_id: int | None = None, resolve_form=None,
                  reopen_form=None):
    found = review.batch_of(panel)
    entries = [e for e in review.standings(found, include_decided=False)
               if e.result is not None and e.result.flagged]
    forms = pages.lead_forms(((e.studio.id, e.result.sheets) for e in entries), prefix=_form_prefix,
                             posted_id=studio_id, resolve_form=resolve_form, reopen_form=reopen_form)
    return render_template("innovation_studios/review/flags.html", panel=panel, batch=found,
                           entries=entries, forms=forms, is_admin=current_user.has_role(Role.ADMIN))


@bp.get("/panels/<int:studio_panel_id>/flags")
@roles_required(Role.EXPERT, Role.ADMIN)
def flags(studio_panel_id: int):
    return _render_flags(pages.lead_panel(studio_panel_id, review.PANEL_SCOPE))


@bp.post("/panels/<int:studio_panel_id>/studios/<int:studio_id>/resolve")
@roles_required(Role.EXPERT, Role.ADMIN)
def resolve(studio_panel_id: int, studio_id: int):
    panel = pages.lead_panel(studio_panel_id, review.PANEL_SCOPE)
    studio = _subject(panel, studio_id)
    form = ResolveForm(prefix=_form_prefix(studio.id))
    if form.validate_on_submit() and _commit(form, lambda: review.resolve_disagreement(
            panel, studio, form.note.data, by=current_user)) is not REFUSED:
        flash(_("已确认“%(name)s”的评分", name=studio.name), "success")
        return redirect(url_for(".flags", studio_panel_id=panel.id))
    return _render_flags(panel, studio_id=studio.id, resolve_form=form)


@bp.post("/panels/<int:studio_panel_id>/studios/<int:studio_id>/reopen")
@roles_required(Role.EXPERT, Role.ADMIN)
def reopen(studio_panel_id: int, studio_id: int):
    panel = pages.lead_panel(studio_panel_id, review.PANEL_SCOPE)
    studio = _subject(panel, studio_id)
    form = ReopenForm(prefix=_form_prefix(studio.id), sheets=pages.reopenable(
        panels.submitted_sheets(panel, review.subject_of(studio))))
    if form.validate_on_submit() and _commit(form, lambda: review.reopen_sheet(
            panel, studio, form.expert_id.data, form.reason.data, by=current_user)) is not REFUSED:
        flash(_("已退回该专家重新评分"), "success")
        return redirect(url_for(".flags", studio_panel_id=panel.id))
    return _render_flags(panel, studio_id=studio.id, reopen_form=form)
