"""Studio lists and the studio page.

* Administrators: every studio and application, filtered by kind, level, district, industry,
  state and year (named or applied); the Excel export of the same selection.
* Union reviewers: the studios and applications of their unions' enterprises (no drafts).
* Enterprises: their own studios and applications.
* Workers: the studios they lead or belong to.

The studio page shows what the user may see and the forms of what they may do; other parts
of the feature add their sections through :mod:`innovation_studios.studios.sections`.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import roles_required
from core.excel import download
from core.extensions import db
from core.forms import ConfirmForm
from core.pagination import paginate
from core.review_panels import scoring
from core.roles import Role
from innovation_studios import NAV_GROUP
from innovation_studios.studios import exports, leaders, listing, queries, review, rules, sections, services
from innovation_studios.studios.forms import CheckForm, DeleteDraftForm, LeaveForm, SubmitApplicationForm
from innovation_studios.studios.models import (
    INDUSTRIES,
    Studio,
    StudioKind,
    StudioLevel,
    StudioState,
)
from innovation_studios.studios.states import NAMED_STATES

bp = Blueprint("studios", __name__, url_prefix="/studios")

navigation.add("studios.index", _l("工作室"), Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE, group=NAV_GROUP)
navigation.add("studios.queue", _l("工作室申报审查"), Role.UNION_REVIEWER, group=NAV_GROUP)
navigation.add("studios.mine", _l("我的工作室"), Role.WORKER, group=NAV_GROUP)

#: Who may open a studio's page (each then checked against the studio itself).
VIEWERS = (Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE, Role.WORKER, Role.EXPERT)

#: How the page's history names each recorded action.
ACTION_LABELS = {
    "studio.import": _l("从原工作室名册导入"),
    "studio.create": _l("创建申报草稿"),
    "studio.update": _l("修改申报材料"),
    "studio.apply": _l("提交申报"),
    "studio.reapply": _l("修改后重新提交"),
    "studio.accept": _l("工会审查通过，报送专家评审"),
    "studio.return": _l("退回修改"),
    "studio.reject": _l("未通过"),
    "studio.name": _l("命名"),
    "studio.start_rectification": _l("考核不合格，限期整改"),
    "studio.pass_rectification": _l("整改合格"),
    "studio.delist": _l("摘牌"),
    "studio.member_join": _l("成员加入"),
    "studio.member_leave": _l("成员退出"),
    "studio.member_remove": _l("移出申报团队"),
    "studio.leader_change": _l("领办人变更"),
}


# Loading and rules ----------------------------------------------------------------------------

def _is_member(user, studio: Studio) -> bool:
    return user.has_role(Role.WORKER) and bool(user.worker_id) and queries.is_member(user.worker_id, studio)


def can_view(user, studio: Studio) -> bool:
    on_panel = user.has_role(Role.EXPERT) and review.SCOPE.on_panel(user, studio)
    return rules.can_view_studio(user, studio, on_panel=on_panel, is_member=_is_member(user, studio))


def load_visible(studio_id: int) -> Studio:
    studio = db.get_or_404(Studio, studio_id)
    if not can_view(current_user, studio):
        abort(403)
    return studio


def load_for_page(studio_id: int) -> Studio:
    """The studio with what its page shows, loaded in a constant number of queries."""
    studio = queries.studio_for_page(studio_id)
    if studio is None:
        abort(404)
    if not can_view(current_user, studio):
        abort(403)
    return studio


def back_link(studio: Studio) -> tuple[str, str]:
    user = current_user
    if user.has_role(Role.ADMIN) or rules.is_owner(user, studio):
        return url_for("studios.index"), _("工作室")
    if rules.is_reviewer_for(user, studio):
        return url_for("studios.queue"), _("工作室申报审查")
    if user.has_role(Role.EXPERT):
        return url_for("studio_review.expert_tasks"), _("工作室评审")
    return url_for("studios.mine"), _("我的工作室")


def kind_mismatch(studio: Studio, flags) -> str | None:
    """A warning for the reviewer when the kind applied for does not match the leader."""
    kinds = {f.kind for f in flags}
    if studio.kind == StudioKind.MODEL_WORKER.value and "model_worker" not in kinds:
        return _("申报类别为劳模创新工作室，但领办人的职工信息中没有劳动模范荣誉，请核实。")
    if studio.kind == StudioKind.CRAFTSMAN.value and "craftsman" not in kinds:
        return _("申报类别为工匠创新工作室，但领办人不在工匠名录中，请核实其工匠称号。")
    return None


def render_detail(studio: Studio, *, leave_forms=None, check_form=None, status=200):
    """The studio page with the forms the user may use; a form just posted is shown as typed."""
    user = current_user
    flags = leaders.flags_for([studio.leader] + [c.previous for c in studio.leader_changes])
    editable = rules.can_edit_application(user, studio)
    manage_members = rules.can_manage_members(user, studio)
    version = str(studio.version)
    current = [m for m in studio.members if m.left_on is None]
    context = {
        "studio": studio, "flags": flags, "leader_distinctions": flags.get(studio.leader_worker_id, []),
        "current_members": current, "past_members": [m for m in studio.members if m.left_on is not None],
        "editable": editable, "manage_members": manage_members,
        "named": studio.state_enum in NAMED_STATES,
        "can_change_leader": rules.can_change_leader(user, studio),
        "can_delist": rules.can_delist(user, studio),
        "can_decide": rules.can_decide_after_review(user, studio),
        "can_check": rules.can_check(user, studio),
        "personal": rules.can_see_personal_details(user, studio),
        "decision_note": rules.shown_decision_note(user, studio),
        "show_actor": rules.can_see_history_actors(user),
        "history": queries.history(studio, ACTION_LABELS), "action_labels": ACTION_LABELS,
        "confirm": ConfirmForm(formdata=None), "back": back_link(studio),
        "sections": sections.for_studio(studio, user), "public_page": False,
        "score2": scoring.display,
    }
    if editable:
        context.update(problems=services.submission_problems(studio),
                       submit_form=SubmitApplicationForm(formdata=None, version=version),
                       delete_form=DeleteDraftForm(formdata=None, version=version))
    if manage_members and studio.state_enum in NAMED_STATES:
        forms = leave_forms or {}
        context["leave_forms"] = {m.id: forms.get(m.id) or LeaveForm(formdata=None, prefix=f"leave{m.id}")
                                  for m in current}
    if context["can_check"]:
        context["check_form"] = check_form or CheckForm(formdata=None, version=version)
        context["kind_warning"] = kind_mismatch(studio, context["leader_distinctions"])
    if user.has_role(Role.ADMIN) and studio.state_enum is StudioState.UNDER_REVIEW:
        context["review_result"] = review.result_for(studio)  # decided ones show the stored score
    return render_template("innovation_studios/detail.html", **context), status


# Lists ------------------------------------------------------------------------------------------

def _list_context(filters: listing.StudioFilters, page) -> dict:
    return {
        "page": page, "filters": filters, "kinds": list(StudioKind), "levels": list(StudioLevel),
        "states": list(StudioState), "industries": INDUSTRIES, "districts": listing.districts(),
        "years": listing.years(), "flags": leaders.flags_for([s.leader for s in page.items]),
        "can_export": rules.can_export(current_user), "can_apply": rules.can_apply(current_user),
        "labels": listing.row_labels(),
    }


@bp.get("/")
@roles_required(Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)
def index():
    """Studios and applications the user may see, with filters."""
    filters = listing.StudioFilters.from_args(request.args)
    page = paginate(listing.studio_query(current_user, filters))
    return render_template("innovation_studios/index.html", **_list_context(filters, page),
                           endpoint=".index", union=current_user.union
                           if current_user.has_role(Role.UNION_REVIEWER) else None)


@bp.get("/check")
@roles_required(Role.UNION_REVIEWER)
def queue():
    """Applications from the reviewer's unions' enterprises; those waiting for the check first."""
    filters = listing.StudioFilters.from_args(request.args, default_state=StudioState.APPLIED.value)
    if request.args.get("state") == "all":
        filters.state = ""
    query = listing.studio_query(current_user, filters).order_by(None).order_by(
        Studio.submitted_at, Studio.id)
    page = paginate(query)
    return render_template("innovation_studios/queue.html", **_list_context(filters, page),
                           endpoint=".queue", union=current_user.union)


@bp.get("/export.xlsx")
@roles_required(Role.ADMIN)
def export():
    """The filtered list as an Excel workbook (every page)."""
    filters = listing.StudioFilters.from_args(request.args)
    content = exports.studios_workbook(listing.studio_query(current_user, filters))
    return download(content, "创新工作室.xlsx")


@bp.get("/mine")
@roles_required(Role.WORKER)
def mine():
    """The studios the worker leads or belongs to (now or before)."""
    studios, memberships = queries.worker_studios(current_user.worker_id) if current_user.worker_id else ([], {})
    return render_template("innovation_studios/mine.html", studios=studios, memberships=memberships)


# The studio page --------------------------------------------------------------------------------

@bp.get("/<int:studio_id>")
@roles_required(*VIEWERS)
def detail(studio_id: int):
    return render_detail(load_for_page(studio_id))
