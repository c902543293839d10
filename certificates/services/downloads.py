"""Who may download which certificate, and the lists they download from.

* a worker: the certificates that name them (``Certificate.worker_id``);
* an enterprise: the certificates of its workers and of its studios (``Certificate.enterprise_id``);
* an administrator: any.

Nobody else, whatever the URL: the download page answers 404 for a certificate the user may
not have, exactly as for one that does not exist, so ids cannot be probed. Workers and
enterprises download valid certificates only; a revoked or replaced one stays in their list,
marked, with a link to its valid replacement where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, or_, select

from certificates.models import Certificate, CertificateKind, CertificateStatus
from core.extensions import db
from core.roles import Role


def visible_filter(user):
    """A SQL condition limiting certificates to those ``user`` may download (None: all)."""
    if user.has_role(Role.ADMIN):
        return None
    conditions = []
    if user.has_role(Role.WORKER) and user.worker_id:
        conditions.append(Certificate.worker_id == user.worker_id)
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        conditions.append(Certificate.enterprise_id == user.enterprise_id)
    return or_(*conditions) if conditions else false()


def can_see(user, certificate: Certificate) -> bool:
    """Whether ``certificate`` is ``user``'s to list (the same rule as :func:`visible_filter`)."""
    if user.has_role(Role.ADMIN):
        return True
    if user.has_role(Role.WORKER) and user.worker_id and certificate.worker_id == user.worker_id:
        return True
    return bool(user.has_role(Role.ENTERPRISE) and user.enterprise_id
                and certificate.enterprise_id == user.enterprise_id)


def can_download(user, certificate: Certificate) -> bool:
    """Administrators download any; the others their own while it is valid."""
    if user.has_role(Role.ADMIN):
        return True
    return can_see(user, certificate) and certificate.status == CertificateStatus.VALID.value


def certificate_for(user, certificate_id: int) -> Certificate | None:
    """The certificate, if ``user`` may see it; None for both "no such" and "not yours"."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not can_see(user, certificate):
        return None
    return certificate


@dataclass(frozen=True)
class Filters:
    """The list's search: text in the holder's name or the serial; a kind; valid ones only."""

    q: str = ""
    kind: str = ""
    valid_only: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        kind = args.get("kind", "")
        return cls(q=" ".join(args.get("q", "").split())[:100],
                   kind=kind if kind in {k.value for k in CertificateKind} else "",
                   valid_only=args.get("valid") == "1")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def certificates_query(user, filters: Filters = Filters()):
    """The certificates ``user`` may download, newest first, filtered."""
    query = select(Certificate)
    condition = visible_filter(user)
    if condition is not None:
        query = query.where(condition)
    if filters.q:
        like = _like(filters.q)
        query = query.where(or_(Certificate.holder_name.like(like, escape="\\"),
                                Certificate.serial.like(like, escape="\\")))
    if filters.kind:
        query = query.where(Certificate.kind == filters.kind)
    if filters.valid_only:
        query = query.where(Certificate.status == CertificateStatus.VALID.value)
    return query.order_by(Certificate.issued_on.desc(), Certificate.id.desc())


def kinds() -> list[CertificateKind]:
    return list(CertificateKind)
