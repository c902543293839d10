"""Skills competitions: the whole data model, from the competition down to appeals.

A **competition** (职工职业技能大赛) has **events** (赛项), one per occupation. Each event has a
marking scheme (modules → criteria → aspects), contestants known to judges only by a blind
number (加密号), judges (one of them the chief judge, 裁判长), marks, discrepancies resolved by
the chief judge, a recheck after lock, post-lock mark changes, results and appeals.

Rules that vary between events are data on :class:`Event` (theory cap, award ratios,
tie-break order, recheck sample, appeal window), never code. Marks, weights and ratios are
``Numeric`` (``Decimal`` in Python), never float. Timestamps are naive UTC.

Anonymity: a contestant's blind number and station are drawn at check-in from a random
source, so they reveal nothing about registration order. Who may see names, blind numbers,
and the key linking the two is decided in :mod:`competitions.rules`; views show names to
judges only after the event is locked.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competitions.scoring import DEFAULT_TIE_BREAK, AspectKind, ModuleKind
from core.extensions import db
from core.timeutil import utcnow

# --------------------------------------------------------------------------------------
# Enumerations (stored by value)
# --------------------------------------------------------------------------------------


class EventState(StrEnum):
    """An event's phase; the allowed moves are in :mod:`competitions.states`."""

    DRAFT = "draft"
    REGISTRATION = "registration"
    CHECK_IN = "check_in"
    SCORING = "scoring"
    LOCKED = "locked"
    RECHECKED = "rechecked"
    PUBLISHED = "published"

    @property
    def label(self):
        return EVENT_STATE_LABELS[self]


EVENT_STATE_LABELS = {
    EventState.DRAFT: _l("筹备中"),
    EventState.REGISTRATION: _l("报名中"),
    EventState.CHECK_IN: _l("检录中"),
    EventState.SCORING: _l("评分中"),
    EventState.LOCKED: _l("成绩已锁定"),
    EventState.RECHECKED: _l("复核完成"),
    EventState.PUBLISHED: _l("成绩已公布"),
}


#: Module and aspect kinds are those of the arithmetic (:mod:`competitions.scoring`); these
#: are their labels.
MODULE_KIND_LABELS = {ModuleKind.THEORY: _l("理论"), ModuleKind.PRACTICAL: _l("实操"),
                      ModuleKind.ORAL: _l("答辩")}
ASPECT_KIND_LABELS = {AspectKind.MEASUREMENT: _l("测量"), AspectKind.JUDGEMENT: _l("评价")}


class ContestantStatus(StrEnum):
    REGISTERED = "registered"
    CHECKED_IN = "checked_in"
    ABSENT = "absent"              # 缺考: never turned up
    ABANDONED = "abandoned"        # 弃赛: started, then gave up
    WITHDRAWN = "withdrawn"        # registration withdrawn
    DISQUALIFIED = "disqualified"  # 取消资格

    @property
    def label(self):
        return {ContestantStatus.REGISTERED: _l("已报名"), ContestantStatus.CHECKED_IN: _l("已检录"),
                ContestantStatus.ABSENT: _l("缺考"), ContestantStatus.ABANDONED: _l("弃赛"),
                ContestantStatus.WITHDRAWN: _l("已退赛"),
                ContestantStatus.DISQUALIFIED: _l("取消资格")}[self]

    @property
    def is_out(self) -> bool:
        """Out of the competition: off the sheets, the lock checks and the ranking."""
        return self not in (ContestantStatus.REGISTERED, ContestantStatus.CHECKED_IN)


class RegistrationSource(StrEnum):
    ENTERPRISE = "enterprise"  # the enterprise union registered its own worker
    IMPORT = "import"          # an administrator imported the row from Excel


