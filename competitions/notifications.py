"""Who is told what in skills competitions: results published, appeals ruled, and the
reminders of registration deadlines."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from competitions.models import Appeal, AppealStatus, Competition, Contestant, ContestantStatus, Event, EventState
from core.accounts.models import User
from core.extensions import db
from core.notifications import services as notifications
from core.notifications.services import Reminder
from core.people.models import Worker
from core.timeutil import BEIJING_OFFSET

KINDS = {
    "results.published": (_l("成绩已公布：%(event)s"),
                          _l("可在平台查看成绩；对成绩有异议的，可在规定时间内提出申诉。")),
    "appeal.upheld": (_l("申诉成立：%(event)s"), _l("仲裁组认定申诉成立，成绩已按裁决更正。")),
    "appeal.dismissed": (_l("申诉被驳回：%(event)s"), _l("仲裁组驳回了申诉，裁决为最终结果。")),
    "remind.registration_deadline": (
        _l("赛项报名 %(days)s 天后截止：%(event)s"),
        _l("截止日期 %(deadline)s。本单位有该工种的职工，还有报名名额；需要报名的，请在截止前完成。")),
    "remind.registration_deadline_worker": (
        _l("本工种赛项报名 %(days)s 天后截止：%(event)s"),
        _l("截止日期 %(deadline)s。您尚未报名；如想参赛，请在截止前联系本单位工会报名。")),
}


def _event_name(event: Event) -> str:
    return f"{event.competition.title} · {event.occupation}"


def results_published(event: Event) -> None:
    """The enterprises of the contestants, and the contestants themselves."""
    rows = db.session.execute(select(Contestant.enterprise_id, Contestant.worker_id).where(
        Contestant.event_id == event.id,
        Contestant.status != ContestantStatus.WITHDRAWN.value)).all()
    params = {"event": _event_name(event)}
    notifications.notify(notifications.recipients(enterprise_ids={e for e, _w in rows}),
                         "results.published", params,
                         notifications.path_for("competitions_results.enterprise_index"))
    notifications.notify(notifications.recipients(worker_ids={w for _e, w in rows}),
                         "results.published", params,
                         notifications.path_for("competitions_results.my_results"))


def appeal_ruled(appeal: Appeal) -> None:
    """The enterprise that filed the appeal."""
    kind = "appeal.upheld" if appeal.status == AppealStatus.UPHELD else "appeal.dismissed"
    event = db.session.get(Event, appeal.event_id)
    notifications.notify(notifications.recipients(enterprise_ids=(appeal.enterprise_id,)), kind,
                         {"event": _event_name(event)},
                         notifications.path_for("competitions_results.enterprise_index"))


def _entered(event_id: int):
    """Contestants of the event still in it (a withdrawn entry frees its place)."""
    return (Contestant.event_id == event_id) & (Contestant.status != ContestantStatus.WITHDRAWN.value)


def registration_deadline_reminders(day: date) -> list[Reminder]:
    """Events whose registration closes on ``day`` (Beijing): the enterprises that have workers
    of the event's trade and places left, and the workers of that trade with an account who
    are not entered (a competition is entered in one's own trade, by one's enterprise)."""
    start = datetime.combine(day, time()) - BEIJING_OFFSET
    events = db.session.execute(
        select(Event.id, Event.occupation, Event.quota_per_enterprise, Competition.title)
        .join(Competition, Competition.id == Event.competition_id)
        .where(Event.state == EventState.REGISTRATION.value, Event.registration_closes >= start,
               Event.registration_closes < start + timedelta(days=1))
        .order_by(Event.id)).all()
    reminders = []
    for event_id, occupation, quota, competition in events:
        params = {"event": f"{competition} · {occupation}"}
        taken = (select(Contestant.enterprise_id).where(_entered(event_id))
                 .group_by(Contestant.enterprise_id).having(func.count() >= quota))
        enterprises = set(db.session.scalars(
            select(Worker.enterprise_id).where(Worker.occupation == occupation,
                                               Worker.enterprise_id.not_in(taken)).distinct()))
        reminders.append(Reminder(
            frozenset(notifications.recipients(enterprise_ids=enterprises)), "remind.registration_deadline",
            f"event:{event_id}:registration_closes:enterprise",
            notifications.path_for("competition_registration.register_page", event_id=event_id), params))
        workers = set(db.session.scalars(
            select(User.id).join(Worker, Worker.id == User.worker_id)
            .where(Worker.occupation == occupation, User.is_enabled.is_(True),
                   Worker.id.not_in(select(Contestant.worker_id).where(_entered(event_id))))))
        reminders.append(Reminder(
            frozenset(workers), "remind.registration_deadline_worker",
            f"event:{event_id}:registration_closes:worker",
            notifications.path_for("competitions_results.my_results") + "#open-events", params))
    return reminders


def register() -> None:
    for key, (title, body) in KINDS.items():
        notifications.register_kind(key, title, body)
    notifications.add_reminder_source("competitions.registration", registration_deadline_reminders)
