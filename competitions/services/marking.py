"""Judges enter marks: one judge's mark per aspect and contestant, saved as they type.

Rules kept here, once:

* only a judge assigned to the event scores it (:class:`NotAssigned`, a 403 for the view),
  only while the event is scoring, and never a contestant they are recused from (回避: same
  enterprise, or a declared conflict);
* a mark is checked against its aspect by :mod:`competitions.scoring` (range, step, 0-3);
* every save carries a client key: a save whose key is already stored changes nothing, so a
  retried request after a dropped connection is harmless (the page sends each field's saves
  one after another, each new value with a new key);
* each judge's marks are their own rows, so two judges saving at once never overwrite each
  other; the same judge saving one mark twice at once ends as one row holding the last value;
* a submitted sheet (one judge, one module) is read-only, unless the chief judge reopened a
  mark of it for re-scoring; only then may the judge see the other judges' marks.

Judges know contestants by blind number only: nothing here returns a name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from competitions import scoring, states
from competitions.models import (
    Contestant,
    ContestantStatus,
    Event,
    JudgeAssignment,
    JudgeConflict,
    JudgeSheetSubmission,
    Mark,
    SchemeAspect,
    SchemeModule,
)
from competitions.services import schemes
from core.audit import services as audit
from core.errors import DomainError, NotPermitted
from core.extensions import db
from core.timeutil import utcnow

#: Longest client key accepted (the column's width).
CLIENT_KEY_MAX = 64


class NotAssigned(NotPermitted):
    """The user is not a judge of this event (the view answers 403)."""


# Who scores what ---------------------------------------------------------------------------------

def assignment_of(event: Event, user) -> JudgeAssignment | None:
    return db.session.scalar(select(JudgeAssignment).where(
        JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == user.id))


def require_judge(event: Event, user) -> JudgeAssignment:
    assignment = assignment_of(event, user)
    if assignment is None:
        raise NotAssigned(_l("您不是该赛项的裁判"))
    return assignment


def events_of(user) -> list[tuple[Event, JudgeAssignment]]:
    """The events ``user`` judges, newest first."""
    rows = db.session.execute(select(Event, JudgeAssignment).join(
        JudgeAssignment, JudgeAssignment.event_id == Event.id).where(
        JudgeAssignment.user_id == user.id).order_by(Event.held_on.desc(), Event.id.desc()))
    return [(e, a) for e, a in rows]


def recusal_reason(user, contestant: Contestant) -> str | None:
    """Why ``user`` may not score ``contestant`` (None: they may).

    Uses the judges service's ``may_score`` when it exists; until then the same two rules:
    the judge's own enterprise, and conflicts declared on the judge's assignment.
    """
    try:
        from competitions.services.judges import may_score
    except ImportError:
        may_score = None
    if may_score is not None:
        return may_score(user, contestant)
    if user.employer_id is not None and user.employer_id == contestant.enterprise_id:
        return str(_l("回避：该选手与您同属一个单位"))
    conflict = db.session.scalar(select(JudgeConflict).join(JudgeAssignment).where(
        JudgeAssignment.event_id == contestant.event_id, JudgeAssignment.user_id == user.id,
        (JudgeConflict.contestant_id == contestant.id)
        | (JudgeConflict.enterprise_id == contestant.enterprise_id)).limit(1))
    if conflict is not None:
        return str(_l("回避：%(reason)s", reason=conflict.reason))
    return None


def competing(event: Event) -> list[Contestant]:
    """Contestants being scored: checked in with a blind number, in blind-number order."""
    return list(db.session.scalars(select(Contestant).where(
        Contestant.event_id == event.id, Contestant.blind_number.is_not(None),
        Contestant.status == ContestantStatus.CHECKED_IN.value).order_by(Contestant.blind_number)))


def contestant_by_blind_number(event: Event, blind_number: str | None) -> Contestant | None:
    """The contestant of ``event`` behind a blind number (None: no such number). Judges' pages
    and the API name contestants by blind number, never by database id, which follows
    registration order and so groups contestants by enterprise."""
    if not blind_number:
        return None
    return db.session.scalar(select(Contestant).where(Contestant.event_id == event.id,
                                                      Contestant.blind_number == blind_number))


def recusal_reasons(judge, contestants: Iterable[Contestant]) -> dict[int, str | None]:
    """:func:`recusal_reason` for many contestants of one event at once (one query)."""
    contestants = list(contestants)
    if not contestants:
        return {}
    from competitions.services.judges import assignment_of, may_score_with

    assignment = assignment_of(judge, contestants[0].event)
    return {c.id: may_score_with(assignment, judge, c) for c in contestants}


def entries_of(event: Event, aspect: SchemeAspect) -> tuple[int, ...]:
    """Measurement aspects are entered twice when the event says so; everything else once."""
    if event.double_entry_measurement and not aspect.is_judgement:
        return (1, 2)
    return (1,)


def check_open_for_marks(event: Event) -> None:
    """Refuse unless judges may enter marks now."""
    if event.state_enum in states.IDENTITIES_REVEALED_STATES:
        raise DomainError(_l("成绩已锁定，不能再修改分数"))
    if event.state_enum not in states.SCORING_STATES:
        raise DomainError(_l("赛项不在评分阶段，不能录入分数"))


# Sheets --------------------------------------------------------------------------------------------

def sheet_of(event: Event, judge, module: SchemeModule) -> JudgeSheetSubmission | None:
    return db.session.scalar(select(JudgeSheetSubmission).where(
        JudgeSheetSubmission.event_id == event.id, JudgeSheetSubmission.module_id == module.id,
        JudgeSheetSubmission.judge_id == judge.id))


def sheet_submitted(event: Event, judge, module: SchemeModule) -> bool:
    """Submitted and not reopened for re-scoring."""
    sheet = sheet_of(event, judge, module)
    return sheet is not None and sheet.reopened_reason is None


def may_see_other_marks(event: Event, judge, module: SchemeModule) -> bool:
    """A judge sees the others' marks only once their own sheet of the module is in."""
    return sheet_submitted(event, judge, module)


