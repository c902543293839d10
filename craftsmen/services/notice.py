"""The public notice (公示) of a cycle's proposed list, and the objections (异议) filed against it.

Publishing moves the cycle from review to notice, once every nomination is decided and every
occupation's list is generated from the current scores; anyone may object while the notice is open;
an administrator resolves every objection before naming: upheld withdraws the nominee,
dismissed needs a reason. Filing is not logged with the objector's contact or facts: the
audit trail names the objection only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Select, func, select, update

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.i18n import chinese_date
from core.timeutil import beijing_today, utcnow
from core.validators import InvalidIdentifier, check_mobile
from craftsmen import notifications
from craftsmen.models import (
    CycleStatus,
    Nomination,
    NominationState,
    Objection,
    ObjectionStatus,
    PublicNotice,
    ReviewMethod,
    SelectionCycle,
)
from craftsmen.services import review
from craftsmen.services.transitions import move_cycle, move_nomination

NAME_MAX = 50
CONTACT_MAX = 100
FACTS_MIN = 10
FACTS_MAX = 2000
TEXT_MAX = 5000
RESOLUTION_MAX = 2000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def notice_of(cycle: SelectionCycle) -> PublicNotice | None:
    return db.session.scalar(select(PublicNotice).where(PublicNotice.cycle_id == cycle.id))


def proposed_count(cycle: SelectionCycle) -> int:
    return db.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.cycle_id == cycle.id, Nomination.state == NominationState.PROPOSED.value)) or 0


def open_objections(notice_id) -> Select:
    """The count of a notice's objections still open; ``notice_id`` is an id, or the column of
    an outer query (the count is then its correlated subquery)."""
    return select(func.count()).select_from(Objection).where(
        Objection.notice_id == notice_id, Objection.status == ObjectionStatus.OPEN.value)


def open_objection_count(notice: PublicNotice) -> int:
    return db.session.scalar(open_objections(notice.id)) or 0


def period_label(notice: PublicNotice) -> str:
    return f"{chinese_date(notice.starts_on)} – {chinese_date(notice.ends_on)}"


# --- Publishing ------------------------------------------------------------------------------

#: Nominations still waiting for the union reviewers' decision: they must be qualified or
#: rejected before the notice, or they would be stuck once the cycle leaves review.
UNDECIDED_STATES = (NominationState.SUBMITTED, NominationState.RETURNED)


def publish_blockers(cycle: SelectionCycle) -> list[str]:
    """Why the proposed list of ``cycle`` is not ready for the notice (empty: it is).

    Every nomination is decided (none awaits the qualification check or a correction), and
    every occupation with nominees in the talent pool has a list generated from the current
    scores, with nothing in the way (:func:`craftsmen.services.review.standings`).
    """
    blockers = []
    undecided = db.session.scalars(select(Nomination).where(
        Nomination.cycle_id == cycle.id,
        Nomination.state.in_([s.value for s in UNDECIDED_STATES]))
        .order_by(Nomination.occupation_id, Nomination.id)).all()
    if undecided:
        blockers.append(str(_l("以下推荐尚无资格审查结论，须先审查通过或不通过：%(items)s",
                               items="、".join(f"{n.worker.name}（{n.occupation.name}，{n.state_enum.label}）"
                                              for n in undecided))))
    for occupation in cycle.occupations:
        if occupation.method_enum is not ReviewMethod.COMPREHENSIVE:  # decided by the competition road
            from craftsmen.selection_route.services import notice_blockers

            blockers += notice_blockers(occupation)
            continue
        result = review.standings(occupation)
        if not result.entries:  # nobody of this occupation is in the talent pool
            continue
        if result.problems:
            blockers.append(str(_l("“%(o)s”：%(problems)s", o=occupation.name,
                                   problems="；".join(result.problems))))
        elif not result.generated:
            blockers.append(str(_l("“%(o)s”尚未生成建议名单", o=occupation.name)))
        elif result.stale:
            blockers.append(str(_l("“%(o)s”的建议名单已过时（生成后评分或提名有变化），请重新生成",
                                   o=occupation.name)))
    return blockers


def publish_notice(cycle: SelectionCycle, starts_on: date | None, *, text: str = "", by,
                   today: date | None = None, days: int | None = None) -> PublicNotice:
    """Open the notice of ``cycle``'s proposed list for ``cycle.notice_days`` days from
    ``starts_on`` (inclusive). A cycle sent back to review and published again keeps its one
    notice (and its objections) with the new dates."""
    today = today or beijing_today()
    if cycle.status != CycleStatus.REVIEWING:
        raise DomainError(_l("只有“评审中”的周期才能发布公示，当前为“%(s)s”",
                             s=cycle.status_enum.label))
    if starts_on is None:
        raise DomainError(_l("请选择公示开始日期"), field="starts_on")
    if starts_on < today:
        raise DomainError(_l("公示开始日期不能早于今天"), field="starts_on")
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_l("公示说明不能超过 %(n)s 个字符", n=TEXT_MAX), field="text")
    if not proposed_count(cycle):
        raise DomainError(_l("还没有拟命名人选（建议名单），不能发布公示"))
    blockers = publish_blockers(cycle)
    if blockers:
        raise DomainError(_l("不能发布公示：%(blockers)s", blockers="；".join(blockers)))
    if days is not None:
        if not 1 <= int(days) <= 30:
            raise DomainError(_l("公示期应为 1 到 30 天"), field="days")
        if int(days) != cycle.notice_days:
            audit.record("cycle.notice_days", cycle, by=by,
                         changes={"notice_days": [cycle.notice_days, int(days)]})
            cycle.notice_days = int(days)

    notice = notice_of(cycle)
    before = audit.snapshot(notice, ("starts_on", "ends_on")) if notice else {}
    if notice is None:
        notice = PublicNotice(cycle_id=cycle.id)
        db.session.add(notice)
    notice.starts_on = starts_on
    notice.ends_on = starts_on + timedelta(days=cycle.notice_days - 1)
    notice.text = text
    notice.published_at = utcnow()
    notice.published_by_id = getattr(by, "id", None)
    move_cycle(cycle, CycleStatus.NOTICE, by=by)
    audit.record("notice.publish", notice, by=by, label=str(cycle),
                 changes=audit.diff(before, audit.snapshot(notice, ("starts_on", "ends_on"))))
    notifications.notice_published(notice)
    return notice


def reopen_review(cycle: SelectionCycle, reason: str, *, by) -> None:
    """Take a cycle off notice and back to review (e.g. every nominee was withdrawn, or the
    list must change). The notice page closes; its objections stay on record."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请填写退回评审的理由"), field="reason")
    if len(reason) > RESOLUTION_MAX:
        raise DomainError(_l("理由不能超过 %(n)s 个字符", n=RESOLUTION_MAX), field="reason")
    if cycle.status != CycleStatus.NOTICE:
        raise DomainError(_l("只有“公示中”的周期才能退回评审"))
    move_cycle(cycle, CycleStatus.REVIEWING, by=by)
    audit.record("cycle.reopen_reason", cycle, by=by, changes={"reason": [None, reason[:500]]})