class DiscrepancyKind(StrEnum):
    JUDGEMENT_SPREAD = "judgement_spread"        # judgement marks more than the allowed spread apart
    DOUBLE_ENTRY = "double_entry"                # the two entries of a measurement disagree
    OUTLIER = "outlier"                          # a continuous mark far from the others

    @property
    def label(self):
        return {DiscrepancyKind.JUDGEMENT_SPREAD: _l("评价分差过大"),
                DiscrepancyKind.DOUBLE_ENTRY: _l("两次录入不一致"),
                DiscrepancyKind.OUTLIER: _l("偏离均值过大")}[self]


class DiscrepancyResolution(StrEnum):
    RESCORED = "rescored"
    CONFIRMED = "confirmed"

    @property
    def label(self):
        return {DiscrepancyResolution.RESCORED: _l("重新评分"),
                DiscrepancyResolution.CONFIRMED: _l("确认原分")}[self]


class RecheckReason(StrEnum):
    TOP = "top"          # every one of the top finishers
    SAMPLE = "sample"    # the random sample of the rest
    FULL = "full"        # everyone, because too many sampled results were wrong

    @property
    def label(self):
        return {RecheckReason.TOP: _l("前列必查"), RecheckReason.SAMPLE: _l("抽查"),
                RecheckReason.FULL: _l("全面复核")}[self]


