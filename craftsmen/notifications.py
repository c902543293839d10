"""Who is told what in craftsman selection: the kinds of notification, the functions the
services call where the events happen, and the nomination-deadline reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.notifications import services as notifications
from core.notifications.services import Reminder
from core.timeutil import BEIJING_OFFSET
from craftsmen.models import (
    CycleStatus,
    Nomination,
    NominationState,
    PublicNotice,
    SelectionCycle,
)

N = NominationState

KINDS = {
    "nomination.returned": (_l("推荐被退回修改：%(subject)s"),
                            _l("%(cycle)s：资格审查退回了这份推荐，请按审查意见修改后重新提交。")),
    "nomination.qualified": (_l("推荐通过资格审查：%(subject)s"),
                             _l("%(cycle)s：已通过资格审查，进入人才库。")),
    "nomination.rejected": (_l("推荐未通过资格审查：%(subject)s"),
                            _l("%(cycle)s：审查意见可在推荐页面查看。")),
    "notice.published": (_l("公示已发布：%(cycle)s"),
                         _l("拟命名名单公示至 %(ends)s，公示期间可对名单提出异议。")),
    "objection.filed": (_l("有人对推荐提出异议：%(subject)s"),
                        _l("%(cycle)s 公示期间收到一条异议，市总工会将核实处理。")),
    "route.committee_assigned": (_l("您已被选入种子选手遴选委员会：%(panel)s"),
                                 _l("请在“种子选手遴选”页面为本工种的推荐人选投票，过半数委员支持即列为种子选手。")),
    "remind.nomination_deadline": (_l("推荐 %(days)s 天后截止：%(cycle)s"),
                                   _l("截止日期 %(deadline)s。本单位还有未提交或退回修改的推荐。")),
}


def nomination_decided(nomination: Nomination) -> None:
    """The qualification check decided: the enterprise (and, unless returned, the nominee)."""
    kind = {N.RETURNED: "nomination.returned", N.QUALIFIED: "nomination.qualified",
            N.REJECTED: "nomination.rejected"}.get(nomination.state_enum)
    if kind is None:
        return
    workers = () if nomination.state_enum is N.RETURNED else (nomination.worker_id,)
    notifications.notify(
        notifications.recipients(enterprise_ids=(nomination.enterprise_id,), worker_ids=workers),
        kind, {"subject": str(nomination), "cycle": nomination.cycle.title},
        notifications.path_for("craftsmen_nomination.detail", nomination_id=nomination.id))


def notice_published(notice: PublicNotice) -> None:
    """The enterprises and the nominees on the proposed list."""
    rows = db.session.execute(select(Nomination.enterprise_id, Nomination.worker_id).where(
        Nomination.cycle_id == notice.cycle_id, Nomination.state == N.PROPOSED.value)).all()
    notifications.notify(
        notifications.recipients(enterprise_ids={e for e, _w in rows}, worker_ids={w for _e, w in rows}),
        "notice.published", {"cycle": notice.cycle.title, "ends": notice.ends_on.isoformat()},
        notifications.path_for("craftsmen_public.notice_detail", notice_id=notice.id))


def objection_filed(nomination: Nomination) -> None:
    """The nominating enterprise (who objected and why stay with the federation)."""
    notifications.notify(
        notifications.recipients(enterprise_ids=(nomination.enterprise_id,)), "objection.filed",
        {"subject": str(nomination), "cycle": nomination.cycle.title},
        notifications.path_for("craftsmen_nomination.detail", nomination_id=nomination.id))


def nomination_deadline_reminders(day: date) -> list[Reminder]:
    """Cycles whose nominations close on ``day`` (Beijing): the enterprises with drafts or
    returned nominations in them."""
    start = datetime.combine(day, time()) - BEIJING_OFFSET
    rows = db.session.execute(
        select(SelectionCycle.id, SelectionCycle.title, Nomination.enterprise_id)
        .join(Nomination, Nomination.cycle_id == SelectionCycle.id)
        .where(SelectionCycle.status == CycleStatus.NOMINATING.value,
               SelectionCycle.nomination_closes >= start,
               SelectionCycle.nomination_closes < start + timedelta(days=1),
               Nomination.state.in_([N.DRAFT.value, N.RETURNED.value]))
        .distinct()).all()
    by_cycle: dict[tuple[int, str], set[int]] = {}
    for cycle_id, title, enterprise_id in rows:
        by_cycle.setdefault((cycle_id, title), set()).add(enterprise_id)
    return [Reminder(frozenset(notifications.recipients(enterprise_ids=enterprises)),
                     "remind.nomination_deadline", f"cycle:{cycle_id}:nomination_closes",
                     notifications.path_for("craftsmen_nomination.index", cycle_id=cycle_id), {"cycle": title})
            for (cycle_id, title), enterprises in by_cycle.items()]


def register() -> None:
    for key, (title, body) in KINDS.items():
        notifications.register_kind(key, title, body)
    notifications.add_reminder_source("craftsmen.nominations", nomination_deadline_reminders)
