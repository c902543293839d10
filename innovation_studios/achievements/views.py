"""Achievements of innovation studios: the enterprise records its studios' patents, technical
improvements, suggestions, papers, standards, construction methods and awards with the members
involved, the evidence and the economic benefit; union reviewers see those of their unions'
enterprises, administrators all of them; lists filter by year and kind and export to Excel.

Every route is guarded by role; ownership is checked with :mod:`innovation_studios.achievements.rules`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core import excel, navigation, uploads
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.pagination import paginate
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios import NAV_GROUP
from innovation_studios.achievements import rules as record_rules
from innovation_studios.achievements import services
from innovation_studios.achievements.amounts import format_wan
from innovation_studios.achievements.forms import AchievementForm, EvidenceForm
from innovation_studios.achievements.models import Achievement, AchievementEvidence, AchievementKind
from innovation_studios.assessments.models import AnnualReport, report_achievements
from innovation_studios.studios import sections
from innovation_studios.studios.models import Studio

bp = Blueprint("studio_achievements", __name__, url_prefix="/studios/achievements")

navigation.add("studio_achievements.index", _l("工作室成果"), Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE,
               group=NAV_GROUP)

VIEWERS = (Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)
STALE = _l("该成果已被他人修改，请刷新后再保存。您填写的内容仍保留在下方。")


# Loading ---------------------------------------------------------------------------------

def load_studio(studio_id: int) -> Studio:
    studio = db.get_or_404(Studio, studio_id)
    if not record_rules.can_view_records(current_user, studio):
        abort(403)
    return studio


def _load(achievement_id: int) -> Achievement:
    achievement = db.get_or_404(Achievement, achievement_id)
    if not record_rules.can_view_records(current_user, achievement.studio):
        abort(403)
    return achievement


def _load_editable(achievement_id: int) -> Achievement:
    achievement = _load(achievement_id)
    if not record_rules.can_edit_achievements(current_user, achievement.studio):
        abort(403)
    return achievement


def _data(form: AchievementForm) -> services.AchievementData:
    return services.AchievementData(
        kind=form.kind.data or "", title=form.title.data or "", achieved_on=form.achieved_on.data,
        member_ids=list(form.member_ids.data or []), issuer=form.issuer.data or "",
        description=form.description.data or "", patent_number=form.patent_number.data or "",
        patent_status=form.patent_status.data or "", economic_benefit=form.economic_benefit.data)


def _filters() -> dict:
    year = request.args.get("year", type=int)
    kind = request.args.get("kind", "")
    return {"year": year if year and 1950 <= year <= 9999 else None,
            "kind": kind if kind in {k.value for k in AchievementKind} else "",
            "q": request.args.get("q", "").strip()[:50]}


# The studio page's section ---------------------------------------------------------------

def _section(studio, user):
    if not record_rules.can_view_records(user, studio):
        return None
    return {"summary": services.studio_summary(studio.id),
            "can_edit": record_rules.can_edit_achievements(user, studio)}


sections.register("innovation_studios/achievements/_studio_section.html", _section, order=20)


# Lists -----------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*VIEWERS)
def index():
    """Achievements of the studios the user may see, by year, kind and search text."""
    filters = _filters()
    page = paginate(services.visible_query(current_user, **filters))
    return render_template("innovation_studios/achievements/index.html", page=page, filters=filters,
                           kinds=list(AchievementKind), years=services.years_with_achievements(),
                           export_url=url_for(".export", **{k: v for k, v in filters.items() if v}))


@bp.get("/export.xlsx")
@roles_required(*VIEWERS)
def export():
    """The list as filtered, as an Excel workbook."""
    filters = _filters()
    studio_id = request.args.get("studio_id", type=int)
    rows = services.export_rows(services.visible_query(current_user, studio_id=studio_id, **filters))
    content = excel.workbook(_("工作室成果"), services.EXPORT_HEADERS, rows,
                             widths={"成果名称": 40, "工作室": 30, "所属企业": 30, "说明": 40, "参与成员": 24})
    suffix = f"-{filters['year']}" if filters["year"] else ""
    return excel.download(content, f"studio-achievements{suffix}-{beijing_today():%Y%m%d}.xlsx")


@bp.get("/studio/<int:studio_id>")
@roles_required(*VIEWERS)
def studio(studio_id: int):
    """One studio's achievements, with its totals by kind."""
    studio = load_studio(studio_id)
    filters = _filters()
    page = paginate(services.visible_query(current_user, studio_id=studio.id, **filters))
    return render_template("innovation_studios/achievements/studio.html", studio=studio, page=page,
                           filters=filters, kinds=list(AchievementKind),
                           years=services.years_with_achievements(),
                           summary=services.studio_summary(studio.id),
                           export_url=url_for(".export", studio_id=studio.id,
                                              **{k: v for k, v in filters.items() if v}),
                           can_edit=record_rules.can_edit_achievements(current_user, studio))


# Recording -------------------------------------------------------------------------------

