"""Downloading certificates: a worker their own (我的证书), an enterprise its workers' and
studios' (with search), administrators any (linked from the certificate pages).

A certificate the user may not have answers 404, the same as one that does not exist
(:mod:`certificates.services.downloads`).
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from certificates.models import CertificateStatus
from certificates.services import downloads, issuing
from certificates.services.batches import file_name
from core import navigation
from core.access import roles_required
from core.pagination import paginate
from core.roles import Role

bp = Blueprint("certificate_downloads", __name__)

navigation.add("certificate_downloads.mine", _l("我的证书"), Role.WORKER)
navigation.add("certificate_downloads.enterprise_list", _l("职工证书"), Role.ENTERPRISE)


def _list_page(template: str, endpoint: str):
    filters = downloads.Filters.from_args(request.args)
    page = paginate(downloads.certificates_query(current_user, filters))
    return render_template(template, page=page, filters=filters, kinds=downloads.kinds(),
                           endpoint=endpoint, statuses=CertificateStatus)


@bp.get("/my/certificates")
@roles_required(Role.WORKER)
def mine():
    """The worker's own certificates."""
    return _list_page("certificates/downloads/mine.html", "certificate_downloads.mine")


@bp.get("/enterprise/certificates")
@roles_required(Role.ENTERPRISE)
def enterprise_list():
    """The certificates of the enterprise's workers and studios, searchable."""
    return _list_page("certificates/downloads/enterprise.html", "certificate_downloads.enterprise_list")


def _back() -> str:
    if current_user.has_role(Role.ENTERPRISE):
        return url_for(".enterprise_list")
    if current_user.has_role(Role.WORKER):
        return url_for(".mine")
    return url_for("main.home")


@bp.get("/certificates/<int:certificate_id>/download")
@roles_required(Role.ADMIN, Role.ENTERPRISE, Role.WORKER)
def download(certificate_id: int):
    """The certificate's PDF, as an attachment."""
    certificate = downloads.certificate_for(current_user, certificate_id)
    if certificate is None:
        abort(404)
    if not downloads.can_download(current_user, certificate):
        # The holder and their enterprise see what anyone verifying it sees, not a file.
        if certificate.replaced_by_id and certificate.replaced_by is not None \
                and downloads.can_download(current_user, certificate.replaced_by):
            flash(_("证书 %(s)s 已被换发，请下载新证书 %(n)s。", s=certificate.serial,
                    n=certificate.replaced_by.serial), "warning")
        else:
            flash(_("证书 %(s)s 当前为“%(st)s”，不能下载。", s=certificate.serial,
                    st=certificate.status_enum.label), "warning")
        return redirect(url_for("certificates_verify.certificate", serial=certificate.serial,
                                code=certificate.verification_code))
    # An administrator's copy of a revoked or replaced certificate is stamped so across the page.
    return _pdf_response(issuing.render_pdf(certificate), file_name(certificate))


def _pdf_response(content: bytes, name: str):
    """A PDF download that is never cached or sniffed."""
    response = send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
