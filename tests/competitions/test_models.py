"""The database itself keeps the competition rules that must never break, whatever code later
sessions add: one chief judge per event, blind numbers and stations unique per event, one
mark per judge, aspect, contestant and entry, idempotent saves, non-negative marks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from competitions.models import Contestant, JudgeAssignment, JudgeConflict, Mark
from core.extensions import db
from core.people.models import Worker
from tests import factories
from tests.competitions.conftest import make_competition, make_event


def _refused(*rows) -> None:
    """Adding ``rows`` breaks a database constraint (the session stays usable)."""
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add_all(rows)
        db.session.flush()


def _contestant(event, worker_id: int, **values) -> Contestant:
    worker = db.session.get(Worker, worker_id)
    contestant = Contestant(event_id=event.id, worker_id=worker.id, enterprise_id=worker.enterprise_id, **values)
    db.session.add(contestant)
    db.session.flush()
    return contestant


def test_an_event_has_at_most_one_chief_judge(app, world):
    with app.app_context():
        event = make_event()
        second = factories.user("judge2", ["judge"])
        db.session.add(JudgeAssignment(event_id=event.id, user_id=world.users.judge, is_chief=True))
        db.session.add(JudgeAssignment(event_id=event.id, user_id=world.users.expert, is_chief=False))
        db.session.flush()
        _refused(JudgeAssignment(event_id=event.id, user_id=second.id, is_chief=True))
        _refused(JudgeAssignment(event_id=event.id, user_id=world.users.judge))  # assigned twice


def test_blind_numbers_and_stations_are_unique_per_event_only(app, world):
    with app.app_context():
        event = make_event()
        other = make_event(make_competition("2026年北京市职工职业技能大赛（复赛）"))
        first = _contestant(event, world.worker_a, blind_number="K7Q2", station="A01")
        _contestant(other, world.worker_b, blind_number="K7Q2", station="A01")  # another event: fine
        worker = db.session.get(Worker, world.worker_b)
        _refused(Contestant(event_id=event.id, worker_id=worker.id, enterprise_id=worker.enterprise_id,
                            blind_number="K7Q2"))
        _refused(Contestant(event_id=event.id, worker_id=worker.id, enterprise_id=worker.enterprise_id,
                            station="A01"))
        _refused(Contestant(event_id=event.id, worker_id=world.worker_a, enterprise_id=world.ent_a))
        assert str(first) == "K7Q2"  # never the name: str() ends up in logs and audit labels


def test_one_mark_per_judge_aspect_contestant_and_entry_and_saves_are_idempotent(app, world):
    with app.app_context():
        event = make_event(state="scoring")
        contestant = _contestant(event, world.worker_a, blind_number="K7Q2")
        aspect = event.aspects()[0]

        def mark(key: str, entry: int = 1, value: str = "80") -> Mark:
            return Mark(event_id=event.id, aspect_id=aspect.id, contestant_id=contestant.id,
                        judge_id=world.users.judge, entry=entry, value=Decimal(value), client_key=key)

        db.session.add_all([mark("a"), mark("b", entry=2)])
        db.session.flush()
        _refused(mark("c"))                     # the same entry again
        _refused(mark("a", entry=2))            # a replayed client key
        _refused(mark("d", entry=3))            # only two entries
        _refused(mark("e", value="-1"))         # marks are not negative


def test_a_declared_conflict_names_one_contestant_or_one_enterprise(app, world):
    with app.app_context():
        event = make_event()
        assignment = JudgeAssignment(event_id=event.id, user_id=world.users.judge)
        db.session.add(assignment)
        db.session.flush()
        contestant = _contestant(event, world.worker_a)
        db.session.add(JudgeConflict(assignment_id=assignment.id, enterprise_id=world.ent_b, reason="曾在该企业任职"))
        db.session.flush()
        _refused(JudgeConflict(assignment_id=assignment.id, reason="未指明对象"))
        _refused(JudgeConflict(assignment_id=assignment.id, contestant_id=contestant.id, enterprise_id=world.ent_a,
                               reason="两个对象"))
