"""Craftsman selection: cycles, occupations with quotas, nominations and their evidence,
public notices with objections, and the titles that make up the registry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import collation
from core.extensions import db
from core.search_indexes import DESCENDING, add_search_grams, trigram_index
from core.timeutil import utcnow
from core.uploads import StoredFileColumns
from craftsmen import pool_search


class CraftsmanLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    INDUSTRY = "industry"

    @property
    def rank(self) -> int:
        """The city title (北京大工匠) ranks above district and industry titles, which are peers."""
        return 2 if self is CraftsmanLevel.CITY else 1

    @property
    def label(self):
        return {CraftsmanLevel.CITY: _l("北京大工匠"), CraftsmanLevel.DISTRICT: _l("区级工匠"),
                CraftsmanLevel.INDUSTRY: _l("产业工匠")}[self]


class CycleStatus(StrEnum):
    """A cycle's phase; the allowed moves are in :mod:`craftsmen.states`."""

    DRAFT = "draft"
    NOMINATING = "nominating"
    REVIEWING = "reviewing"
    NOTICE = "notice"
    CLOSED = "closed"

    @property
    def label(self):
        return {CycleStatus.DRAFT: _l("筹备中"), CycleStatus.NOMINATING: _l("推荐中"),
                CycleStatus.REVIEWING: _l("评审中"), CycleStatus.NOTICE: _l("公示中"),
                CycleStatus.CLOSED: _l("已命名")}[self]


class ReviewMethod(StrEnum):
    """How an occupation of a cycle is decided (its route, see :mod:`craftsmen.selection_route`)."""

    COMPREHENSIVE = "comprehensive"
    COMPETITION = "competition"
    #: 多模块组合综合比评: the final's score and the panel's score, weighted.
    COMBINED = "combined"

    @property
    def label(self):
        return {ReviewMethod.COMPREHENSIVE: _l("综合评审"),
                ReviewMethod.COMPETITION: _l("竞赛选拔"),
                ReviewMethod.COMBINED: _l("竞赛与评审组合")}[self]

    @property
    def uses_competition(self) -> bool:
        return self is not ReviewMethod.COMPREHENSIVE


class SelectionCycle(db.Model):
    """One edition (届) of a craftsman selection, with its rules as data."""

    __tablename__ = "selection_cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(16))
    #: The district or industry union that runs a district or industry cycle.
    organizer_union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"))
    year: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), default=CycleStatus.DRAFT.value, index=True)
    nomination_opens: Mapped[datetime]
    nomination_closes: Mapped[datetime]
    notice_days: Mapped[int] = mapped_column(default=7)

    # Eligibility rules (data, not code): None means "no limit".
    min_years: Mapped[int | None]
    min_skill_level: Mapped[str | None] = mapped_column(sa.String(16))
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    front_line_required: Mapped[bool] = mapped_column(default=False)
    in_post_required: Mapped[bool] = mapped_column(default=True)
    #: Someone who already holds a title of this cycle's level or a higher one (and not
    #: revoked) is not nominated again.
    exclude_title_holders: Mapped[bool] = mapped_column(default=True)
    max_per_enterprise: Mapped[int | None]
    max_per_union: Mapped[int | None]

    #: Expert rubric: {"max_score": "100", "criteria": [{"key", "name", "weight"}, ...]}
    rubric: Mapped[dict] = mapped_column(sa.JSON)
    #: The funding plan of a named Beijing Grand Craftsman's studio (e.g. 10 万元 a year for
    #: 3 years); None: the cycle promises none.
    studio_funding_per_year: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    studio_funding_years: Mapped[int | None]
    disagreement_threshold: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(15))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    occupations: Mapped[list[CycleOccupation]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="CycleOccupation.id")
    organizer_union = relationship("Union")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title

    @property
    def status_enum(self) -> CycleStatus:
        return CycleStatus(self.status)

    @property
    def level_enum(self) -> CraftsmanLevel:
        return CraftsmanLevel(self.level)

    def window_open(self, now: datetime) -> bool:
        return (self.status == CycleStatus.NOMINATING
                and self.nomination_opens <= now <= self.nomination_closes)


