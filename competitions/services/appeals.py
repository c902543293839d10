"""Appeals (申诉) against published results, and the arbitration group's final ruling.

A contestant's enterprise may file an appeal within the event's window after publication
(``Event.appeal_window_minutes``, 120 by default); after it the appeal is refused with the
time the window closed. The arbitration group (administrators, or the competition's
:class:`ArbitrationMember` users; or, for an event with its own group, its
:class:`EventArbitrator` users only) rules once, never a member from the appellant's
enterprise: *upheld* with corrected marks (each change is a
:class:`MarkChange` row with the old and new value, the whole event is recomputed, and the
ruling is audited with the contestant's old and new total), or *dismissed* with a reason.
A second ruling is refused: the ruling is final.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from competitions import certificates as award_certificates
from competitions import notifications, scoring
from competitions.models import (
    Appeal,
    AppealStatus,
    Contestant,
    Event,
    EventArbitrator,
    EventState,
    Mark,
    MarkChange,
    MarkChangeSource,
    Result,
)
from competitions.services import results as results_service
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utc_to_beijing, utcnow

MAX_REASON = 2000


def window_closes_at(event: Event) -> datetime | None:
    """When appeals stop being accepted (naive UTC), or None before publication."""
    if event.published_at is None:
        return None
    return event.published_at + timedelta(minutes=event.appeal_window_minutes)


def window_open(event: Event, now: datetime) -> bool:
    closes = window_closes_at(event)
    return (event.state_enum == EventState.PUBLISHED and closes is not None
            and event.published_at is not None and event.published_at <= now <= closes)


def _text(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > MAX_REASON:
        raise DomainError(_l("不能超过 %(n)s 个字", n=MAX_REASON), field=field)
    return value


def file_appeal(result: Result, reason: str, *, by, now: datetime | None = None) -> Appeal:
    """The contestant's enterprise appeals ``result`` (the caller checks it is theirs)."""
    now = now or utcnow()
    event = db.session.get_one(Event, result.event_id)
    if event.state_enum != EventState.PUBLISHED:
        raise DomainError(_l("成绩尚未公布，不能申诉"))
    closes = window_closes_at(event)
    if closes is None or not window_open(event, now):
        raise DomainError(_l("申诉期已于 %(t)s（北京时间）结束，不再受理申诉",
                             t=utc_to_beijing(closes).strftime("%Y-%m-%d %H:%M") if closes else ""))
    reason = _text(reason, "reason", _l("请填写申诉理由"))
    pending = db.session.scalar(select(Appeal.id).where(Appeal.contestant_id == result.contestant_id,
                                                        Appeal.status == AppealStatus.OPEN.value))
    if pending is not None:
        raise DomainError(_l("该选手已有待仲裁的申诉"))
    contestant = db.session.get_one(Contestant, result.contestant_id)
    appeal = Appeal(event_id=event.id, contestant_id=contestant.id, enterprise_id=contestant.enterprise_id,
                    filed_by_id=getattr(by, "id", None), reason=reason, filed_at=now)
    db.session.add(appeal)
    db.session.flush()
    audit.record("appeal.file", appeal, by=by, label=f"{event.occupation} {contestant}",
                 changes={"status": [None, AppealStatus.OPEN.value]})
    return appeal


def appeal_marks(appeal: Appeal) -> list[Mark]:
    """The appealing contestant's marks, in scheme order then judge and entry."""
    marks = db.session.scalars(select(Mark).where(Mark.contestant_id == appeal.contestant_id,
                                                  Mark.event_id == appeal.event_id)).all()
    order = {a.id: n for n, a in enumerate(db.session.get_one(Event, appeal.event_id).aspects())}
    return sorted(marks, key=lambda m: (order.get(m.aspect_id, 0), m.judge_id, m.entry))


def _ensure_open(appeal: Appeal, by=None) -> None:
    if appeal.status != AppealStatus.OPEN.value:
        raise DomainError(_l("该申诉已裁决（%(s)s），仲裁裁决为最终裁决，不能再次裁决",
                             s=appeal.status_enum.label))
    group = event_arbitrator_ids(db.session.get_one(Event, appeal.event_id))
    if by is not None and group and by.id not in group:
        raise DomainError(_l("该赛项的申诉由其仲裁组裁决，您不是仲裁组成员"))
    if by is not None and getattr(by, "employer_id", None) == appeal.enterprise_id:
        raise DomainError(_l("您与申诉选手同属一个单位，应当回避，不能裁决该申诉"))


def event_arbitrator_ids(event: Event) -> frozenset[int]:
    """The user ids of the event's own arbitration group (empty: the competition's group rules)."""
    return frozenset(db.session.scalars(select(EventArbitrator.user_id)
                                        .where(EventArbitrator.event_id == event.id)))