# Marks ---------------------------------------------------------------------------------------------

def parse_mark(aspect: SchemeAspect, text: str) -> Decimal:
    """A typed mark as a Decimal, checked against the aspect; DomainError (in Chinese) if not."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("请填写“%(name)s”的分数", name=aspect.name))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(_l("“%(name)s”的分数应为数字", name=aspect.name)) from None
    if not value.is_finite():
        raise DomainError(_l("“%(name)s”的分数应为数字", name=aspect.name))
    try:
        if aspect.is_judgement:
            # The arithmetic's own check of a 0-3 score (refuses 1.5, 4, -1).
            scoring.judgement_aspect_mark(aspect.max_mark, [value] * scoring.MIN_JUDGES)
            return Decimal(int(value))
        checked = scoring.check_measurement_mark(_arith_aspect(aspect), value)
    except scoring.SchemeError as error:
        raise DomainError(str(error)) from None
    if checked != checked.quantize(scoring.DISPLAY_PLACES):
        raise DomainError(_l("“%(name)s”的分数最多保留两位小数", name=aspect.name))
    return Decimal(format(checked + 0, "f"))


def _arith_aspect(aspect: SchemeAspect) -> scoring.Aspect:
    criterion = aspect.criterion
    return scoring.Aspect(key=str(aspect.id), module_key=str(criterion.module_id), criterion=criterion.name,
                          name=aspect.name, kind=aspect.kind, max_mark=Decimal(schemes.plain(aspect.max_mark)),
                          step=Decimal(schemes.plain(aspect.step)) if aspect.step is not None else None)


def own_marks(event: Event, judge, contestant: Contestant, aspects: Iterable[SchemeAspect]
              ) -> dict[tuple[int, int], Mark]:
    """The judge's marks of ``contestant`` on ``aspects``, by (aspect id, entry)."""
    ids = [a.id for a in aspects]
    rows = db.session.scalars(select(Mark).where(
        Mark.event_id == event.id, Mark.judge_id == judge.id, Mark.contestant_id == contestant.id,
        Mark.aspect_id.in_(ids)))
    return {(m.aspect_id, m.entry): m for m in rows}


