"""The annual assessment of named studios: rounds, the studios' reports, grades and
rectifications."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow
from innovation_studios.achievements.models import Achievement


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self):
        return {RoundStatus.OPEN: _l("接收报告中"), RoundStatus.CLOSED: _l("已截止")}[self]


class AssessmentRound(db.Model):
    """The annual assessment (年度考核) of one year, opened by the administrator."""

    __tablename__ = "studio_assessment_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    #: The last day (Beijing) on which studios may submit their reports.
    deadline: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(16), default=RoundStatus.OPEN.value)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return str(_l("%(year)s年度考核", year=self.year))

    @property
    def status_enum(self) -> RoundStatus:
        return RoundStatus(self.status)

    def accepts_reports(self, today: date) -> bool:
        return self.status == RoundStatus.OPEN and today <= self.deadline


class ReportState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    GRADED = "graded"

    @property
    def label(self):
        return {ReportState.DRAFT: _l("草稿"), ReportState.SUBMITTED: _l("待评定"),
                ReportState.RETURNED: _l("退回修改"), ReportState.GRADED: _l("已评定")}[self]


class Grade(StrEnum):
    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    FAIL = "fail"

    @property
    def label(self):
        return {Grade.EXCELLENT: _l("优秀"), Grade.QUALIFIED: _l("合格"), Grade.FAIL: _l("不合格")}[self]


report_achievements = sa.Table(
    "studio_report_achievements", db.metadata,
    sa.Column("report_id", sa.ForeignKey("studio_annual_reports.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("achievement_id", sa.ForeignKey("studio_achievements.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class AnnualReport(db.Model):
    """A studio's report for an assessment round, and its grade."""

    __tablename__ = "studio_annual_reports"
    __table_args__ = (sa.UniqueConstraint("round_id", "studio_id", name="uq_studio_annual_reports"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_assessment_rounds.id"), index=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=ReportState.DRAFT.value, index=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")          # 年度工作总结
    next_plan: Mapped[str] = mapped_column(sa.Text, default="")        # 下年度计划
    apprentices_trained: Mapped[int] = mapped_column(default=0)        # 培养徒弟（人）
    trainings_held: Mapped[int] = mapped_column(default=0)             # 开展培训（场次）
    submitted_at: Mapped[datetime | None]
    return_note: Mapped[str] = mapped_column(sa.Text, default="")
    grade: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    grade_note: Mapped[str] = mapped_column(sa.Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    graded_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    round: Mapped[AssessmentRound] = relationship()
    studio = relationship("Studio")
    graded_by = relationship("User", foreign_keys=[graded_by_id])
    achievements: Mapped[list[Achievement]] = relationship(
        secondary=report_achievements, order_by="[Achievement.achieved_on, Achievement.id]")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return f"{self.round.year} {self.studio.name}"

    @property
    def state_enum(self) -> ReportState:
        return ReportState(self.state)

    @property
    def grade_enum(self) -> Grade | None:
        return Grade(self.grade) if self.grade else None


class RectificationOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self):
        return {RectificationOutcome.PASSED: _l("整改合格"),
                RectificationOutcome.FAILED: _l("整改不合格")}[self]


class Rectification(db.Model):
    """The rectification (整改) that a 不合格 grade starts, until the administrator's verdict."""

    __tablename__ = "studio_rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("studio_annual_reports.id"), unique=True)
    started_on: Mapped[date]
    deadline: Mapped[date]
    #: What the assessment found wrong (the grader's note when it began).
    requirements: Mapped[str] = mapped_column(sa.Text, default="")
    #: The enterprise's account of what it has done (整改情况说明).
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    statement_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    studio = relationship("Studio")
    report: Mapped[AnnualReport] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return f"{self.studio.name} {self.started_on}"

    @property
    def outcome_enum(self) -> RectificationOutcome | None:
        return RectificationOutcome(self.outcome) if self.outcome else None

    @property
    def is_open(self) -> bool:
        return self.outcome is None