# --- Objections ------------------------------------------------------------------------------

@dataclass
class ObjectionData:
    nomination_id: int | None
    name: str
    contact: str
    facts: str


def check_contact(value: str) -> str:
    """A mainland mobile number (normalised) or an e-mail address (lower-cased)."""
    value = (value or "").strip()
    if not value:
        raise DomainError(_l("请填写联系方式（手机号码或电子邮箱）"), field="contact")
    if "@" in value:
        if len(value) > CONTACT_MAX or not _EMAIL.match(value):
            raise DomainError(_l("电子邮箱格式不正确"), field="contact")
        return value.lower()
    try:
        return check_mobile(value)
    except InvalidIdentifier:
        raise DomainError(_l("请填写 11 位手机号码或电子邮箱，以便核实时与您联系"),
                          field="contact") from None


def _validated(data: ObjectionData) -> ObjectionData:
    name = (data.name or "").strip()
    if not name:
        raise DomainError(_l("请填写您的姓名"), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("姓名不能超过 %(n)s 个字符", n=NAME_MAX), field="name")
    contact = check_contact(data.contact)
    facts = (data.facts or "").strip()
    if len(facts) < FACTS_MIN:
        raise DomainError(_l("请具体写明异议的事实和理由，至少 %(n)s 个字", n=FACTS_MIN),
                          field="facts")
    if len(facts) > FACTS_MAX:
        raise DomainError(_l("事实和理由不能超过 %(n)s 个字符", n=FACTS_MAX), field="facts")
    return ObjectionData(data.nomination_id, name, contact, facts)


