"""Administrators' certificate pages: the list (by kind, status, year, serial or name), a
certificate's detail with what it printed, and revoking or replacing it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select

from certificates import NAV_GROUP, lookup
from certificates.forms import ReplaceForm, RevokeForm
from certificates.models import Certificate, CertificateKind, CertificateStatus
from certificates.services import issuing
from core import navigation
from core.access import roles_required
from core.audit.models import AuditEntry
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.pagination import paginate
from core.roles import Role

bp = Blueprint("certificates", __name__)

navigation.add("certificates.index", _l("证书管理"), Role.ADMIN, group=NAV_GROUP)


@dataclass(frozen=True)
class Filters:
    """What the list was asked for; unknown values are ignored, not errors."""

    q: str = ""
    kind: str = ""
    status: str = ""
    year: int | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        kind, status = args.get("kind", ""), args.get("status", "")
        year = args.get("year", type=int)
        return cls(q=args.get("q", "").strip()[:50],
                   kind=kind if kind in {k.value for k in CertificateKind} else "",
                   status=status if status in {s.value for s in CertificateStatus} else "",
                   year=year if year and 1900 < year < 3000 else None)

    @property
    def active(self) -> bool:
        return bool(self.q or self.kind or self.status or self.year)


def list_query(filters: Filters) -> Select:
    query = select(Certificate)
    if filters.q:
        query = query.where(Certificate.serial.contains(filters.q.upper(), autoescape=True)
                            | Certificate.holder_name.contains(filters.q, autoescape=True))
    if filters.kind:
        query = query.where(Certificate.kind == filters.kind)
    if filters.status:
        query = query.where(Certificate.status == filters.status)
    if filters.year:
        query = query.where(Certificate.year == filters.year)
    return query.order_by(Certificate.created_at.desc(), Certificate.id.desc())


def years() -> list[int]:
    return list(db.session.scalars(select(Certificate.year).distinct().order_by(Certificate.year.desc())))


@bp.get("/certificates")
@roles_required(Role.ADMIN)
def index():
    filters = Filters.from_args(request.args)
    return render_template("certificates/index.html", page=paginate(list_query(filters)),
                           filters=filters, kinds=list(CertificateKind), statuses=list(CertificateStatus),
                           years=years())


def _detail_page(certificate: Certificate, revoke_form: RevokeForm | None = None,
                 replace_form: ReplaceForm | None = None, status: int = 200):
    if replace_form is None:
        replace_form = ReplaceForm(formdata=None, prefix="replace", holder_name=certificate.holder_name,
                                   honour=certificate.snapshot.get("honour", ""))
    history = db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "Certificate",
                                 AuditEntry.target_id == certificate.id)
        .order_by(AuditEntry.id)).all()
    return render_template(
        "certificates/detail.html", certificate=certificate, snap=certificate.snapshot,
        revoke_form=revoke_form or RevokeForm(formdata=None, prefix="revoke"), replace_form=replace_form,
        history=history, has_download="certificate_downloads.download" in current_app.view_functions,
        link=lookup.verification_link(certificate.snapshot, certificate.verification_code),
        code=lookup.format_code(certificate.verification_code)), status


@bp.get("/certificates/<int:certificate_id>")
@roles_required(Role.ADMIN)
def detail(certificate_id: int):
    return _detail_page(db.get_or_404(Certificate, certificate_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@roles_required(Role.ADMIN)
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: issuing.revoke(certificate, form.reason.data, by=current_user,
                                                                   category=form.category.data))
        if done is not REFUSED:
            flash(_("证书 %(s)s 已撤销", s=certificate.serial), "success")
            return redirect(url_for(".detail", certificate_id=certificate_id))
    return _detail_page(db.get_or_404(Certificate, certificate_id), revoke_form=form)


@bp.post("/certificates/<int:certificate_id>/replace")
@roles_required(Role.ADMIN)
def replace(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReplaceForm(prefix="replace")
    if form.validate_on_submit():
        new = commit_or_report(form, lambda: issuing.replace(
            certificate,
            issuing.request_for_correction(certificate, holder_name=form.holder_name.data,
                                           honour=form.honour.data),
            form.reason.data, by=current_user))
        if new is not REFUSED:
            flash(_("已换发新证书 %(n)s，原证书 %(o)s 已标为“已被替换”", n=new.serial, o=certificate.serial),
                  "success")
            return redirect(url_for(".detail", certificate_id=new.id))
    return _detail_page(db.get_or_404(Certificate, certificate_id), replace_form=form)
