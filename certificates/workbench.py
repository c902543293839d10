"""What certificates put on the workbench (see :mod:`core.workbench`): batches running or
failed for administrators, certificates issued lately for enterprises and workers."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from certificates.models import Certificate, CertificateStatus
from certificates.models_batches import ACTIVE_STATES, BatchState, CertificateBatch
from core import workbench
from core.extensions import db
from core.roles import Role
from core.workbench import WorkItem

#: How long a newly issued certificate stays on the workbench.
RECENT_DAYS = 30


def admin_items(user, today) -> list[WorkItem]:
    """Batches still running (or waiting) and batches that failed."""
    rows = db.session.execute(
        select(CertificateBatch.state, func.count()).where(
            CertificateBatch.state.in_([s.value for s in ACTIVE_STATES | {BatchState.FAILED}]))
        .group_by(CertificateBatch.state)).all()
    counts = dict(rows)
    running = sum(counts.get(s.value, 0) for s in ACTIVE_STATES)
    items = []
    if counts.get(BatchState.FAILED.value):
        items.append(WorkItem(_("证书批量颁发失败"), url_for("certificate_batches.index"),
                              count=counts[BatchState.FAILED.value]))
    if running:
        items.append(WorkItem(_("正在进行的证书批量颁发"), url_for("certificate_batches.index"),
                              count=running, actionable=False))
    return items


def _recent(condition, today):
    return db.session.scalar(select(func.count()).select_from(Certificate).where(
        condition, Certificate.status == CertificateStatus.VALID.value,
        Certificate.issued_on >= today - timedelta(days=RECENT_DAYS)))


def enterprise_items(user, today) -> list[WorkItem]:
    if not user.enterprise_id:
        return []
    recent = _recent(Certificate.enterprise_id == user.enterprise_id, today)
    return [WorkItem(_("近 %(n)s 天新颁发的证书", n=RECENT_DAYS),
                     url_for("certificate_downloads.enterprise_list"), count=recent,
                     actionable=False)] if recent else []


def worker_items(user, today) -> list[WorkItem]:
    if not user.worker_id:
        return []
    total = db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.worker_id == user.worker_id, Certificate.status == CertificateStatus.VALID.value))
    return [WorkItem(_("我的证书"), url_for("certificate_downloads.mine"), count=total,
                     actionable=False)] if total else []


def register() -> None:
    workbench.add_source(Role.ADMIN, "certificates", admin_items)
    workbench.add_source(Role.ENTERPRISE, "certificates", enterprise_items)
    workbench.add_source(Role.WORKER, "certificates", worker_items)
