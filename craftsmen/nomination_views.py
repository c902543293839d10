"""Craftsman selection: enterprises nominate their workers, union reviewers check
qualifications, administrators and reviewers browse the talent pool (人才库), and workers
follow their own nominations.

Every route is guarded by role; ownership is checked with :mod:`craftsmen.rules`; the state
changes are in :mod:`craftsmen.services.nominations`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import roles_required
from core.audit.models import AuditEntry
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.pagination import count_limit_for, paginate
from core.people.models import SkillLevel, Worker
from core.roles import Role
from craftsmen import NAV_GROUP, queries, rules, uploads
from craftsmen.models import (
    Nomination,
    NominationAchievement,
    NominationAttachment,
    NominationState,
    SelectionCycle,
)
from craftsmen.nomination_forms import (
    AchievementForm,
    AttachmentForm,
    DecisionForm,
    DeleteDraftForm,
    DraftForm,
    NominateForm,
    SubmitNominationForm,
)
from craftsmen.services import nominations as services
from craftsmen.services import review
from craftsmen.states import EDITABLE_STATES

bp = Blueprint("craftsmen_nomination", __name__, url_prefix="/craftsmen/nominations")

navigation.add("craftsmen_nomination.index", _l("推荐"), Role.ENTERPRISE, Role.ADMIN, group=NAV_GROUP)
navigation.add("craftsmen_nomination.queue", _l("资格审查"), Role.UNION_REVIEWER, group=NAV_GROUP)
navigation.add("craftsmen_nomination.talent_pool", _l("人才库"), Role.ADMIN, Role.UNION_REVIEWER, group=NAV_GROUP)
navigation.add("craftsmen_nomination.mine", _l("我的推荐"), Role.WORKER, group=NAV_GROUP)

#: Who may open a nomination's page (each is then checked against the nomination itself).
VIEWERS = (Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE, Role.WORKER)

#: How the history on a nomination's page names each recorded action.
ACTION_LABELS = {
    "nomination.create": _l("创建草稿"),
    "nomination.submit": _l("提交推荐"),
    "nomination.resubmit": _l("修改后重新提交"),
    "nomination.qualify": _l("资格审查通过，进入人才库"),
    "nomination.return": _l("退回修改"),
    "nomination.reject": _l("资格审查未通过"),
    "nomination.propose": _l("列入建议名单"),
    "nomination.not_propose": _l("未列入建议名单"),
    "nomination.unpropose": _l("移出建议名单"),
    "nomination.reset_proposal": _l("重新评定"),
    "nomination.withdraw": _l("撤销提名"),
    "nomination.name": _l("命名"),
    "nomination.revoke": _l("撤销称号"),
}


# Helpers ---------------------------------------------------------------------------------

def _load_visible(nomination_id: int) -> Nomination:
    """The nomination, for those who may see it: experts too while they score it."""
    nomination = db.get_or_404(Nomination, nomination_id)
    on_panel = current_user.has_role(Role.EXPERT) and review.SCOPE.on_panel(current_user, nomination)
    if not rules.can_view_nomination(current_user, nomination, on_panel=on_panel):
        abort(403)
    return nomination


def _load_own(nomination_id: int) -> Nomination:
    nomination = db.get_or_404(Nomination, nomination_id)
    if not rules.can_manage_nomination(current_user, nomination):
        abort(403)
    return nomination


def _child_of(model, child_id: int, nomination: Nomination):
    child = db.get_or_404(model, child_id)
    if child.nomination_id != nomination.id:
        abort(404)
    return child


def _detail_url(nomination: Nomination, anchor: str | None = None) -> str:
    return url_for(".detail", nomination_id=nomination.id, _anchor=anchor)


def rules_summary(cycle: SelectionCycle) -> list[str]:
    """The cycle's eligibility rules as sentences, for the pages that nominate."""
    lines = []
    if cycle.min_years is not None:
        lines.append(_("从事本工种满 %(n)s 年", n=cycle.min_years))
    if cycle.min_skill_level:
        lines.append(_("技能等级达到%(level)s及以上", level=SkillLevel(cycle.min_skill_level).label))
    if cycle.min_age is not None and cycle.max_age is not None:
        lines.append(_("年龄 %(a)s 至 %(b)s 周岁（按推荐截止日计算）", a=cycle.min_age, b=cycle.max_age))
    elif cycle.min_age is not None:
        lines.append(_("年龄不小于 %(a)s 周岁（按推荐截止日计算）", a=cycle.min_age))
    elif cycle.max_age is not None:
        lines.append(_("年龄不大于 %(b)s 周岁（按推荐截止日计算）", b=cycle.max_age))
    if cycle.front_line_required:
        lines.append(_("一线职工"))
    if cycle.in_post_required:
        lines.append(_("仍在岗"))
    if cycle.exclude_title_holders:
        lines.append(_("未获得%(level)s或更高级别的工匠称号", level=cycle.level_enum.label))
    if cycle.max_per_enterprise is not None:
        lines.append(_("每个单位最多推荐 %(n)s 人", n=cycle.max_per_enterprise))
    if cycle.max_per_union is not None:
        lines.append(_("每个区总工会、产业工会最多推荐 %(n)s 人", n=cycle.max_per_union))
    return lines


