"""Craftsman selection in public: the notice (公示) with objections, and the registry (名录);
and the administrators' side of it: publishing the notice, resolving objections, naming,
revoking titles and the Excel exports.

Public pages show names, occupations, enterprises and districts only: never ID numbers,
phones or evidence files.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from sqlalchemy.orm import joinedload

from core import error_pages, navigation
from core.access import public, roles_required
from core.excel import download
from core.extensions import db, limiter
from core.forms import REFUSED, ConfirmedActionForm, commit_or_report
from core.pagination import paginate
from core.public_cache import cached_for_visitors
from core.roles import Role
from core.timeutil import beijing_today
from craftsmen import NAV_GROUP, exports, registry, rules
from craftsmen.models import (
    CraftsmanLevel,
    CraftsmanTitle,
    CycleStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
    SelectionCycle,
)
from craftsmen.public_forms import (
    ObjectionForm,
    PublishNoticeForm,
    ReopenReviewForm,
    ResolveObjectionForm,
    RevokeTitleForm,
)
from craftsmen.selection_route import ladder
from craftsmen.services import naming, notice

bp = Blueprint("craftsmen_public", __name__)

navigation.add("craftsmen_public.notices", _l("公示"))
navigation.add("craftsmen_public.registry_index", _l("工匠名录"))
navigation.add("craftsmen_public.admin_index", _l("公示与命名"), Role.ADMIN, group=NAV_GROUP)

#: Defaults for the objection limits; a deployment may set these keys in its configuration.
#: Refusals when a limit is reached; %(t)s is when filing opens again (Beijing time).
PER_IP_REFUSAL = _l("提交过于频繁：来自您所在网络的异议已达数量上限。您填写的内容仍保留在下方，"
                    "请于 %(t)s 后再提交，或按公示说明中的方式联系我们。")
TOTAL_REFUSAL = _l("今日受理的异议已达数量上限。您填写的内容仍保留在下方，请于 %(t)s 后再提交，"
                   "或按公示说明中的方式联系我们。")


def _limit(key: str):
    return lambda: current_app.config[key]


def _filed(response) -> bool:
    """Only objections actually stored count toward the limits: fixing a typo costs nothing."""
    return response.status_code == 302


# --- Public notice ---------------------------------------------------------------------------

@bp.get("/notices")
@public
def notices():
    page = paginate(registry.public_notices_query())
    return render_template("craftsmen/public/notices.html", page=page,
                           today=beijing_today())


def _notice_page(public_notice: PublicNotice, form: ObjectionForm | None = None,
                 nominees=None, refusal: str | None = None) -> str:
    """The notice with its nominees and, while it is open, the objection form."""
    nominees = nominees if nominees is not None else registry.notice_nominees(public_notice)
    today = beijing_today()
    closed_reason = notice.closed_reason(public_notice, today)
    if closed_reason:
        form = refusal = None
    if form is None and closed_reason is None:
        form = ObjectionForm(nominees=nominees)
        form.nomination_id.data = request.args.get("nomination", 0, type=int)
    return render_template("craftsmen/public/notice.html", notice=public_notice,
                           cycle=public_notice.cycle, nominees=nominees, form=form,
                           closed_reason=closed_reason, refusal=refusal, today=today)


def _public_notice_or_404(notice_id: int) -> PublicNotice:
    public_notice = db.get_or_404(PublicNotice, notice_id)
    if public_notice.cycle.status not in registry.PUBLIC_NOTICE_STATUSES:
        abort(404)  # sent back to review: the notice is withdrawn until published again
    return public_notice


@bp.get("/notices/<int:notice_id>")
@public
def notice_detail(notice_id: int):
    return _notice_page(_public_notice_or_404(notice_id))


def _refuse_objection(message):
    """On a breached limit: the same page, the typed objection kept, and why it was refused."""
    def on_breach(limit_hit):
        public_notice = _public_notice_or_404(request.view_args["notice_id"])
        nominees = registry.notice_nominees(public_notice)
        form = ObjectionForm(nominees=nominees)
        again = datetime.fromtimestamp(limit_hit.reset_at, UTC).replace(tzinfo=None)
        refusal = str(message) % {"t": format_datetime(again, "yyyy-MM-dd HH:mm")}
        return current_app.response_class(
            _notice_page(public_notice, form, nominees, refusal=refusal), status=429)
    return on_breach


@bp.post("/notices/<int:notice_id>/objections")
@public
@limiter.limit(_limit("OBJECTION_RATE_LIMIT_PER_IP"), deduct_when=_filed,
               on_breach=_refuse_objection(PER_IP_REFUSAL))
@limiter.limit(_limit("OBJECTION_RATE_LIMIT_TOTAL"), key_func=lambda: "objections-total",
               deduct_when=_filed, on_breach=_refuse_objection(TOTAL_REFUSAL))
def file_objection(notice_id: int):
    public_notice = _public_notice_or_404(notice_id)
    if notice.closed_reason(public_notice, beijing_today()):
        return _notice_page(public_notice)  # says why; there is no form any more
    nominees = registry.notice_nominees(public_notice)
    form = ObjectionForm(nominees=nominees)
    if form.validate_on_submit():
        data = notice.ObjectionData(form.nomination_id.data, form.name.data or "",
                                    form.contact.data or "", form.facts.data or "")
        if commit_or_report(form, lambda: notice.file_objection(public_notice, data)) is not REFUSED:
            flash(_("异议已收到。我们将在公示期满后、命名前逐件核实处理，必要时与您联系。"), "success")
            return redirect(url_for(".notice_detail", notice_id=notice_id))
    return _notice_page(public_notice, form, nominees)


# Objection limits answer with the notice page (see ``_refuse_objection``).
bp.register_error_handler(RateLimitExceeded, error_pages.rate_limited)


# --- Registry --------------------------------------------------------------------------------

def _is_admin() -> bool:
    """Public pages offer administrators their tools (export, revoke)."""
    return current_user.is_authenticated and rules.can_manage_cycles(current_user)


@bp.get("/registry")
@public
@cached_for_visitors("craftsmen", "core")
def registry_index():
    filters = registry.RegistryFilters.from_args(request.args)
    page = paginate(registry.registry_query(filters))
    return render_template("craftsmen/public/registry.html", page=page, filters=filters,
                           options=registry.filter_options(), levels=list(CraftsmanLevel),
                           is_admin=_is_admin())


@bp.get("/registry/<int:title_id>")
@public
@cached_for_visitors("craftsmen", "competitions", "innovation_studios", "certificates", "core")
def title_detail(title_id: int):
    title = db.get_or_404(CraftsmanTitle, title_id, options=[joinedload(CraftsmanTitle.cycle)])
    return render_template("craftsmen/public/title.html", title=title,
                           achievements=registry.publishable_achievements(title),
                           steps=ladder.ladder(title.worker_id, public=True), is_admin=_is_admin())


# --- Administrators --------------------------------------------------------------------------

@bp.get("/craftsmen/publication")
@roles_required(Role.ADMIN)
def admin_index():
    """Cycles from review onwards: where each stands on notice, objections and naming."""
    cycles = registry.publication_cycles()
    notices = registry.notices_by_cycle([c.id for c in cycles])
    return render_template("craftsmen/public/admin_index.html", cycles=cycles, notices=notices,
                           counts=registry.objection_counts([n.id for n in notices.values()]),
                           today=beijing_today())


def _cycle_page(cycle: SelectionCycle, publish_form: PublishNoticeForm | None = None,
                name_form=None, reopen_form=None):
    public_notice = notice.notice_of(cycle)
    if publish_form is None and cycle.status == CycleStatus.REVIEWING:
        publish_form = PublishNoticeForm(starts_on=beijing_today(), days=cycle.notice_days)
    counts = registry.objection_counts([public_notice.id] if public_notice else [])
    return render_template(
        "craftsmen/public/admin_cycle.html", cycle=cycle, notice=public_notice,
        publish_form=publish_form, name_form=name_form or ConfirmedActionForm(),
        reopen_form=reopen_form or ReopenReviewForm(),
        counts=counts.get(public_notice.id, {}) if public_notice else {},
        by_occupation=registry.proposed_by_occupation(cycle),
        publish_blockers=notice.publish_blockers(cycle) if cycle.status == CycleStatus.REVIEWING else [],
        blockers=naming.naming_blockers(cycle), today=beijing_today(),
        studio_offers=ladder.studio_offers(cycle) if cycle.status == CycleStatus.CLOSED else [])


@bp.get("/craftsmen/cycles/<int:cycle_id>/publication")
@roles_required(Role.ADMIN)
def admin_cycle(cycle_id: int):
    return _cycle_page(db.get_or_404(SelectionCycle, cycle_id))


@bp.post("/craftsmen/cycles/<int:cycle_id>/publication/notice")
@roles_required(Role.ADMIN)
def publish_notice(cycle_id: int):
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    form = PublishNoticeForm()
    if form.validate_on_submit():
        published = commit_or_report(form, lambda: notice.publish_notice(
            cycle, form.starts_on.data, text=form.text.data or "", days=form.days.data,
            by=current_user))
        if published is not REFUSED:
            flash(_("公示已发布：%(p)s", p=notice.period_label(published)), "success")
            return redirect(url_for(".admin_cycle", cycle_id=cycle_id))
    return _cycle_page(cycle, form)


@bp.post("/craftsmen/cycles/<int:cycle_id>/publication/name")
@roles_required(Role.ADMIN)
def name_cycle(cycle_id: int):
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    form = ConfirmedActionForm()
    if form.validate_on_submit():
        titles = commit_or_report(form, lambda: naming.name_cycle(cycle, by=current_user))
        if titles is not REFUSED:
            flash(_("已命名 %(n)s 人，已列入工匠名录", n=len(titles)), "success")
            return redirect(url_for(".admin_cycle", cycle_id=cycle_id))
    return _cycle_page(cycle, name_form=form)


@bp.post("/craftsmen/cycles/<int:cycle_id>/publication/reopen")
@roles_required(Role.ADMIN)
def reopen_review(cycle_id: int):
    """Take the cycle off notice, back to review (the list can then be adjusted)."""
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    form = ReopenReviewForm()
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: notice.reopen_review(cycle, form.reason.data,
                                                                   by=current_user))
        if done is not REFUSED:
            flash(_("已退回评审，可调整建议名单后重新发布公示"), "success")
            return redirect(url_for(".admin_cycle", cycle_id=cycle_id))
    return _cycle_page(cycle, reopen_form=form)


@bp.get("/craftsmen/cycles/<int:cycle_id>/results.xlsx")
@roles_required(Role.ADMIN)
def export_results(cycle_id: int):
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    return download(exports.results_workbook(cycle), f"{cycle.title}-评选结果.xlsx")


def _objections_page(public_notice: PublicNotice, failed: tuple[int, ResolveObjectionForm] | None = None):
    status = request.args.get("status", "")
    objections = db.session.scalars(registry.objections_query(public_notice, status)).all()
    forms = {o.id: ResolveObjectionForm(prefix=f"o{o.id}", formdata=None)
             for o in objections if o.status == ObjectionStatus.OPEN}
    if failed:
        forms[failed[0]] = failed[1]
    return render_template("craftsmen/public/admin_objections.html", notice=public_notice,
                           cycle=public_notice.cycle, objections=objections, forms=forms,
                           status=status, statuses=list(ObjectionStatus),
                           counts=registry.objection_counts([public_notice.id]).get(public_notice.id, {}))


@bp.get("/craftsmen/notices/<int:notice_id>/objections")
@roles_required(Role.ADMIN)
def admin_objections(notice_id: int):
    return _objections_page(db.get_or_404(PublicNotice, notice_id))


@bp.post("/craftsmen/objections/<int:objection_id>/resolve")
@roles_required(Role.ADMIN)
def resolve_objection(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    form = ResolveObjectionForm(prefix=f"o{objection.id}")
    if form.validate_on_submit():
        resolved = commit_or_report(form, lambda: notice.resolve_objection(
            objection, form.decision.data, form.resolution.data or "", by=current_user))
        if resolved is not REFUSED:
            flash(_("异议 #%(id)s 已处理：%(s)s", id=objection.id, s=objection.status_enum.label),
                  "success")
            return redirect(url_for(".admin_objections", notice_id=objection.notice_id))
    return _objections_page(objection.notice, (objection.id, form))


@bp.get("/craftsmen/registry.xlsx")
@roles_required(Role.ADMIN)
def export_registry():
    return download(exports.registry_workbook(), "北京工匠名录.xlsx")


@bp.route("/craftsmen/titles/<int:title_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def revoke_title(title_id: int):
    title = db.get_or_404(CraftsmanTitle, title_id)
    form = RevokeTitleForm()
    if not title.is_revoked and form.validate_on_submit():
        revoked = commit_or_report(form, lambda: naming.revoke_title(title, form.reason.data,
                                                                     by=current_user))
        if revoked is not REFUSED:
            flash(_("已撤销 %(name)s 的“%(title)s”称号", name=title.name, title=title.title), "success")
            return redirect(url_for(".title_detail", title_id=title.id))
    return render_template("craftsmen/public/admin_revoke.html", title=title, form=form)
