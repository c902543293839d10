"""Innovation studios: the studio itself and its state.

Members, leader changes, achievements, funding, assessments and alliances have models of
their own beside this one; the state machine is in :mod:`innovation_studios.studios.states`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import collation
from core.extensions import db
from core.search_indexes import trigram_index
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


#: Industries of the national classification (GB/T 4754 门类) a studio names as its own; the
#: administrator's list filters by them.
INDUSTRIES = (
    "制造业", "建筑业", "电力、热力、燃气及水生产和供应业", "交通运输、仓储和邮政业",
    "信息传输、软件和信息技术服务业", "科学研究和技术服务业", "批发和零售业", "住宿和餐饮业",
    "金融业", "房地产业", "租赁和商务服务业", "水利、环境和公共设施管理业",
    "居民服务、修理和其他服务业", "教育", "卫生和社会工作", "文化、体育和娱乐业",
    "采矿业", "农、林、牧、渔业", "公共管理、社会保障和社会组织",
)


class StudioState(StrEnum):
    """Where a studio stands; the allowed moves are in :mod:`innovation_studios.studios.states`."""

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
    #: Sort keys of the name (:mod:`core.collation`), for the directory's order.
    name_pinyin: Mapped[str] = mapped_column(sa.String(collation.KEY_LENGTH), index=True,
                                             default=collation.keys_default("name", "pinyin"))
    name_strokes: Mapped[str] = mapped_column(sa.String(collation.KEY_LENGTH), index=True,
                                              default=collation.keys_default("name", "strokes"))
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
    #: The year of the first submission (申报年度): the review batch and the "application year" filter.
    applied_year: Mapped[int | None] = mapped_column(index=True)
    #: The expert panel's official score (two decimals), stored when the administrator decides.
    review_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    named_on: Mapped[date | None] = mapped_column(index=True)
    delisted_on: Mapped[date | None]
    delist_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    enterprise = relationship("Enterprise")
    leader = relationship("Worker", foreign_keys=[leader_worker_id])

    __table_args__ = (
        trigram_index("ix_studios_name_trgm", "name"),
        trigram_index("ix_studios_number_trgm", "number"),
    )

    members = relationship("StudioMember", back_populates="studio", cascade="all, delete-orphan",
                           order_by="StudioMember.id")
    leader_changes = relationship("StudioLeaderChange", back_populates="studio",
                                  cascade="all, delete-orphan", order_by="StudioLeaderChange.id")

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


class MemberRole(StrEnum):
    """A member's role in the studio (the leader is recorded on the studio itself)."""

    DEPUTY = "deputy"
    CORE = "core"
    MEMBER = "member"
    APPRENTICE = "apprentice"

    @property
    def label(self):
        return {MemberRole.DEPUTY: _l("副领办人"), MemberRole.CORE: _l("技术骨干"),
                MemberRole.MEMBER: _l("成员"), MemberRole.APPRENTICE: _l("学徒")}[self]


class StudioMember(db.Model):
    """One period of a worker's membership: joined on a date, perhaps left on a later one.

    A worker who leaves and comes back has two rows; rows are never deleted once the studio
    is named, so the membership history stays readable.
    """

    __tablename__ = "studio_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=MemberRole.MEMBER.value)
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    leave_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    studio = relationship("Studio", back_populates="members")
    worker = relationship("Worker")

    @property
    def role_enum(self) -> MemberRole:
        return MemberRole(self.role)

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class LeaderChangeReason(StrEnum):
    RETIREMENT = "retirement"
    TRANSFER = "transfer"
    OTHER = "other"

    @property
    def label(self):
        return {LeaderChangeReason.RETIREMENT: _l("退休"), LeaderChangeReason.TRANSFER: _l("调动"),
                LeaderChangeReason.OTHER: _l("其他原因")}[self]


class StudioLeaderChange(db.Model):
    """A change of leader, with its date and reason. Append-only: history is never rewritten."""

    __tablename__ = "studio_leader_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    previous_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"))
    new_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"))
    changed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    studio = relationship("Studio", back_populates="leader_changes")
    previous = relationship("Worker", foreign_keys=[previous_worker_id])
    new = relationship("Worker", foreign_keys=[new_worker_id])

    @property
    def reason_enum(self) -> LeaderChangeReason:
        return LeaderChangeReason(self.reason)


class StudioReviewBatch(db.Model):
    """The applications of one year for one level, scored by one expert panel
    (:mod:`core.review_panels`, scope ``"studio_batch"``, ``scope_id`` this batch's id)."""

    __tablename__ = "studio_review_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("year", "level", name="uq_studio_review_batches_year_level"),)

    def __str__(self) -> str:
        return str(_l("%(year)s年度%(level)s创新工作室评审", year=self.year, level=self.level_enum.label))

    @property
    def level_enum(self) -> StudioLevel:
        return StudioLevel(self.level)


collation.keep_name_keys(Studio.name)
