"""Plan indicators and the values administrators report for them.

An :class:`Indicator` is data (name, unit, target, baseline, where its value comes from); a
*live* indicator names a metric of :mod:`indicators.metrics` computed from the product's own
records, a *reported* one takes its values from :class:`IndicatorReport` entries. Reports are
append-only: a correction is a new entry that supersedes an earlier one, which stays in the
history.
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

#: Values and targets: up to 12 digits before the point, two after (counts, percentages).
VALUE_TYPE = sa.Numeric(14, 2)


class IndicatorSource(StrEnum):
    LIVE = "live"
    REPORTED = "reported"

    @property
    def label(self):
        return {IndicatorSource.LIVE: _l("系统实时统计"), IndicatorSource.REPORTED: _l("填报")}[self]


class HasSource:
    """Reads the ``source`` of an indicator (its record, or its progress as shown)."""

    @property
    def source_enum(self) -> IndicatorSource:
        return IndicatorSource(self.source)  # type: ignore[attr-defined]

    @property
    def is_live(self) -> bool:
        return self.source == IndicatorSource.LIVE  # type: ignore[attr-defined]


class Indicator(HasSource, db.Model):
    """One indicator of the plan: what is measured, the target and the baseline."""

    __tablename__ = "plan_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A stable identifier from the plan file (e.g. "innovation_studios").
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    #: The plan's heading the indicator belongs to (e.g. 技能提升).
    category: Mapped[str] = mapped_column(sa.String(32), default="")
    name: Mapped[str] = mapped_column(sa.String(100))
    unit: Mapped[str] = mapped_column(sa.String(16))
    #: None while the target has not been entered.
    target: Mapped[Decimal | None] = mapped_column(VALUE_TYPE)
    target_year: Mapped[int]
    baseline: Mapped[Decimal | None] = mapped_column(VALUE_TYPE)
    baseline_year: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(16), default=IndicatorSource.REPORTED.value)
    #: For live indicators: the key of the registered metric that computes the value.
    metric_key: Mapped[str | None] = mapped_column(sa.String(64))
    #: How the value is counted (统计口径), shown beside the numbers.
    definition: Mapped[str] = mapped_column(sa.Text, default="")
    #: Where the target comes from (the plan's text, a decision, ...).
    basis: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    reports: Mapped[list[IndicatorReport]] = relationship(
        back_populates="indicator", order_by="IndicatorReport.id")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name


class IndicatorReport(db.Model):
    """A value reported for one year, with the source it was taken from. Never changed:
    a correction is a new entry whose ``supersedes_id`` names the entry it replaces."""

    __tablename__ = "plan_indicator_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_indicators.id"), index=True)
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(VALUE_TYPE)
    #: The date the value describes (截至日期), within ``year``.
    as_of: Mapped[date]
    source_note: Mapped[str] = mapped_column(sa.Text)
    #: The entry this one corrects; an entry is superseded at most once.
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_indicator_reports.id"), unique=True)
    correction_reason: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="reports")
    supersedes: Mapped[IndicatorReport | None] = relationship(remote_side=[id])
    recorded_by = relationship("User")

    __table_args__ = (sa.Index("ix_plan_indicator_reports_year", "indicator_id", "year"),)

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.year}"