class RecheckOutcome(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"

    @property
    def label(self):
        return {RecheckOutcome.CORRECT: _l("无误"), RecheckOutcome.WRONG: _l("有误")}[self]


class MarkChangeSource(StrEnum):
    RECHECK = "recheck"
    APPEAL = "appeal"
    CHIEF_JUDGE = "chief_judge"


class Award(StrEnum):
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"

    @property
    def label(self):
        return {Award.FIRST: _l("一等奖"), Award.SECOND: _l("二等奖"), Award.THIRD: _l("三等奖")}[self]


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def label(self):
        return {AppealStatus.OPEN: _l("待仲裁"), AppealStatus.UPHELD: _l("申诉成立"),
                AppealStatus.DISMISSED: _l("申诉驳回")}[self]



# --------------------------------------------------------------------------------------
# Competitions and events
# --------------------------------------------------------------------------------------


class Competition(db.Model):
    """A competition (e.g. 2026年北京市职工职业技能大赛) with its events."""

    __tablename__ = "competitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100), unique=True)
    year: Mapped[int] = mapped_column(index=True)
    organizer: Mapped[str] = mapped_column(sa.String(100), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    events: Mapped[list[Event]] = relationship(
        back_populates="competition", order_by="Event.id")
    arbitrators: Mapped[list[ArbitrationMember]] = relationship(
        back_populates="competition", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


class ArbitrationMember(db.Model):
    """A member of the competition's arbitration group (仲裁组), which rules on appeals."""

    __tablename__ = "arbitration_members"

    competition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    is_head: Mapped[bool] = mapped_column(default=False)

    competition: Mapped[Competition] = relationship(back_populates="arbitrators")
    user = relationship("User")


class EventArbitrator(db.Model):
    """A member of an event's own arbitration group. An event with such a group (e.g. a
    craftsman selection's qualifier or final, ruled by the occupation's 专家仲裁组) has its
    appeals ruled by these members only, not by the competition's group or administrators."""

    __tablename__ = "event_arbitrators"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competition_events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)

    user = relationship("User")


class Event(db.Model):
    """An event (赛项) of a competition: one occupation, with its rules as data."""

    __tablename__ = "competition_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competitions.id"), index=True)
    occupation: Mapped[str] = mapped_column(sa.String(64))
    occupation_code: Mapped[str] = mapped_column(sa.String(16), default="")
    venue: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date]
    registration_opens: Mapped[datetime]
    registration_closes: Mapped[datetime]
    state: Mapped[str] = mapped_column(sa.String(16), default=EventState.DRAFT.value, index=True)

    # Eligibility (None: no limit) and the quota of contestants per enterprise.
    min_skill_level: Mapped[str | None] = mapped_column(sa.String(16))
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    quota_per_enterprise: Mapped[int] = mapped_column(default=2)

    # Marking scheme: frozen when scoring starts; theory modules together at most this weight.
    theory_weight_cap: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(30))
    scheme_frozen: Mapped[bool] = mapped_column(default=False)
    scheme_frozen_at: Mapped[datetime | None]
    #: Touched by every scheme change, so that two concurrent edits cannot both pass the
    #: weight checks (the event's version changes with it).
    scheme_updated_at: Mapped[datetime | None]

    # Scoring rules.
    min_judgement_judges: Mapped[int] = mapped_column(default=3)
    #: Judgement marks further apart than this (on the 0-3 scale) are flagged.
    judgement_max_spread: Mapped[int] = mapped_column(default=1)
    #: Measurement aspects are entered twice (entry 1 and 2) and must agree.
    double_entry_measurement: Mapped[bool] = mapped_column(default=False)

    # Ranking and awards: percentages of the ranked contestants.
    first_prize_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(10))
    second_prize_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(20))
    third_prize_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(30))
    #: Module kinds compared in order (higher first) to break a tie on the total; an empty
    #: list, or a tie that survives every key, gives a shared place.
    tie_break_kinds: Mapped[list] = mapped_column(sa.JSON, default=lambda: list(DEFAULT_TIE_BREAK))
    #: Honors: the top N may be recommended for skill-level promotion / a title (None: none).
    promotion_top_n: Mapped[int | None]
    title_top_n: Mapped[int | None]
    #: Standardised score: the median contestant gets ``standard_centre``; ``standard_spread``
    #: is the number of points per standard deviation.
    standard_centre: Mapped[int] = mapped_column(default=700)
    standard_spread: Mapped[int] = mapped_column(default=100)

    # Lock and recheck: the top N all, a sample of the rest; a full recheck above the error rate.
    recheck_top_n: Mapped[int] = mapped_column(default=10)
    recheck_sample_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(15))
    full_recheck_error_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(5))
    full_recheck_required: Mapped[bool] = mapped_column(default=False)

    #: Appeals may be filed for this many minutes after publication.
    appeal_window_minutes: Mapped[int] = mapped_column(default=120)

    lots_drawn_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rechecked_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    competition: Mapped[Competition] = relationship(back_populates="events")
    modules: Mapped[list[SchemeModule]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(SchemeModule.position, SchemeModule.id)")
    locked_by = relationship("User", foreign_keys=[locked_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("competition_id", "occupation", name="uq_competition_events_occupation"),
        sa.CheckConstraint("quota_per_enterprise >= 1", name="quota_positive"),
        sa.CheckConstraint("theory_weight_cap >= 0 AND theory_weight_cap <= 30", name="theory_cap"),
        sa.CheckConstraint("appeal_window_minutes >= 0", name="appeal_window"),
    )

    def __str__(self) -> str:
        return f"{self.competition.title} · {self.occupation}" if self.competition else self.occupation

    @property
    def state_enum(self) -> EventState:
        return EventState(self.state)

    def registration_open(self, now: datetime) -> bool:
        return (self.state == EventState.REGISTRATION
                and self.registration_opens <= now <= self.registration_closes)

    def aspects(self) -> list[SchemeAspect]:
        """Every aspect of the scheme in display order."""
        return [a for m in self.modules for c in m.criteria for a in c.aspects]

    @property
    def total_weight(self) -> Decimal:
        return sum((m.weight for m in self.modules), Decimal(0))

    @property
    def theory_weight(self) -> Decimal:
        return sum((m.weight for m in self.modules if m.kind == ModuleKind.THEORY), Decimal(0))

    @property
    def award_ratios(self) -> tuple[Decimal, Decimal, Decimal]:
        """First, second and third prize as shares (0.10, not 10), as the arithmetic takes them."""
        return tuple(p / 100 for p in (self.first_prize_percent, self.second_prize_percent,
                                       self.third_prize_percent))


# --------------------------------------------------------------------------------------
# Marking scheme
# --------------------------------------------------------------------------------------


class SchemeModule(db.Model):
    """A module of an event's marking scheme (e.g. 理论知识, 技能操作, 答辩); weights of an
    event's modules add up to 100."""

    __tablename__ = "scheme_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))

    event: Mapped[Event] = relationship(back_populates="modules")
    criteria: Mapped[list[SchemeCriterion]] = relationship(
        back_populates="module", cascade="all, delete-orphan",
        order_by="(SchemeCriterion.position, SchemeCriterion.id)")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "name", name="uq_scheme_modules_name"),
        sa.CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
    )

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self):
        return MODULE_KIND_LABELS[ModuleKind(self.kind)]

    def aspects(self) -> list[SchemeAspect]:
        return [a for c in self.criteria for a in c.aspects]

    @property
    def max_total(self) -> Decimal:
        """The sum of the aspects' maxima: the module's raw marks are scaled from this to
        its weight."""
        return sum((a.max_mark for a in self.aspects()), Decimal(0))


