"""Read queries of craftsman selection's pages, kept apart from the views.

Each function builds or runs one query for a page; the views only read the request, call
these and render. Who may see what is decided by :mod:`craftsmen.rules` (its SQL filters).
"""

from __future__ import annotations

from sqlalchemy import Select, null, or_, select, true
from sqlalchemy.orm import joinedload

from core.audit.models import AuditEntry
from core.extensions import db
from core.organizations import services as org_services
from core.organizations.models import Enterprise, Union, UnionKind
from core.pagination import PAGE_KEYS
from core.people.models import Worker
from core.search_indexes import has_gram, is_grams_search
from craftsmen import rules
from craftsmen.models import CycleOccupation, Nomination, NominationState, SelectionCycle
from craftsmen.states import TALENT_POOL_STATE_VALUES


def cycles_newest_first() -> list[SelectionCycle]:
    """Every cycle, for the pages' cycle filter."""
    return list(db.session.scalars(select(SelectionCycle).order_by(SelectionCycle.id.desc())))


def nomination_history(nomination: Nomination, actions) -> list[AuditEntry]:
    """The audit entries of ``nomination`` among ``actions``, oldest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "Nomination",
                                 AuditEntry.target_id == nomination.id,
                                 AuditEntry.action.in_(list(actions)))
        .order_by(AuditEntry.id)))


def visible_nominations(user, *, cycle_id: int | None = None, state: str = "", q: str = "",
                        include_drafts: bool = True) -> Select:
    """The nominations ``user`` may see, filtered by cycle, state and a worker's or
    enterprise's name (unordered: each page orders its own way)."""
    query = (select(Nomination).join(Enterprise, Enterprise.id == Nomination.enterprise_id)
             .join(Worker, Worker.id == Nomination.worker_id))
    if not include_drafts:
        query = query.where(Nomination.state != NominationState.DRAFT.value)
    condition = rules.visible_nominations_filter(user, Nomination, Enterprise)
    if condition is not None:
        query = query.where(condition)
    if cycle_id:
        query = query.where(Nomination.cycle_id == cycle_id)
    if state in {s.value for s in NominationState}:
        query = query.where(Nomination.state == state)
    if q:
        query = query.where(or_(Worker.name.like(f"%{q}%"), Enterprise.name.like(f"%{q}%")))
    return query


def own_workers(enterprise: Enterprise, q: str = "") -> Select:
    """The enterprise's workers by name, narrowed by name or occupation."""
    query = select(Worker).where(Worker.enterprise_id == enterprise.id)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Worker.name.like(like), Worker.occupation.like(like)))
    return query.order_by(Worker.name, Worker.id)


def nominations_of_workers(cycle: SelectionCycle, worker_ids) -> dict[int, Nomination]:
    """The cycle's nominations of the given workers, by worker id."""
    return {n.worker_id: n for n in db.session.scalars(select(Nomination).where(
        Nomination.cycle_id == cycle.id, Nomination.worker_id.in_(list(worker_ids))))}


def union_names(enterprise: Enterprise) -> dict[int, str]:
    """The names of the enterprise's district and industry unions, by id."""
    return {u.id: u.name for u in db.session.scalars(
        select(Union).where(Union.id.in_(list(enterprise.union_ids()))))}


def nominations_of_worker(worker_id: int) -> list[Nomination]:
    """A worker's own nominations, newest cycle first."""
    return list(db.session.scalars(
        select(Nomination).where(Nomination.worker_id == worker_id)
        .order_by(Nomination.cycle_id.desc(), Nomination.id.desc())))