def _history(nomination: Nomination) -> list[AuditEntry]:
    return queries.nomination_history(nomination, ACTION_LABELS)


def _back_link(nomination: Nomination) -> tuple[str, str]:
    """Where the breadcrumb leads back to, by the user's part in this nomination."""
    user = current_user
    if rules.is_owner(user, nomination) or user.has_role(Role.ADMIN):
        return url_for(".index"), _("推荐")
    if rules.is_reviewer_for(user, nomination):
        return url_for(".queue"), _("资格审查")
    return url_for(".mine"), _("我的推荐")


def _render_detail(nomination: Nomination, *, achievement_form=None, attachment_form=None,
                   decision_form=None):
    """The nomination page, with whichever forms the user may use (kept as typed on error)."""
    user = current_user
    manage = rules.can_manage_nomination(user, nomination)
    editable = manage and nomination.state_enum in EDITABLE_STATES
    # A returned nomination may only be rejected (the enterprise gave up correcting it).
    can_decide = (rules.can_qualify(user, nomination)
                  and nomination.state_enum in (NominationState.SUBMITTED, NominationState.RETURNED))
    context = {
        "nomination": nomination, "worker": nomination.worker, "cycle": nomination.cycle,
        "manage": manage, "editable": editable, "can_decide": can_decide,
        "show_contact": rules.can_see_worker_contact(user, nomination),
        "decision_note": rules.shown_decision_note(nomination),
        # Staff see who did each step; the nominee sees the steps only.
        "show_actor": user.has_role(Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE),
        "history": _history(nomination), "action_labels": ACTION_LABELS,
        "rules_summary": rules_summary(nomination.cycle),
        "age": nomination.worker.age_on(services.age_reference_date(nomination.cycle)),
        "used_bytes": services.attachments_size(nomination),
        "megabytes": uploads.megabytes,
        "confirm": ConfirmForm(formdata=None),
        "back": _back_link(nomination),
    }
    # Forms other than the one just posted start empty (formdata=None), not from this request.
    version = str(nomination.version)
    if editable:
        context.update(
            problems=services.submission_problems(nomination),
            window_problem=services.submission_window_problem(nomination),
            achievement_form=achievement_form or AchievementForm(
                formdata=None, attachments=nomination.attachments),
            attachment_form=attachment_form or AttachmentForm(formdata=None),
            submit_form=SubmitNominationForm(formdata=None, version=version),
            delete_form=DeleteDraftForm(formdata=None, version=version),
        )
    if can_decide:
        context["decision_form"] = decision_form or DecisionForm(formdata=None, version=version)
        context["rule_failures"] = services.rule_failures(
            nomination.cycle, nomination.worker, nomination.enterprise,
            occupation=nomination.occupation, exclude_id=nomination.id)
    return render_template("craftsmen/nominations/detail.html", **context)


