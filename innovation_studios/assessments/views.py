"""The annual assessment of named studios: administrators open a round per year; enterprises
write and submit their studios' annual reports; union reviewers (for their unions' enterprises)
and administrators grade them 优秀 / 合格 / 不合格; 不合格 starts a rectification that the
administrator closes as passed or failed, and a second failure delists the studio.

Every route is guarded by role; ownership is checked with :mod:`innovation_studios.achievements.rules`;
the changes are in :mod:`innovation_studios.assessments.services`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select

from core import navigation
from core.access import roles_required
from core.audit.models import AuditEntry
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.organizations.models import Enterprise
from core.pagination import paginate
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios import NAV_GROUP
from innovation_studios.achievements import funding as funding_services
from innovation_studios.achievements import rules as record_rules
from innovation_studios.achievements import services as achievement_services
from innovation_studios.achievements.views import load_studio
from innovation_studios.assessments import services
from innovation_studios.assessments.forms import (
    GradeForm,
    RectificationDecisionForm,
    ReportForm,
    ReturnForm,
    RoundEditForm,
    RoundForm,
    StatementForm,
    SubmitReportForm,
)
from innovation_studios.assessments.models import AnnualReport, AssessmentRound, Grade, Rectification, ReportState
from innovation_studios.studios import rules, sections
from innovation_studios.studios.models import Studio, StudioState

bp = Blueprint("studio_assessments", __name__, url_prefix="/studios/assessments")

navigation.add("studio_assessments.index", _l("年度考核"), Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE,
               group=NAV_GROUP)
navigation.add("studio_assessments.queue", _l("考核评定"), Role.ADMIN, Role.UNION_REVIEWER, group=NAV_GROUP)
navigation.add("studio_assessments.rectifications", _l("整改与摘牌"), Role.ADMIN, Role.UNION_REVIEWER,
               Role.ENTERPRISE, group=NAV_GROUP)

VIEWERS = (Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)
GRADERS = (Role.ADMIN, Role.UNION_REVIEWER)
STALE_REPORT = _l("该考核报告已被他人修改或处理，请查看最新情况后再操作。")

#: How a report's history names each recorded action.
ACTION_LABELS = {
    "studio_report.create": _l("开始填写"),
    "studio_report.save": _l("保存报告"),
    "studio_report.submit": _l("提交报告"),
    "studio_report.resubmit": _l("修改后重新提交"),
    "studio_report.return": _l("退回修改"),
    "studio_report.grade": _l("评定"),
}
#: The list filter "未开始" (a studio that owes a report and has none yet).
NOT_STARTED = "not_started"


def _section(studio, user):
    if not record_rules.can_view_records(user, studio):
        return None
    return {"assessment": services.studio_status(studio.id)}


sections.register("innovation_studios/assessments/_studio_section.html", _section, order=40)


# Loading ---------------------------------------------------------------------------------

def _load_report(report_id: int) -> AnnualReport:
    report = db.get_or_404(AnnualReport, report_id)
    if not record_rules.can_view_records(current_user, report.studio):
        abort(403)
    return report


def _load_rectification(rectification_id: int) -> Rectification:
    rectification = db.get_or_404(Rectification, rectification_id)
    if not record_rules.can_view_records(current_user, rectification.studio):
        abort(403)
    return rectification


def _scope():
    """The condition limiting studios to the user's (the query joins Enterprise), None: all."""
    return rules.visible_studios_filter(current_user, Studio, Enterprise)


def _report_url(report: AnnualReport, anchor: str | None = None) -> str:
    return url_for(".report_detail", annual_report_id=report.id, _anchor=anchor)


# Rounds ----------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*VIEWERS)
def index():
    return _render_index()