class SchemeCriterion(db.Model):
    """A criterion within a module (评分项), grouping aspects."""

    __tablename__ = "scheme_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("scheme_modules.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(100))

    module: Mapped[SchemeModule] = relationship(back_populates="criteria")
    aspects: Mapped[list[SchemeAspect]] = relationship(
        back_populates="criterion", cascade="all, delete-orphan",
        order_by="(SchemeAspect.position, SchemeAspect.id)")

    __table_args__ = (sa.UniqueConstraint("module_id", "name", name="uq_scheme_criteria_name"),)

    def __str__(self) -> str:
        return self.name


class SchemeAspect(db.Model):
    """An aspect (评分细项): what one mark is given for."""

    __tablename__ = "scheme_aspects"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheme_criteria.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16))
    max_mark: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    #: Measurement only: marks are multiples of the step (None: any mark with two decimals).
    step: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    #: Measurement only: the unit the aspect is measured in (mm, s, 个); "" when not stated.
    unit: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")

    criterion: Mapped[SchemeCriterion] = relationship(back_populates="aspects")

    __table_args__ = (
        sa.UniqueConstraint("criterion_id", "name", name="uq_scheme_aspects_name"),
        sa.CheckConstraint("max_mark > 0", name="max_positive"),
        sa.CheckConstraint("step IS NULL OR (step > 0 AND kind = 'measurement')", name="step_kind"),
    )

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self):
        return ASPECT_KIND_LABELS[AspectKind(self.kind)]

    @property
    def is_judgement(self) -> bool:
        return self.kind == AspectKind.JUDGEMENT

    @property
    def label(self) -> str:
        """The name with the measurement unit where there is one: 尺寸精度（mm）."""
        return f"{self.name}（{self.unit}）" if self.unit else self.name


# --------------------------------------------------------------------------------------
# Contestants and judges
# --------------------------------------------------------------------------------------