def set_event_arbitrators(event: Event, user_ids, *, by) -> None:
    """Give ``event`` its own arbitration group (an empty list returns it to the competition's)."""
    wanted = frozenset(int(i) for i in user_ids)
    current = event_arbitrator_ids(event)
    if wanted == current:
        return
    db.session.execute(delete(EventArbitrator).where(EventArbitrator.event_id == event.id,
                                                     EventArbitrator.user_id.not_in(wanted)))
    db.session.add_all(EventArbitrator(event_id=event.id, user_id=i) for i in sorted(wanted - current))
    db.session.flush()
    audit.record("event.arbitrators", event, by=by,
                 changes={"arbitrators": [sorted(current), sorted(wanted)]})


def open_appeals(event: Event) -> list[Appeal]:
    """The event's appeals still waiting for a ruling."""
    return list(db.session.scalars(select(Appeal).where(Appeal.event_id == event.id,
                                                        Appeal.status == AppealStatus.OPEN.value)))


def _checked(mark: Mark, aspect: scoring.Aspect, value) -> Decimal:
    """A corrected mark, checked by the scoring rules of its aspect."""
    try:
        value = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(_l("“%(a)s”的分数不是有效的数字", a=mark.aspect.name)) from None
    try:
        # A judgement score is checked as one judge's score among the minimum panel.
        scoring.aspect_mark(aspect, [value] * (scoring.MIN_JUDGES if aspect.kind == scoring.AspectKind.JUDGEMENT
                                               else 1))
    except scoring.SchemeError as error:
        raise DomainError(error) from None
    return value


def uphold(appeal: Appeal, ruling: str, corrections: dict[int, object], *, by) -> list[MarkChange]:
    """Uphold ``appeal``: correct the contestant's marks (``{mark id: new value}``), recompute
    the event's results and record old and new values. At least one mark must change."""
    _ensure_open(appeal, by)
    ruling = _text(ruling, "ruling", _l("请填写裁决理由"))
    event = db.session.get_one(Event, appeal.event_id)
    aspects = results_service.event_scheme(event).aspects
    marks = {m.id: m for m in appeal_marks(appeal)}
    changes = []
    for mark_id, raw in corrections.items():
        mark = marks.get(mark_id)
        if mark is None:
            raise DomainError(_l("只能更正申诉选手本人的分数"))
        value = _checked(mark, aspects[mark.aspect_id], raw)
        if value != mark.value:
            changes.append((mark, value))
    if not changes:
        raise DomainError(_l("申诉成立须至少更正一项分数；如无需更正，请驳回申诉"))
    result = db.session.scalar(select(Result).where(Result.contestant_id == appeal.contestant_id))
    old_total, old_rank = (result.total, result.rank) if result else (None, None)
    rows = []
    for mark, value in changes:
        rows.append(MarkChange(event_id=event.id, mark_id=mark.id, old_value=mark.value, new_value=value,
                               reason=ruling, source=MarkChangeSource.APPEAL.value, appeal_id=appeal.id,
                               changed_by_id=by.id, approved_by_id=by.id))
        mark.value = value
    db.session.add_all(rows)
    db.session.flush()
    results_service.recompute_after_appeal(event)
    award_certificates.sync_awards(event, by=by)
    result = db.session.scalar(select(Result).where(Result.contestant_id == appeal.contestant_id))
    _rule(appeal, AppealStatus.UPHELD, ruling, by)
    appeal.corrected_total = result.total if result else None
    db.session.flush()
    audit.record("appeal.uphold", appeal, by=by, label=f"{event.occupation} {appeal.contestant}", changes={
        "status": [AppealStatus.OPEN.value, AppealStatus.UPHELD.value],
        "total": [str(old_total), str(result.total if result else None)],
        "rank": [old_rank, result.rank if result else None],
        "marks": {str(r.mark_id): [str(r.old_value), str(r.new_value)] for r in rows},
    })
    return rows


def dismiss(appeal: Appeal, ruling: str, *, by) -> None:
    """Dismiss ``appeal`` with a reason; nothing changes in the results."""
    _ensure_open(appeal, by)
    ruling = _text(ruling, "ruling", _l("请填写驳回理由"))
    _rule(appeal, AppealStatus.DISMISSED, ruling, by)
    db.session.flush()
    audit.record("appeal.dismiss", appeal, by=by, label=f"{appeal.contestant}",
                 changes={"status": [AppealStatus.OPEN.value, AppealStatus.DISMISSED.value]})


def _rule(appeal: Appeal, status: AppealStatus, ruling: str, by) -> None:
    appeal.status = status.value
    appeal.ruling = ruling
    appeal.ruled_by_id = by.id
    appeal.ruled_at = utcnow()
    notifications.appeal_ruled(appeal)


def event_appeals(event: Event) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(Appeal.event_id == event.id)
                              .order_by(Appeal.filed_at.desc())))


def enterprise_appeals(enterprise_id: int) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(Appeal.enterprise_id == enterprise_id)
                              .order_by(Appeal.filed_at.desc())))
