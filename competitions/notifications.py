"""Who is told what in skills competitions: results published, appeals ruled."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from competitions.models import Appeal, AppealStatus, Contestant, ContestantStatus, Event
from core.extensions import db
from core.notifications import services as notifications

KINDS = {
    "results.published": (_l("成绩已公布：%(event)s"),
                          _l("可在平台查看成绩；对成绩有异议的，可在规定时间内提出申诉。")),
    "appeal.upheld": (_l("申诉成立：%(event)s"), _l("仲裁组认定申诉成立，成绩已按裁决更正。")),
    "appeal.dismissed": (_l("申诉被驳回：%(event)s"), _l("仲裁组驳回了申诉，裁决为最终结果。")),
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


def register() -> None:
    for key, (title, body) in KINDS.items():
        notifications.register_kind(key, title, body)