def module_marks(event: Event, judge, aspects: Iterable[SchemeAspect]) -> dict[int, dict[tuple[int, int], Mark]]:
    """The judge's marks on ``aspects`` for every contestant: {contestant id: {(aspect id, entry): mark}}."""
    ids = [a.id for a in aspects]
    found: dict[int, dict[tuple[int, int], Mark]] = {}
    for mark in db.session.scalars(select(Mark).where(
            Mark.event_id == event.id, Mark.judge_id == judge.id, Mark.aspect_id.in_(ids))):
        found.setdefault(mark.contestant_id, {})[(mark.aspect_id, mark.entry)] = mark
    return found


def reopened_marks(event: Event, judge, module: SchemeModule) -> list[tuple[Contestant, SchemeAspect]]:
    """What the chief judge sent back for re-scoring on the judge's reopened sheet of ``module``:
    (contestant, aspect) pairs, in blind-number order; empty when the sheet is not reopened."""
    sheet = sheet_of(event, judge, module)
    if sheet is None or sheet.reopened_reason is None:
        return []
    rows = db.session.execute(select(Contestant, SchemeAspect).select_from(Mark)
                              .join(Contestant, Contestant.id == Mark.contestant_id)
                              .join(SchemeAspect, SchemeAspect.id == Mark.aspect_id).where(
        Mark.event_id == event.id, Mark.judge_id == judge.id, Mark.submitted_at.is_(None),
        Mark.aspect_id.in_([a.id for a in module.aspects()])).order_by(Contestant.blind_number, SchemeAspect.id))
    seen, found = set(), []
    for contestant, aspect in rows:
        if (contestant.id, aspect.id) not in seen:
            seen.add((contestant.id, aspect.id))
            found.append((contestant, aspect))
    return found


def others_marks(event: Event, judge, contestant: Contestant, aspects: Iterable[SchemeAspect]
                 ) -> dict[int, list[Mark]]:
    """The other judges' submitted marks, by aspect id: for a judge who has submitted."""
    ids = [a.id for a in aspects]
    rows = db.session.scalars(select(Mark).where(
        Mark.event_id == event.id, Mark.judge_id != judge.id, Mark.contestant_id == contestant.id,
        Mark.aspect_id.in_(ids), Mark.submitted_at.is_not(None)).order_by(Mark.judge_id, Mark.entry))
    found: dict[int, list[Mark]] = {}
    for mark in rows:
        found.setdefault(mark.aspect_id, []).append(mark)
    return found


def _check_may_change(event: Event, judge, contestant: Contestant, aspect: SchemeAspect,
                      existing: Mark | None) -> None:
    check_open_for_marks(event)
    require_judge(event, judge)
    if contestant.event_id != event.id or aspect.criterion.module.event_id != event.id:
        raise DomainError(_l("选手或评分细项不属于该赛项"))
    if contestant.blind_number is None or contestant.status != ContestantStatus.CHECKED_IN.value:
        raise DomainError(_l("该选手未检录，不能评分"))
    reason = recusal_reason(judge, contestant)
    if reason is not None:
        raise DomainError(reason)
    sheet = sheet_of(event, judge, aspect.criterion.module)
    if sheet is not None:
        reopened = sheet.reopened_reason is not None and existing is not None and existing.submitted_at is None
        if not reopened:
            raise DomainError(_l("您已提交该模块的评分表，分数不能再修改"))


@dataclass(frozen=True)
class SaveResult:
    mark: Mark
    changed: bool  # False: a replay, or the same value again
    #: The value this save replaced when it was not the one the judge's device knew (``base``):
    #: another device of the same judge had saved it in between.
    replaced: Decimal | None = None


def _replaced(existing: Mark | None, base: str | None) -> Decimal | None:
    """The stored value, when the device saving believed another one (``base``: the value it
    last saw stored, "" for none) was stored."""
    if existing is None or base is None:
        return None
    try:
        known = Decimal(base) if base.strip() else None
    except InvalidOperation:
        return None
    return existing.value if known != existing.value else None


