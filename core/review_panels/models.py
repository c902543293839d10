"""Panels of experts, their conflict declarations and their score sheets.

A panel scores *subjects* owned by a feature (a craftsman nomination, a studio application),
referred to by ``subject_type`` and ``subject_id``, so one engine serves every feature.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.timeutil import utcnow


class ReviewPanel(Model):
    """A group of experts scoring one set of subjects on one rubric."""

    __tablename__ = "review_panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The feature's own name for what this panel reviews, e.g. "craftsman_occupation".
    scope: Mapped[str] = mapped_column(sa.String(32), index=True)
    scope_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    rubric: Mapped[dict] = mapped_column(sa.JSON)
    #: Totals further apart than this are flagged for the panel lead.
    disagreement_threshold: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(15))
    lead_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The last day (Beijing) by which the experts are to hand in their sheets (None: not set).
    deadline: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", lazy="selectin")
    lead = relationship("User", foreign_keys=[lead_user_id])

    __table_args__ = (sa.UniqueConstraint("scope", "scope_id", name="uq_review_panels_scope"),)

    def __str__(self) -> str:
        return self.name

    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.members}


class PanelMember(Model):
    __tablename__ = "panel_members"

    panel_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_panels.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)

    panel: Mapped[ReviewPanel] = relationship(back_populates="members")
    user = relationship("User", lazy="joined")


class ConflictDeclaration(Model):
    """An expert removed from one subject: automatically (own enterprise) or by declaration."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(sa.ForeignKey("review_panels.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("panel_id", "user_id", "subject_type", "subject_id",
                                          name="uq_conflict_declarations_subject"),)


class ReviewScore(Model):
    """One expert's marks for one subject: a draft until submitted, then read-only."""

    __tablename__ = "review_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(sa.ForeignKey("review_panels.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int]
    #: {criterion key: mark as a decimal string}
    marks: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    total: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None]
    #: Why the panel lead sent a submitted sheet back for re-scoring (cleared on resubmission).
    reopen_reason: Mapped[str | None] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("panel_id", "user_id", "subject_type", "subject_id",
                            name="uq_review_scores_sheet"),
        sa.Index("ix_review_scores_subject", "subject_type", "subject_id"),
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class DisagreementResolution(Model):
    """The panel lead's note on a flagged subject: re-scored or confirmed."""

    __tablename__ = "disagreement_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(sa.ForeignKey("review_panels.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("panel_id", "subject_type", "subject_id",
                                          name="uq_disagreement_resolutions_subject"),)
