"""Personal API tokens: a user creates one in their account page and revokes it there.

Only the SHA-256 digest of a token is stored: the token itself is a random 256-bit secret
shown once, at creation. A digest of such a secret cannot be reversed or guessed, so no key
is needed (and rotating the app's SECRET_KEY leaves tokens working).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow


class ApiToken(db.Model):
    """One token of one user; it acts with the user's roles and bindings at each request."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    #: The token's first characters, shown in lists so the owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the whole token, hex.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    def __str__(self) -> str:
        return f"{self.name}（{self.hint}…）"

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