def save_mark(event: Event, judge, contestant: Contestant, aspect: SchemeAspect, text: str, *,
              client_key: str, entry: int = 1, base: str | None = None) -> SaveResult:
    """Save one mark; a replayed ``client_key`` returns the stored mark and changes nothing.

    Two devices of one judge saving the same mark end as one row holding the value saved
    last: the update is not conditional on the row's version, so a concurrent save waits for
    the other's row lock and then applies, instead of failing. ``base`` is the value the
    device last saw stored; when another device had changed it, the result says what was
    replaced."""
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > CLIENT_KEY_MAX:
        raise DomainError(_l("保存请求无效，请刷新页面后重试"))
    if entry not in entries_of(event, aspect):
        raise DomainError(_l("录入次序无效"))
    replay = db.session.scalar(select(Mark).where(Mark.client_key == client_key))
    if replay is not None:
        if replay.judge_id != judge.id:
            raise DomainError(_l("保存请求无效，请刷新页面后重试"))
        return SaveResult(replay, changed=False)
    existing = _mark(event, judge, contestant, aspect, entry)
    check_open_for_marks(event)
    if require_judge(event, judge).is_chief:
        # The chief judge supervises: marks come from the scoring judges, whose sheets the
        # lock waits for (post-lock corrections go through the chief's own change form).
        raise DomainError(_l("裁判长不参与评分"))
    value = parse_mark(aspect, text)
    if existing is not None and existing.value == value:
        return SaveResult(existing, changed=False)  # e.g. a submitted mark sent back unchanged
    _check_may_change(event, judge, contestant, aspect, existing)
    if existing is None:
        created = _insert(event, judge, contestant, aspect, entry, value, client_key)
        if created is not None:
            _audit(created, None, value, judge)
            return SaveResult(created, changed=True)
        # The same judge saved this mark at the same moment (another tab): update that row.
        replay = db.session.scalar(select(Mark).where(Mark.client_key == client_key))
        if replay is not None:
            return SaveResult(replay, changed=False)
        existing = _mark(event, judge, contestant, aspect, entry)
    replaced = _replaced(existing, base)
    old = existing.value
    _overwrite(existing, value, client_key)
    _audit(existing, old, value, judge)
    return SaveResult(existing, changed=True, replaced=replaced)


def _overwrite(mark: Mark, value: Decimal, client_key: str) -> None:
    """Last save wins: one UPDATE by primary key, not conditional on the version the session
    read (a versioned update would fail when another device's save landed in between), and
    the loaded object takes the new values without being read again."""
    now = utcnow()
    db.session.flush()
    db.session.execute(update(Mark).where(Mark.id == mark.id).values(
        value=value, client_key=client_key, saved_at=now, version=Mark.version + 1)
        .execution_options(synchronize_session=False))
    for name, new in (("value", value), ("client_key", client_key), ("saved_at", now)):
        set_committed_value(mark, name, new)
    db.session.expire(mark, ["version"])  # read again only if something needs it


def _mark(event, judge, contestant, aspect, entry) -> Mark | None:
    return db.session.scalar(select(Mark).where(
        Mark.event_id == event.id, Mark.aspect_id == aspect.id, Mark.contestant_id == contestant.id,
        Mark.judge_id == judge.id, Mark.entry == entry))


def _insert(event, judge, contestant, aspect, entry, value, client_key) -> Mark | None:
    """Insert in a savepoint; None when a concurrent save of the same mark won the race."""
    mark = Mark(event_id=event.id, aspect_id=aspect.id, contestant_id=contestant.id, judge_id=judge.id,
                entry=entry, value=value, client_key=client_key)
    try:
        with db.session.begin_nested():
            db.session.add(mark)
    except IntegrityError:
        return None
    return mark