# Enterprise: list, nominate, edit, evidence, submit --------------------------------------

@bp.get("/")
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def index():
    """Nominations the user may see (an enterprise: its own), by cycle, state and name."""
    cycle_id = request.args.get("cycle_id", type=int)
    state = request.args.get("state", "")
    q = request.args.get("q", "").strip()
    query = queries.visible_nominations(current_user, cycle_id=cycle_id, state=state, q=q)
    page = paginate(query.order_by(Nomination.cycle_id.desc(), Nomination.updated_at.desc(),
                                   Nomination.id.desc()))
    # An enterprise sees the cycles it may nominate for; an administrator sees every open one.
    enterprise = current_user.enterprise if current_user.has_role(Role.ENTERPRISE) else None
    open_cycles = services.open_cycles(enterprise)
    quotas = []
    if enterprise is not None:
        quotas = [(cycle, services.quota_use(cycle, current_user.enterprise))
                  for cycle in open_cycles]
    return render_template("craftsmen/nominations/index.html", page=page, cycles=queries.cycles_newest_first(),
                           cycle_id=cycle_id, state=state, q=q, states=list(NominationState),
                           open_cycles=open_cycles, quotas=quotas,
                           can_nominate=current_user.has_role(Role.ENTERPRISE)
                           and current_user.enterprise_id is not None)


@bp.get("/new")
@roles_required(Role.ENTERPRISE)
def new():
    """Choose an open cycle, see every own worker against its rules, and nominate one."""
    enterprise = current_user.enterprise
    if enterprise is None:
        abort(403)
    cycles = services.open_cycles(enterprise)
    cycle_id = request.args.get("cycle_id", type=int)
    cycle = next((c for c in cycles if c.id == cycle_id), cycles[0] if cycles else None)
    context = {"cycles": cycles, "cycle": cycle, "q": request.args.get("q", "").strip(),
               "enterprise": enterprise}
    if cycle is not None:
        page = paginate(queries.own_workers(enterprise, context["q"]))
        use = services.quota_use(cycle, enterprise)
        existing = queries.nominations_of_workers(cycle, [w.id for w in page.items])
        # Checked against the occupation of the existing nomination, else the one offered first.
        occupations = {w.id: existing[w.id].occupation if w.id in existing
                       else services.default_occupation(cycle, w) for w in page.items}
        context.update(
            page=page, use=use, existing=existing, rules_summary=rules_summary(cycle),
            failures={w.id: services.rule_failures(cycle, w, enterprise, use=use,
                                                   occupation=occupations[w.id])
                      for w in page.items},
            suggested={w.id: occupations[w.id].id if occupations[w.id] else None
                       for w in page.items},
            union_names=queries.union_names(enterprise),
        )
    return render_template("craftsmen/nominations/new.html", **context)


@bp.post("/new")
@roles_required(Role.ENTERPRISE)
def create():
    cycle = db.get_or_404(SelectionCycle, request.form.get("cycle_id", type=int) or 0)
    worker = db.get_or_404(Worker, request.form.get("worker_id", type=int) or 0)
    if not rules.can_nominate(current_user, worker):
        abort(403)
    form = NominateForm(occupations=cycle.occupations)
    back = url_for(".new", cycle_id=cycle.id)
    if not form.validate_on_submit():
        flash(_("请选择推荐工种"), "danger")
        return redirect(back)
    nomination = commit_or_report(None, lambda: services.create_draft(  # the page redirects: flash
        cycle, worker, form.occupation_id.data, by=current_user))
    if nomination is REFUSED:
        return redirect(back)
    flash(_("已为 %(name)s 创建推荐草稿，请填写个人陈述、主要成果并上传证明材料后提交",
            name=worker.name), "success")
    return redirect(_detail_url(nomination))


