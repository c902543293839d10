"""Notifications and each person's notification settings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.timeutil import utcnow


class Notification(Model):
    """One notice to one person: a registered kind with its parameters and a link."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: A kind registered with :func:`core.notifications.services.register_kind`.
    kind: Mapped[str] = mapped_column(sa.String(48))
    #: The values the kind's text is filled with (names and titles the recipient may see).
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Where to act or read more (a path inside the app).
    url: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Makes a notice idempotent (e.g. one reminder per deadline and day); None: no such key.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_dedupe"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSettings(Model):
    """A person's email address for notifications and whether they want them by email."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    email_enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