class CycleOccupation(db.Model):
    """An occupation (工种) covered by a cycle, with its quota and how it is judged."""

    __tablename__ = "cycle_occupations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_cycles.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    code: Mapped[str] = mapped_column(sa.String(16), default="")
    quota: Mapped[int] = mapped_column(default=1)
    method: Mapped[str] = mapped_column(sa.String(16), default=ReviewMethod.COMPREHENSIVE.value)

    cycle: Mapped[SelectionCycle] = relationship(back_populates="occupations")

    __table_args__ = (sa.UniqueConstraint("cycle_id", "name", name="uq_cycle_occupations_name"),)

    def __str__(self) -> str:
        return self.name

    @property
    def method_enum(self) -> ReviewMethod:
        return ReviewMethod(self.method)


class NominationState(StrEnum):
    """Where a nomination stands; the allowed moves are in :mod:`craftsmen.states`."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REJECTED = "rejected"
    QUALIFIED = "qualified"
    PROPOSED = "proposed"
    NOT_PROPOSED = "not_proposed"
    WITHDRAWN = "withdrawn"
    NAMED = "named"
    REVOKED = "revoked"

    @property
    def label(self):
        return NOMINATION_STATE_LABELS[self]


NOMINATION_STATE_LABELS = {
    NominationState.DRAFT: _l("草稿"),
    NominationState.SUBMITTED: _l("待资格审查"),
    NominationState.RETURNED: _l("退回修改"),
    NominationState.REJECTED: _l("审查未通过"),
    NominationState.QUALIFIED: _l("已入人才库"),
    NominationState.PROPOSED: _l("拟命名"),
    NominationState.NOT_PROPOSED: _l("未入选"),
    NominationState.WITHDRAWN: _l("已撤销提名"),
    NominationState.NAMED: _l("已命名"),
    NominationState.REVOKED: _l("称号已撤销"),
}


class Nomination(db.Model):
    """An enterprise's nomination of one of its workers for one occupation of a cycle."""

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_cycles.id"), index=True)
    occupation_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_occupations.id"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=NominationState.DRAFT.value,
                                       index=True)
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    #: The reviewer's or administrator's reason for the latest return, rejection or adjustment.
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None]
    qualified_at: Mapped[datetime | None]
    aggregate_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
    rank: Mapped[int | None]
    #: How the nominee was placed on the proposed list, as shown on the list, the notice and
    #: the registry (e.g. 竞赛选拔·终极挑战赛第 1 名); set when the list is generated.
    selection_basis: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[SelectionCycle] = relationship()
    occupation: Mapped[CycleOccupation] = relationship()
    worker = relationship("Worker")
    enterprise = relationship("Enterprise")
    achievements: Mapped[list[NominationAchievement]] = relationship(
        back_populates="nomination", cascade="all, delete-orphan",
        order_by="NominationAchievement.achieved_on")
    attachments: Mapped[list[NominationAttachment]] = relationship(
        back_populates="nomination", cascade="all, delete-orphan",
        order_by="NominationAttachment.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "worker_id", name="uq_nominations_worker"),
        # the talent pool's order: newest cycle first, then by occupation and qualification
        sa.Index("ix_nominations_pool_listing", sa.desc("cycle_id"), "occupation_id", "qualified_at",
                 "id", info={DESCENDING: True}),
    )

    def __str__(self) -> str:
        return f"{self.worker.name} · {self.occupation.name}"

    @property
    def state_enum(self) -> NominationState:
        return NominationState(self.state)


class AchievementKind(StrEnum):
    COMPETITION = "competition"
    PATENT = "patent"
    INNOVATION = "innovation"
    APPRENTICES = "apprentices"
    HONOR = "honor"

    @property
    def label(self):
        return {AchievementKind.COMPETITION: _l("竞赛成绩"), AchievementKind.PATENT: _l("专利"),
                AchievementKind.INNOVATION: _l("技术创新成果"),
                AchievementKind.APPRENTICES: _l("带徒传技"), AchievementKind.HONOR: _l("荣誉")}[self]


class NominationAchievement(db.Model):
    """One structured achievement with its date and (optionally) its evidence file."""

    __tablename__ = "nomination_achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    achieved_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Shown on the public registry page once the nominee is named.
    publishable: Mapped[bool] = mapped_column(default=True)
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("nomination_attachments.id", ondelete="SET NULL"))

    nomination: Mapped[Nomination] = relationship(back_populates="achievements")
    attachment = relationship("NominationAttachment")

    @property
    def kind_enum(self) -> AchievementKind:
        return AchievementKind(self.kind)


