"""The innovation studio alliance (创新工作室联盟) and its joint projects.

An **alliance** joins named studios of different enterprises. Its type says how their kinds
relate: 关联 (related work, any kinds), 同型 (all of one kind) or 异型 (more than one kind).
One member is the **lead studio** (盟主); the lead rotates, and every term is kept with its
dates (:class:`AllianceLeadTerm`). Memberships keep their joining and leaving dates
(:class:`AllianceMembership`; a studio that leaves and rejoins has two rows). Members run
**joint projects** (:class:`JointProject`) with some of the members taking part
(:class:`JointProjectStudio`).

History is never rewritten: leaving, rotation and dissolution close rows with a date, they
do not delete them. The rules (who may join, dates in order, the type against the kinds)
are enforced by :mod:`innovation_studios.alliances.services`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow
from innovation_studios.achievements import models as achievement_models  # noqa: F401 - the achievements table a result may become


class AllianceKind(StrEnum):
    """The alliance's type, checked against the kinds of its member studios."""

    RELATED = "related"
    SAME_KIND = "same_kind"
    MIXED_KINDS = "mixed_kinds"

    @property
    def label(self):
        return {AllianceKind.RELATED: _l("关联"), AllianceKind.SAME_KIND: _l("同型"),
                AllianceKind.MIXED_KINDS: _l("异型")}[self]

    @property
    def rule(self):
        """The rule on the member studios' kinds, as stated on the pages."""
        return {
            AllianceKind.RELATED: _l("关联型：成员工作室因产业链、专业领域或攻关课题相关而结盟，类型不限"),
            AllianceKind.SAME_KIND: _l("同型：全部成员工作室须为同一类型（如均为劳模创新工作室）"),
            AllianceKind.MIXED_KINDS: _l("异型：成员工作室须包含两种及以上类型"),
        }[self]


class Alliance(db.Model):
    """A studio alliance: its name, type, charter and founding date; members and leads apart."""

    __tablename__ = "studio_alliances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    founded_on: Mapped[date] = mapped_column(index=True)
    charter: Mapped[str] = mapped_column(sa.Text, default="")  # 章程
    dissolved_on: Mapped[date | None]
    dissolve_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list[AllianceMembership]] = relationship(
        back_populates="alliance", cascade="all, delete-orphan",
        order_by="(AllianceMembership.joined_on, AllianceMembership.id)")
    lead_terms: Mapped[list[AllianceLeadTerm]] = relationship(
        back_populates="alliance", cascade="all, delete-orphan",
        order_by="(AllianceLeadTerm.starts_on, AllianceLeadTerm.id)")
    projects: Mapped[list[JointProject]] = relationship(
        back_populates="alliance", cascade="all, delete-orphan",
        order_by="(JointProject.starts_on.desc(), JointProject.id.desc())")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name

    @property
    def kind_enum(self) -> AllianceKind:
        return AllianceKind(self.kind)

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    @property
    def current_memberships(self) -> list[AllianceMembership]:
        return [m for m in self.memberships if m.left_on is None]

    @property
    def current_lead_term(self) -> AllianceLeadTerm | None:
        return next((t for t in self.lead_terms if t.ends_on is None), None)

    @property
    def lead_studio(self):
        term = self.current_lead_term
        return term.studio if term else None

    def membership_of(self, studio_id: int) -> AllianceMembership | None:
        """The studio's current membership, if it is a member now."""
        return next((m for m in self.memberships if m.studio_id == studio_id and m.left_on is None), None)


class AllianceMembership(db.Model):
    """One period of a studio's membership: joined on a date, perhaps left on a later one."""

    __tablename__ = "studio_alliance_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_alliances.id", ondelete="CASCADE"),
                                             index=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id"), index=True)
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    leave_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    alliance: Mapped[Alliance] = relationship(back_populates="memberships")
    studio = relationship("Studio")

    __table_args__ = (sa.CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="dates_in_order"),)

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class AllianceLeadTerm(db.Model):
    """A studio's term as lead (盟主), from ``starts_on`` to ``ends_on`` inclusive (open: now)."""

    __tablename__ = "studio_alliance_lead_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_alliances.id", ondelete="CASCADE"),
                                             index=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    alliance: Mapped[Alliance] = relationship(back_populates="lead_terms")
    studio = relationship("Studio")

    __table_args__ = (sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),)


class ProjectStatus(StrEnum):
    """A joint project's status; the allowed moves are in :mod:`innovation_studios.alliances.services`."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return {ProjectStatus.PLANNED: _l("计划中"), ProjectStatus.IN_PROGRESS: _l("进行中"),
                ProjectStatus.COMPLETED: _l("已完成"), ProjectStatus.CANCELLED: _l("已取消")}[self]


class JointProject(db.Model):
    """A joint project (联合项目) of an alliance's member studios."""

    __tablename__ = "studio_alliance_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_alliances.id", ondelete="CASCADE"),
                                             index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    goal: Mapped[str] = mapped_column(sa.Text, default="")       # 项目目标
    lead_studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id"), index=True)
    starts_on: Mapped[date] = mapped_column(index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ProjectStatus.PLANNED.value, index=True)
    results: Mapped[str] = mapped_column(sa.Text, default="")    # 项目成果
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    alliance: Mapped[Alliance] = relationship(back_populates="projects")
    lead_studio = relationship("Studio", foreign_keys=[lead_studio_id])
    participants: Mapped[list[JointProjectStudio]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="JointProjectStudio.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint("due_on >= starts_on", name="dates_in_order"),)

    def __str__(self) -> str:
        return self.title

    @property
    def status_enum(self) -> ProjectStatus:
        return ProjectStatus(self.status)

    @property
    def years(self) -> range:
        """The years the project counts for: every year its period touches; none if cancelled."""
        if self.status == ProjectStatus.CANCELLED:
            return range(0)
        return range(self.starts_on.year, self.due_on.year + 1)

    @property
    def studio_ids(self) -> set[int]:
        return {p.studio_id for p in self.participants}


class JointProjectStudio(db.Model):
    """A studio taking part in a joint project and, once the project is completed, the
    achievement its enterprise recorded from the project's results (if any)."""

    __tablename__ = "studio_alliance_project_studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_alliance_projects.id", ondelete="CASCADE"),
                                            index=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id"), index=True)
    achievement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("studio_achievements.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[JointProject] = relationship(back_populates="participants")
    studio = relationship("Studio")
    achievement = relationship("Achievement")

    __table_args__ = (sa.UniqueConstraint("project_id", "studio_id", name="uq_studio_alliance_project_studios_pair"),)
