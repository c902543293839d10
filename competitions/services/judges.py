"""Judges of an event: the administrator assigns judges and names the chief judge (裁判长);
judges declare conflicts of interest; :func:`may_score` says whether a judge may score a
contestant (the scoring pages ask it before showing or saving a mark).

Recusal from the judge's own enterprise (``User.employer_id``) is automatic; other conflicts
are :class:`JudgeConflict` rows against a contestant or a whole enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from competitions.models import (
    ConflictState,
    Contestant,
    ContestantStatus,
    Event,
    EventState,
    JudgeAssignment,
    JudgeConflict,
    Mark,
)
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from core.timeutil import utcnow

#: Judges may be assigned or removed only before the chief judge locks the event.
ASSIGNABLE_STATES = frozenset({EventState.DRAFT, EventState.REGISTRATION, EventState.CHECK_IN,
                               EventState.SCORING})
REASON_MAX = 500


# Reading ------------------------------------------------------------------------------------

def assignment_of(user, event: Event) -> JudgeAssignment | None:
    """``user``'s assignment to ``event``, if any."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(select(JudgeAssignment).where(JudgeAssignment.event_id == event.id,
                                                           JudgeAssignment.user_id == user.id))


def assignments(event: Event) -> list[JudgeAssignment]:
    """The event's judges, the chief judge first."""
    return list(db.session.scalars(select(JudgeAssignment).where(JudgeAssignment.event_id == event.id)
                                   .order_by(JudgeAssignment.is_chief.desc(), JudgeAssignment.id)))


def events_of(user) -> list[Event]:
    """The events ``user`` judges, the latest first."""
    return list(db.session.scalars(
        select(Event).join(JudgeAssignment, JudgeAssignment.event_id == Event.id)
        .where(JudgeAssignment.user_id == user.id).order_by(Event.held_on.desc(), Event.id.desc())))


def chief_of(event: Event) -> JudgeAssignment | None:
    return db.session.scalar(select(JudgeAssignment).where(JudgeAssignment.event_id == event.id,
                                                           JudgeAssignment.is_chief.is_(True)))


def may_score(judge_user, contestant: Contestant) -> str | None:
    """Why ``judge_user`` may not score ``contestant`` (a Chinese sentence), or None if they may.

    Refused: someone not assigned to the contestant's event; a judge employed by the
    contestant's enterprise (automatic recusal, 回避); a judge who declared a conflict with
    the contestant or the contestant's enterprise.
    """
    return may_score_with(assignment_of(judge_user, contestant.event), judge_user, contestant)


def may_score_with(assignment: JudgeAssignment | None, judge_user, contestant: Contestant) -> str | None:
    """:func:`may_score` with the judge's assignment already loaded."""
    if assignment is None:
        return str(_l("您不是本赛项的裁判"))
    conflict = next((c for c in sorted(assignment.conflicts, key=lambda c: c.id) if c.in_force and (
        c.contestant_id == contestant.id or c.enterprise_id == contestant.enterprise_id)), None)
    return recusal_message(judge_user, contestant, conflict.reason if conflict is not None else None)


def recusal_message(judge_user, contestant: Contestant, conflict_reason: str | None) -> str | None:
    """Why an assigned judge may not score ``contestant``, given the reason of the first
    conflict in force they declared with the contestant or their enterprise (None: none)."""
    if judge_user.employer_id is not None and judge_user.employer_id == contestant.enterprise_id:
        return str(_l("回避：该选手与您来自同一单位"))
    if conflict_reason is not None:
        return str(_l("回避：您已申报利益冲突（%(r)s）", r=conflict_reason))
    return None


def _recused(assignment: JudgeAssignment, contestant: Contestant) -> bool:
    """:func:`may_score`'s recusal rules on loaded rows (no query)."""
    employer = assignment.user.employer_id
    if employer is not None and employer == contestant.enterprise_id:
        return True
    return any(c.in_force and (c.contestant_id == contestant.id or c.enterprise_id == contestant.enterprise_id)
               for c in assignment.conflicts)


# Coverage -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shortfall:
    """A contestant whom fewer judges than the scheme needs may score."""

    contestant: Contestant
    judges: int
    needed: int