def closed_reason(notice: PublicNotice, today: date) -> str | None:
    """Why objections are not being received today; None while they are."""
    if notice.cycle.status != CycleStatus.NOTICE:
        return str(_l("该公示已结束，不再受理异议"))
    if today < notice.starts_on:
        return str(_l("公示将于 %(d)s 开始，开始后才能提出异议", d=chinese_date(notice.starts_on)))
    if today > notice.ends_on:
        return str(_l("公示期（%(p)s）已结束，不再受理异议", p=period_label(notice)))
    return None


def file_objection(notice: PublicNotice, data: ObjectionData, *,
                   today: date | None = None) -> Objection:
    """Store an objection from the public against a nominee on the notice."""
    reason = closed_reason(notice, today or beijing_today())
    if reason:
        raise DomainError(reason)
    nomination = db.session.get(Nomination, data.nomination_id or 0)
    if (nomination is None or nomination.cycle_id != notice.cycle_id
            or nomination.state != NominationState.PROPOSED):
        raise DomainError(_l("请选择本次公示名单中的人选"), field="nomination_id")
    clean = _validated(data)
    duplicate = db.session.scalar(select(Objection.id).where(
        Objection.notice_id == notice.id, Objection.nomination_id == nomination.id,
        Objection.name == clean.name, Objection.contact == clean.contact,
        Objection.facts == clean.facts).limit(1))
    if duplicate is not None:
        raise DomainError(_l("您已提交过内容相同的异议，我们会一并核实处理，无需重复提交"))
    objection = Objection(notice_id=notice.id, nomination_id=nomination.id, name=clean.name,
                          contact=clean.contact, facts=clean.facts,
                          status=ObjectionStatus.OPEN.value)
    db.session.add(objection)
    db.session.flush()
    # Who objected and how to reach them stay out of the log (personal data).
    audit.record("objection.file", objection, by=None, label=_objection_label(objection),
                 changes={"nomination_id": [None, nomination.id]})
    notifications.objection_filed(nomination)
    return objection


def _objection_label(objection: Objection) -> str:
    return f"异议 #{objection.id} · {objection.nomination.worker.name}"


def _claim(objection: Objection, decision: str, resolution: str, *, by) -> None:
    """Record the decision only if the objection is still open, in one conditional UPDATE:
    of two administrators resolving it at once, exactly one wins (the database serialises the
    two updates; the second finds it no longer open)."""
    claimed = cast(CursorResult, db.session.execute(
        update(Objection)
        .where(Objection.id == objection.id, Objection.status == ObjectionStatus.OPEN.value)
        .values(status=ObjectionStatus(decision).value, resolution=resolution,
                resolved_by_id=getattr(by, "id", None), resolved_at=utcnow())
        .execution_options(synchronize_session=False))).rowcount
    if claimed != 1:
        raise DomainError(_l("该异议刚刚已由他人处理，请刷新页面查看处理结果"))
    db.session.refresh(objection)


def resolve_objection(objection: Objection, decision: str, resolution: str, *, by) -> None:
    """Upheld: the nominee is withdrawn from the list. Dismissed: the reason is recorded."""
    if objection.status != ObjectionStatus.OPEN:
        raise DomainError(_l("该异议已处理（%(s)s）", s=objection.status_enum.label))
    if objection.notice.cycle.status == CycleStatus.CLOSED:
        raise DomainError(_l("该周期已命名，不能再处理异议"))
    if decision not in (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED):
        raise DomainError(_l("请选择处理结果"), field="decision")
    resolution = (resolution or "").strip()
    if decision == ObjectionStatus.DISMISSED and not resolution:
        raise DomainError(_l("认定异议不成立时须写明理由"), field="resolution")
    if len(resolution) > RESOLUTION_MAX:
        raise DomainError(_l("处理意见不能超过 %(n)s 个字符", n=RESOLUTION_MAX),
                          field="resolution")

    _claim(objection, decision, resolution, by=by)
    nomination = objection.nomination
    if decision == ObjectionStatus.UPHELD and nomination.state != NominationState.WITHDRAWN:
        # Several objections may concern one nominee: the first one upheld withdraws them.
        move_nomination(nomination, NominationState.WITHDRAWN, by=by,
                        note=resolution or str(_l("公示期间异议成立")),
                        changes={"objection_id": [None, objection.id]})
    action = "uphold" if decision == ObjectionStatus.UPHELD else "dismiss"
    audit.record(f"objection.{action}", objection, by=by, label=_objection_label(objection),
                 changes={"status": [ObjectionStatus.OPEN.value, objection.status],
                          "resolution": [None, resolution[:500]]})