def _render_index(round_form=None):
    """Rounds with their progress; for an enterprise, its studios' reports of open rounds."""
    rounds = list(db.session.scalars(select(AssessmentRound).order_by(AssessmentRound.year.desc())))
    scope = _scope()
    context = {"rounds": rounds, "progress": {r.id: services.progress(r, scope) for r in rounds[:10]},
               "today": beijing_today()}
    if record_rules.can_manage_rounds(current_user):
        last_year = beijing_today().year - 1
        context["round_form"] = round_form or RoundForm(
            formdata=None, year=last_year if services.round_for_year(last_year) is None else None,
            deadline=beijing_today() + timedelta(days=30))
    if current_user.has_role(Role.ENTERPRISE) and current_user.enterprise_id:
        open_rounds = services.open_rounds()
        studios = list(db.session.scalars(
            select(Studio).where(Studio.enterprise_id == current_user.enterprise_id,
                                 Studio.state.in_([StudioState.NAMED.value, StudioState.RECTIFICATION.value]))
            .order_by(Studio.name)))
        reports = {(r.round_id, r.studio_id): r for r in db.session.scalars(
            select(AnnualReport).where(AnnualReport.studio_id.in_([s.id for s in studios])))} if studios else {}
        context.update(open_rounds=open_rounds, own_studios=studios, own_reports=reports)
    return render_template("innovation_studios/assessments/index.html", **context)


@bp.post("/rounds")
@roles_required(Role.ADMIN)
def open_round():
    form = RoundForm()
    if form.validate_on_submit():
        assessment = commit_or_report(form, lambda: services.open_round(
            form.year.data, form.deadline.data, note=form.note.data or "", by=current_user))
        if assessment is not REFUSED:
            flash(_("已开启%(year)s年度考核，各工作室可以填写考核报告", year=assessment.year), "success")
            return redirect(url_for(".round_detail", assessment_round_id=assessment.id))
    return _render_index(round_form=form)


def _round_rows(assessment: AssessmentRound, state: str, grade: str, q: str):
    """Studios owing a report for the round (or having one), each with its report if any."""
    query = (select(Studio).join(Enterprise, Enterprise.id == Studio.enterprise_id)
             .outerjoin(AnnualReport, and_(AnnualReport.studio_id == Studio.id,
                                           AnnualReport.round_id == assessment.id))
             .where(or_(services.expected_condition(assessment), AnnualReport.id.is_not(None))))
    scope = _scope()
    if scope is not None:
        query = query.where(scope)
    if state == NOT_STARTED:
        query = query.where(AnnualReport.id.is_(None))
    elif state in {s.value for s in ReportState}:
        query = query.where(AnnualReport.state == state)
    if grade in {g.value for g in Grade}:
        query = query.where(AnnualReport.grade == grade)
    if q:
        query = query.where(or_(Studio.name.like(f"%{q}%"), Enterprise.name.like(f"%{q}%"),
                                Studio.number.like(f"%{q}%")))
    return query.order_by(Enterprise.name, Studio.name, Studio.id)


def _render_round(assessment: AssessmentRound, edit_form=None):
    state = request.args.get("state", "")
    grade = request.args.get("grade", "")
    q = request.args.get("q", "").strip()[:50]
    page = paginate(_round_rows(assessment, state, grade, q))
    ids = [studio.id for studio in page.items]
    reports = {r.studio_id: r for r in db.session.scalars(select(AnnualReport).where(
        AnnualReport.round_id == assessment.id, AnnualReport.studio_id.in_(ids)))} if ids else {}
    context = {"assessment": assessment, "page": page, "reports": reports, "state": state, "grade": grade, "q": q,
               "states": list(ReportState), "grades": list(Grade), "not_started": NOT_STARTED,
               "progress": services.progress(assessment, _scope()),
               "window_problem": services.window_problem(assessment, assessment.year),
               "is_owner": lambda studio: rules.is_owner(current_user, studio)}
    if record_rules.can_manage_rounds(current_user):
        context["edit_form"] = edit_form or RoundEditForm(
            formdata=None, obj=assessment, version=str(assessment.version))
        context["close_form"] = SubmitReportForm(formdata=None, version=str(assessment.version))
    return render_template("innovation_studios/assessments/round.html", **context)


@bp.get("/rounds/<int:assessment_round_id>")
@roles_required(*VIEWERS)
def round_detail(assessment_round_id: int):
    """The round's studios and where each report stands, filterable; the admin's settings."""
    return _render_round(db.get_or_404(AssessmentRound, assessment_round_id))


@bp.post("/rounds/<int:assessment_round_id>/edit")
@roles_required(Role.ADMIN)
def edit_round(assessment_round_id: int):
    assessment = db.get_or_404(AssessmentRound, assessment_round_id)
    form = RoundEditForm()
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_round(
            assessment, deadline=form.deadline.data, note=form.note.data or "", reopen=form.reopen.data,
            expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".round_detail", assessment_round_id=assessment.id))
    return _render_round(assessment, edit_form=form)


