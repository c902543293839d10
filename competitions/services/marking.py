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

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, exists, literal, or_, select
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from competitions import scoring, states
from competitions.models import (
    ConflictState,
    Contestant,
    ContestantStatus,
    Event,
    JudgeAssignment,
    JudgeConflict,
    JudgeSheetSubmission,
    Mark,
    SchemeAspect,
    SchemeCriterion,
    SchemeModule,
)
from competitions.services import schemes
from core.audit import services as audit
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

#: Longest client key accepted (the column's width).
CLIENT_KEY_MAX = 64


class NotAssigned(DomainError):
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


def recusal_reasons(judge, contestants: Iterable[Contestant], assignment: JudgeAssignment | None = None
                    ) -> dict[int, str | None]:
    """:func:`recusal_reason` for many contestants of one event at once (one query, none for
    the assignment when the caller has it)."""
    contestants = list(contestants)
    if not contestants:
        return {}
    from competitions.services.judges import assignment_of, may_score_with

    if assignment is None or assignment.event_id != contestants[0].event_id:
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
    return sheet_is_in(sheet_of(event, judge, module))


def sheet_is_in(sheet: JudgeSheetSubmission | None) -> bool:
    """A loaded sheet is submitted and not reopened for re-scoring: the judge may then see
    the other judges' marks (:func:`may_see_other_marks`)."""
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


@dataclass(frozen=True)
class SaveContext:
    """Everything saving one mark looks at, read in one query (:func:`save_context`): the
    event, the judge's assignment, the aspect with its criterion and module, the contestant,
    the judge's sheet of the module, the mark being replaced, the mark already stored under
    the client key (a replay) and the reason of a conflict the judge declared (回避)."""

    event: Event
    assignment: JudgeAssignment | None
    aspect: SchemeAspect | None
    contestant: Contestant | None
    sheet: JudgeSheetSubmission | None
    existing: Mark | None
    replay: Mark | None
    conflict_reason: str | None
    #: Held so that ``aspect.criterion.module`` comes from the session, not another query
    #: (the session keeps only weak references).
    scheme_path: tuple[SchemeCriterion | None, SchemeModule | None] = (None, None)


def save_context(event_id: int, judge, *, aspect_id: int, client_key: str, entry: int,
                 contestant_id: int | None = None, blind_number: str | None = None) -> SaveContext | None:
    """Load what saving one mark needs in one statement; None when there is no such event.
    The contestant is named by id or, on the judges' pages, by blind number within the event;
    anything missing (not assigned, no such aspect or contestant) comes back as None."""
    by_id = contestant_id is not None
    row = db.session.execute(_save_context_statement(by_id), {
        "event_id": event_id, "judge_id": judge.id, "aspect_id": aspect_id, "client_key": client_key,
        "entry": entry, "contestant": contestant_id if by_id else (blind_number or "")}).one_or_none()
    if row is None:
        return None
    event, assignment, aspect, criterion, module, contestant, sheet, stored, replayed, reason = row
    return SaveContext(event, assignment, aspect, contestant, sheet, stored, replayed, reason, (criterion, module))


@functools.cache
def _save_context_statement(contestant_by_id: bool):
    """:func:`save_context`'s query, built once (its parameters are bound per call): the event,
    outer-joined with everything else, so that each missing piece is told apart."""
    existing, replay = aliased(Mark, name="existing_mark"), aliased(Mark, name="replayed_mark")
    judge_id = bindparam("judge_id")
    if contestant_by_id:
        contestant_join = Contestant.id == bindparam("contestant")
    else:
        contestant_join = and_(Contestant.event_id == Event.id, Contestant.blind_number == bindparam("contestant"))
    conflict = (select(JudgeConflict.reason).where(
        JudgeConflict.assignment_id == JudgeAssignment.id, JudgeConflict.state == ConflictState.ACCEPTED.value,
        or_(JudgeConflict.contestant_id == Contestant.id, JudgeConflict.enterprise_id == Contestant.enterprise_id))
        .order_by(JudgeConflict.id).limit(1).correlate(JudgeAssignment, Contestant).scalar_subquery())
    return (
        select(Event, JudgeAssignment, SchemeAspect, SchemeCriterion, SchemeModule, Contestant,
               JudgeSheetSubmission, existing, replay, conflict)
        .select_from(Event)
        .outerjoin(JudgeAssignment, and_(JudgeAssignment.event_id == Event.id, JudgeAssignment.user_id == judge_id))
        .outerjoin(SchemeAspect, SchemeAspect.id == bindparam("aspect_id"))
        .outerjoin(SchemeCriterion, SchemeCriterion.id == SchemeAspect.criterion_id)
        .outerjoin(SchemeModule, SchemeModule.id == SchemeCriterion.module_id)
        .outerjoin(Contestant, contestant_join)
        .outerjoin(JudgeSheetSubmission, and_(
            JudgeSheetSubmission.event_id == Event.id, JudgeSheetSubmission.module_id == SchemeModule.id,
            JudgeSheetSubmission.judge_id == judge_id))
        .outerjoin(existing, and_(existing.aspect_id == SchemeAspect.id, existing.contestant_id == Contestant.id,
                                  existing.judge_id == judge_id, existing.entry == bindparam("entry")))
        .outerjoin(replay, replay.client_key == bindparam("client_key"))
        .where(Event.id == bindparam("event_id")))


