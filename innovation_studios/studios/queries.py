"""Read queries of the studio pages, kept apart from the views."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.audit.models import AuditEntry
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from innovation_studios.studios.models import Studio, StudioLeaderChange, StudioMember, StudioState


def is_member(worker_id: int, studio: Studio) -> bool:
    """Whether the worker is or was a member of the studio."""
    return db.session.scalar(select(StudioMember.id).where(
        StudioMember.studio_id == studio.id, StudioMember.worker_id == worker_id).limit(1)) is not None


def studio_for_page(studio_id: int) -> Studio | None:
    """The studio with what its page shows, loaded in a constant number of queries."""
    return db.session.scalar(select(Studio).where(Studio.id == studio_id).options(
        selectinload(Studio.enterprise).selectinload(Enterprise.district_union),
        selectinload(Studio.enterprise).selectinload(Enterprise.industry_union),
        selectinload(Studio.leader),
        selectinload(Studio.members).selectinload(StudioMember.worker),
        selectinload(Studio.leader_changes).selectinload(StudioLeaderChange.previous),
        selectinload(Studio.leader_changes).selectinload(StudioLeaderChange.new)))


def history(studio: Studio, actions) -> list[AuditEntry]:
    """The studio's audit entries among ``actions``, oldest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "Studio", AuditEntry.target_id == studio.id,
                                 AuditEntry.action.in_(list(actions)))
        .order_by(AuditEntry.id)))


def worker_studios(worker_id: int) -> tuple[list[Studio], dict[int, list[StudioMember]]]:
    """The studios (not drafts) the worker leads or belongs to, now or before, newest first; and
    the worker's memberships by studio id, latest first."""
    memberships: dict[int, list[StudioMember]] = {}
    for row in db.session.scalars(select(StudioMember).where(StudioMember.worker_id == worker_id)
                                  .order_by(StudioMember.joined_on.desc())):
        memberships.setdefault(row.studio_id, []).append(row)
    studios = db.session.scalars(
        select(Studio).where(or_(Studio.leader_worker_id == worker_id, Studio.id.in_(list(memberships))))
        .where(Studio.state != StudioState.DRAFT.value)
        .options(selectinload(Studio.enterprise)).order_by(Studio.id.desc())).all()
    return list(studios), memberships


#: At most this many workers are offered in a picker; a search narrows larger enterprises.
WORKER_CHOICES = 300


@dataclass
class WorkerChoices:
    """The workers a picker offers, the search that found them, and whether there were more."""

    workers: list[Worker]
    q: str
    truncated: bool


def enterprise_workers(studio_or_enterprise_id, *, exclude=(), include=(), q: str = "",
                       limit: int | None = None) -> WorkerChoices:
    """Workers of the enterprise to pick from: those matching ``q`` (name, occupation or the
    last digits of the ID number), at most ``limit`` of them, plus ``include`` (the current
    choice), never ``exclude``."""
    enterprise_id = getattr(studio_or_enterprise_id, "enterprise_id", studio_or_enterprise_id)
    limit = limit or WORKER_CHOICES
    query = select(Worker).where(Worker.enterprise_id == enterprise_id, Worker.in_post.is_(True))
    exclude = [i for i in exclude if i]
    if exclude:
        query = query.where(Worker.id.not_in(exclude))
    q = (q or "").strip()[:30]
    if q:
        query = query.where(or_(Worker.name.contains(q, autoescape=True),
                                Worker.occupation.contains(q, autoescape=True),
                                Worker.id_number_masked.endswith(q, autoescape=True)))
    workers = list(db.session.scalars(query.order_by(Worker.name, Worker.id).limit(limit + 1)))
    truncated = len(workers) > limit
    workers = workers[:limit]
    missing = [i for i in include if i and i not in {w.id for w in workers} and i not in exclude]
    if missing:
        workers += list(db.session.scalars(select(Worker).where(
            Worker.id.in_(missing), Worker.enterprise_id == enterprise_id)))
    return WorkerChoices(workers, q, truncated)
