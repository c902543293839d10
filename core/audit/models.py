"""The audit entry model and the guard that keeps entries immutable."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.extensions import Model
from core.search_indexes import trigram_index
from core.timeutil import utcnow


class AuditEntry(Model):
    """Who did what to which record, and which fields changed (sensitive ones masked)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_name: Mapped[str] = mapped_column(sa.String(64), default="system")
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[int | None] = mapped_column(sa.Integer)
    target_label: Mapped[str] = mapped_column(sa.String(200), default="")
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    # The log is read newest first, a page at a time from the last id shown (keyset paging);
    # each filter's index ends with the id so a filtered page is read in order, not sorted.
    __table_args__ = (
        sa.Index("ix_audit_entries_action_listing", "action", "id"),
        sa.Index("ix_audit_entries_time_listing", "created_at", "id"),
        sa.Index("ix_audit_entries_actor_listing", "actor_id", "id"),
        sa.Index("ix_audit_entries_target_listing", "target_type", "target_id", "id"),
        trigram_index("ix_audit_entries_actor_name_trgm", "actor_name"),
    )


class AuditImmutableError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditImmutableError("审计日志只能追加，不能修改或删除")
