"""Funding of named studios: administrators record grants by year, the enterprise records how
the money is used, union reviewers follow those of their unions' enterprises.

Every route is guarded by role; ownership is checked with :mod:`innovation_studios.achievements.rules`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from core import navigation
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.organizations.models import Enterprise
from core.pagination import paginate
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios import NAV_GROUP
from innovation_studios.achievements import funding as services
from innovation_studios.achievements import rules as record_rules
from innovation_studios.achievements.amounts import format_wan
from innovation_studios.achievements.forms import GrantForm, UseForm
from innovation_studios.achievements.models import FundingGrant, FundingUse
from innovation_studios.achievements.views import load_studio
from innovation_studios.studios import rules, sections
from innovation_studios.studios.models import Studio

bp = Blueprint("studio_funding", __name__, url_prefix="/studios/funding")

navigation.add("studio_funding.index", _l("工作室经费"), Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE,
               group=NAV_GROUP)

VIEWERS = (Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)
STALE_GRANT = _l("该笔经费刚有其他使用记录保存，请核对余额后重新提交。您填写的内容仍保留在下方。")


def _section(studio, user):
    if not record_rules.can_view_records(user, studio):
        return None
    return {"funding": services.totals(studio.id)}


sections.register("innovation_studios/funding/_studio_section.html", _section, order=30)


def _grant(funding_grant_id: int) -> FundingGrant:
    grant = db.get_or_404(FundingGrant, funding_grant_id)
    if not record_rules.can_view_records(current_user, grant.studio):
        abort(403)
    return grant


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    """Grants by year with what is used and left, for the studios the user may see."""
    year = request.args.get("year", type=int)
    q = request.args.get("q", "").strip()[:50]
    query = (select(FundingGrant).join(Studio, Studio.id == FundingGrant.studio_id)
             .join(Enterprise, Enterprise.id == Studio.enterprise_id))
    condition = rules.visible_studios_filter(current_user, Studio, Enterprise)
    if condition is not None:
        query = query.where(condition)
    if year:
        query = query.where(FundingGrant.year == year)
    if q:
        query = query.where(or_(Studio.name.like(f"%{q}%"), Enterprise.name.like(f"%{q}%")))
    totals_query = query.where(services.disbursed(FundingGrant.year)).with_only_columns(
        func.coalesce(func.sum(FundingGrant.amount), 0), func.coalesce(func.sum(FundingGrant.used), 0))
    granted, used = db.session.execute(totals_query).one()
    page = paginate(query.order_by(FundingGrant.year.desc(), Studio.name, FundingGrant.id))
    this_year = beijing_today().year
    return render_template("innovation_studios/funding/index.html", page=page, year=year, q=q,
                           years=list(range(this_year + 1, this_year - 10, -1)),
                           granted=granted, used=used)


def _render_studio(studio: Studio, *, grant_form=None, use_forms=None):
    grants = services.studio_grants(studio.id)
    can_use = record_rules.can_record_funding_use(current_user, studio)
    forms = use_forms or {}
    context = {
        "studio": studio, "grants": grants, "totals": services.totals(studio.id),
        "can_grant": record_rules.can_grant_funding(current_user, studio), "can_use": can_use,
        "confirm": ConfirmForm(formdata=None),
        "use_forms": {g.id: forms.get(g.id) or UseForm(formdata=None, prefix=f"use{g.id}")
                      for g in grants} if can_use else {},
    }
    if context["can_grant"]:
        context["grant_form"] = grant_form or GrantForm(formdata=None, year=beijing_today().year)
    return render_template("innovation_studios/funding/studio.html", **context)


@bp.get("/studio/<int:studio_id>")
@roles_required(*VIEWERS)
def studio(studio_id: int):
    return _render_studio(load_studio(studio_id))


@bp.post("/studio/<int:studio_id>/grants")
@roles_required(Role.ADMIN)
def add_grant(studio_id: int):
    studio = load_studio(studio_id)
    form = GrantForm()
    if form.validate_on_submit():
        grants = commit_or_report(form, lambda: services.add_grants(studio, services.GrantData(
            year=form.year.data, years=form.years.data, amount=form.amount.data, source=form.source.data,
            note=form.note.data or ""), by=current_user))
        if grants is not REFUSED:
            flash(_("已登记 %(n)s 笔经费", n=len(grants)), "success")
            return redirect(url_for(".studio", studio_id=studio.id))
    return _render_studio(studio, grant_form=form)


@bp.post("/grants/<int:funding_grant_id>/delete")
@roles_required(Role.ADMIN)
def delete_grant(funding_grant_id: int):
    grant = _grant(funding_grant_id)
    studio_id = grant.studio_id
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.delete_grant(
            grant, by=current_user)) is not REFUSED:
        flash(_("已删除经费记录"), "success")
    return redirect(url_for(".studio", studio_id=studio_id))


@bp.post("/grants/<int:funding_grant_id>/uses")
@roles_required(Role.ENTERPRISE)
def add_use(funding_grant_id: int):
    grant = _grant(funding_grant_id)
    studio = grant.studio
    if not record_rules.can_record_funding_use(current_user, studio):
        abort(403)
    form = UseForm(prefix=f"use{grant.id}")
    if form.validate_on_submit():
        use = commit_or_report(form, lambda: services.add_use(
            grant, used_on=form.used_on.data, amount=form.amount.data, purpose=form.purpose.data,
            by=current_user), stale_message=STALE_GRANT)
        if use is not REFUSED:
            flash(_("已登记经费使用 %(amount)s 万元", amount=format_wan(use.amount)), "success")
            return redirect(url_for(".studio", studio_id=studio.id, _anchor=f"grant-{grant.id}"))
    return _render_studio(studio, use_forms={grant.id: form})


@bp.post("/uses/<int:funding_use_id>/delete")
@roles_required(Role.ENTERPRISE)
def delete_use(funding_use_id: int):
    use = db.get_or_404(FundingUse, funding_use_id)
    studio = use.grant.studio
    if not record_rules.can_record_funding_use(current_user, studio):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: services.delete_use(
            use, by=current_user)) is not REFUSED:
        flash(_("已删除经费使用记录"), "success")
    return redirect(url_for(".studio", studio_id=studio.id))
