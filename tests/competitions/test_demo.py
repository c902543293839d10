"""The demo data gives every role competition work: a published 焊工 event, a 数控车工 event
being scored (the demo judge is its chief judge), a 钳工 event open for registration."""

from __future__ import annotations

from sqlalchemy import func, select

from competitions import demo
from competitions.models import Contestant, Discrepancy, Event, Mark, RecheckItem
from competitions.services import appeals, control, marking, registration, results, schemes
from core import demo as core_demo
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.people.models import Worker
from core.timeutil import utcnow
from craftsmen import demo as craftsmen_demo


def _load() -> dict[str, Event]:
    core_demo.load(workers_per_enterprise=10)
    craftsmen_demo.load()
    demo.load()
    db.session.commit()
    return {e.occupation: e for e in db.session.scalars(select(Event))}


def _users() -> dict[str, User]:
    return {u.username: u for u in db.session.scalars(select(User))}


def test_demo_events_are_in_the_states_each_role_needs(app):
    with app.app_context():
        events = _load()
        users = _users()
        assert {name: e.state for name, e in events.items()} == {
            "焊工": "published", "数控车工": "scoring", "钳工": "registration"}
        assert {e.competition.title for e in events.values()} == {demo.TITLE}
        assert all(schemes.scheme_problems(e) == [] and e.theory_weight == 30 for e in events.values())

        # 数控车工: 12 contestants checked in with drawn stations and blind numbers.
        turning = events["数控车工"]
        competing = marking.competing(turning)
        assert len(competing) == 12
        assert len({c.blind_number for c in competing}) == len({c.station for c in competing}) == 12
        assert control.is_chief(turning, users["judge2"])
        theory, practical = turning.modules
        judge, judge3, judge4 = users["judge"], users["judge3"], users["judge4"]
        for scorer in (judge3, judge4):
            assert all(marking.sheet_submitted(turning, scorer, m) for m in (theory, practical))
        assert not db.session.scalar(select(func.count()).select_from(Mark).where(
            Mark.event_id == turning.id, Mark.judge_id == judge.id))
        assert len(control.open_discrepancies(turning)) == 1
        # Still to do: the demo judge's two sheets, and the chief judge's discrepancy.
        assert len(control.lock_problems(turning)) == 3

        # 钳工: open now; the demo enterprise used one of three places and has more to register.
        fitting = events["钳工"]
        assert fitting in registration.open_events()
        enterprise_id = users["enterprise"].enterprise_id
        assert registration.places_taken(fitting, enterprise_id) == 1 < fitting.quota_per_enterprise
        own = db.session.scalars(select(Worker).where(Worker.enterprise_id == enterprise_id)).all()
        free = [w for w in own if registration.contestant_of(fitting, w) is None
                and not registration.eligibility_failures(fitting, w)]
        assert len(free) >= 1  # workers of the event's own trade (钳工) only
        assert len(registration.contestants(fitting)) == 7

        # 焊工: rechecked and published; the demo worker has a published result.
        welding = events["焊工"]
        published = results.event_results(welding)
        assert len(published) == 12 and published[0].rank == 1 and published[0].award == "first"
        assert all(r.published_at == welding.published_at for r in published)
        assert [r.contestant.event_id for r in results.worker_results(users["worker"].worker_id)] == [welding.id]
        assert not appeals.window_open(welding, utcnow())
        items = control.recheck_items(welding)
        assert items and all(i.outcome == "correct" for i in items)
        (confirmed,) = db.session.scalars(select(Discrepancy).where(Discrepancy.event_id == welding.id))
        assert confirmed.resolution == "confirmed"
        assert db.session.scalar(select(func.count()).select_from(Mark).where(Mark.event_id == welding.id)) \
            == 3 * 12 * len(welding.aspects())
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"event.draw_lots", "mark.save", "sheet.submit", "event.lock", "results.publish",
                "contestant.register"} <= actions


def test_every_demo_role_finds_its_pages(app, client, login):
    with app.app_context():
        events = _load()
        users = _users()
        ids = {name: e.id for name, e in events.items()}
        turning = events["数控车工"]
        first = marking.competing(turning)[0]
        practical_id = turning.modules[1].id
    login(users["judge"].id)
    assert "数控车工" in client.get("/judging/").get_data(as_text=True)
    assert client.get(f"/judging/events/{ids['数控车工']}/modules/{practical_id}/contestants/{first.blind_number}"
                      ).status_code == 200
    login(users["enterprise"].id)
    assert "钳工" in client.get("/competitions/registration/").get_data(as_text=True)
    assert client.get(f"/competitions/registration/events/{ids['钳工']}").status_code == 200
    login(users["worker"].id)
    assert "焊工" in client.get("/me/competition-results").get_data(as_text=True)
    assert "焊工" in app.test_client().get(f"/competition-results/{ids['焊工']}").get_data(as_text=True)


def test_the_scoring_event_can_be_finished_by_the_demo_judges(app):
    """Not a dead end: the demo judge scores, the chief judge settles the discrepancy, locks,
    rechecks and the results are published."""
    with app.app_context():
        turning = _load()["数控车工"]
        users = _users()
        chief, judge = users["judge2"], users["judge"]
        marks = {(m.contestant_id, m.aspect_id): m.value for m in db.session.scalars(
            select(Mark).where(Mark.event_id == turning.id, Mark.judge_id == users["judge3"].id))}
        for judge in (users["judge"],):
            for module in turning.modules:
                if marking.sheet_submitted(turning, judge, module):
                    continue
                for contestant in marking.competing(turning):
                    for aspect in module.aspects():
                        marking.save_mark(turning, judge, contestant, aspect,
                                          str(marks[(contestant.id, aspect.id)]),
                                          client_key=f"t-{judge.id}-{contestant.id}-{aspect.id}")
                marking.submit_sheet(turning, judge, module)
        for discrepancy in control.open_discrepancies(turning):
            control.resolve_discrepancy(discrepancy, "confirmed", note="现场核对无误", by=chief)
        control.lock_event(turning, by=chief, seed="test")
        for item in control.recheck_items(turning):
            control.record_recheck(item, "correct", by=chief)
        control.complete_recheck(turning, by=chief)
        assert len(results.publish(turning, by=users["admin"])) == 12
        assert db.session.scalar(select(func.count()).select_from(RecheckItem).where(
            RecheckItem.event_id == turning.id)) == 11
        assert db.session.scalar(select(func.count()).select_from(Contestant).where(
            Contestant.event_id == turning.id)) == 12


def test_seed_demo_command_lists_the_demo_judges(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "judge2" in result.output and "judge3" in result.output and "Beijing2026" in result.output


def test_demo_competitors_and_award_certificates_are_in_the_workers_own_trade(app):
    """Issue 15's data rule: nobody in the demo competes outside their trade (no cross-trade
    entries, not even with a reason), so every award certificate names the holder's trade."""
    from certificates.models import Certificate

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(select(Event.occupation, Worker.occupation)
                                  .join(Contestant, Contestant.event_id == Event.id)
                                  .join(Worker, Worker.id == Contestant.worker_id)).all()
        assert rows and all(event == trade for event, trade in rows)
        awards = db.session.scalars(select(Certificate).where(Certificate.kind == "competition_award")).all()
        assert awards
        for certificate in awards:
            details = dict(certificate.snapshot["details"])
            assert details["赛项"] == db.session.get(Worker, certificate.worker_id).occupation
        worker = db.session.get(Worker, _users()["worker"].worker_id)
        assert worker.occupation == "焊工"
