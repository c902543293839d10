"""The competition road's records: the route's settings per occupation, seed players,
challengers and the occupation's arbitration group."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow


class OccupationRoute(db.Model):
    """How a competition-route occupation runs: weights, who advances, the minimum, and its
    two events once created."""

    __tablename__ = "occupation_routes"

    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycle_occupations.id", ondelete="CASCADE"), primary_key=True)
    #: Combined route only: the final's and the panel's weights (they add up to 100).
    competition_weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(100))
    panel_weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    #: The best ``advance_top_n`` challengers of the qualifier with at least
    #: ``advance_min_score`` (None: no minimum) go to the final.
    advance_top_n: Mapped[int] = mapped_column(default=6)
    advance_min_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: The stated minimum score (on the route's 0-100 scale) for the proposed list.
    list_min_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    #: Challengers may be registered until this moment (naive UTC).
    challenger_deadline: Mapped[datetime | None]
    qualifier_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competition_events.id"))
    final_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competition_events.id"))
    #: When the challengers who took part entered the talent pool and the best advanced.
    advanced_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    occupation = relationship("CycleOccupation")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("competition_weight + panel_weight = 100", name="weights_sum"),
        sa.CheckConstraint("advance_top_n >= 1", name="advance_positive"),
    )

    @property
    def started(self) -> bool:
        """The route's first stage has started: seed players chosen or the qualifier created."""
        return self.qualifier_event_id is not None or self.final_event_id is not None


class SeedPlayer(db.Model):
    """A qualified nominee the expert committee sent straight to the final, with its reason
    (recorded when a majority of the committee supports them, see :mod:`.committee`)."""

    __tablename__ = "seed_players"

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycle_occupations.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    chosen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)

    nomination = relationship("Nomination")


class SeedVote(db.Model):
    """One member of the occupation's seed-selection committee supporting a qualified nominee
    as a seed player. The first supporter states the reason; a nominee supported by more than
    half of the members who may vote on them (not from their enterprise) becomes a seed player."""

    __tablename__ = "seed_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycle_occupations.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nominations.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    __table_args__ = (sa.UniqueConstraint("nomination_id", "user_id", name="uq_seed_votes_member"),)


class Challenger(db.Model):
    """A worker registered for an occupation's qualifier without a nomination.

    Once the qualifier's results are published, a challenger who took part gets a nomination
    in the talent pool (``nomination_id``) with their qualifier result; the best advance.
    """

    __tablename__ = "challengers"

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycle_occupations.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    contestant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contestants.id"))
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    qualifier_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
    qualifier_rank: Mapped[int | None]
    advanced: Mapped[bool] = mapped_column(default=False)
    nomination_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nominations.id"))

    worker = relationship("Worker")
    enterprise = relationship("Enterprise")
    nomination = relationship("Nomination")

    __table_args__ = (sa.UniqueConstraint("occupation_id", "worker_id", name="uq_challengers_worker"),)


class OccupationArbitrator(db.Model):
    """A named expert of an occupation's arbitration group (专家仲裁组)."""

    __tablename__ = "occupation_arbitrators"

    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycle_occupations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)

    user = relationship("User")
