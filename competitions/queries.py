"""Read queries of the competition pages, kept apart from the views."""

from __future__ import annotations

from competitions.models import Event, Mark, MarkChange
from core.extensions import db


def contestant_marks(event: Event, contestant_ids) -> dict[int, list[Mark]]:
    """Every mark of the given contestants, by contestant, in aspect, judge and entry order."""
    found: dict[int, list[Mark]] = {cid: [] for cid in contestant_ids}
    if found:
        for mark in db.session.scalars(
                db.select(Mark).where(Mark.event_id == event.id, Mark.contestant_id.in_(list(found)))
                .order_by(Mark.contestant_id, Mark.aspect_id, Mark.judge_id, Mark.entry)):
            found[mark.contestant_id].append(mark)
    return found


def mark_changes(event: Event) -> list[MarkChange]:
    """The changes made to marks after the lock, oldest first."""
    return list(db.session.scalars(db.select(MarkChange).where(MarkChange.event_id == event.id)
                                   .order_by(MarkChange.id)))