def judges_needed(event: Event) -> int:
    """How many non-recused scoring judges every contestant needs: the scheme's minimum for
    judgement aspects when it has any, else one."""
    if any(a.is_judgement for a in event.aspects()):
        return event.min_judgement_judges
    return 1


def coverage_shortfalls(event: Event) -> list[Shortfall]:
    """Contestants still in the event whom too few scoring judges (the chief judge does not
    score) may score, after automatic recusal and accepted conflicts. Before the draw every
    active registration counts; after it, the contestants with a blind number."""
    active = (ContestantStatus.REGISTERED.value, ContestantStatus.CHECKED_IN.value)
    query = select(Contestant).where(Contestant.event_id == event.id, Contestant.status.in_(active))
    if event.lots_drawn_at is not None:
        query = query.where(Contestant.blind_number.is_not(None))
    people = db.session.scalars(query.order_by(Contestant.blind_number, Contestant.id)).all()
    scorers = db.session.scalars(
        select(JudgeAssignment).where(JudgeAssignment.event_id == event.id, JudgeAssignment.is_chief.is_(False))
        .options(selectinload(JudgeAssignment.user), selectinload(JudgeAssignment.conflicts))).all()
    needed = judges_needed(event)
    found = []
    for contestant in people:
        count = sum(not _recused(a, contestant) for a in scorers)
        if count < needed:
            found.append(Shortfall(contestant, count, needed))
    return found


def coverage_message(shortfalls: list[Shortfall], label=str) -> str | None:
    """One sentence naming the contestants (by ``label``) and what to do; None when covered."""
    if not shortfalls:
        return None
    names = "、".join(f"{label(s.contestant)}（{s.judges}/{s.needed}）" for s in shortfalls[:10])
    more = str(_l("等 %(n)s 名选手", n=len(shortfalls))) if len(shortfalls) > 10 else ""
    return str(_l("可评分裁判不足：%(names)s%(more)s。每名选手需要 %(n)s 名不回避的评分裁判，"
                  "请增派与这些选手单位无关的裁判，或复核回避申报。",
                  names=names, more=more, n=shortfalls[0].needed))


# Changes ------------------------------------------------------------------------------------

def _ensure_assignable(event: Event) -> None:
    if event.state_enum not in ASSIGNABLE_STATES:
        raise DomainError(_l("成绩锁定后不能再调整裁判"))


def _make_chief(event: Event, assignment: JudgeAssignment) -> None:
    """Only one chief judge per event: the former one steps down first (the unique index
    would otherwise refuse the flush)."""
    former = chief_of(event)
    if former is not None and former is not assignment:
        former.is_chief = False
        db.session.flush()
    assignment.is_chief = True


def assign_judge(event: Event, user, *, chief: bool = False, by) -> JudgeAssignment:
    """Assign a user holding the judge role to ``event`` (as its chief judge if ``chief``)."""
    _ensure_assignable(event)
    if user is None or not user.is_enabled or not user.has_role(Role.JUDGE):
        raise DomainError(_l("只能选派具有裁判角色的有效账号"), field="user_id")
    if assignment_of(user, event) is not None:
        raise DomainError(_l("%(n)s 已是本赛项的裁判", n=user.display_name), field="user_id")
    assignment = JudgeAssignment(event_id=event.id, user_id=user.id, assigned_by_id=getattr(by, "id", None))
    db.session.add(assignment)
    db.session.flush()
    if chief:
        _make_chief(event, assignment)
        db.session.flush()
    audit.record("judge.assign", event, by=by,
                 changes={"judge_id": [None, user.id], "is_chief": [None, bool(chief)]})
    return assignment


def name_chief(assignment: JudgeAssignment, *, by) -> None:
    """Make an assigned judge the event's chief judge (裁判长)."""
    _ensure_assignable(assignment.event)
    if assignment.is_chief:
        raise DomainError(_l("%(n)s 已是裁判长", n=assignment.user.display_name))
    former = chief_of(assignment.event)
    _make_chief(assignment.event, assignment)
    db.session.flush()
    audit.record("judge.name_chief", assignment.event, by=by,
                 changes={"chief_id": [former.user_id if former else None, assignment.user_id]})