class NominationAttachment(StoredFileColumns, db.Model):
    """An evidence file, stored outside the web root under a random name."""

    __tablename__ = "nomination_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"),
                                               index=True)

    nomination: Mapped[Nomination] = relationship(back_populates="attachments")


class PublicNotice(db.Model):
    """The 公示 of a cycle's proposed list, open for objections from ``starts_on`` to ``ends_on``."""

    __tablename__ = "public_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_cycles.id"), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    cycle: Mapped[SelectionCycle] = relationship()

    def is_open(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def label(self):
        return {ObjectionStatus.OPEN: _l("待处理"), ObjectionStatus.UPHELD: _l("异议成立"),
                ObjectionStatus.DISMISSED: _l("异议不成立")}[self]


class Objection(db.Model):
    """An objection (异议) filed by anyone during a notice, with a dated resolution."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("public_notices.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    contact: Mapped[str] = mapped_column(sa.String(100))
    facts: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=ObjectionStatus.OPEN.value,
                                        index=True)
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notice: Mapped[PublicNotice] = relationship()
    nomination: Mapped[Nomination] = relationship()

    @property
    def status_enum(self) -> ObjectionStatus:
        return ObjectionStatus(self.status)


class CraftsmanTitle(db.Model):
    """A named craftsman: one entry of the public registry (名录), a snapshot at naming."""

    __tablename__ = "craftsman_titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id"), unique=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_cycles.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    #: Sort keys of the name (:mod:`core.collation`), for the registry's order.
    name_pinyin: Mapped[str] = mapped_column(sa.String(collation.KEY_LENGTH), index=True,
                                             default=collation.keys_default("name", "pinyin"))
    name_strokes: Mapped[str] = mapped_column(sa.String(collation.KEY_LENGTH), index=True,
                                              default=collation.keys_default("name", "strokes"))
    title: Mapped[str] = mapped_column(sa.String(50))
    level: Mapped[str] = mapped_column(sa.String(16), index=True)
    year: Mapped[int] = mapped_column(index=True)
    occupation: Mapped[str] = mapped_column(sa.String(64), index=True)
    enterprise_name: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(50), index=True)
    named_on: Mapped[date]
    #: The nomination's ``selection_basis`` on the day of naming.
    selection_basis: Mapped[str] = mapped_column(sa.String(200), default="")
    revoked_on: Mapped[date | None] = mapped_column(index=True)
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")

    nomination: Mapped[Nomination] = relationship()
    cycle: Mapped[SelectionCycle] = relationship()

    __table_args__ = (
        # the registry's order (newest year first, then by name as NAME_ORDER says, see
        # core.collation): its pages read the index instead of sorting the table
        sa.Index("ix_craftsman_titles_listing_pinyin", sa.desc("year"), "name_pinyin", "id",
                 info={DESCENDING: True}),
        sa.Index("ix_craftsman_titles_listing_strokes", sa.desc("year"), "name_strokes", "id",
                 info={DESCENDING: True}),
        # the same order within a district, for the registry filtered by district (and year):
        # its page is the index's first rows and its count the index alone, not every match
        # read from the table and sorted. The level, last, is checked in the index too.
        sa.Index("ix_craftsman_titles_district_listing_pinyin", "district", sa.desc("year"),
                 "name_pinyin", "id", "level", info={DESCENDING: True}),
        sa.Index("ix_craftsman_titles_district_listing_strokes", "district", sa.desc("year"),
                 "name_strokes", "id", "level", info={DESCENDING: True}),
        trigram_index("ix_craftsman_titles_name_trgm", "name"),
        trigram_index("ix_craftsman_titles_enterprise_name_trgm", "enterprise_name"),
        trigram_index("ix_craftsman_titles_occupation_trgm", "occupation"),
    )

    @property
    def level_enum(self) -> CraftsmanLevel:
        return CraftsmanLevel(self.level)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_on is not None


# the talent pool's search of one or two characters by index: see craftsmen.pool_search
pool_search.install(db.metadata, Nomination.__table__)

collation.keep_name_keys(CraftsmanTitle.name)
# a registry search of one or two characters (a surname) by index: see core.search_indexes
add_search_grams(CraftsmanTitle.__table__, "name", "enterprise_name", "occupation")