@bp.post("/rounds/<int:assessment_round_id>/close")
@roles_required(Role.ADMIN)
def close_round(assessment_round_id: int):
    assessment = db.get_or_404(AssessmentRound, assessment_round_id)
    form = SubmitReportForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.close_round(
            assessment, by=current_user), stale_message=_l("该年度考核已被他人修改，请刷新后再操作。")) is not REFUSED:
        flash(_("%(year)s年度考核已截止接收报告，评定可以继续进行", year=assessment.year), "success")
    return redirect(url_for(".round_detail", assessment_round_id=assessment.id))


# Reports ---------------------------------------------------------------------------------

@bp.post("/rounds/<int:assessment_round_id>/studios/<int:studio_id>/report")
@roles_required(Role.ENTERPRISE)
def start_report(assessment_round_id: int, studio_id: int):
    """Begin (or go back to) the studio's report for the round's year."""
    assessment = db.get_or_404(AssessmentRound, assessment_round_id)
    studio = load_studio(studio_id)
    if not rules.is_owner(current_user, studio):
        abort(403)
    form = SubmitReportForm()
    if not form.validate_on_submit():
        return redirect(url_for(".index"))
    report = commit_or_report(None, lambda: services.start_report(studio, assessment.year, by=current_user))
    if report is REFUSED:
        return redirect(url_for(".index"))
    return redirect(url_for(".edit_report", annual_report_id=report.id))


def _history(report: AnnualReport) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "AnnualReport", AuditEntry.target_id == report.id,
                                 AuditEntry.action.in_(list(ACTION_LABELS)))
        .order_by(AuditEntry.id)))


def _render_report(report: AnnualReport, *, grade_form=None, return_form=None):
    user = current_user
    version = str(report.version)
    year = report.round.year
    context = {
        "report": report, "studio": report.studio, "assessment": report.round,
        "can_edit": record_rules.can_edit_report(user, report),
        "can_grade": record_rules.can_grade(user, report),
        "history": _history(report), "action_labels": ACTION_LABELS,
        "benefit": sum((a.economic_benefit or 0 for a in report.achievements), 0),
        "funding_used": funding_services.used_in_year(report.studio_id, year),
        "funding": funding_services.totals(report.studio_id, year),
        "rectification": db.session.scalar(select(Rectification).where(Rectification.report_id == report.id)),
        "show_actor": user.has_role(Role.ADMIN, Role.UNION_REVIEWER),
    }
    if context["can_edit"]:
        context["submit_form"] = SubmitReportForm(formdata=None, version=version)
        context["problems"] = services.submission_problems(report)
    if context["can_grade"]:
        context["grade_form"] = grade_form or GradeForm(
            formdata=None, version=version,
            rectification_deadline=beijing_today() + timedelta(days=services.DEFAULT_RECTIFICATION_DAYS))
        context["return_form"] = return_form or ReturnForm(formdata=None, version=version)
        context["in_rectification"] = report.studio.state_enum is StudioState.RECTIFICATION
    return render_template("innovation_studios/assessments/report.html", **context)


@bp.get("/reports/<int:annual_report_id>")
@roles_required(*VIEWERS)
def report_detail(annual_report_id: int):
    return _render_report(_load_report(annual_report_id))


@bp.route("/reports/<int:annual_report_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def edit_report(annual_report_id: int):
    report = _load_report(annual_report_id)
    if not rules.is_owner(current_user, report.studio):
        abort(403)
    if not record_rules.can_edit_report(current_user, report):
        flash(_("考核报告当前为“%(state)s”，只能查看，不能修改", state=report.state_enum.label), "warning")
        return redirect(_report_url(report))
    year = report.round.year
    of_year = achievement_services.achievements_of_year(report.studio_id, year)
    form = ReportForm(obj=report, achievements=of_year)
    if request.method == "GET":
        form.version.data = str(report.version)
        form.achievement_ids.data = [a.id for a in report.achievements]
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.save_report(report, services.ReportData(
            summary=form.summary.data or "", next_plan=form.next_plan.data or "",
            apprentices_trained=form.apprentices_trained.data, trainings_held=form.trainings_held.data,
            achievement_ids=list(form.achievement_ids.data or [])),
            expected_version=form.opened_version(), by=current_user), stale_message=STALE_REPORT)
        if saved is not REFUSED:
            flash(_("考核报告已保存；确认无误后请在报告页提交"), "success")
            return redirect(_report_url(report))
    return render_template("innovation_studios/assessments/report_form.html", form=form, report=report,
                           studio=report.studio, assessment=report.round, of_year=of_year,
                           window_problem=services.window_problem(report.round, year))