def talent_pool(user, *, cycle_id: int | None = None, occupation: str = "", district_id: int | None = None,
                q: str = "") -> Select:
    """The qualified nominees ``user`` may see, filtered by cycle, occupation name, district and
    a worker's, enterprise's or occupation's name; newest cycle first, then its occupations in
    the cycle's own order, with each row's worker, occupation and enterprise.

    Filters on other tables are semi-joins (``enterprise_id IN (...)``), not joins: the page and
    its bounded count then walk the pool's listing index alone, without probing three tables
    for every row counted; the order is the (cycle_id DESC, occupation_id, qualified_at, id)
    index's, not sorted per view. A search of one or two characters on PostgreSQL is answered
    from the nominations' grams index, its matches' keys taken first
    (:func:`core.search_indexes.matches_first`).
    """
    query = select(Nomination).where(Nomination.state.in_(TALENT_POOL_STATE_VALUES))
    condition = rules.talent_pool_filter(user, Enterprise)
    if condition is not None:
        query = query.where(Nomination.enterprise_id.in_(select(Enterprise.id).where(condition)))
    if cycle_id:
        query = query.where(Nomination.cycle_id == cycle_id)
    if occupation:
        query = query.where(Nomination.occupation_id.in_(
            select(CycleOccupation.id).where(CycleOccupation.name == occupation)))
    if district_id:
        query = query.where(Nomination.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.district_union_id == district_id)))
    short_search = is_grams_search(q, db.session.get_bind().dialect.name)
    if short_search:  # a nominee's, enterprise's or occupation's name: see craftsmen.pool_search
        query = query.where(has_gram(Nomination.__table__, q))
    elif q:
        query = query.join(Worker, Worker.id == Nomination.worker_id).where(or_(
            Worker.name.contains(q, autoescape=True),
            Nomination.enterprise_id.in_(org_services.enterprise_ids_named_like(q)),
            Nomination.occupation_id.in_(select(CycleOccupation.id).where(
                CycleOccupation.name.contains(q, autoescape=True)))))
    order = (Nomination.cycle_id.desc(), Nomination.occupation_id, Nomination.qualified_at, Nomination.id)
    query = query.order_by(*order)
    if short_search:
        query = query.execution_options(**{PAGE_KEYS: _pool_page_keys(query.whereclause, cycle_id)})
    return query.options(joinedload(Nomination.worker, innerjoin=True),
                         joinedload(Nomination.occupation, innerjoin=True),
                         joinedload(Nomination.enterprise, innerjoin=True))


def _pool_page_keys(conditions, cycle_id: int | None):
    """The page keys (:data:`core.pagination.PAGE_KEYS`) of a short pool search on PostgreSQL,
    cycle by cycle, newest first.

    A name of one or two characters matches thousands of a city's pool entries; sorting them
    all into the pool's order means reading each from the table. The pool lists the newest
    cycle first, so a page lies among the matches of a cycle or a few: for each cycle in turn
    (as far as the page needs) its matches come from the pool's grams index, keyed by cycle
    (``craftsmen.pool_search``), and only they are sorted. The total is counted apart.
    """
    def page_keys(limit: int, offset: int) -> Select:
        found = (select(Nomination.id, Nomination.occupation_id, Nomination.qualified_at)
                 .where(Nomination.cycle_id == SelectionCycle.id, conditions)
                 .order_by(Nomination.occupation_id, Nomination.qualified_at, Nomination.id)
                 .limit(offset + limit).lateral("found"))
        keys = (select(found.c.id, null()).select_from(SelectionCycle).join(found, true())
                .order_by(SelectionCycle.id.desc(), found.c.occupation_id, found.c.qualified_at, found.c.id)
                .limit(limit).offset(offset))
        return keys.where(SelectionCycle.id == cycle_id) if cycle_id else keys
    return page_keys


def district_unions() -> list[Union]:
    """The district unions, for a district filter."""
    return list(db.session.scalars(select(Union).where(Union.kind == UnionKind.DISTRICT.value)
                                   .order_by(Union.id)))


def occupation_names() -> list[str]:
    """Every occupation name of any cycle, once each, for an occupation filter."""
    return list(db.session.scalars(select(CycleOccupation.name).distinct().order_by(CycleOccupation.name)))
