"""Worker records: list, detail, create, edit; and a worker's own page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from core import excel
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, commit_or_report, import_or_report
from core.organizations import rules as org_rules
from core.organizations import services as org_services
from core.organizations.models import Enterprise
from core.pagination import count_limit_for, paginate
from core.people import exports, importer, rules, services
from core.people import jobs as people_jobs
from core.people.forms import WorkerForm, WorkerImportForm
from core.people.models import SkillLevel, Worker
from core.roles import Role
from core.search_indexes import contains_text

bp = Blueprint("people", __name__, url_prefix="/workers")

STAFF = (Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)


def _enterprise_choices():
    """Enterprises the current user may file workers under."""
    if current_user.has_role(Role.ADMIN):
        return db.session.scalars(select(Enterprise).order_by(Enterprise.name)).all()
    return [current_user.enterprise] if current_user.enterprise_id else []


def _load_visible(worker_id: int) -> Worker:
    worker = db.get_or_404(Worker, worker_id)
    if not rules.can_view_worker(current_user, worker):
        abort(403)
    return worker


def _data_from(form: WorkerForm) -> services.WorkerData:
    return services.WorkerData(
        name=form.name.data or "", gender=form.gender.data, id_number=form.id_number.data or "",
        mobile=form.mobile.data or "", enterprise_id=form.enterprise_id.data,
        occupation=form.occupation.data or "", occupation_code=form.occupation_code.data or "",
        skill_level=form.skill_level.data, years_in_occupation=form.years_in_occupation.data or 0,
        is_front_line=form.is_front_line.data, in_post=form.in_post.data,
        honors=form.honors.data or "",
    )


@bp.get("/")
@roles_required(*STAFF)
def index():
    """Workers the user may see, filtered by name, occupation, level and enterprise."""
    query = select(Worker).join(Enterprise)
    condition = org_rules.visible_enterprise_filter(current_user, Enterprise)
    if condition is not None:
        query = query.where(condition)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(or_(
            contains_text(q, Worker.name, Worker.occupation, dialect=db.session.get_bind().dialect.name),
            Worker.enterprise_id.in_(org_services.enterprise_ids_named_like(q))))
    level = request.args.get("skill_level", "")
    if level in {s.value for s in SkillLevel}:
        query = query.where(Worker.skill_level == level)
    enterprise_id = request.args.get("enterprise_id", type=int)
    if enterprise_id:
        query = query.where(Worker.enterprise_id == enterprise_id)
    own = org_rules.only_visible_enterprise(current_user)
    if own:
        query = query.where(Worker.enterprise_id == own)
    # one enterprise's workers are read by name from (enterprise_id, name, id); only a list
    # across enterprises is ordered by enterprise first
    if enterprise_id or own:
        query = query.order_by(Worker.name, Worker.id)
    else:
        query = query.order_by(Enterprise.name, Worker.name, Worker.id)
    page = paginate(query, count_limit=count_limit_for(q))
    return render_template("people/index.html", page=page, q=q, level=level,
                           skill_levels=list(SkillLevel),
                           can_create=rules.can_create_worker(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def create():
    if not rules.can_create_worker(current_user):
        abort(403)
    enterprises = _enterprise_choices()
    form = WorkerForm(enterprises=enterprises)
    if request.method == "GET" and not current_user.has_role(Role.ADMIN):
        form.enterprise_id.data = current_user.enterprise_id
    if form.validate_on_submit():
        worker = commit_or_report(form, lambda: services.create_worker(_data_from(form), by=current_user))
        if worker is not REFUSED:
            flash(_("已登记职工 %(name)s", name=worker.name), "success")
            return redirect(url_for(".detail", worker_id=worker.id))
    return render_template("people/form.html", form=form, worker=None)


@bp.get("/<int:worker_id>")
@roles_required(*STAFF)
def detail(worker_id: int):
    worker = _load_visible(worker_id)
    id_clear = rules.can_see_id_number(current_user, worker)
    return render_template(
        "people/detail.html", worker=worker, id_clear=id_clear,
        id_number=worker.id_number if id_clear else worker.id_number_masked,
        show_mobile=rules.can_see_mobile(current_user, worker),
        can_edit=rules.can_edit_worker(current_user, worker),
    )


@bp.route("/<int:worker_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def edit(worker_id: int):
    worker = _load_visible(worker_id)
    if not rules.can_edit_worker(current_user, worker):
        abort(403)
    form = WorkerForm(obj=worker, enterprises=_enterprise_choices())
    if request.method == "GET":
        form.id_number.data = worker.id_number
        form.version.data = str(worker.version)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_worker(
            worker, _data_from(form), expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", worker_id=worker.id))
    return render_template("people/form.html", form=form, worker=worker)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def import_workers():
    """Upload an Excel sheet of workers: every row valid, or nothing imported."""
    if not rules.can_create_worker(current_user):
        abort(403)
    form = WorkerImportForm(enterprises=_enterprise_choices())
    problems = []
    if form.validate_on_submit():
        enterprise = db.get_or_404(Enterprise, form.enterprise_id.data)
        job = _queue_if_large(form, enterprise)
        if job is not None:
            flash(_("表格共 %(n)s 行，正在后台检查和导入，本页显示进度。", n=job.total), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
        count, problems = import_or_report(form, importer.REQUIRED, lambda rows: importer.import_workers(
            rows, enterprise, by=current_user))
        if count is not REFUSED:
            flash(_("已导入 %(n)s 名职工", n=count), "success")
            return redirect(url_for(".index", enterprise_id=enterprise.id))
    return render_template("people/import.html", form=form, problems=problems,
                           columns=importer.COLUMNS, required=importer.REQUIRED)


def _queue_if_large(form, enterprise):
    """A sheet with more rows than ``WORKER_IMPORT_INLINE_ROWS`` becomes a background job
    (committed and queued); smaller ones are imported in the request (None)."""
    stream = form.file.data.stream
    try:
        rows = len(excel.read_rows(stream, importer.REQUIRED))
    except (excel.SheetError, excel.ImportRefused):
        rows = 0  # reported by the import in the request
    stream.seek(0)
    if rows <= current_app.config["WORKER_IMPORT_INLINE_ROWS"]:
        return None
    job = people_jobs.queue_import(stream.read(), enterprise, rows=rows, by=current_user)
    db.session.commit()
    people_jobs.enqueue(job)
    return job


@bp.get("/import-template.xlsx")
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def import_template():
    content = excel.workbook("职工", importer.COLUMNS, [importer.EXAMPLE_ROW],
                             widths={"身份证号": 22, "荣誉": 30}, text_columns=importer.TEXT_COLUMNS)
    return excel.download(content, "职工导入模板.xlsx")


@bp.get("/export.xlsx")
@roles_required(*STAFF)
def export():
    """The workers the user may see; ID numbers in clear only where the user may see them."""
    content, _count = exports.workbook_for(current_user)
    return excel.download(content, exports.FILE_NAME)


@bp.post("/export-job")
@roles_required(*STAFF)
def export_job():
    """The same export built by a background job (for big lists); its page offers the file."""
    job = people_jobs.queue_export(by=current_user)
    db.session.commit()
    people_jobs.enqueue(job)
    return redirect(url_for("jobs.detail", job_id=job.id))
