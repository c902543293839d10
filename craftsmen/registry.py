"""Read side of the public notice and the registry (名录): the queries behind the public pages
and the administrators' exports. Public queries select only what may be shown to anyone:
names, occupations, enterprises and districts, never ID numbers, phones or attachments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from core import collation
from core.distinct_values import distinct_values
from core.extensions import db
from core.organizations.models import Enterprise, Union
from core.people.models import Worker
from core.public_cache import kept_while_unchanged
from core.search_indexes import contains_text, is_grams_search, matches_first
from craftsmen.models import (
    CraftsmanLevel,
    CraftsmanTitle,
    CycleOccupation,
    CycleStatus,
    Nomination,
    NominationAchievement,
    NominationState,
    Objection,
    ObjectionStatus,
    PublicNotice,
    SelectionCycle,
)

#: Cycles whose notice the public may read: being noticed, or named after it.
PUBLIC_NOTICE_STATUSES = (CycleStatus.NOTICE.value, CycleStatus.CLOSED.value)


# --- Registry --------------------------------------------------------------------------------

@dataclass
class RegistryFilters:
    """What the registry page was asked for; unknown values are ignored, not errors."""

    q: str = ""
    level: str = ""
    year: int | None = None
    occupation: str = ""
    district: str = ""
    status: str = ""  # "" all, "active", "revoked"

    @classmethod
    def from_args(cls, args) -> RegistryFilters:
        level = args.get("level", "")
        status = args.get("status", "")
        return cls(
            q=args.get("q", "").strip()[:50],
            level=level if level in {lv.value for lv in CraftsmanLevel} else "",
            year=args.get("year", type=int),
            occupation=args.get("occupation", "").strip()[:64],
            district=args.get("district", "").strip()[:50],
            status=status if status in ("active", "revoked") else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.level or self.year or self.occupation or self.district
                    or self.status)


def registry_query(filters: RegistryFilters) -> Select:
    """One query over the registry's own snapshot table (plus the cycle's title)."""
    query = select(CraftsmanTitle).options(
        joinedload(CraftsmanTitle.cycle).load_only(SelectionCycle.title))
    t = CraftsmanTitle
    dialect = db.session.get_bind().dialect.name
    conditions = []
    if filters.q:
        conditions.append(contains_text(filters.q, t.name, t.enterprise_name, t.occupation,
                                        dialect=dialect))
    if filters.level:
        conditions.append(t.level == filters.level)
    if filters.year:
        conditions.append(t.year == filters.year)
    if filters.occupation:
        conditions.append(t.occupation == filters.occupation)
    if filters.district:
        conditions.append(t.district == filters.district)
    if filters.status == "active":
        conditions.append(t.revoked_on.is_(None))
    elif filters.status == "revoked":
        conditions.append(t.revoked_on.is_not(None))
    query = query.where(*conditions)
    order = (t.year.desc(), collation.order_by_name(t), t.id)
    if filters.q and is_grams_search(filters.q, dialect):  # a surname: see matches_first
        return matches_first(query, order)
    return query.order_by(*order)


@dataclass(frozen=True)
class FilterOptions:
    years: list[int]
    occupations: list[str]
    districts: list[str]


def filter_options() -> FilterOptions:
    """The values the registry's filters offer, read from the columns' indexes (a probe per
    distinct value), not by sorting the whole table on every view, and kept until the registry
    changes."""
    return kept_while_unchanged("craftsmen.registry.filter_options", ("craftsmen",), _read_filter_options)


def _read_filter_options() -> FilterOptions:
    t = CraftsmanTitle
    return FilterOptions(years=sorted(distinct_values(t.year), reverse=True),
                         occupations=sorted(distinct_values(t.occupation)),
                         districts=sorted(distinct_values(t.district, t.district != "")))


def publishable_achievements(title: CraftsmanTitle) -> list[NominationAchievement]:
    """The achievements approved for publication, without their evidence files."""
    return list(db.session.scalars(
        select(NominationAchievement)
        .where(NominationAchievement.nomination_id == title.nomination_id,
               NominationAchievement.publishable.is_(True))
        .order_by(NominationAchievement.achieved_on.desc(), NominationAchievement.id)))


# --- Public notice ---------------------------------------------------------------------------

def public_notices_query() -> Select:
    return (select(PublicNotice).join(PublicNotice.cycle)
            .options(joinedload(PublicNotice.cycle))
            .where(SelectionCycle.status.in_(PUBLIC_NOTICE_STATUSES))
            .order_by(PublicNotice.starts_on.desc(), PublicNotice.id.desc()))


@dataclass(frozen=True)
class Nominee:
    """One line of a public notice: nothing but what the notice publishes."""

    nomination_id: int
    name: str
    occupation: str
    enterprise: str
    selection_basis: str = ""  # how the nominee was selected (竞赛选拔·终极挑战赛第 1 名, ...)


def notice_nominees(notice: PublicNotice) -> list[Nominee]:
    """Nominees on the notice: those proposed while it runs, those named once it is over."""
    if notice.cycle.status == CycleStatus.CLOSED:
        states = (NominationState.NAMED.value, NominationState.REVOKED.value)
    else:
        states = (NominationState.PROPOSED.value,)
    rows = db.session.execute(
        select(Nomination.id, Worker.name, CycleOccupation.name, Enterprise.name, Nomination.selection_basis)
        .join(Worker, Worker.id == Nomination.worker_id)
        .join(CycleOccupation, CycleOccupation.id == Nomination.occupation_id)
        .join(Enterprise, Enterprise.id == Nomination.enterprise_id)
        .where(Nomination.cycle_id == notice.cycle_id, Nomination.state.in_(states))
        .order_by(CycleOccupation.id, Nomination.rank, Worker.name, Nomination.id)).all()
    return [Nominee(*row) for row in rows]


def objections_query(notice: PublicNotice, status: str = "") -> Select:
    query = (select(Objection).where(Objection.notice_id == notice.id)
             .options(joinedload(Objection.nomination).joinedload(Nomination.worker),
                      joinedload(Objection.nomination).joinedload(Nomination.occupation)))
    if status in {s.value for s in ObjectionStatus}:
        query = query.where(Objection.status == status)
    return query.order_by(Objection.created_at, Objection.id)


def objection_counts(notice_ids) -> dict[int, dict[str, int]]:
    """{notice id: {status: count}} for the given notices."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if notice_ids:
        for notice_id, status, n in db.session.execute(
                select(Objection.notice_id, Objection.status, func.count())
                .where(Objection.notice_id.in_(list(notice_ids)))
                .group_by(Objection.notice_id, Objection.status)):
            counts[notice_id][status] = n
    return counts


