"""User accounts and their roles."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import Model
from core.roles import Role
from core.timeutil import utcnow


def new_session_token() -> str:
    return secrets.token_hex(16)


class UserRole(Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class User(UserMixin, Model):
    """A person who logs in. Bindings say which union, enterprise or worker record it acts for."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: Part of the login cookie; rotating it ends every session of this user.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workers.id"), unique=True)
    #: Where an expert or judge works; they never score people from it (回避).
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Counts the edits of the account's fields (not logins or sessions), so that an edit form
    #: opened before someone else's save is refused (:func:`core.versions.check_version`).
    version: Mapped[int] = mapped_column(default=1)

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    union = relationship("Union")
    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])
    employer = relationship("Enterprise", foreign_keys=[employer_id])
    worker = relationship("Worker")

    def __str__(self) -> str:
        return f"{self.display_name}（{self.username}）"

    # Flask-Login -----------------------------------------------------------------------
    @property
    def is_active(self) -> bool:  # noqa: D102 - Flask-Login's name
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    # Roles -----------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if Role(row.role) in wanted]
        have = {Role(row.role) for row in self.role_rows}
        for role in sorted(wanted - have):
            self.role_rows.append(UserRole(role=role.value))

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    # Passwords -------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        """Hash (scrypt unless configured otherwise) and end every existing session."""
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
