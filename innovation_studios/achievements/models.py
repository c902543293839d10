"""A studio's records: achievements with their members and evidence, funding grants and their
use (the annual assessment is in :mod:`innovation_studios.assessments.models`).

Amounts are in 万元, exact (``Numeric``, four decimals: to the yuan). Achievements are read by
studio and date (the studio page shows the latest), hence the composite index.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow
from core.uploads import StoredFileColumns

#: 万元 to four decimals: exact to the yuan.
MONEY = sa.Numeric(16, 4)


class AchievementKind(StrEnum):
    PATENT = "patent"
    INNOVATION = "innovation"
    SUGGESTION = "suggestion"
    PAPER = "paper"
    STANDARD = "standard"
    METHOD = "method"
    AWARD = "award"

    @property
    def label(self):
        return ACHIEVEMENT_KIND_LABELS[self]


ACHIEVEMENT_KIND_LABELS = {
    AchievementKind.PATENT: _l("专利"),
    AchievementKind.INNOVATION: _l("技术革新"),
    AchievementKind.SUGGESTION: _l("合理化建议"),
    AchievementKind.PAPER: _l("论文"),
    AchievementKind.STANDARD: _l("标准"),
    AchievementKind.METHOD: _l("工法"),
    AchievementKind.AWARD: _l("奖项"),
}


class PatentStatus(StrEnum):
    APPLIED = "applied"
    GRANTED = "granted"

    @property
    def label(self):
        return {PatentStatus.APPLIED: _l("已受理"), PatentStatus.GRANTED: _l("已授权")}[self]


class Achievement(db.Model):
    """One achievement of a studio: a patent, a technical improvement, a paper, an award..."""

    __tablename__ = "studio_achievements"
    __table_args__ = (
        sa.Index("ix_studio_achievements_studio_date", "studio_id", "achieved_on", "id"),
        sa.Index("ix_studio_achievements_date_kind", "achieved_on", "kind"),
        # One patent is recorded once per studio (co-applicant studios each record it).
        sa.UniqueConstraint("studio_id", "patent_number", name="uq_studio_achievements_patent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    achieved_on: Mapped[date]
    #: Journal, issuing body, standard number, award organiser... (free text).
    issuer: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Patents only: the normalised application number (201710601862.3) and whether granted.
    patent_number: Mapped[str | None] = mapped_column(sa.String(20))
    patent_status: Mapped[str | None] = mapped_column(sa.String(16))
    #: Economic benefit in 万元 (None: not assessed).
    economic_benefit: Mapped[Decimal | None] = mapped_column(MONEY)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    studio = relationship("Studio")
    members: Mapped[list[AchievementMember]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", order_by="AchievementMember.id")
    evidence: Mapped[list[AchievementEvidence]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", order_by="AchievementEvidence.id")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title

    @property
    def kind_enum(self) -> AchievementKind:
        return AchievementKind(self.kind)

    @property
    def patent_status_enum(self) -> PatentStatus | None:
        return PatentStatus(self.patent_status) if self.patent_status else None

    @property
    def patent_display(self) -> str:
        """ZL201710601862.3 for a granted patent, 201710601862.3 for an application."""
        if not self.patent_number:
            return ""
        return ("ZL" if self.patent_status == PatentStatus.GRANTED else "") + self.patent_number


class AchievementMember(db.Model):
    """A worker (the studio's leader or member) who took part in an achievement."""

    __tablename__ = "studio_achievement_members"
    __table_args__ = (sa.UniqueConstraint("achievement_id", "worker_id",
                                          name="uq_studio_achievement_members"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studio_achievements.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)

    achievement: Mapped[Achievement] = relationship(back_populates="members")
    worker = relationship("Worker")


class AchievementEvidence(StoredFileColumns, db.Model):
    """An evidence file (certificate, acceptance note, paper), stored outside the web root."""

    __tablename__ = "studio_achievement_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studio_achievements.id", ondelete="CASCADE"), index=True)

    achievement: Mapped[Achievement] = relationship(back_populates="evidence")


# Funding ---------------------------------------------------------------------------------

class FundingGrant(db.Model):
    """Money granted to a studio for one year (e.g. 10万元 a year for three years)."""

    __tablename__ = "studio_funding_grants"
    __table_args__ = (sa.UniqueConstraint("studio_id", "year", "source", name="uq_studio_funding_grants"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    #: Who pays: 市总工会, a district union, the enterprise...
    source: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The sum of the uses, kept with the grant so two uses saved at once cannot both pass the
    #: check (the second one finds the grant's version changed).
    used: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    studio = relationship("Studio")
    uses: Mapped[list[FundingUse]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="[FundingUse.used_on, FundingUse.id]")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return f"{self.year} {self.source}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - (self.used or Decimal(0))


class FundingUse(db.Model):
    """Money spent out of a grant: when, how much, on what."""

    __tablename__ = "studio_funding_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_funding_grants.id", ondelete="CASCADE"),
                                          index=True)
    used_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    purpose: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grant: Mapped[FundingGrant] = relationship(back_populates="uses")
