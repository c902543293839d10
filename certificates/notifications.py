"""Who is told about certificates: the holder (a worker) and their enterprise, when a
certificate is issued or revoked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from certificates.models import Certificate
from core.notifications import services as notifications

KINDS = {
    "certificate.issued": (_l("新证书：%(serial)s"), _l("%(holder)s 的证书已颁发，可在平台下载。")),
    "certificate.revoked": (_l("证书已撤销：%(serial)s"),
                            _l("%(holder)s 的这份证书已撤销，公开验证时会显示其状态。")),
}


def _tell(certificate: Certificate, kind: str) -> None:
    params = {"serial": certificate.serial, "holder": certificate.holder_name}
    if certificate.worker_id:
        notifications.notify(notifications.recipients(worker_ids=(certificate.worker_id,)), kind,
                             params, notifications.path_for("certificate_downloads.mine"))
    if certificate.enterprise_id:
        notifications.notify(notifications.recipients(enterprise_ids=(certificate.enterprise_id,)),
                             kind, params,
                             notifications.path_for("certificate_downloads.enterprise_list"))


def certificate_issued(certificate: Certificate) -> None:
    _tell(certificate, "certificate.issued")


def certificate_revoked(certificate: Certificate) -> None:
    _tell(certificate, "certificate.revoked")


def register() -> None:
    for key, (title, body) in KINDS.items():
        notifications.register_kind(key, title, body)