@bp.route("/studio/<int:studio_id>/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def new(studio_id: int):
    studio = load_studio(studio_id)
    if not record_rules.can_edit_achievements(current_user, studio):
        abort(403)
    members = services.eligible_members(studio)
    form = AchievementForm(members=members)
    if request.method == "GET":
        form.member_ids.data = [studio.leader_worker_id]
    if form.validate_on_submit():
        achievement = commit_or_report(form, lambda: services.create_achievement(
            studio, _data(form), evidence=form.file.data, by=current_user))
        if achievement is not REFUSED:
            flash(_("已登记成果“%(title)s”", title=achievement.title), "success")
            return redirect(url_for(".detail", studio_achievement_id=achievement.id))
    return render_template("innovation_studios/achievements/form.html", form=form, studio=studio,
                           achievement=None)


@bp.get("/<int:studio_achievement_id>")
@roles_required(*VIEWERS)
def detail(studio_achievement_id: int):
    achievement = _load(studio_achievement_id)
    return _render_detail(achievement)


def _render_detail(achievement: Achievement, evidence_form=None):
    can_edit = record_rules.can_edit_achievements(current_user, achievement.studio)
    reports = list(db.session.scalars(
        select(AnnualReport).join(report_achievements, report_achievements.c.report_id == AnnualReport.id)
        .where(report_achievements.c.achievement_id == achievement.id)))
    return render_template(
        "innovation_studios/achievements/detail.html", achievement=achievement, studio=achievement.studio,
        can_edit=can_edit, reports=reports, confirm=ConfirmForm(formdata=None),
        evidence_form=evidence_form or (EvidenceForm(formdata=None) if can_edit else None),
        megabytes=uploads.megabytes)


@bp.route("/<int:studio_achievement_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def edit(studio_achievement_id: int):
    achievement = _load_editable(studio_achievement_id)
    studio = achievement.studio
    form = AchievementForm(obj=achievement, members=services.eligible_members(studio))
    del form.file  # files are added and removed on the achievement's page
    if request.method == "GET":
        form.version.data = str(achievement.version)
        form.member_ids.data = [m.worker_id for m in achievement.members]
        form.patent_number.data = achievement.patent_display
        form.patent_status.data = achievement.patent_status or ""
        form.economic_benefit.data = format_wan(achievement.economic_benefit).replace(",", "")
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_achievement(
            achievement, _data(form), expected_version=form.opened_version(), by=current_user),
            stale_message=STALE)
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", studio_achievement_id=achievement.id))
    return render_template("innovation_studios/achievements/form.html", form=form, studio=studio,
                           achievement=achievement)


@bp.post("/<int:studio_achievement_id>/delete")
@roles_required(Role.ENTERPRISE)
def delete(studio_achievement_id: int):
    achievement = _load_editable(studio_achievement_id)
    studio_id, title = achievement.studio_id, achievement.title
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.delete_achievement(
            achievement, by=current_user)) is not REFUSED:
        flash(_("已删除成果“%(title)s”", title=title), "success")
        return redirect(url_for(".studio", studio_id=studio_id))
    return redirect(url_for(".detail", studio_achievement_id=studio_achievement_id))


# Evidence --------------------------------------------------------------------------------

def _evidence_of(achievement: Achievement, achievement_evidence_id: int) -> AchievementEvidence:
    item = db.get_or_404(AchievementEvidence, achievement_evidence_id)
    if item.achievement_id != achievement.id:
        abort(404)
    return item


@bp.post("/<int:studio_achievement_id>/evidence")
@roles_required(Role.ENTERPRISE)
def upload(studio_achievement_id: int):
    achievement = _load_editable(studio_achievement_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        item = commit_or_report(form, lambda: services.add_evidence(achievement, form.file.data, by=current_user))
        if item is not REFUSED:
            flash(_("已上传“%(name)s”", name=item.original_name), "success")
            return redirect(url_for(".detail", studio_achievement_id=achievement.id, _anchor="evidence"))
    return _render_detail(achievement, evidence_form=form)


@bp.get("/<int:studio_achievement_id>/evidence/<int:achievement_evidence_id>")
@roles_required(*VIEWERS)
def download(studio_achievement_id: int, achievement_evidence_id: int):
    """The file, to those who may see the studio's records; always a download."""
    achievement = _load(studio_achievement_id)
    item = _evidence_of(achievement, achievement_evidence_id)
    try:
        return uploads.send(item.stored_name, original_name=item.original_name, content_type=item.content_type)
    except FileNotFoundError:
        abort(404)


@bp.post("/<int:studio_achievement_id>/evidence/<int:achievement_evidence_id>/delete")
@roles_required(Role.ENTERPRISE)
def remove_evidence(studio_achievement_id: int, achievement_evidence_id: int):
    achievement = _load_editable(studio_achievement_id)
    item = _evidence_of(achievement, achievement_evidence_id)
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.remove_evidence(
            achievement, item, by=current_user)) is not REFUSED:
        flash(_("已删除证明材料"), "success")
    return redirect(url_for(".detail", studio_achievement_id=achievement.id, _anchor="evidence"))