@bp.post("/reports/<int:annual_report_id>/submit")
@roles_required(Role.ENTERPRISE)
def submit_report(annual_report_id: int):
    report = _load_report(annual_report_id)
    if not rules.is_owner(current_user, report.studio):
        abort(403)
    form = SubmitReportForm()
    if form.validate_on_submit():
        action = commit_or_report(None, lambda: services.submit_report(
            report, expected_version=form.opened_version(), by=current_user), stale_message=STALE_REPORT)
        if action is not REFUSED:
            flash(_("考核报告已提交，等待工会评定"), "success")
    return redirect(_report_url(report))


@bp.post("/reports/<int:annual_report_id>/grade")
@roles_required(*GRADERS)
def grade_report(annual_report_id: int):
    report = _load_report(annual_report_id)
    if not record_rules.may_grade(current_user, report.studio):
        abort(403)
    form = GradeForm()
    if not record_rules.can_grade(current_user, report):
        flash(_("考核报告当前为“%(state)s”，不能评定", state=report.state_enum.label), "warning")
        return redirect(_report_url(report))
    if form.validate_on_submit():
        outcome = commit_or_report(form, lambda: services.grade_report(
            report, form.grade.data, form.note.data or "", rectification_deadline=form.rectification_deadline.data,
            expected_version=form.opened_version(), by=current_user), stale_message=STALE_REPORT)
        if outcome is not REFUSED:
            name = report.studio.name
            flash({"named": _("已评定：%(name)s %(grade)s", name=name, grade=report.grade_enum.label),
                   "rectification": _("已评定为不合格：%(name)s 进入整改", name=name),
                   "delisted": _("已评定为不合格：%(name)s 在整改期间再次不合格，已摘牌", name=name)}[outcome],
                  "success" if outcome == "named" else "warning")
            return redirect(_report_url(report))
    return _render_report(report, grade_form=form)


@bp.post("/reports/<int:annual_report_id>/return")
@roles_required(*GRADERS)
def return_report(annual_report_id: int):
    report = _load_report(annual_report_id)
    if not record_rules.may_grade(current_user, report.studio):
        abort(403)
    if not record_rules.can_grade(current_user, report):
        flash(_("考核报告当前为“%(state)s”，不能退回", state=report.state_enum.label), "warning")
        return redirect(_report_url(report))
    form = ReturnForm()
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: services.return_report(
            report, form.note.data, expected_version=form.opened_version(), by=current_user),
            stale_message=STALE_REPORT)
        if done is not REFUSED:
            flash(_("已将考核报告退回修改"), "success")
            return redirect(_report_url(report))
    return _render_report(report, return_form=form)


@bp.get("/queue")
@roles_required(*GRADERS)
def queue():
    """Reports waiting for a grade (the reviewer's: of its unions' enterprises)."""
    year = request.args.get("year", type=int)
    state = request.args.get("state", ReportState.SUBMITTED.value)
    q = request.args.get("q", "").strip()[:50]
    query = (select(AnnualReport).join(AssessmentRound).join(Studio, Studio.id == AnnualReport.studio_id)
             .join(Enterprise, Enterprise.id == Studio.enterprise_id)
             .where(AnnualReport.state != ReportState.DRAFT.value))
    scope = _scope()
    if scope is not None:
        query = query.where(scope)
    if year:
        query = query.where(AssessmentRound.year == year)
    if state in {s.value for s in ReportState}:
        query = query.where(AnnualReport.state == state)
    if q:
        query = query.where(or_(Studio.name.like(f"%{q}%"), Enterprise.name.like(f"%{q}%")))
    page = paginate(query.order_by(AssessmentRound.year.desc(), AnnualReport.submitted_at, AnnualReport.id))
    rounds = list(db.session.scalars(select(AssessmentRound).order_by(AssessmentRound.year.desc())))
    return render_template("innovation_studios/assessments/queue.html", page=page, year=year, state=state, q=q,
                           rounds=rounds, states=[s for s in ReportState if s is not ReportState.DRAFT])