def _audit(mark: Mark, old, new, judge) -> None:
    audit.record("mark.save", mark, by=judge,
                 label=f"{mark.contestant} · {mark.aspect.name} · {mark.entry}",
                 changes={"value": [None if old is None else str(old), str(new)]})


# Progress ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """A judge's marks entered against marks expected, overall and per (contestant, module)."""

    done: int
    total: int
    tiles: dict[tuple[int, int], tuple[int, int]]

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)


def progress(event: Event, judge, contestants: list[Contestant] | None = None,
             recused: dict[int, str | None] | None = None) -> Progress:
    """How far ``judge`` is with ``event``: every mark they owe (competing contestants they
    are not recused from, every aspect and entry) and how many of them are in."""
    contestants = competing(event) if contestants is None else contestants
    recused = recusal_reasons(judge, contestants) if recused is None else recused
    have = {tuple(row) for row in db.session.execute(select(Mark.contestant_id, Mark.aspect_id, Mark.entry).where(
        Mark.event_id == event.id, Mark.judge_id == judge.id))}
    tiles: dict[tuple[int, int], tuple[int, int]] = {}
    for module in event.modules:
        expected = [(a.id, n) for a in module.aspects() for n in entries_of(event, a)]
        for contestant in contestants:
            if recused.get(contestant.id):
                continue
            done = sum((contestant.id, aspect, n) in have for aspect, n in expected)
            tiles[(contestant.id, module.id)] = (done, len(expected))
    return Progress(sum(d for d, _ in tiles.values()), sum(t for _, t in tiles.values()), tiles)


# Submitting a sheet ------------------------------------------------------------------------------

def missing_marks(event: Event, judge, module: SchemeModule) -> list[str]:
    """What the judge has not yet marked on the module, as "加密号 · 细项" labels."""
    aspects = module.aspects()
    rows = db.session.execute(select(Mark.contestant_id, Mark.aspect_id, Mark.entry).where(
        Mark.event_id == event.id, Mark.judge_id == judge.id, Mark.aspect_id.in_([a.id for a in aspects])))
    have = {tuple(row) for row in rows}
    missing = []
    for contestant in competing(event):
        if recusal_reason(judge, contestant) is not None:
            continue
        for aspect in aspects:
            for entry in entries_of(event, aspect):
                if (contestant.id, aspect.id, entry) not in have:
                    missing.append(f"{contestant.blind_number} · {aspect.name}")
    return missing


def submit_sheet(event: Event, judge, module: SchemeModule) -> JudgeSheetSubmission:
    """The judge hands in the module's sheet; from now on its marks are read-only and the
    discrepancies of the module are (re)computed."""
    check_open_for_marks(event)
    require_judge(event, judge)
    if module.event_id != event.id:
        raise DomainError(_l("模块不属于该赛项"))
    sheet = sheet_of(event, judge, module)
    if sheet is not None and sheet.reopened_reason is None:
        raise DomainError(_l("您已提交该模块的评分表"))
    missing = missing_marks(event, judge, module)
    if missing:
        shown = "、".join(missing[:5]) + ("……" if len(missing) > 5 else "")
        raise DomainError(_l("还有 %(n)s 项未评分：%(items)s", n=len(missing), items=shown))
    now = utcnow()
    marks = db.session.scalars(select(Mark).where(
        Mark.event_id == event.id, Mark.judge_id == judge.id, Mark.submitted_at.is_(None),
        Mark.aspect_id.in_([a.id for a in module.aspects()])))
    for mark in marks:
        mark.submitted_at = now
    reopened = sheet is not None
    if sheet is None:
        sheet = JudgeSheetSubmission(event_id=event.id, module_id=module.id, judge_id=judge.id,
                                     submitted_at=now)
        db.session.add(sheet)
    else:
        sheet.reopened_reason = None
        sheet.submitted_at = now
    db.session.flush()
    audit.record("sheet.resubmit" if reopened else "sheet.submit", event, by=judge,
                 label=f"{event} · {module.name}", changes={"module": [None, module.name]})
    from competitions.services import control

    control.flag_discrepancies(event, module, after_rescore=reopened)
    return sheet

