"""Applying for a studio and keeping it: the enterprise's application, team and leader
changes; the union reviewer's check.

Every route is guarded by role; ownership and state are checked with
:mod:`innovation_studios.studios.rules` and again by the services.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios.studios import leaders, rules, services
from innovation_studios.studios.forms import (
    ApplicationForm,
    CheckForm,
    DeleteDraftForm,
    LeaderChangeForm,
    LeaveForm,
    MemberForm,
    SubmitApplicationForm,
)
from innovation_studios.studios.models import Studio, StudioMember
from innovation_studios.studios.queries import enterprise_workers
from innovation_studios.studios.views import load_for_page, render_detail

bp = Blueprint("studio_applications", __name__, url_prefix="/studios")


def _detail_url(studio: Studio, anchor: str | None = None) -> str:
    return url_for("studios.detail", studio_id=studio.id, _anchor=anchor)


def _own(studio_id: int) -> Studio:
    studio = load_for_page(studio_id)
    if not rules.is_owner(current_user, studio):
        abort(403)
    return studio


def _data(form: ApplicationForm) -> services.ApplicationData:
    return services.ApplicationData(
        name=form.name.data or "", kind=form.kind.data or "", level_sought=form.level_sought.data or "",
        leader_worker_id=form.leader_worker_id.data or None, field=form.field.data or "",
        industry=form.industry.data or "", space_equipment=form.space_equipment.data or "",
        management_rules=form.management_rules.data or "", plan=form.plan.data or "",
        funding_note=form.funding_note.data or "")


def _choices(studio_or_enterprise_id, **kwargs):
    """The worker picker's choices, narrowed by the page's ``q`` search."""
    return enterprise_workers(studio_or_enterprise_id, q=request.args.get("q", ""), **kwargs)


def _distinguished(workers) -> list:
    """The enterprise's model workers and craftsmen, with their distinctions (to pick a leader)."""
    flags = leaders.flags_for(workers)
    return [(w, flags[w.id]) for w in workers if flags.get(w.id)]


# The application -----------------------------------------------------------------------------