# Rectifications --------------------------------------------------------------------------

@bp.get("/rectifications")
@roles_required(*VIEWERS)
def rectifications():
    """Rectifications, open ones first (by deadline), then decided ones."""
    show = request.args.get("show", "open")
    query = (select(Rectification).join(Studio, Studio.id == Rectification.studio_id)
             .join(Enterprise, Enterprise.id == Studio.enterprise_id))
    scope = _scope()
    if scope is not None:
        query = query.where(scope)
    if show == "open":
        query = query.where(Rectification.outcome.is_(None)).order_by(Rectification.deadline, Rectification.id)
    else:
        show = "all"
        query = query.order_by(Rectification.outcome.is_not(None), Rectification.deadline.desc(),
                               Rectification.id.desc())
    page = paginate(query)
    delisted = paginate(select(Studio).join(Enterprise, Enterprise.id == Studio.enterprise_id)
                        .where(Studio.state == StudioState.DELISTED.value, *([scope] if scope is not None else []))
                        .order_by(Studio.delisted_on.desc(), Studio.id.desc())) if show == "all" else None
    return render_template("innovation_studios/assessments/rectifications.html", page=page, show=show,
                           delisted=delisted, today=beijing_today())


def _render_rectification(rectification: Rectification, *, statement_form=None, decision_form=None):
    user = current_user
    version = str(rectification.version)
    context = {"rectification": rectification, "studio": rectification.studio, "report": rectification.report,
               "today": beijing_today(),
               "can_state": record_rules.can_write_rectification_statement(user, rectification),
               "can_decide": record_rules.can_decide_rectification(user, rectification)
               and rectification.studio.state_enum is StudioState.RECTIFICATION}
    if context["can_state"]:
        context["statement_form"] = statement_form or StatementForm(
            formdata=None, statement=rectification.statement, version=version)
    if context["can_decide"]:
        context["decision_form"] = decision_form or RectificationDecisionForm(formdata=None, version=version)
    return render_template("innovation_studios/assessments/rectification.html", **context)


@bp.get("/rectifications/<int:rectification_id>")
@roles_required(*VIEWERS)
def rectification(rectification_id: int):
    return _render_rectification(_load_rectification(rectification_id))


@bp.post("/rectifications/<int:rectification_id>/statement")
@roles_required(Role.ENTERPRISE)
def rectification_statement(rectification_id: int):
    rectification = _load_rectification(rectification_id)
    if not rules.is_owner(current_user, rectification.studio):
        abort(403)
    if not rectification.is_open:
        flash(_("该整改已有结论，不能再修改整改情况说明"), "warning")
        return redirect(url_for(".rectification", rectification_id=rectification.id))
    form = StatementForm()
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.submit_rectification_statement(
            rectification, form.statement.data, expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("整改情况说明已保存，等待市总工会作出整改结论"), "success")
            return redirect(url_for(".rectification", rectification_id=rectification.id))
    return _render_rectification(rectification, statement_form=form)


@bp.post("/rectifications/<int:rectification_id>/decide")
@roles_required(Role.ADMIN)
def decide_rectification(rectification_id: int):
    rectification = _load_rectification(rectification_id)
    if not rectification.is_open or rectification.studio.state_enum is not StudioState.RECTIFICATION:
        flash(_("该整改已有结论"), "warning")
        return redirect(url_for(".rectification", rectification_id=rectification.id))
    form = RectificationDecisionForm()
    if form.validate_on_submit():
        name = rectification.studio.name
        outcome = form.outcome.data
        done = commit_or_report(form, lambda: services.decide_rectification(
            rectification, outcome, form.note.data or "", expected_version=form.opened_version(),
            by=current_user))
        if done is not REFUSED:
            flash(_("%(name)s 整改合格，恢复为已命名", name=name) if outcome == "passed"
                  else _("%(name)s 整改不合格，已摘牌", name=name), "success" if outcome == "passed" else "warning")
            return redirect(url_for(".rectification", rectification_id=rectification.id))
    return _render_rectification(rectification, decision_form=form)