def remove_judge(assignment: JudgeAssignment, *, by) -> None:
    """Take a judge off the event; refused once the judge has entered marks."""
    event = assignment.event
    _ensure_assignable(event)
    marks = db.session.scalar(select(func.count()).select_from(Mark).where(
        Mark.event_id == event.id, Mark.judge_id == assignment.user_id))
    if marks:
        raise DomainError(_l("%(n)s 已录入评分，不能移出本赛项", n=assignment.user.display_name))
    user_id, was_chief = assignment.user_id, assignment.is_chief
    db.session.delete(assignment)
    db.session.flush()
    audit.record("judge.remove", event, by=by, changes={"judge_id": [user_id, None],
                                                        "is_chief": [was_chief, None]})


def declare_conflict(assignment: JudgeAssignment, *, reason: str, by, contestant: Contestant | None = None,
                     enterprise_id: int | None = None) -> JudgeConflict:
    """Record a conflict of interest of the judge against one contestant or a whole enterprise."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请说明回避原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_l("回避原因不能超过 %(n)s 个字", n=REASON_MAX), field="reason")
    if (contestant is None) == (enterprise_id is None):
        raise DomainError(_l("请选择回避的选手或单位"), field="enterprise_id")
    if contestant is not None and contestant.event_id != assignment.event_id:
        raise DomainError(_l("该选手不属于本赛项"))
    if assignment.event.state_enum in {EventState.LOCKED, EventState.RECHECKED, EventState.PUBLISHED}:
        raise DomainError(_l("成绩锁定后不能再申报回避"))
    for conflict in assignment.conflicts:
        if (contestant is not None and conflict.contestant_id == contestant.id) or (
                enterprise_id is not None and conflict.enterprise_id == enterprise_id):
            raise DomainError(_l("已申报过该回避"), field="enterprise_id")
    # After the draw a judge's own declaration waits for the chief judge: accepted at once, it
    # would show the judge which blind numbers belong to the enterprise.
    by_judge = getattr(by, "id", None) == assignment.user_id
    state = ConflictState.PENDING if by_judge and assignment.event.lots_drawn_at is not None \
        else ConflictState.ACCEPTED
    conflict = JudgeConflict(assignment=assignment, contestant_id=getattr(contestant, "id", None),
                             enterprise_id=enterprise_id, reason=reason, declared_by_id=getattr(by, "id", None),
                             state=state.value)
    db.session.add(conflict)
    db.session.flush()
    audit.record("judge.declare_conflict", assignment.event, by=by, changes={
        "judge_id": [None, assignment.user_id], "contestant_id": [None, conflict.contestant_id],
        "enterprise_id": [None, enterprise_id], "state": [None, state.value]})
    return conflict


def pending_conflicts(event: Event) -> list[JudgeConflict]:
    """Declarations made after the draw, waiting for the chief judge."""
    return list(db.session.scalars(select(JudgeConflict).join(JudgeAssignment).where(
        JudgeAssignment.event_id == event.id, JudgeConflict.state == ConflictState.PENDING.value)
        .order_by(JudgeConflict.id)))


def decide_conflict(conflict: JudgeConflict, *, accept: bool, note: str = "", by) -> None:
    """The chief judge (or an administrator) accepts a pending declaration, so the judge is
    recused, or dismisses it with a note."""
    event = conflict.assignment.event
    if event.state_enum not in ASSIGNABLE_STATES:
        raise DomainError(_l("成绩锁定后不能再处理回避申报"))
    if conflict.state != ConflictState.PENDING:
        raise DomainError(_l("该回避申报已处理"))
    note = (note or "").strip()
    if not accept and not note:
        raise DomainError(_l("不予回避时请填写说明"), field="note")
    if len(note) > REASON_MAX:
        raise DomainError(_l("说明不能超过 %(n)s 个字", n=REASON_MAX), field="note")
    target = ConflictState.ACCEPTED if accept else ConflictState.DISMISSED
    conflict.state, conflict.decision_note = target.value, note
    conflict.decided_by_id, conflict.decided_at = getattr(by, "id", None), utcnow()
    db.session.flush()
    audit.record("judge.decide_conflict", event, by=by, changes={
        "judge_id": [None, conflict.assignment.user_id], "state": [ConflictState.PENDING.value, target.value],
        "note": [None, note]})
