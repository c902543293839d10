"""Read queries of craftsman selection's pages, kept apart from the views.

Each function builds or runs one query for a page; the views only read the request, call
these and render. Who may see what is decided by :mod:`craftsmen.rules` (its SQL filters).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from core.audit.models import AuditEntry
from core.extensions import db
from core.organizations.models import Enterprise, Union
from core.people.models import Worker
from craftsmen import rules
from craftsmen.models import Nomination, NominationState, SelectionCycle


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