def _check_may_change(context: SaveContext, judge) -> None:
    """Every rule a changing save must pass, on the loaded context (no query)."""
    event, aspect, contestant, existing = context.event, context.aspect, context.contestant, context.existing
    assert aspect is not None and contestant is not None
    check_open_for_marks(event)
    if context.assignment is None:
        raise NotAssigned(_l("您不是该赛项的裁判"))
    if contestant.event_id != event.id or aspect.criterion.module.event_id != event.id:
        raise DomainError(_l("选手或评分细项不属于该赛项"))
    if contestant.blind_number is None or contestant.status != ContestantStatus.CHECKED_IN.value:
        raise DomainError(_l("该选手未检录，不能评分"))
    from competitions.services.judges import recusal_message

    reason = recusal_message(judge, contestant, context.conflict_reason)
    if reason is not None:
        raise DomainError(reason)
    sheet = context.sheet
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
    """Save one mark of loaded records: :func:`save_in_context` after :func:`save_context`."""
    context = save_context(event.id, judge, aspect_id=aspect.id, contestant_id=contestant.id,
                           client_key=(client_key or "").strip(), entry=entry)
    assert context is not None
    return save_in_context(context, judge, text, client_key=client_key, entry=entry, base=base)


def save_in_context(context: SaveContext, judge, text: str, *, client_key: str, entry: int = 1,
                    base: str | None = None) -> SaveResult:
    """Save one mark; a replayed ``client_key`` returns the stored mark and changes nothing.

    Nothing is read here beyond ``context``: the mark is written by one upsert (insert, or
    update of the judge's row for the same aspect, contestant and entry), then its audit
    entry. Two devices of one judge saving the same mark end as one row holding the value
    saved last: the upsert waits for the other's row lock and then applies, instead of
    failing. ``base`` is the value the device last saw stored; when another device had
    changed it, the result says what was replaced."""
    event, aspect, existing = context.event, context.aspect, context.existing
    assert aspect is not None and context.contestant is not None
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > CLIENT_KEY_MAX:
        raise DomainError(_l("保存请求无效，请刷新页面后重试"))
    if entry not in entries_of(event, aspect):
        raise DomainError(_l("录入次序无效"))
    if context.replay is not None:
        if context.replay.judge_id != judge.id:
            raise DomainError(_l("保存请求无效，请刷新页面后重试"))
        return SaveResult(context.replay, changed=False)
    check_open_for_marks(event)
    if context.assignment is None:
        raise NotAssigned(_l("您不是该赛项的裁判"))
    if context.assignment.is_chief:
        # The chief judge supervises: marks come from the scoring judges, whose sheets the
        # lock waits for (post-lock corrections go through the chief's own change form).
        raise DomainError(_l("裁判长不参与评分"))
    value = parse_mark(aspect, text)
    if existing is not None and existing.value == value:
        return SaveResult(existing, changed=False)  # e.g. a submitted mark sent back unchanged
    _check_may_change(context, judge)
    old = existing.value if existing is not None else None
    expected_version = existing.version + 1 if existing is not None else 1
    replaced = _replaced(existing, base)
    label = f"{context.contestant} · {aspect.name} · {entry}"
    mark, written, audited = _upsert(context, judge, entry, value, client_key,
                                     audit_entry=(label, _changes(old, value), expected_version))
    if not written:
        # The same key was saved at the same moment (a retry overtaking the first send).
        return SaveResult(mark, changed=False)
    if not audited:
        if mark.version != expected_version:
            # Another device of the judge saved this mark between our read and our write:
            # the value we replaced is the one its (committed) save recorded.
            old = _last_audited_value(mark.id)
        audit.record("mark.save", mark, by=judge, label=label, changes=_changes(old, value))
    return SaveResult(mark, changed=True, replaced=replaced)


def _changes(old: Decimal | None, new: Decimal) -> dict:
    return {"value": [None if old is None else str(old), str(new)]}


