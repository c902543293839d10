"""Worker records: list, detail, create, edit; and a worker's own page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
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
from core.pagination import paginate
from core.people import importer, rules, services
from core.people.forms import WorkerForm, WorkerImportForm
from core.people.models import SkillLevel, Worker
from core.roles import Role

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
        like = f"%{q}%"
        query = query.where(or_(Worker.name.like(like), Worker.occupation.like(like),
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
    page = paginate(query)
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
        count, problems = import_or_report(form, importer.REQUIRED, lambda rows: importer.import_workers(
            rows, enterprise, by=current_user))
        if count is not REFUSED:
            flash(_("已导入 %(n)s 名职工", n=count), "success")
            return redirect(url_for(".index", enterprise_id=enterprise.id))
    return render_template("people/import.html", form=form, problems=problems,
                           columns=importer.COLUMNS, required=importer.REQUIRED)


@bp.get("/import-template.xlsx")
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def import_template():
    content = excel.workbook("职工", importer.COLUMNS, [importer.EXAMPLE_ROW],
                             widths={"身份证号": 22, "荣誉": 30})
    return excel.download(content, "职工导入模板.xlsx")


@bp.get("/export.xlsx")
@roles_required(*STAFF)
def export():
    """The workers the user may see; ID numbers in clear only where the user may see them.

    A masked ID number hides exactly the eight birth-date digits, so a row with a masked
    number carries the birth year only; the column is then headed 出生年份.
    """
    query = select(Worker).join(Enterprise).order_by(Enterprise.name, Worker.name)
    condition = org_rules.visible_enterprise_filter(current_user, Enterprise)
    if condition is not None:
        query = query.where(condition)
    rows, all_clear = [], True
    for w in db.session.scalars(query):
        clear = rules.can_see_id_number(current_user, w)
        all_clear = all_clear and clear
        rows.append((w.name, str(w.gender_enum.label), w.id_number if clear else w.id_number_masked,
                     w.birth_date if clear else w.birth_date.year, w.enterprise.name, w.occupation,
                     w.occupation_code, str(w.skill_level_enum.label), w.years_in_occupation,
                     "是" if w.is_front_line else "否", "是" if w.in_post else "否", w.honors))
    headers = ("姓名", "性别", "身份证号", "出生日期" if all_clear else "出生年份", "所在企业", "工种",
               "职业编码", "技能等级", "从事本工种年限", "一线职工", "在岗", "荣誉")
    content = excel.workbook("职工", headers, rows,
                             widths={"身份证号": 22, "所在企业": 30, "荣誉": 30})
    return excel.download(content, "职工名单.xlsx")
