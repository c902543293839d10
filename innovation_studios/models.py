"""Innovation studios: the studio itself and its state.

Members, leader changes, achievements, funding, assessments and alliances have models of
their own beside this one; the state machine is in :mod:`innovation_studios.states`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow


class StudioKind(StrEnum):
    MODEL_WORKER = "model_worker"
    CRAFTSMAN = "craftsman"
    WORKER = "worker"

    @property
    def label(self):
        return {StudioKind.MODEL_WORKER: _l("劳模创新工作室"), StudioKind.CRAFTSMAN: _l("工匠创新工作室"),
                StudioKind.WORKER: _l("职工创新工作室")}[self]


class StudioLevel(StrEnum):
    CITY_DEMO = "city_demo"
    CITY = "city"
    DISTRICT = "district"
    ENTERPRISE = "enterprise"

    @property
    def label(self):
        return {StudioLevel.CITY_DEMO: _l("市级示范"), StudioLevel.CITY: _l("市级"),
                StudioLevel.DISTRICT: _l("区级"), StudioLevel.ENTERPRISE: _l("企业级")}[self]


class StudioState(StrEnum):
    """Where a studio stands; the allowed moves are in :mod:`innovation_studios.states`."""

    DRAFT = "draft"
    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    REJECTED = "rejected"
    NAMED = "named"
    RECTIFICATION = "rectification"
    DELISTED = "delisted"

    @property
    def label(self):
        return STUDIO_STATE_LABELS[self]


STUDIO_STATE_LABELS = {
    StudioState.DRAFT: _l("草稿"),
    StudioState.APPLIED: _l("已申报"),
    StudioState.UNDER_REVIEW: _l("评审中"),
    StudioState.RETURNED: _l("退回修改"),
    StudioState.REJECTED: _l("未通过"),
    StudioState.NAMED: _l("已命名"),
    StudioState.RECTIFICATION: _l("整改中"),
    StudioState.DELISTED: _l("已摘牌"),
}


class Studio(db.Model):
    """A studio, from the enterprise's application to its naming (and, perhaps, delisting)."""

    __tablename__ = "studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Given at naming, e.g. "BJCX-2026-0001"; unique once given.
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    #: The level applied for; ``level`` is the level named (equal to it unless the panel decided otherwise).
    level_sought: Mapped[str] = mapped_column(sa.String(16))
    level: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    #: The current leader (领办人); changes are kept in their own history table.
    leader_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(64), default="")      # 专业领域
    industry: Mapped[str] = mapped_column(sa.String(64), default="", index=True)  # 所属行业
    space_equipment: Mapped[str] = mapped_column(sa.Text, default="")  # 场地与设备
    management_rules: Mapped[str] = mapped_column(sa.Text, default="")  # 管理制度
    plan: Mapped[str] = mapped_column(sa.Text, default="")             # 工作计划
    funding_note: Mapped[str] = mapped_column(sa.Text, default="")     # 经费来源与保障
    state: Mapped[str] = mapped_column(sa.String(16), default=StudioState.DRAFT.value, index=True)
    #: The reviewer's or administrator's reason for the latest return, rejection or decision.
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None]
    named_on: Mapped[date | None] = mapped_column(index=True)
    delisted_on: Mapped[date | None]
    delist_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    enterprise = relationship("Enterprise")
    leader = relationship("Worker", foreign_keys=[leader_worker_id])

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name

    @property
    def state_enum(self) -> StudioState:
        return StudioState(self.state)

    @property
    def kind_enum(self) -> StudioKind:
        return StudioKind(self.kind)

    @property
    def level_enum(self) -> StudioLevel | None:
        return StudioLevel(self.level) if self.level else None

    @property
    def level_sought_enum(self) -> StudioLevel:
        return StudioLevel(self.level_sought)

    @property
    def is_named(self) -> bool:
        """Named and in good standing or under rectification (still a named studio)."""
        return self.state in (StudioState.NAMED, StudioState.RECTIFICATION)
