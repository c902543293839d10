"""How certificates read in the audit log (see :mod:`core.audit.describe`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from certificates.models import CertificateKind, CertificateStatus, RevocationCategory
from core.audit.describe import register_object


def register() -> None:
    register_object(
        "certificate", lazy_pgettext("audit", "证书"), target_type="Certificate", endpoint="certificates.detail",
                    id_arg="certificate_id",
                    fields={"serial": _l("证书编号"), "source": None, "replaced_by": _l("换发为"),
                            "replaces": _l("替换"), "category": _l("撤销类别")},
                    values={"kind": lambda v: CertificateKind(v).label,
                            "status": lambda v: CertificateStatus(v).label,
                            "category": lambda v: RevocationCategory(v).label})
    register_object(
        "certificate_batch", lazy_pgettext("audit", "证书批量颁发"), target_type="CertificateBatch",
                    endpoint="certificate_batches.detail", id_arg="batch_id")