# --- Administrators' overview and exports ----------------------------------------------------

def publication_cycles() -> list[SelectionCycle]:
    """Cycles that have reached review or later, newest first."""
    return list(db.session.scalars(
        select(SelectionCycle)
        .where(SelectionCycle.status.in_((CycleStatus.REVIEWING.value, CycleStatus.NOTICE.value,
                                          CycleStatus.CLOSED.value)))
        .order_by(SelectionCycle.year.desc(), SelectionCycle.id.desc())))


def notices_by_cycle(cycle_ids) -> dict[int, PublicNotice]:
    if not cycle_ids:
        return {}
    return {n.cycle_id: n for n in db.session.scalars(
        select(PublicNotice).where(PublicNotice.cycle_id.in_(list(cycle_ids))))}


def proposed_by_occupation(cycle: SelectionCycle) -> list[tuple[str, int, int]]:
    """(occupation, quota, proposed) for each occupation of ``cycle``."""
    counts = dict(db.session.execute(
        select(Nomination.occupation_id, func.count())
        .where(Nomination.cycle_id == cycle.id, Nomination.state == NominationState.PROPOSED.value)
        .group_by(Nomination.occupation_id)).all())
    return [(o.name, o.quota, counts.get(o.id, 0)) for o in cycle.occupations]


def all_titles() -> list[CraftsmanTitle]:
    return list(db.session.scalars(registry_query(RegistryFilters())))


@dataclass(frozen=True)
class ResultRow:
    nomination: Nomination
    worker_name: str
    occupation: str
    enterprise: str
    district: str
    objections: dict[str, int]


def cycle_results(cycle: SelectionCycle) -> list[ResultRow]:
    """Every nomination of ``cycle`` past the draft stage, by occupation and rank."""
    rows = db.session.execute(
        select(Nomination, Worker.name, CycleOccupation.name, Enterprise.name, Union.name)
        .join(Worker, Worker.id == Nomination.worker_id)
        .join(CycleOccupation, CycleOccupation.id == Nomination.occupation_id)
        .join(Enterprise, Enterprise.id == Nomination.enterprise_id)
        .outerjoin(Union, Union.id == Enterprise.district_union_id)
        .where(Nomination.cycle_id == cycle.id, Nomination.state != NominationState.DRAFT.value)
        .order_by(CycleOccupation.id, Nomination.rank.is_(None), Nomination.rank,
                  Nomination.aggregate_score.desc(), Worker.name, Nomination.id)).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for nomination_id, status, n in db.session.execute(
            select(Objection.nomination_id, Objection.status, func.count())
            .join(Nomination, Nomination.id == Objection.nomination_id)
            .where(Nomination.cycle_id == cycle.id)
            .group_by(Objection.nomination_id, Objection.status)):
        counts[nomination_id][status] = n
    return [ResultRow(n, worker, occupation, enterprise, district or "", counts.get(n.id, {}))
            for n, worker, occupation, enterprise, district in rows]


def held_levels(worker_id: int) -> tuple[str, ...]:
    """The levels of the registry titles (not revoked) the worker holds, for the eligibility rule
    excluding holders of a title of the same or a higher level."""
    return tuple(db.session.scalars(select(CraftsmanTitle.level).where(
        CraftsmanTitle.worker_id == worker_id, CraftsmanTitle.revoked_on.is_(None))))


def current_titles_of_workers(worker_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    """The registry titles (not revoked) each worker holds, newest first: ``(title, url of its
    registry page)``; for other features (e.g. a studio leader's distinctions). One query per
    thousand workers; the url is None outside a request."""
    from flask import has_request_context, url_for

    found: dict[int, list[tuple[str, str | None]]] = {}
    for start in range(0, len(worker_ids), 1000):
        rows = db.session.execute(
            select(CraftsmanTitle.worker_id, CraftsmanTitle.title, CraftsmanTitle.id)
            .where(CraftsmanTitle.worker_id.in_(worker_ids[start:start + 1000]),
                   CraftsmanTitle.revoked_on.is_(None))
            .order_by(CraftsmanTitle.named_on.desc(), CraftsmanTitle.id.desc()))
        for worker_id, title, title_id in rows:
            url = url_for("craftsmen_public.title_detail", title_id=title_id) if has_request_context() else None
            found.setdefault(worker_id, []).append((title, url))
    return found
