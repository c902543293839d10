"""Batch issuing: everything issuable in one scope (a cycle, an event, a naming year, an
alliance) issued and rendered in the background, then packed into one ZIP.

The whole state lives in the database, item by item, so a batch whose worker died carries
on where it stopped: issuing is idempotent by source key, and an item's PDF is rendered once
into the shared storage (see :mod:`certificates.services.batches`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow


class BatchState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    #: Every item is rendered: one runner is packing the ZIP.
    PACKING = "packing"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def label(self):
        return {BatchState.QUEUED: _l("排队中"), BatchState.RUNNING: _l("进行中"),
                BatchState.PACKING: _l("打包中"),
                BatchState.DONE: _l("已完成"), BatchState.FAILED: _l("失败"),
                BatchState.INTERRUPTED: _l("已中断")}[self]


#: States a runner may pick a batch up from (a failed batch only when someone asks again).
RUNNABLE_STATES = frozenset({BatchState.QUEUED, BatchState.INTERRUPTED})
#: States in which a batch still holds its scope: no second batch for the scope meanwhile.
ACTIVE_STATES = frozenset({BatchState.QUEUED, BatchState.RUNNING, BatchState.PACKING,
                           BatchState.INTERRUPTED})
#: States in which some worker is (or should be) working on the batch.
WORKING_STATES = frozenset({BatchState.RUNNING, BatchState.PACKING})


class CertificateBatch(db.Model):
    """One batch: a scope of a source (:mod:`certificates.sources`) issued, rendered and zipped."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The registered source name, e.g. "craftsmen.titles", and its scope, e.g. a cycle id.
    source: Mapped[str] = mapped_column(sa.String(40))
    scope_id: Mapped[str] = mapped_column(sa.String(64))
    #: What the scope was called when the batch was queued, e.g. "第四届北京大工匠选树".
    scope_label: Mapped[str] = mapped_column(sa.String(200))
    source_label: Mapped[str] = mapped_column(sa.String(100), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default=BatchState.QUEUED.value, index=True)
    #: "source|scope" while the batch is queued, running or interrupted, else NULL: at most one
    #: unfinished batch a scope.
    active_key: Mapped[str | None] = mapped_column(sa.String(110), unique=True)
    total: Mapped[int] = mapped_column(default=0)
    #: Items with their certificate (issued now or found already issued).
    issued: Mapped[int] = mapped_column(default=0)
    #: Of those, certificates this batch issued (the rest existed before).
    issued_new: Mapped[int] = mapped_column(default=0)
    #: Items whose PDF is rendered: the progress figure shown to people.
    done: Mapped[int] = mapped_column(default=0)
    #: Items that could not be issued or rendered (each item says why).
    failed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: Touched while a runner works; a running batch that stopped touching it was interrupted.
    heartbeat_at: Mapped[datetime | None]
    #: Which worker process issues it (host:pid), for the log; the claim guards on it.
    runner: Mapped[str] = mapped_column(sa.String(100), default="")
    #: How many times a worker claimed the batch: a batch that keeps failing stops after a few.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The ZIP's name in the storage's batch folder, once packed.
    zip_name: Mapped[str | None] = mapped_column(sa.String(100))
    zip_size: Mapped[int | None]
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The site address of the request that queued it: verification links of certificates issued
    #: in the background point there when ``PUBLIC_BASE_URL`` is not configured.
    base_url: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Why the batch failed, for the administrator (never personal data).
    error: Mapped[str] = mapped_column(sa.Text, default="")

    requested_by = relationship("User")
    items: Mapped[list[CertificateBatchItem]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="CertificateBatchItem.position")

    def __str__(self) -> str:
        return f"{self.source_label} · {self.scope_label}"

    @property
    def state_enum(self) -> BatchState:
        return BatchState(self.state)

    @property
    def is_finished(self) -> bool:
        return self.state in (BatchState.DONE, BatchState.FAILED)

    @property
    def percent(self) -> int:
        """Progress in whole percent: issuing is the first half, rendering the second."""
        if not self.total:
            return 100 if self.state == BatchState.DONE else 0
        if self.state == BatchState.DONE:
            return 100
        return min(99, (50 * (self.issued + self.failed) + 50 * self.done) // self.total)


class ItemState(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    RENDERED = "rendered"
    FAILED = "failed"

    @property
    def label(self):
        return {ItemState.PENDING: _l("待颁发"), ItemState.ISSUED: _l("已颁发"),
                ItemState.RENDERED: _l("已生成"), ItemState.FAILED: _l("未完成")}[self]


class CertificateBatchItem(db.Model):
    """One certificate of a batch: the request as queued, and how far it got."""

    __tablename__ = "certificate_batch_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_batches.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int]
    source_key: Mapped[str] = mapped_column(sa.String(80))
    #: The IssueRequest as queued (plain JSON), so a resumed batch issues exactly that.
    request: Mapped[dict] = mapped_column(sa.JSON)
    holder_name: Mapped[str] = mapped_column(sa.String(200), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default=ItemState.PENDING.value, index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    #: True when this batch issued the certificate (False: it was issued before).
    issued_new: Mapped[bool] = mapped_column(default=False)
    #: The PDF's name inside the ZIP (and in the batch's working folder until packed).
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    error: Mapped[str] = mapped_column(sa.Text, default="")

    batch: Mapped[CertificateBatch] = relationship(back_populates="items")
    certificate = relationship("Certificate")

    __table_args__ = (sa.UniqueConstraint("batch_id", "source_key", name="uq_certificate_batch_items_key"),)

    @property
    def state_enum(self) -> ItemState:
        return ItemState(self.state)
