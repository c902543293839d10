"""What skills competitions put on each role's workbench (see :mod:`core.workbench`).

The judge's section here is deliberately small: the judge's assigned events with their state
and how many module sheets the judge has submitted, linking to the judging pages.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from competitions.models import (
    Appeal,
    AppealStatus,
    Award,
    Competition,
    Contestant,
    ContestantStatus,
    Discrepancy,
    Event,
    EventState,
    JudgeAssignment,
    JudgeSheetSubmission,
    Result,
    SchemeModule,
)
from core import workbench
from core.extensions import db
from core.people.models import Worker
from core.roles import Role
from core.workbench import WorkItem, beijing_date

E = EventState
#: Events still in progress (a published event needs nothing more from anyone but appeals).
ACTIVE_STATES = (E.REGISTRATION.value, E.CHECK_IN.value, E.SCORING.value, E.LOCKED.value,
                 E.RECHECKED.value)


def _event_name(competition: str, occupation: str) -> str:
    return f"{competition} · {occupation}"


def _open_discrepancies():
    return (select(func.count()).select_from(Discrepancy)
            .where(Discrepancy.event_id == Event.id, Discrepancy.resolution.is_(None))
            .scalar_subquery())


def admin_items(user, today) -> list[WorkItem]:
    """Registrations closing, events to lock, recheck or publish, and appeals to rule on."""
    rows = db.session.execute(
        select(Event.id, Event.state, Event.occupation, Competition.title,
               Event.registration_closes, Event.held_on, _open_discrepancies(),
               select(func.count()).select_from(Appeal)
               .where(Appeal.event_id == Event.id, Appeal.status == AppealStatus.OPEN.value)
               .scalar_subquery())
        .join(Competition, Competition.id == Event.competition_id)
        .where(Event.state.in_(ACTIVE_STATES + (E.PUBLISHED.value,)))
        .order_by(Event.held_on, Event.id)).all()
    items = []
    for event_id, state, occupation, competition, closes, held_on, discrepancies, appeals in rows:
        name = _event_name(competition, occupation)
        detail = url_for("competitions.event", event_id=event_id)
        if state == E.REGISTRATION:
            items.append(WorkItem(_("报名截止后开始检录"), detail, deadline=beijing_date(closes),
                                  context=name))
        elif state == E.CHECK_IN:
            items.append(WorkItem(_("比赛日：检录、抽签后开始评分"), detail, deadline=held_on,
                                  is_event_day=True, context=name))
        elif state == E.SCORING:
            items.append(WorkItem(_("评分中：待裁判长处理分歧并锁定"), detail,
                                  count=discrepancies or None, context=name,
                                  note=_("%(n)s 处分歧", n=discrepancies) if discrepancies else ""))
        elif state == E.LOCKED:
            items.append(WorkItem(_("成绩已锁定：待复核"), detail, context=name))
        elif state == E.RECHECKED:
            items.append(WorkItem(_("复核完成：待公布成绩"),
                                  url_for("competitions_results.manage", event_id=event_id),
                                  context=name))
        if appeals:
            items.append(WorkItem(_("待仲裁的申诉"),
                                  url_for("competitions_results.manage", event_id=event_id),
                                  count=appeals, context=name))
    return items


def enterprise_items(user, today) -> list[WorkItem]:
    """Events taking registrations, with the enterprise's own entries in each."""
    if not user.enterprise_id:
        return []
    own = (select(func.count()).select_from(Contestant)
           .where(Contestant.event_id == Event.id, Contestant.enterprise_id == user.enterprise_id,
                  Contestant.status != ContestantStatus.WITHDRAWN.value).scalar_subquery())
    rows = db.session.execute(
        select(Event.id, Event.occupation, Competition.title, Event.registration_closes, own)
        .join(Competition, Competition.id == Event.competition_id)
        .where(Event.state == E.REGISTRATION.value)
        .order_by(Event.registration_closes)).all()
    return [WorkItem(_("赛项报名"), url_for("competition_registration.register_page", event_id=eid),
                     deadline=beijing_date(closes),
                     context=_event_name(competition, occupation),
                     note=_("本单位已报 %(n)s 人", n=entered))
            for eid, occupation, competition, closes, entered in rows
            if beijing_date(closes) >= today]


