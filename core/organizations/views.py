"""Unions and enterprises."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.organizations import rules, services
from core.organizations.forms import EnterpriseForm
from core.organizations.models import Enterprise, Union, UnionKind
from core.pagination import paginate
from core.people.models import Worker
from core.roles import Role

bp = Blueprint("organizations", __name__)


def _unions(kind: UnionKind):
    return db.session.scalars(select(Union).where(Union.kind == kind).order_by(Union.id)).all()


def _form(**kwargs) -> EnterpriseForm:
    return EnterpriseForm(districts=_unions(UnionKind.DISTRICT),
                          industries=_unions(UnionKind.INDUSTRY), **kwargs)


def _data(form: EnterpriseForm) -> services.EnterpriseData:
    return services.EnterpriseData(
        name=form.name.data or "", uscc=form.uscc.data or "",
        district_union_id=form.district_union_id.data or 0,
        industry_union_id=form.industry_union_id.data or None,
        address=form.address.data or "", contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
    )


@bp.get("/unions")
@roles_required(Role.ADMIN)
def unions():
    """The union tree with the number of enterprises under each union."""
    counts: dict[int | None, int] = dict(db.session.execute(
        select(Enterprise.district_union_id, func.count()).group_by(Enterprise.district_union_id)
    ).all())
    counts.update(db.session.execute(
        select(Enterprise.industry_union_id, func.count())
        .where(Enterprise.industry_union_id.is_not(None)).group_by(Enterprise.industry_union_id)
    ).all())
    all_unions = db.session.scalars(select(Union).order_by(Union.id)).all()
    return render_template("organizations/unions.html", unions=all_unions, counts=counts,
                           UnionKind=UnionKind)


@bp.get("/enterprises")
@roles_required(Role.ADMIN, Role.UNION_REVIEWER)
def enterprises():
    query = select(Enterprise)
    condition = rules.visible_enterprise_filter(current_user, Enterprise)
    if condition is not None:
        query = query.where(condition)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(or_(Enterprise.name.like(f"%{q}%"), Enterprise.uscc.like(f"%{q}%")))
    union_id = request.args.get("union_id", type=int)
    if union_id:
        query = query.where(or_(Enterprise.district_union_id == union_id,
                                Enterprise.industry_union_id == union_id))
    page = paginate(query.order_by(Enterprise.name))
    worker_counts = dict(db.session.execute(
        select(Worker.enterprise_id, func.count())
        .where(Worker.enterprise_id.in_([e.id for e in page.items]))
        .group_by(Worker.enterprise_id)
    ).all())
    return render_template("organizations/enterprises.html", page=page, q=q,
                           worker_counts=worker_counts,
                           can_create=rules.can_manage_enterprises(current_user))


@bp.route("/enterprises/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_enterprise():
    form = _form()
    if form.validate_on_submit():
        enterprise = commit_or_report(form, lambda: services.create_enterprise(_data(form), by=current_user))
        if enterprise is not REFUSED:
            flash(_("已登记企业 %(name)s", name=enterprise.name), "success")
            return redirect(url_for(".enterprise", enterprise_id=enterprise.id))
    return render_template("organizations/enterprise_form.html", form=form, enterprise=None,
                           contact_only=False)


@bp.get("/enterprises/<int:enterprise_id>")
@roles_required(Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)
def enterprise(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    if not rules.can_view_enterprise(current_user, enterprise):
        abort(403)
    worker_count = db.session.scalar(
        select(func.count()).select_from(Worker).where(Worker.enterprise_id == enterprise.id))
    return render_template("organizations/enterprise.html", enterprise=enterprise,
                           worker_count=worker_count,
                           can_edit=rules.can_edit_enterprise_contact(current_user, enterprise))


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.ENTERPRISE)
def edit_enterprise(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    if not rules.can_edit_enterprise_contact(current_user, enterprise):
        abort(403)
    contact_only = not rules.can_manage_enterprises(current_user)
    form = _form(obj=enterprise)
    if request.method == "GET":
        form.version.data = str(enterprise.version)
        form.industry_union_id.data = enterprise.industry_union_id or 0
    if contact_only:
        # Registration data is shown, not posted: fill it from the record.
        form.name.data, form.uscc.data = enterprise.name, enterprise.uscc
        form.district_union_id.data = enterprise.district_union_id
        form.industry_union_id.data = enterprise.industry_union_id or 0
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_enterprise(
            enterprise, _data(form), expected_version=form.opened_version(),
            contact_only=contact_only, by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".enterprise", enterprise_id=enterprise.id))
    return render_template("organizations/enterprise_form.html", form=form,
                           enterprise=enterprise, contact_only=contact_only)