@bp.get("/<int:nomination_id>")
@roles_required(*VIEWERS, Role.EXPERT)
def detail(nomination_id: int):
    return _render_detail(_load_visible(nomination_id))


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def edit(nomination_id: int):
    nomination = _load_own(nomination_id)
    if nomination.state_enum not in EDITABLE_STATES:
        flash(_("推荐当前为“%(state)s”，只能查看，不能修改", state=nomination.state_enum.label),
              "warning")
        return redirect(_detail_url(nomination))
    form = DraftForm(obj=nomination, occupations=nomination.cycle.occupations)
    if request.method == "GET":
        form.version.data = str(nomination.version)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_draft(
            nomination, occupation_id=form.occupation_id.data, statement=form.statement.data,
            expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(_detail_url(nomination))
    return render_template("craftsmen/nominations/edit.html", form=form, nomination=nomination)


@bp.post("/<int:nomination_id>/achievements")
@roles_required(Role.ENTERPRISE)
def add_achievement(nomination_id: int):
    nomination = _load_own(nomination_id)
    form = AchievementForm(attachments=nomination.attachments)
    if form.validate_on_submit():
        data = services.AchievementData(
            kind=form.kind.data, title=form.title.data, achieved_on=form.achieved_on.data,
            description=form.description.data, publishable=form.publishable.data,
            attachment_id=form.attachment_id.data or None)
        added = commit_or_report(form, lambda: services.add_achievement(
            nomination, data, evidence=form.file.data, by=current_user))
        if added is not REFUSED:
            flash(_("已添加成果“%(title)s”", title=data.title), "success")
            return redirect(_detail_url(nomination, "achievements"))
    return _render_detail(nomination, achievement_form=form)


@bp.post("/<int:nomination_id>/achievements/<int:achievement_id>/delete")
@roles_required(Role.ENTERPRISE)
def remove_achievement(nomination_id: int, achievement_id: int):
    nomination = _load_own(nomination_id)
    achievement = _child_of(NominationAchievement, achievement_id, nomination)
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.remove_achievement(
            nomination, achievement, by=current_user)) is not REFUSED:
        flash(_("已删除成果"), "success")
    return redirect(_detail_url(nomination, "achievements"))


@bp.post("/<int:nomination_id>/attachments")
@roles_required(Role.ENTERPRISE)
def upload(nomination_id: int):
    nomination = _load_own(nomination_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        attachment = commit_or_report(form, lambda: services.add_attachment(
            nomination, form.file.data, by=current_user))
        if attachment is not REFUSED:
            flash(_("已上传“%(name)s”", name=attachment.original_name), "success")
            return redirect(_detail_url(nomination, "attachments"))
    return _render_detail(nomination, attachment_form=form)


@bp.post("/<int:nomination_id>/attachments/<int:attachment_id>/delete")
@roles_required(Role.ENTERPRISE)
def remove_attachment(nomination_id: int, attachment_id: int):
    nomination = _load_own(nomination_id)
    attachment = _child_of(NominationAttachment, attachment_id, nomination)
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.remove_attachment(
            nomination, attachment, by=current_user)) is not REFUSED:
        flash(_("已删除附件"), "success")
    return redirect(_detail_url(nomination, "attachments"))


@bp.get("/<int:nomination_id>/attachments/<int:attachment_id>")
@roles_required(*VIEWERS, Role.EXPERT)
def download(nomination_id: int, attachment_id: int):
    """The file, to those who may see the nomination; always a download, never rendered."""
    nomination = _load_visible(nomination_id)
    attachment = _child_of(NominationAttachment, attachment_id, nomination)
    try:
        return uploads.send(attachment.stored_name, original_name=attachment.original_name,
                            content_type=attachment.content_type)
    except FileNotFoundError:
        abort(404)


@bp.post("/<int:nomination_id>/submit")
@roles_required(Role.ENTERPRISE)
def submit(nomination_id: int):
    nomination = _load_own(nomination_id)
    form = SubmitNominationForm()
    if form.validate_on_submit():
        action = commit_or_report(None, lambda: services.submit(
            nomination, expected_version=form.opened_version(), by=current_user))
        if action is not REFUSED:
            flash(_("已重新提交，等待工会资格审查") if action == "resubmit"
                  else _("已提交，等待工会资格审查"), "success")
    return redirect(_detail_url(nomination))