def judge_items(user, today) -> list[WorkItem]:
    """The judge's events not yet published: state, sheets submitted, and for the chief judge
    the discrepancies waiting."""
    submitted = (select(func.count()).select_from(JudgeSheetSubmission)
                 .where(JudgeSheetSubmission.event_id == Event.id,
                        JudgeSheetSubmission.judge_id == user.id).scalar_subquery())
    modules = (select(func.count()).select_from(SchemeModule)
               .where(SchemeModule.event_id == Event.id).scalar_subquery())
    rows = db.session.execute(
        select(Event.id, Event.state, Event.occupation, Event.held_on, Competition.title,
               JudgeAssignment.is_chief, submitted, modules, _open_discrepancies())
        .join(JudgeAssignment, JudgeAssignment.event_id == Event.id)
        .join(Competition, Competition.id == Event.competition_id)
        .where(JudgeAssignment.user_id == user.id, Event.state.in_(ACTIVE_STATES))
        .order_by(Event.held_on, Event.id)).all()
    items = []
    for event_id, state, occupation, held_on, competition, is_chief, done, total, open_ in rows:
        name = _event_name(competition, occupation)
        state_label = str(EventState(state).label)
        items.append(WorkItem(
            _("执裁赛项（裁判长）") if is_chief else _("执裁赛项"),
            url_for("competitions_judging.event", event_id=event_id),
            deadline=held_on if held_on >= today else None, is_event_day=True, context=name,
            note=_("%(state)s · 已提交评分表 %(done)s/%(total)s", state=state_label, done=done,
                   total=total)))
        if is_chief and open_:
            items.append(WorkItem(_("待裁判长处理的评分分歧"),
                                  url_for("competitions_judging.control_page", event_id=event_id),
                                  count=open_, context=name))
    return items


def _open_in_own_trade(user, today) -> list[WorkItem]:
    """Events of the worker's trade taking registrations: entered by their enterprise, or
    closing on a date by which they should ask their enterprise's union."""
    entered = (select(func.count()).select_from(Contestant)
               .where(Contestant.event_id == Event.id, Contestant.worker_id == user.worker_id,
                      Contestant.status != ContestantStatus.WITHDRAWN.value).scalar_subquery())
    rows = db.session.execute(
        select(Event.occupation, Competition.title, Event.registration_closes, entered)
        .join(Competition, Competition.id == Event.competition_id)
        .join(Worker, Worker.occupation == Event.occupation)
        .where(Worker.id == user.worker_id, Event.state == E.REGISTRATION.value)
        .order_by(Event.registration_closes, Event.id)).all()
    url = url_for("competitions_results.my_results", _anchor="open-events")
    return [WorkItem(_("本工种赛项报名"), url, deadline=beijing_date(closes),
                     context=_event_name(competition, occupation),
                     note=_("本单位已为您报名") if is_in else _("如想参赛，请联系本单位工会报名"),
                     actionable=not is_in)
            for occupation, competition, closes, is_in in rows if beijing_date(closes) >= today]


def worker_items(user, today) -> list[WorkItem]:
    """Events of the worker's trade taking registrations, and their published results."""
    if not user.worker_id:
        return []
    rows = db.session.execute(
        select(Event.occupation, Competition.title, Result.rank, Result.award)
        .select_from(Result)
        .join(Contestant, Contestant.id == Result.contestant_id)
        .join(Event, Event.id == Contestant.event_id)
        .join(Competition, Competition.id == Event.competition_id)
        .where(Contestant.worker_id == user.worker_id, Event.state == E.PUBLISHED.value)
        .order_by(Event.held_on.desc())).all()
    return _open_in_own_trade(user, today) + [WorkItem(_("我的比赛成绩"), url_for("competitions_results.my_results"),
                     context=_event_name(competition, occupation),
                     note=(str(Award(award).label) if award
                           else _("第 %(rank)s 名", rank=rank) if rank else ""),
                     actionable=False)
            for occupation, competition, rank, award in rows]


def register() -> None:
    workbench.add_source(Role.ADMIN, "competitions", admin_items)
    workbench.add_source(Role.ENTERPRISE, "competitions", enterprise_items)
    workbench.add_source(Role.JUDGE, "competitions", judge_items)
    workbench.add_source(Role.WORKER, "competitions", worker_items)