@bp.route("/apply", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def new():
    if not rules.can_apply(current_user):
        abort(403)
    enterprise_id = current_user.enterprise_id
    form = ApplicationForm()
    choices = _choices(enterprise_id, include=[form.leader_worker_id.data])
    form.set_workers(choices.workers)
    if form.validate_on_submit():
        studio = commit_or_report(form, lambda: services.create_application(enterprise_id, _data(form),
                                                                            by=current_user))
        if studio is not REFUSED:
            flash(_("已保存申报草稿。请添加团队成员，检查无误后提交。"), "success")
            return redirect(_detail_url(studio, "team"))
    return render_template("innovation_studios/application_form.html", form=form, studio=None, choices=choices,
                           distinguished=_distinguished(choices.workers), enterprise=current_user.enterprise)


@bp.route("/<int:studio_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def edit(studio_id: int):
    studio = _own(studio_id)
    if not rules.can_edit_application(current_user, studio):
        flash(_("工作室当前为“%(state)s”，申报材料只能查看，不能修改", state=studio.state_enum.label), "warning")
        return redirect(_detail_url(studio))
    form = ApplicationForm(obj=studio)
    choices = _choices(studio, include=[form.leader_worker_id.data, studio.leader_worker_id])
    form.set_workers(choices.workers)
    if request.method == "GET":
        form.version.data = str(studio.version)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_application(
            studio, _data(form), expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(_detail_url(studio))
    return render_template("innovation_studios/application_form.html", form=form, studio=studio, choices=choices,
                           distinguished=_distinguished(choices.workers), enterprise=studio.enterprise)


@bp.post("/<int:studio_id>/submit")
@roles_required(Role.ENTERPRISE)
def submit(studio_id: int):
    studio = _own(studio_id)
    form = SubmitApplicationForm()
    if form.validate_on_submit():
        action = commit_or_report(None, lambda: services.submit(
            studio, expected_version=form.opened_version(), by=current_user))
        if action is not REFUSED:
            flash(_("已重新提交，等待工会审查") if action == "reapply" else _("已提交，等待工会审查"), "success")
    return redirect(_detail_url(studio))


@bp.post("/<int:studio_id>/delete")
@roles_required(Role.ENTERPRISE)
def delete(studio_id: int):
    studio = _own(studio_id)
    form = DeleteDraftForm()
    if form.validate_on_submit():
        name = studio.name
        if commit_or_report(None, lambda: services.delete_draft(
                studio, expected_version=form.opened_version(), by=current_user)) is not REFUSED:
            flash(_("已删除申报草稿“%(name)s”", name=name), "success")
            return redirect(url_for("studios.index"))
    return redirect(_detail_url(studio))


# The team --------------------------------------------------------------------------------------

def _manageable(studio_id: int) -> Studio:
    studio = load_for_page(studio_id)
    if not (rules.is_owner(current_user, studio) or current_user.has_role(Role.ADMIN)):
        abort(403)
    return studio


def _member_of(studio: Studio, member_id: int) -> StudioMember:
    member = db.get_or_404(StudioMember, member_id)
    if member.studio_id != studio.id:
        abort(404)
    return member


@bp.route("/<int:studio_id>/members", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def add_member(studio_id: int):
    """Add a member: find the worker (by name, occupation or ID number's last digits), choose
    their role and the day they joined."""
    studio = _manageable(studio_id)
    if not rules.can_manage_members(current_user, studio):
        flash(_("工作室当前为“%(state)s”，不能调整成员", state=studio.state_enum.label), "warning")
        return redirect(_detail_url(studio, "team"))
    taken = {m.worker_id for m in studio.members if m.left_on is None} | {studio.leader_worker_id}
    form = MemberForm()
    choices = _choices(studio, exclude=taken, include=[form.worker_id.data])
    form.set_workers(choices.workers)
    if form.validate_on_submit():
        member = commit_or_report(form, lambda: services.add_member(
            studio, form.worker_id.data or None, form.role.data, form.joined_on.data, by=current_user))
        if member is not REFUSED:
            flash(_("%(name)s 已加入团队", name=member.worker.name), "success")
            return redirect(_detail_url(studio, "team"))
    return render_template("innovation_studios/member_form.html", form=form, studio=studio, choices=choices,
                           current=[m for m in studio.members if m.left_on is None])


@bp.post("/<int:studio_id>/members/<int:member_id>/remove")
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def remove_member(studio_id: int, member_id: int):
    studio = _manageable(studio_id)
    member = _member_of(studio, member_id)
    if ConfirmForm().validate_on_submit() and commit_or_report(None, lambda: services.remove_member(
            studio, member, by=current_user)) is not REFUSED:
        flash(_("已移出团队"), "success")
    return redirect(_detail_url(studio, "team"))


@bp.post("/<int:studio_id>/members/<int:member_id>/leave")
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def leave(studio_id: int, member_id: int):
    studio = _manageable(studio_id)
    member = _member_of(studio, member_id)
    form = LeaveForm(prefix=f"leave{member.id}")
    if form.validate_on_submit() and commit_or_report(form, lambda: services.end_membership(
            studio, member, form.left_on.data, form.reason.data, by=current_user)) is not REFUSED:
        flash(_("已登记 %(name)s 退出", name=member.worker.name), "success")
        return redirect(_detail_url(studio, "team"))
    return render_detail(studio, leave_forms={member.id: form})


# Leader changes ----------------------------------------------------------------------------------

@bp.route("/<int:studio_id>/leader", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.ADMIN)
def change_leader(studio_id: int):
    studio = _manageable(studio_id)
    if not rules.can_change_leader(current_user, studio):
        flash(_("只有已命名的工作室登记领办人变更；申报阶段请直接修改申报材料"), "warning")
        return redirect(_detail_url(studio))
    form = LeaderChangeForm()
    choices = _choices(studio, exclude=[studio.leader_worker_id], include=[form.new_worker_id.data])
    form.set_workers(choices.workers)
    if request.method == "GET":
        form.version.data = str(studio.version)
        form.changed_on.data = beijing_today()
    if form.validate_on_submit():
        change = commit_or_report(form, lambda: services.change_leader(
            studio, form.new_worker_id.data or None, form.changed_on.data, form.reason.data,
            form.note.data or "", expected_version=form.opened_version(), by=current_user))
        if change is not REFUSED:
            flash(_("已登记领办人变更：%(old)s → %(new)s", old=change.previous.name, new=change.new.name),
                  "success")
            return redirect(_detail_url(studio, "leaders"))
    return render_template("innovation_studios/leader_form.html", form=form, studio=studio, choices=choices,
                           flags=leaders.flags_for([*choices.workers, studio.leader]))


# The union's check ---------------------------------------------------------------------------------

@bp.post("/<int:studio_id>/check")
@roles_required(Role.UNION_REVIEWER)
def check(studio_id: int):
    studio = load_for_page(studio_id)
    if not rules.is_reviewer_for(current_user, studio):
        abort(403)
    form = CheckForm()
    if form.validate_on_submit():
        decision = form.decision
        done = commit_or_report(form, lambda: services.check(
            studio, decision, form.reason.data, expected_version=form.opened_version(), by=current_user))
        if done is not REFUSED:
            flash({"accept": _("“%(name)s”已通过审查，报送专家评审", name=studio.name),
                   "return": _("已将“%(name)s”退回修改", name=studio.name),
                   "reject": _("“%(name)s”未通过审查", name=studio.name)}.get(decision, ""), "success")
            return redirect(url_for("studios.queue"))
    return render_detail(studio, check_form=form)
