"""The studio alliance's pages: the public directory; the administrators' list (by type and
year, flagging alliances without a joint project), founding, editing, members, lead rotation,
dissolution and the Excel export; the alliance page that members' enterprises share; and joint
projects, recorded by administrators and the lead studio's enterprise.

Who may do what is in :mod:`innovation_studios.alliances.rules`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import public, roles_required
from core.errors import DomainError
from core.excel import download
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.pagination import paginate
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios import NAV_GROUP
from innovation_studios.achievements import rules as record_rules
from innovation_studios.alliances import exports as alliance_exports
from innovation_studios.alliances import rules, services
from innovation_studios.alliances.forms import (
    AllianceCreateForm,
    AllianceForm,
    DissolveForm,
    LeadForm,
    LeaveForm,
    MemberForm,
    ProjectForm,
)
from innovation_studios.alliances.models import (
    Alliance,
    AllianceKind,
    AllianceMembership,
    JointProject,
    JointProjectStudio,
)
from innovation_studios.studios import sections
from innovation_studios.studios.models import Studio

bp = Blueprint("studio_alliances", __name__)

navigation.add("studio_alliances.directory", _l("工作室联盟"))
navigation.add("studio_alliances.admin_index", _l("联盟管理"), Role.ADMIN, group=NAV_GROUP)
navigation.add("studio_alliances.mine", _l("我的联盟"), Role.ENTERPRISE, group=NAV_GROUP)


def _took_part(alliance: Alliance) -> bool:
    return bool(current_user.enterprise_id) and services.enterprise_took_part(current_user.enterprise_id, alliance)


def _visible_alliance_or_403(alliance_id: int) -> Alliance:
    alliance = services.alliance_for_page(alliance_id)
    if alliance is None:
        abort(404)
    if not rules.can_see_alliance(current_user, alliance, took_part=_took_part(alliance)):
        abort(403)
    return alliance


# --- public directory --------------------------------------------------------------------------

@bp.get("/alliances")
@public
def directory():
    q = (request.args.get("q") or "").strip()[:50]
    kind = request.args.get("kind", "")
    page = paginate(services.directory_query(q, kind))
    ids = [a.id for a in page.items]
    return render_template("innovation_studios/alliances/directory.html", page=page, q=q, kind=kind,
                           kinds=list(AllianceKind), counts=services.project_totals(ids),
                           details=services.list_details(ids))


@bp.get("/alliances/<int:alliance_id>")
@public
def public_detail(alliance_id: int):
    """Name, type, lead (with its history), members and project titles: no personal data."""
    alliance = services.alliance_for_page(alliance_id)
    if alliance is None:
        abort(404)
    can_open = current_user.is_authenticated and rules.can_see_alliance(
        current_user, alliance, took_part=current_user.has_role(Role.ENTERPRISE) and _took_part(alliance))
    return render_template("innovation_studios/alliances/public.html", alliance=alliance,
                           by_year=[(y, ps) for y, ps in services.projects_by_year(alliance) if ps],
                           can_open=can_open)


# --- administrators: list, export, founding -----------------------------------------------------

@bp.get("/alliances/manage")
@roles_required(Role.ADMIN)
def admin_index():
    filters = services.AllianceFilters.from_args(request.args)
    page = paginate(services.admin_query(filters))
    ids = [a.id for a in page.items]
    return render_template("innovation_studios/alliances/admin_index.html", page=page, filters=filters,
                           counts=services.project_counts(ids, filters.year), details=services.list_details(ids),
                           years=services.year_choices(), kinds=list(AllianceKind))


@bp.get("/alliances/manage/alliances.xlsx")
@roles_required(Role.ADMIN)
def export():
    """The listed alliances (same filters) with their members, lead terms and joint projects."""
    filters = services.AllianceFilters.from_args(request.args)
    alliances = db.session.scalars(services.with_members_and_leads(services.admin_query(filters))).all()
    return download(alliance_exports.alliances_workbook(alliances, filters.year),
                    f"创新工作室联盟-{filters.year}.xlsx")


def _create_page(form: AllianceCreateForm, found=None):
    return render_template("innovation_studios/alliances/form.html", form=form, alliance=None,
                           found=found, kinds=list(AllianceKind))


@bp.route("/alliances/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = AllianceCreateForm()
    if request.method == "GET":
        form.founded_on.data = beijing_today()
    if form.find.data:  # the lookup box: find studios, keep what was typed, save nothing
        return _create_page(form, services.search_named_studios(form.lookup.data))
    if form.validate_on_submit():
        alliance = commit_or_report(form, lambda: services.create_alliance(_alliance_data(form, founding=True),
                                                                           by=current_user))
        if alliance is not REFUSED:
            flash(_("已成立联盟“%(n)s”", n=alliance.name), "success")
            return redirect(url_for(".workspace", alliance_id=alliance.id))
    return _create_page(form)


def _alliance_data(form: AllianceForm, *, founding: bool = False) -> services.AllianceData:
    data = services.AllianceData(name=form.name.data or "", kind=form.kind.data or "",
                                 founded_on=form.founded_on.data, charter=form.charter.data or "")
    if founding:
        data.lead = services.find_studio(form.lead.data)
        if data.lead is None:
            raise DomainError(_l("找不到编号或名称为“%(r)s”的工作室", r=form.lead.data.strip()), field="lead")
        data.members = services.studios_from_references(form.members.data, "members")
    return data


@bp.route("/alliances/<int:alliance_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(alliance_id: int):
    alliance = db.get_or_404(Alliance, alliance_id)
    form = AllianceForm(obj=alliance)
    if request.method == "GET":
        form.version.data = str(alliance.version)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_alliance(
            alliance, _alliance_data(form), expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".workspace", alliance_id=alliance.id))
    return render_template("innovation_studios/alliances/form.html", form=form, alliance=alliance,
                           found=None, kinds=list(AllianceKind))


# --- the alliance page, members, lead, dissolution ---------------------------------------------

def _workspace(alliance: Alliance, *, member_form=None, leave_forms=None, lead_form=None,
               dissolve_form=None, found=None):
    manage = rules.can_manage_alliances(current_user)
    forms = {}
    if manage and not alliance.is_dissolved:
        today = beijing_today()
        forms = {
            "member": member_form or MemberForm(formdata=None, joined_on=today),
            "lead": lead_form or LeadForm(formdata=None, candidates=services.candidate_leads(alliance),
                                          starts_on=today),
            "dissolve": dissolve_form or DissolveForm(formdata=None, dissolved_on=today),
            "leave": {m.id: LeaveForm(prefix=f"m{m.id}", formdata=None, left_on=today)
                      for m in alliance.current_memberships},
        }
        forms["leave"].update(leave_forms or {})
    return render_template(
        "innovation_studios/alliances/workspace.html", alliance=alliance, forms=forms, found=found,
        manage=manage, can_record=rules.can_record_projects(current_user, alliance) and not alliance.is_dissolved,
        by_year=services.projects_by_year(alliance), cancelled=services.cancelled_projects(alliance),
        this_year=beijing_today().year)


@bp.get("/alliances/<int:alliance_id>/workspace")
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def workspace(alliance_id: int):
    return _workspace(_visible_alliance_or_403(alliance_id))


@bp.post("/alliances/<int:alliance_id>/members")
@roles_required(Role.ADMIN)
def add_member(alliance_id: int):
    alliance = db.get_or_404(Alliance, alliance_id)
    form = MemberForm()
    if form.find.data:
        return _workspace(alliance, member_form=form, found=services.search_named_studios(form.lookup.data))
    if form.validate_on_submit():
        def admit():
            studio = services.find_studio(form.studio.data)
            if studio is None:
                raise DomainError(_l("找不到编号或名称为“%(r)s”的工作室", r=form.studio.data.strip()),
                                  field="studio")
            return services.add_member(alliance, studio, form.joined_on.data, by=current_user)

        membership = commit_or_report(form, admit)
        if membership is not REFUSED:
            flash(_("“%(s)s”已加入联盟", s=membership.studio.name), "success")
            return redirect(url_for(".workspace", alliance_id=alliance.id))
    return _workspace(alliance, member_form=form)


@bp.post("/alliances/memberships/<int:membership_id>/leave")
@roles_required(Role.ADMIN)
def record_leaving(membership_id: int):
    membership = db.get_or_404(AllianceMembership, membership_id)
    alliance = membership.alliance
    form = LeaveForm(prefix=f"m{membership.id}")
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: services.record_leaving(membership, form.left_on.data,
                                                                      form.reason.data or "", by=current_user))
        if done is not REFUSED:
            flash(_("已登记“%(s)s”退出联盟", s=membership.studio.name), "success")
            return redirect(url_for(".workspace", alliance_id=alliance.id))
    return _workspace(alliance, leave_forms={membership.id: form})


@bp.post("/alliances/<int:alliance_id>/lead")
@roles_required(Role.ADMIN)
def change_lead(alliance_id: int):
    alliance = db.get_or_404(Alliance, alliance_id)
    form = LeadForm(candidates=services.candidate_leads(alliance))
    if form.validate_on_submit():
        def rotate():
            studio = db.session.get(Studio, form.studio_id.data or 0)
            if studio is None:
                raise DomainError(_l("请选择新任盟主"), field="studio_id")
            return services.change_lead(alliance, studio, form.starts_on.data, form.note.data or "",
                                        by=current_user)

        term = commit_or_report(form, rotate)
        if term is not REFUSED:
            flash(_("盟主已轮换为“%(s)s”", s=term.studio.name), "success")
            return redirect(url_for(".workspace", alliance_id=alliance.id))
    return _workspace(alliance, lead_form=form)


@bp.post("/alliances/<int:alliance_id>/dissolve")
@roles_required(Role.ADMIN)
def dissolve(alliance_id: int):
    alliance = db.get_or_404(Alliance, alliance_id)
    form = DissolveForm()
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: services.dissolve(alliance, form.dissolved_on.data,
                                                                form.reason.data or "", by=current_user))
        if done is not REFUSED:
            flash(_("联盟已解散"), "success")
            return redirect(url_for(".workspace", alliance_id=alliance.id))
    return _workspace(alliance, dissolve_form=form)


# --- enterprises -----------------------------------------------------------------------------

@bp.get("/alliances/mine")
@roles_required(Role.ENTERPRISE)
def mine():
    enterprise_id = current_user.enterprise_id
    alliances = services.alliances_of_enterprise(enterprise_id) if enterprise_id else []
    year = beijing_today().year
    return render_template("innovation_studios/alliances/mine.html", alliances=alliances, year=year,
                           counts=services.project_counts([a.id for a in alliances], year),
                           enterprise_id=enterprise_id)


# --- joint projects --------------------------------------------------------------------------

def _project_data(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(
        title=form.title.data or "", goal=form.goal.data or "", lead_studio_id=form.lead_studio_id.data or None,
        studio_ids=list(form.studio_ids.data or []), starts_on=form.starts_on.data, due_on=form.due_on.data,
        status=form.status.data or "", results=form.results.data or "")


def _project_form(alliance: Alliance, project: JointProject | None = None, **kwargs) -> ProjectForm:
    return ProjectForm(candidates=services.project_candidates(alliance, project),
                       statuses=services.allowed_statuses(project.status if project else None), **kwargs)


@bp.route("/alliances/<int:alliance_id>/projects/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def create_project(alliance_id: int):
    alliance = _visible_alliance_or_403(alliance_id)
    if not rules.can_record_projects(current_user, alliance):
        abort(403)
    form = _project_form(alliance)
    if request.method == "GET" and alliance.lead_studio:
        form.lead_studio_id.data = alliance.lead_studio.id
        form.studio_ids.data = [alliance.lead_studio.id]
    if form.validate_on_submit():
        project = commit_or_report(form, lambda: services.create_project(alliance, _project_data(form),
                                                                         by=current_user))
        if project is not REFUSED:
            flash(_("已登记联合项目“%(t)s”", t=project.title), "success")
            return redirect(url_for(".project", joint_project_id=project.id))
    return render_template("innovation_studios/alliances/project_form.html", form=form, alliance=alliance,
                           project=None)


def _visible_project_or_403(joint_project_id: int) -> JointProject:
    project = db.get_or_404(JointProject, joint_project_id)
    _visible_alliance_or_403(project.alliance_id)
    return project


@bp.get("/alliances/projects/<int:joint_project_id>")
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def project(joint_project_id: int):
    project = _visible_project_or_403(joint_project_id)
    return render_template("innovation_studios/alliances/project.html", project=project, alliance=project.alliance,
                           can_edit=rules.can_record_projects(current_user, project.alliance)
                           and not project.alliance.is_dissolved,
                           can_record={p.id for p in project.participants
                                       if rules.can_record_achievement(current_user, p)},
                           linked={p.id for p in project.participants if p.achievement_id
                                   and "studio_achievements.detail" in current_app.view_functions
                                   and record_rules.can_view_records(current_user, p.studio)})


@bp.route("/alliances/projects/<int:joint_project_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def edit_project(joint_project_id: int):
    project = _visible_project_or_403(joint_project_id)
    alliance = project.alliance
    if not rules.can_record_projects(current_user, alliance):
        abort(403)
    form = _project_form(alliance, project, obj=project)
    if request.method == "GET":
        form.version.data = str(project.version)
        form.studio_ids.data = [p.studio_id for p in project.participants]
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_project(
            project, _project_data(form), expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".project", joint_project_id=project.id))
    return render_template("innovation_studios/alliances/project_form.html", form=form, alliance=alliance,
                           project=project)


@bp.route("/alliances/project-studios/<int:participation_id>/achievement", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def record_achievement(participation_id: int):
    """A participating studio's enterprise records the completed project's results as an
    achievement of its studio (the achievements service does the recording)."""
    from innovation_studios.achievements import services as achievements
    from innovation_studios.achievements.forms import AchievementForm

    participant = db.get_or_404(JointProjectStudio, participation_id)
    project = participant.project
    if participant.studio.enterprise_id != current_user.enterprise_id:
        abort(403)
    if not rules.can_record_achievement(current_user, participant):
        flash(_("项目已完成且本工作室尚未记录时，才能将项目成果记为工作室成果"), "warning")
        return redirect(url_for(".project", joint_project_id=project.id))
    form = AchievementForm(members=achievements.eligible_members(participant.studio))
    if request.method == "GET":
        form.title.data = project.title
        form.issuer.data = project.alliance.name
        form.description.data = project.results[:achievements.DESCRIPTION_MAX]
        form.achieved_on.data = min(project.due_on, beijing_today())
        form.member_ids.data = [participant.studio.leader_worker_id]
    if form.validate_on_submit():
        achievement = commit_or_report(form, lambda: services.record_as_achievement(
            participant, _achievement_data(form), evidence=form.file.data, by=current_user))
        if achievement is not REFUSED:
            flash(_("已将项目成果记为“%(s)s”的成果“%(t)s”", s=participant.studio.name, t=achievement.title),
                  "success")
            return redirect(url_for(".project", joint_project_id=project.id))
    return render_template("innovation_studios/alliances/achievement_form.html", form=form, project=project,
                           participant=participant, alliance=project.alliance)


def _achievement_data(form):
    from innovation_studios.achievements import services as achievements

    return achievements.AchievementData(
        kind=form.kind.data or "", title=form.title.data or "", achieved_on=form.achieved_on.data,
        member_ids=list(form.member_ids.data or []), issuer=form.issuer.data or "",
        description=form.description.data or "", patent_number=form.patent_number.data or "",
        patent_status=form.patent_status.data or "", economic_benefit=form.economic_benefit.data)


# --- the studio page's section -------------------------------------------------------------

def _studio_section(studio, user):
    """The alliances the studio is or was a member of (two queries); public: no personal data."""
    memberships, leading = services.studio_alliances(studio)
    if not memberships:
        return None
    return {"memberships": memberships, "leading": leading}


sections.register("innovation_studios/alliances/_studio_section.html", _studio_section, order=60, public=True)
