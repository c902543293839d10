"""Before an event's registration closes, the enterprises with workers of its trade and places
left, and the workers of that trade not yet entered, are reminded (3 days and 1 day ahead, once
each, by the job worker's periodic run) and see the event on their workbench."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from competitions.models import Competition, Event
from competitions.services import competitions, registration
from core.accounts.models import User
from core.extensions import db
from core.notifications import services as notifications
from core.notifications.models import Notification
from core.people.models import Worker
from core.timeutil import beijing_to_utc, beijing_today
from tests.competitions.conftest import make_competition, make_event


def _closing_in(days: int, **overrides) -> Event:
    """An event in registration whose registration closes ``days`` days from today, 17:00 Beijing."""
    closes = beijing_to_utc(datetime.combine(beijing_today() + timedelta(days=days), time(17)))
    competition = db.session.scalar(select(Competition)) or make_competition()
    event = make_event(competition, registration_closes=closes, quota_per_enterprise=1, **overrides)
    competitions.open_registration(event, by=None)
    return event


def _titles(user_id: int) -> list[str]:
    return [notifications.title_of(n) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def test_enterprises_with_places_left_and_workers_not_entered_are_reminded_by_the_job_worker(app, world):
    with app.app_context():
        event = _closing_in(3)
        welding = _closing_in(3, occupation="焊工", occupation_code="6-18-02-04")  # nobody's trade here
        registration.register(event, db.session.get(Worker, world.worker_b),
                              by=db.session.get(User, world.users.other_enterprise))  # ent_b: quota used
        db.session.commit()
        name, welding_name = str(event), str(welding)
    app.extensions["jobs"].enqueue("notifications.remind")  # the worker's hourly run (immediate in tests)
    with app.app_context():
        assert _titles(world.users.enterprise) == [f"赛项报名 3 天后截止：{name}"]
        assert _titles(world.users.worker) == [f"本工种赛项报名 3 天后截止：{name}"]
        assert _titles(world.users.other_enterprise) == []  # its one place is taken
        assert not any(welding_name in t for t in _titles(world.users.enterprise))
        reminder = db.session.scalar(select(Notification).where(Notification.user_id == world.users.worker))
        assert reminder.url == "/me/competition-results#open-events"
        assert "请在截止前联系本单位工会报名" in notifications.body_of(reminder)
    app.extensions["jobs"].enqueue("notifications.remind")  # runs again: nothing twice
    with app.app_context():
        assert len(_titles(world.users.enterprise)) == 1


def test_a_worker_already_entered_is_not_reminded(app, world):
    with app.app_context():
        event = _closing_in(1)
        registration.register(event, db.session.get(Worker, world.worker_a),
                              by=db.session.get(User, world.users.enterprise))
        db.session.commit()
        day = beijing_today() + timedelta(days=1)
        assert notifications.remind(beijing_today()) >= 1
        db.session.commit()
        assert _titles(world.users.worker) == []
        assert _titles(world.users.enterprise) == []  # its one place is used by the entry
        assert day == (event.registration_closes + timedelta(hours=8)).date()


def _work_item(html: str, title: str) -> str:
    match = re.search(re.escape(title) + r"</a>(.*?)</li>", html, re.S)
    assert match, title
    return match.group(1)


def test_the_worker_sees_open_events_of_their_trade_on_the_workbench_and_their_results_page(
        app, world, client, login):
    with app.app_context():
        event = _closing_in(5)
        _closing_in(5, occupation="焊工", occupation_code="6-18-02-04")
        db.session.commit()
        event_id, name = event.id, str(event)
    login(world.users.worker)
    html = client.get("/home/worker").get_data(as_text=True)
    item = _work_item(html, "本工种赛项报名")
    assert "如想参赛，请联系本单位工会报名" in item and "还剩 5 天" in item
    assert html.count("本工种赛项报名</a>") == 1  # not the 焊工 event
    page = client.get("/me/competition-results").get_data(as_text=True)
    section = page.split('id="open-events"', 1)[1]
    assert name in section and "如想参赛" in section and "焊工" not in section
    with app.app_context():
        registration.register(db.session.get(Event, event_id), db.session.get(Worker, world.worker_a),
                              by=db.session.get(User, world.users.enterprise))
        db.session.commit()
    item = _work_item(client.get("/home/worker").get_data(as_text=True), "本工种赛项报名")
    assert "本单位已为您报名" in item