@bp.post("/<int:nomination_id>/delete")
@roles_required(Role.ENTERPRISE)
def delete(nomination_id: int):
    nomination = _load_own(nomination_id)
    form = DeleteDraftForm()
    if form.validate_on_submit():
        name = nomination.worker.name
        deleted = commit_or_report(None, lambda: services.delete_draft(
            nomination, expected_version=form.opened_version(), by=current_user))
        if deleted is not REFUSED:
            flash(_("已删除 %(name)s 的推荐草稿", name=name), "success")
            return redirect(url_for(".index"))
    return redirect(_detail_url(nomination))


# Worker ----------------------------------------------------------------------------------

@bp.get("/mine")
@roles_required(Role.WORKER)
def mine():
    """The worker's own nominations and where each stands."""
    nominations = queries.nominations_of_worker(current_user.worker_id) if current_user.worker_id else []
    return render_template("craftsmen/nominations/mine.html", nominations=nominations)


# Union reviewer: qualification check -----------------------------------------------------

@bp.get("/qualification")
@roles_required(Role.UNION_REVIEWER)
def queue():
    """Nominations from the reviewer's unions' enterprises; waiting ones first by default."""
    state = request.args.get("state", NominationState.SUBMITTED.value)
    cycle_id = request.args.get("cycle_id", type=int)
    q = request.args.get("q", "").strip()
    query = queries.visible_nominations(current_user, cycle_id=cycle_id, state=state, q=q, include_drafts=False)
    page = paginate(query.order_by(Nomination.submitted_at, Nomination.id))
    cycles = queries.cycles_newest_first()
    states = [s for s in NominationState if s is not NominationState.DRAFT]
    return render_template("craftsmen/nominations/queue.html", page=page, state=state,
                           states=states, cycles=cycles, cycle_id=cycle_id, q=q,
                           union=current_user.union)


@bp.post("/<int:nomination_id>/decision")
@roles_required(Role.UNION_REVIEWER)
def decide(nomination_id: int):
    """Approve, return for correction or reject, with a reason for the last two."""
    nomination = _load_visible(nomination_id)
    if not rules.can_qualify(current_user, nomination):
        abort(403)
    form = DecisionForm()
    if form.validate_on_submit():
        decision = form.decision
        decided = commit_or_report(form, lambda: services.decide(
            nomination, decision, form.reason.data, expected_version=form.opened_version(),
            by=current_user))
        if decided is not REFUSED:
            name = nomination.worker.name
            flash({"qualify": _("%(name)s 已通过资格审查，进入人才库", name=name),
                   "return": _("已将 %(name)s 的推荐退回修改", name=name),
                   "reject": _("%(name)s 的推荐未通过资格审查", name=name)}[decision], "success")
            return redirect(url_for(".queue"))
    return _render_detail(nomination, decision_form=form)


# Talent pool -----------------------------------------------------------------------------

@bp.get("/talent-pool")
@roles_required(Role.ADMIN, Role.UNION_REVIEWER)
def talent_pool():
    """Everyone who passed the qualification check, by cycle, occupation and district."""
    if not rules.can_see_talent_pool(current_user):
        abort(403)
    cycle_id = request.args.get("cycle_id", type=int)
    occupation = request.args.get("occupation", "").strip()
    district_id = request.args.get("district_id", type=int)
    q = request.args.get("q", "").strip()
    query = queries.talent_pool(current_user, cycle_id=cycle_id, occupation=occupation,
                                district_id=district_id, q=q)
    # The filters' choices come first: the rows' cycles and district unions are then found
    # among them, and the rest of a row comes in the page's own query.
    cycles = queries.cycles_newest_first()
    districts = queries.district_unions()
    occupations = queries.occupation_names()
    page = paginate(query, count_limit=count_limit_for(q))
    return render_template("craftsmen/nominations/talent_pool.html", page=page, cycles=cycles,
                           occupations=occupations, districts=districts, cycle_id=cycle_id,
                           occupation=occupation, district_id=district_id, q=q)
