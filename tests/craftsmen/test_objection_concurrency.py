"""Administrators resolving the same objection at the same moment: exactly one decision is
recorded (one audit entry), the others are told it was just resolved. Real concurrent
clients, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.extensions import db
from craftsmen.models import Objection, ObjectionStatus
from tests.craftsmen.test_public import _file, no_csrf, noticed, reviewing  # noqa: F401 - fixtures

CLIENTS = 4


def _race(app, login, admin_id: int, objection_id: int, data: dict) -> list[tuple[int, str]]:
    clients = [login(admin_id, as_client=app.test_client()) for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def resolve(client):
        barrier.wait()
        response = client.post(f"/craftsmen/objections/{objection_id}/resolve", data=data)
        with lock:
            answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=resolve, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_concurrent_dismissals_of_one_objection_have_a_single_winner(
        app, world, login, noticed, no_csrf):  # noqa: F811 - fixtures imported above
    objection_ids = [_file(app, noticed, name=f"群众{i}") for i in range(3)]
    for objection_id in objection_ids:
        answers = _race(app, login, world.users.admin, objection_id, {
            f"o{objection_id}-decision": "dismissed", f"o{objection_id}-resolution": "经核实，情况属实。"})
        assert len(answers) == CLIENTS
        assert [status for status, _ in answers].count(302) == 1, [s for s, _ in answers]
        assert all("异议" in html for status, html in answers if status != 302)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "objection.dismiss")) == len(objection_ids)
        assert {o.status for o in db.session.scalars(select(Objection))} == {ObjectionStatus.DISMISSED.value}


def test_an_objection_upheld_and_dismissed_at_once_gets_one_decision(
        app, world, login, noticed, no_csrf):  # noqa: F811 - fixtures imported above
    objection_id = _file(app, noticed)
    clients = [login(world.users.admin, as_client=app.test_client()) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses = {}

    def resolve(client, decision):
        barrier.wait()
        statuses[decision] = client.post(f"/craftsmen/objections/{objection_id}/resolve", data={
            f"o{objection_id}-decision": decision, f"o{objection_id}-resolution": "经核实。"}).status_code

    threads = [threading.Thread(target=resolve, args=(c, d))
               for c, d in zip(clients, ("upheld", "dismissed"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses.values()) == [200, 302]
    winner = next(d for d, s in statuses.items() if s == 302)
    with app.app_context():
        assert db.session.get(Objection, objection_id).status == winner
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(("objection.uphold", "objection.dismiss")))).all()
        assert len(actions) == 1