class Contestant(db.Model):
    """A worker registered for an event by their enterprise (or imported by an administrator).

    ``blind_number`` and ``station`` are drawn at check-in. Judges and scoring screens show
    only the blind number; who stands behind it is shown as :mod:`competitions.rules` allows.
    """

    __tablename__ = "contestants"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    #: The enterprise at registration (the quota counts against it; recusal compares with it).
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ContestantStatus.REGISTERED.value)
    source: Mapped[str] = mapped_column(sa.String(16), default=RegistrationSource.ENTERPRISE.value)
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    station: Mapped[str | None] = mapped_column(sa.String(16))
    blind_number: Mapped[str | None] = mapped_column(sa.String(16))
    checked_in_at: Mapped[datetime | None]
    #: Why the contestant is out (缺考, 弃赛, 取消资格, a withdrawal after the draw), who said so, when.
    status_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status_changed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    event: Mapped[Event] = relationship()
    worker = relationship("Worker")
    enterprise = relationship("Enterprise")
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    status_changed_by = relationship("User", foreign_keys=[status_changed_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("event_id", "worker_id", name="uq_contestants_worker"),
        sa.UniqueConstraint("event_id", "blind_number", name="uq_contestants_blind_number"),
        sa.UniqueConstraint("event_id", "station", name="uq_contestants_station"),
    )

    def __str__(self) -> str:
        # Deliberately the blind number, never the name: str() ends up in logs and audit labels.
        return self.blind_number or f"#{self.id}"

    @property
    def status_enum(self) -> ContestantStatus:
        return ContestantStatus(self.status)


class JudgeAssignment(db.Model):
    """A judge of an event; at most one per event is the chief judge (裁判长)."""

    __tablename__ = "judge_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    is_chief: Mapped[bool] = mapped_column(default=False)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    conflicts: Mapped[list[JudgeConflict]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id", name="uq_judge_assignments_judge"),
        sa.Index("uq_judge_assignments_chief", "event_id", unique=True,
                 sqlite_where=sa.text("is_chief"), postgresql_where=sa.text("is_chief")),
    )


class ConflictState(StrEnum):
    """A declared conflict counts once accepted. Before the draw a declaration is accepted at
    once; after it, it waits for the chief judge, so that a judge cannot learn which blind
    numbers belong to an enterprise by declaring a conflict with it."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"

    @property
    def label(self):
        return {ConflictState.PENDING: _l("待裁判长处理"), ConflictState.ACCEPTED: _l("已回避"),
                ConflictState.DISMISSED: _l("未予回避")}[self]


class JudgeConflict(db.Model):
    """A conflict a judge declared (or an administrator recorded) against one contestant or a
    whole enterprise. Recusal from the judge's own enterprise (``User.employer_id``) is
    automatic and needs no row."""

    __tablename__ = "judge_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("judge_assignments.id", ondelete="CASCADE"), index=True)
    contestant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contestants.id"))
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(16), default=ConflictState.ACCEPTED.value)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")

    assignment: Mapped[JudgeAssignment] = relationship(back_populates="conflicts")

    @property
    def state_enum(self) -> ConflictState:
        return ConflictState(self.state)

    @property
    def in_force(self) -> bool:
        return self.state == ConflictState.ACCEPTED

    __table_args__ = (
        sa.CheckConstraint("(contestant_id IS NULL) <> (enterprise_id IS NULL)", name="one_target"),
    )


# --------------------------------------------------------------------------------------
# Marks, sheets, discrepancies
# --------------------------------------------------------------------------------------


class Mark(db.Model):
    """One judge's mark for one aspect and one contestant: a measurement mark, or a judgement
    score 0-3. Saved as the judge types; ``client_key`` makes a repeated save harmless."""

    __tablename__ = "marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: (An event's marks are found through ix_marks_event_marks, below.)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"))
    aspect_id: Mapped[int] = mapped_column(sa.ForeignKey("scheme_aspects.id"), index=True)
    contestant_id: Mapped[int] = mapped_column(sa.ForeignKey("contestants.id"), index=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: 1, or 2 for the second entry of a double-entered measurement.
    entry: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    client_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    aspect: Mapped[SchemeAspect] = relationship()
    contestant: Mapped[Contestant] = relationship()
    judge = relationship("User")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("aspect_id", "contestant_id", "judge_id", "entry", name="uq_marks_entry"),
        # An event's marks in the order results group them, with every column results and
        # judge analytics read: both are read from the index alone, without a sort.
        sa.Index("ix_marks_event_marks", "event_id", "contestant_id", "aspect_id", "judge_id", "entry", "value"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
        sa.CheckConstraint("entry IN (1, 2)", name="entry_number"),
    )


class JudgeSheetSubmission(db.Model):
    """A judge's submitted sheet for one module: after this the judge's marks of the module
    are read-only, and the judge may see the other judges' marks."""

    __tablename__ = "judge_sheet_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("scheme_modules.id"))
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the chief judge reopens the sheet for re-scoring (the row is then removed
    #: on resubmission or kept with this reason, as the scoring session decides).
    reopened_reason: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.UniqueConstraint("event_id", "module_id", "judge_id", name="uq_judge_sheet_submissions_sheet"),
    )