def _upsert(context: SaveContext, judge, entry: int, value: Decimal, client_key: str, *,
            audit_entry: tuple[str, dict, int]) -> tuple[Mark, bool, bool]:
    """Insert the judge's mark, or overwrite their row for the same aspect, contestant and entry
    (last save wins, whichever version the device knew), in one statement; the row as a
    session object without reading it again. Returns (mark, written, audited): not written
    when the row already held this key. On PostgreSQL the same statement appends the audit
    entry (``audit_entry``: label, changes, and the version the row must reach for the
    changes to be true); elsewhere, or when another save came in between, the caller does."""
    assert context.aspect is not None and context.contestant is not None
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    label, changes, expected_version = audit_entry
    row = db.session.execute(_upsert_statement(dialect), {
        "event_id": context.event.id, "aspect_id": context.aspect.id, "contestant_id": context.contestant.id,
        "judge_id": judge.id, "entry": entry, "value": value, "client_key": client_key, "saved_at": now,
        "version": 1, "audit_actor_id": judge.id, "audit_actor_name": judge.username or "system",
        "audit_label": label[:200], "audit_changes": changes, "expected_version": expected_version,
    }).one_or_none()
    if row is None:
        replay = db.session.scalar(select(Mark).where(Mark.client_key == client_key))
        assert replay is not None
        return replay, False, False
    mark = db.session.identity_map.get(db.session.identity_key(Mark, row.id))
    if mark is None:
        mark = Mark(id=row.id, event_id=context.event.id, aspect_id=context.aspect.id,
                    contestant_id=context.contestant.id, judge_id=judge.id, entry=entry, value=value,
                    client_key=client_key, saved_at=now, submitted_at=row.submitted_at, version=row.version)
        make_transient_to_detached(mark)
        db.session.add(mark)
    else:
        for name, new in (("value", value), ("client_key", client_key), ("saved_at", now),
                          ("version", row.version), ("submitted_at", row.submitted_at)):
            set_committed_value(mark, name, new)
    return mark, True, bool(row._mapping.get("audited", False))


@functools.cache
def _upsert_statement(dialect: str):
    """:func:`_upsert`'s statement for ``dialect``, built once: ``INSERT … ON CONFLICT (the
    judge's mark) DO UPDATE … RETURNING``, on PostgreSQL and SQLite (3.35 or later) alike;
    a row already holding the same client key is left alone and nothing is returned. On
    PostgreSQL the audit entry is inserted by the same statement (a data-modifying WITH),
    provided the row reached the expected version; SQLite has no such WITH."""
    table = Mark.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values({name: bindparam(name) for name in (
        "event_id", "aspect_id", "contestant_id", "judge_id", "entry", "value", "client_key", "saved_at",
        "version")})
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.aspect_id, table.c.contestant_id, table.c.judge_id, table.c.entry],
        set_={"value": statement.excluded.value, "client_key": statement.excluded.client_key,
              "saved_at": statement.excluded.saved_at, "version": table.c.version + 1},
        where=table.c.client_key != statement.excluded.client_key,
    ).returning(table.c.id, table.c.version, table.c.submitted_at)
    if dialect != "postgresql":
        return upsert
    written = upsert.cte("written")
    entries = AuditEntry.__table__
    audited = (sa_insert(entries).from_select(
        ["created_at", "actor_id", "actor_name", "action", "target_type", "target_id", "target_label", "changes"],
        select(bindparam("saved_at", type_=entries.c.created_at.type),
               bindparam("audit_actor_id", type_=entries.c.actor_id.type),
               bindparam("audit_actor_name", type_=entries.c.actor_name.type),
               literal("mark.save", type_=entries.c.action.type), literal("Mark", type_=entries.c.target_type.type),
               written.c.id, bindparam("audit_label", type_=entries.c.target_label.type),
               bindparam("audit_changes", type_=entries.c.changes.type))
        .where(written.c.version == bindparam("expected_version", type_=table.c.version.type)))
        .returning(entries.c.id).cte("audited"))
    return select(written.c.id, written.c.version, written.c.submitted_at,
                  exists(select(audited.c.id)).label("audited"))


def _last_audited_value(mark_id: int) -> Decimal | None:
    """The value the latest recorded save of a mark stored."""
    changes = db.session.scalar(select(AuditEntry.changes).where(
        AuditEntry.action == "mark.save", AuditEntry.target_type == "Mark", AuditEntry.target_id == mark_id)
        .order_by(AuditEntry.id.desc()).limit(1))
    try:
        return Decimal(changes["value"][1]) if changes else None
    except (KeyError, IndexError, TypeError, InvalidOperation):
        return None


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