class Discrepancy(db.Model):
    """A disagreement between marks on one aspect of one contestant, for the chief judge."""

    __tablename__ = "discrepancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    aspect_id: Mapped[int] = mapped_column(sa.ForeignKey("scheme_aspects.id"))
    contestant_id: Mapped[int] = mapped_column(sa.ForeignKey("contestants.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    #: The marks as they stood when flagged: {"judge id/entry": "mark"}.
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str | None] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]

    aspect: Mapped[SchemeAspect] = relationship()
    contestant: Mapped[Contestant] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("aspect_id", "contestant_id", name="uq_discrepancies_mark"),
    )

    @property
    def is_resolved(self) -> bool:
        return self.resolution is not None


# --------------------------------------------------------------------------------------
# After lock: recheck, changes, results, appeals
# --------------------------------------------------------------------------------------


class RecheckItem(db.Model):
    """A contestant's result on the recheck list, and what the recheck found."""

    __tablename__ = "recheck_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    contestant_id: Mapped[int] = mapped_column(sa.ForeignKey("contestants.id"))
    reason: Mapped[str] = mapped_column(sa.String(16))
    selected_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    checked_at: Mapped[datetime | None]

    contestant: Mapped[Contestant] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "contestant_id", name="uq_recheck_items_contestant"),)


class MarkChange(db.Model):
    """A change to a mark after lock: approved by the chief judge, with a reason. Append-only."""

    __tablename__ = "mark_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    mark_id: Mapped[int] = mapped_column(sa.ForeignKey("marks.id"), index=True)
    old_value: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    new_value: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    reason: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(16), default=MarkChangeSource.CHIEF_JUDGE.value)
    appeal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appeals.id"))
    recheck_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recheck_items.id"))
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    approved_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mark: Mapped[Mark] = relationship()
    changed_by = relationship("User", foreign_keys=[changed_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])


class Result(db.Model):
    """A contestant's result: raw total and module totals kept, the rest derived from them."""

    __tablename__ = "competition_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    contestant_id: Mapped[int] = mapped_column(sa.ForeignKey("contestants.id"), unique=True)
    total: Mapped[Decimal] = mapped_column(sa.Numeric(9, 4))
    #: {module id (as text): weighted module mark (as text)} for tie-breaks and display.
    module_totals: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    rank: Mapped[int | None]
    #: True when the rank is shared with another contestant (a tie no key could break).
    rank_shared: Mapped[bool] = mapped_column(default=False)
    standardised: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    award: Mapped[str | None] = mapped_column(sa.String(16))
    recommend_promotion: Mapped[bool] = mapped_column(default=False)
    recommend_title: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    contestant: Mapped[Contestant] = relationship()

    @property
    def award_enum(self) -> Award | None:
        return Award(self.award) if self.award else None


class Appeal(db.Model):
    """An appeal (申诉) filed by a contestant's enterprise within the window after publication;
    the arbitration group's ruling is final. Corrected marks are :class:`MarkChange` rows
    pointing here."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_events.id"), index=True)
    contestant_id: Mapped[int] = mapped_column(sa.ForeignKey("contestants.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"))
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default=AppealStatus.OPEN.value, index=True)
    ruling: Mapped[str] = mapped_column(sa.Text, default="")
    #: The contestant's total after an upheld ruling's corrections (None: unchanged).
    corrected_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
    ruled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ruled_at: Mapped[datetime | None]

    contestant: Mapped[Contestant] = relationship()
    enterprise = relationship("Enterprise")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    ruled_by = relationship("User", foreign_keys=[ruled_by_id])

    @property
    def status_enum(self) -> AppealStatus:
        return AppealStatus(self.status)
