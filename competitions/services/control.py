"""The chief judge's control of an event: discrepancies, lock, recheck, changes after lock.

* **Discrepancies** are computed when a judge submits a sheet: judgement scores more than 1
  apart (:func:`scoring.judgement_discrepancy`) and measurement marks entered more than once
  with different values (:func:`scoring.measurement_discrepancy`). The chief judge resolves
  each: *re-score* reopens one judge's mark (the judge changes it and resubmits, and the
  discrepancy is computed again), or *confirm* the marks with a note.
* **Lock** (scoring → locked) is refused while a sheet is missing or reopened or a
  discrepancy is open. Locking draws the recheck list with :func:`scoring.recheck_sample`;
  the seed is recorded in the audit entry ``event.recheck_draw`` so the draw can be repeated.
* **Recheck** records each listed contestant's outcome; when the sample is done and more than
  the event's error share was wrong (:func:`scoring.full_recheck_required`), every contestant
  is added. When all are checked the event moves to rechecked.
* **After lock** a mark changes only by the chief judge, with a reason, as a
  :class:`MarkChange` (old and new value) and an audit entry.

Every change is audited; nothing here commits.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from competitions import scoring
from competitions.models import (
    Contestant,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyResolution,
    Event,
    EventState,
    JudgeAssignment,
    JudgeSheetSubmission,
    Mark,
    MarkChange,
    MarkChangeSource,
    RecheckItem,
    RecheckOutcome,
    RecheckReason,
    SchemeAspect,
    SchemeModule,
)
from competitions.services import judges as judge_service
from competitions.services import marking, results
from competitions.services.competitions import move_event
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

#: Notes and reasons are kept short enough to read on a tablet.
NOTE_MAX = 500


def chief_of(event: Event) -> JudgeAssignment | None:
    return db.session.scalar(select(JudgeAssignment).where(
        JudgeAssignment.event_id == event.id, JudgeAssignment.is_chief.is_(True)))


def is_chief(event: Event, user) -> bool:
    chief = chief_of(event)
    return chief is not None and chief.user_id == user.id


def require_chief(event: Event, user) -> None:
    if not is_chief(event, user):
        raise marking.NotAssigned(_l("只有该赛项的裁判长可以执行此操作"))


def _note(text: str | None, *, required: bool, message) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(message, field="note")
    if len(text) > NOTE_MAX:
        raise DomainError(_l("说明不能超过 %(n)s 个字", n=NOTE_MAX), field="note")
    return text


# Discrepancies -----------------------------------------------------------------------------------

def flag_discrepancies(event: Event, module: SchemeModule, *, after_rescore: bool = False) -> list[Discrepancy]:
    """(Re)compute the module's discrepancies from the submitted marks; returns the open ones.

    A new disagreement is flagged; one whose marks changed is flagged again (a confirmation
    applies to the marks it was made on); after a re-scored sheet comes back, a disagreement
    that still holds goes back to the chief judge; one that no longer holds is closed.
    """
    aspects = {a.id: a for a in module.aspects()}
    marks = db.session.scalars(select(Mark).where(
        Mark.event_id == event.id, Mark.aspect_id.in_(aspects), Mark.submitted_at.is_not(None))
        .order_by(Mark.judge_id, Mark.entry))
    grouped: dict[tuple[int, int], list[Mark]] = {}
    for mark in marks:
        grouped.setdefault((mark.aspect_id, mark.contestant_id), []).append(mark)
    existing = {(d.aspect_id, d.contestant_id): d for d in db.session.scalars(
        select(Discrepancy).where(Discrepancy.event_id == event.id, Discrepancy.aspect_id.in_(aspects)))}
    now = utcnow()
    for key in sorted(set(grouped) | set(existing)):
        group = grouped.get(key, [])
        aspect = aspects[key[0]]
        values = [m.value for m in group]
        if aspect.is_judgement:
            flagged = scoring.judgement_discrepancy(values, Decimal(event.judgement_max_spread))
            kind = DiscrepancyKind.JUDGEMENT_SPREAD
        else:
            flagged, kind = _measurement_flag(aspect, group)
        detail = {f"{m.judge_id}/{m.entry}": str(m.value) for m in group}
        row: Discrepancy | None = existing.get(key)
        if flagged and row is None:
            row = Discrepancy(event_id=event.id, aspect_id=key[0], contestant_id=key[1], kind=kind.value,
                              detail=detail, flagged_at=now)
            db.session.add(row)
            db.session.flush()
            audit.record("discrepancy.flag", row, label=_label(row), changes={"marks": [None, detail]})
        elif flagged and row is not None and (row.detail != detail or (after_rescore and row.resolution
                                                     == DiscrepancyResolution.RESCORED.value)):
            changes = {"marks": [row.detail, detail], "resolution": [row.resolution, None]}
            row.detail, row.kind, row.flagged_at = detail, kind.value, now
            row.resolution, row.note, row.resolved_by_id, row.resolved_at = None, "", None, None
            audit.record("discrepancy.reflag", row, label=_label(row), changes=changes)
        elif not flagged and row is not None and row.resolution is None:
            row.detail = detail
            row.resolution, row.resolved_at = DiscrepancyResolution.RESCORED.value, now
            row.note = str(_l("重新评分后分差已在允许范围内"))
            audit.record("discrepancy.cleared", row, label=_label(row),
                         changes={"resolution": [None, row.resolution]})
    db.session.flush()
    return open_discrepancies(event)


def _measurement_flag(aspect: SchemeAspect, group: list[Mark]) -> tuple[bool, DiscrepancyKind]:
    """A judge's two entries that differ (double entry), else marks of several judges far apart."""
    by_judge: dict[int, list[Decimal]] = {}
    for mark in group:
        by_judge.setdefault(mark.judge_id, []).append(mark.value)
    if any(scoring.measurement_discrepancy(entries) for entries in by_judge.values()):
        return True, DiscrepancyKind.DOUBLE_ENTRY
    first_entries = [entries[0] for entries in by_judge.values()]
    return scoring.continuous_outlier(first_entries, aspect.max_mark), DiscrepancyKind.OUTLIER


def _label(discrepancy: Discrepancy) -> str:
    aspect = discrepancy.aspect or db.session.get_one(SchemeAspect, discrepancy.aspect_id)
    contestant = discrepancy.contestant or db.session.get(Contestant, discrepancy.contestant_id)
    return f"{contestant} · {aspect.name}"


def discrepancies(event: Event) -> list[Discrepancy]:
    return list(db.session.scalars(select(Discrepancy).where(Discrepancy.event_id == event.id)
                                   .order_by(Discrepancy.resolution.is_not(None), Discrepancy.id)))


def open_discrepancies(event: Event) -> list[Discrepancy]:
    """Unresolved discrepancies of contestants still competing (one recorded 弃赛 or 取消资格
    leaves the ranking, and their discrepancies with it)."""
    return [d for d in discrepancies(event) if not d.is_resolved and not d.contestant.status_enum.is_out]


def resolve_discrepancy(discrepancy: Discrepancy, resolution: str, *, note: str = "",
                        judge_id: int | None = None, by) -> None:
    """The chief judge confirms the marks (a note is required) or sends one judge's mark back
    for re-scoring (that judge's sheet is reopened for this mark only)."""
    event = db.session.get_one(Event, discrepancy.event_id)
    require_chief(event, by)
    marking.check_open_for_marks(event)
    if discrepancy.is_resolved:
        raise DomainError(_l("该分歧已处理"))
    if resolution == DiscrepancyResolution.CONFIRMED:
        note = _note(note, required=True, message=_l("确认原分时请填写说明"))
    elif resolution == DiscrepancyResolution.RESCORED:
        note = _note(note, required=False, message="") or str(_l("裁判长要求重新评分"))
        _reopen(event, discrepancy, judge_id, note)
    else:
        raise DomainError(_l("请选择处理方式"), field="resolution")
    discrepancy.resolution = DiscrepancyResolution(resolution).value
    discrepancy.note = note
    discrepancy.resolved_by_id = by.id
    discrepancy.resolved_at = utcnow()
    db.session.flush()
    audit.record("discrepancy.resolve", discrepancy, by=by, label=_label(discrepancy),
                 changes={"resolution": [None, discrepancy.resolution], "note": [None, note],
                          "judge_id": [None, judge_id]})


def confirm_discrepancies(event: Event, discrepancy_ids: list[int], *, note: str, by) -> int:
    """The chief judge confirms several discrepancies' marks with one note; returns how many.
    Ids of other events' or already resolved discrepancies refuse the whole batch."""
    require_chief(event, by)
    marking.check_open_for_marks(event)
    note = _note(note, required=True, message=_l("确认原分时请填写说明"))
    chosen = sorted(set(discrepancy_ids))
    if not chosen:
        raise DomainError(_l("请勾选要确认的分歧"))
    rows = list(db.session.scalars(select(Discrepancy).where(Discrepancy.id.in_(chosen),
                                                             Discrepancy.event_id == event.id)))
    if len(rows) != len(chosen) or any(d.is_resolved for d in rows):
        raise DomainError(_l("所选分歧已处理或不属于本赛项，请刷新页面"))
    for discrepancy in rows:
        resolve_discrepancy(discrepancy, DiscrepancyResolution.CONFIRMED.value, note=note, by=by)
    return len(rows)


def judge_progress(event: Event) -> list[tuple[JudgeAssignment, marking.Progress, int]]:
    """Each scoring judge's progress and how many of the module sheets they have submitted,
    for the chief judge's supervision."""
    contestants = marking.competing(event)
    submitted = dict(db.session.execute(
        select(JudgeSheetSubmission.judge_id, func.count()).where(
            JudgeSheetSubmission.event_id == event.id, JudgeSheetSubmission.reopened_reason.is_(None))
        .group_by(JudgeSheetSubmission.judge_id)).all())
    return [(a, marking.progress(event, a.user, contestants), submitted.get(a.user_id, 0))
            for a in scoring_judges(event)]


def _reopen(event: Event, discrepancy: Discrepancy, judge_id: int | None, reason: str) -> None:
    marks = list(db.session.scalars(select(Mark).where(
        Mark.event_id == event.id, Mark.aspect_id == discrepancy.aspect_id,
        Mark.contestant_id == discrepancy.contestant_id, Mark.judge_id == judge_id)))
    if judge_id is None or not marks:
        raise DomainError(_l("请选择需要重新评分的裁判"), field="judge_id")
    for mark in marks:
        mark.submitted_at = None
    sheet = db.session.scalars(select(JudgeSheetSubmission).where(
        JudgeSheetSubmission.event_id == event.id, JudgeSheetSubmission.judge_id == judge_id,
        JudgeSheetSubmission.module_id == discrepancy.aspect.criterion.module_id)).one()
    sheet.reopened_reason = reason


# Lock ----------------------------------------------------------------------------------------------

def scoring_judges(event: Event) -> list[JudgeAssignment]:
    """The judges who hand in sheets: every assigned judge but the chief judge."""
    return list(db.session.scalars(select(JudgeAssignment).where(
        JudgeAssignment.event_id == event.id, JudgeAssignment.is_chief.is_(False))
        .order_by(JudgeAssignment.id)))


def judge_names(event: Event) -> dict[str, str]:
    """The event's judges by user id (as text, the key used in discrepancy details)."""
    return {str(a.user_id): a.user.display_name for a in db.session.scalars(
        select(JudgeAssignment).where(JudgeAssignment.event_id == event.id))}


def lock_problems(event: Event) -> list[str]:
    """Why the event cannot be locked yet (empty: it can)."""
    problems = []
    if event.state != EventState.SCORING:
        return [str(_l("赛项不在评分阶段，不能锁定"))]
    judges = scoring_judges(event)
    if not judges:
        problems.append(str(_l("尚未指派评分裁判")))
    elif len(judges) < event.min_judgement_judges and any(
            a.is_judgement for m in event.modules for a in m.aspects()):
        problems.append(str(_l("评价类细项至少需要 %(n)s 名评分裁判，当前只有 %(m)s 名",
                               n=event.min_judgement_judges, m=len(judges))))
    if not marking.competing(event):
        problems.append(str(_l("没有已检录的选手")))
    coverage = judge_service.coverage_message(judge_service.coverage_shortfalls(event),
                                              label=lambda c: c.blind_number)
    if coverage:
        problems.append(coverage)
    sheets = {(s.judge_id, s.module_id): s for s in db.session.scalars(
        select(JudgeSheetSubmission).where(JudgeSheetSubmission.event_id == event.id))}
    for judge in judges:
        for module in event.modules:
            sheet = sheets.get((judge.user_id, module.id))
            name = judge.user.display_name
            if sheet is None:
                problems.append(str(_l("裁判%(j)s尚未提交“%(m)s”评分表", j=name, m=module.name)))
            elif sheet.reopened_reason is not None:
                problems.append(str(_l("裁判%(j)s的“%(m)s”评分表正在重新评分", j=name, m=module.name)))
    count = len(open_discrepancies(event))
    if count:
        problems.append(str(_l("还有 %(n)s 处评分分歧未处理", n=count)))
    return problems


def ranking(event: Event) -> list[int]:
    """Contestant ids best first, for the recheck draw: the results arithmetic's own ranking
    (:func:`results.compute`), so the recheck covers the top of the list that will be published."""
    return [computed.contestant_id for computed in results.compute(event)]


def lock_event(event: Event, *, by, seed: str | None = None) -> list[RecheckItem]:
    """Lock the marks and draw the recheck list; returns the list in ranking order."""
    require_chief(event, by)
    problems = lock_problems(event)
    if problems:
        raise DomainError("；".join(problems))
    ranked = ranking(event)
    seed = seed or secrets.token_hex(8)
    sample = scoring.recheck_sample(ranked, seed, top=event.recheck_top_n,
                                    ratio=event.recheck_sample_percent / 100)
    move_event(event, EventState.LOCKED, by=by)
    event.locked_at = utcnow()
    event.locked_by_id = by.id
    items = [RecheckItem(event_id=event.id, contestant_id=c, reason=RecheckReason.TOP.value)
             for c in sample.always]
    items += [RecheckItem(event_id=event.id, contestant_id=c, reason=RecheckReason.SAMPLE.value)
              for c in sample.drawn]
    db.session.add_all(items)
    db.session.flush()
    audit.record("event.recheck_draw", event, by=by, changes={
        "recheck_seed": [None, seed], "top": [None, list(sample.always)],
        "sample": [None, list(sample.drawn)], "ranked": [None, len(ranked)]})
    return items


# Recheck -------------------------------------------------------------------------------------------

def recheck_items(event: Event) -> list[RecheckItem]:
    return list(db.session.scalars(select(RecheckItem).where(RecheckItem.event_id == event.id)
                                   .order_by(RecheckItem.id)))


def record_recheck(item: RecheckItem, outcome: str, *, note: str = "", by) -> None:
    """Record what the recheck of one contestant found; a wrong result needs a note."""
    event = db.session.get_one(Event, item.event_id)
    require_chief(event, by)
    if event.state != EventState.LOCKED:
        raise DomainError(_l("赛项不在复核阶段"))
    if item.outcome is not None:
        raise DomainError(_l("该选手已复核"))
    if outcome not in set(RecheckOutcome):
        raise DomainError(_l("请选择复核结果"), field="outcome")
    note = _note(note, required=outcome == RecheckOutcome.WRONG, message=_l("复核有误时请说明错误"))
    item.outcome, item.note, item.checked_by_id, item.checked_at = outcome, note, by.id, utcnow()
    db.session.flush()
    audit.record("recheck.record", item, by=by, label=str(item.contestant),
                 changes={"outcome": [None, outcome], "note": [None, note]})
    _require_full_recheck_if_needed(event, by)


def _require_full_recheck_if_needed(event: Event, by) -> None:
    """Once the drawn list is checked: too many wrong, and every contestant is rechecked."""
    if event.full_recheck_required:
        return
    sampled = [i for i in recheck_items(event) if i.reason != RecheckReason.FULL]
    if any(i.outcome is None for i in sampled):
        return
    wrong = sum(i.outcome == RecheckOutcome.WRONG for i in sampled)
    if not scoring.full_recheck_required(len(sampled), wrong, event.full_recheck_error_percent / 100):
        return
    event.full_recheck_required = True
    listed = {i.contestant_id for i in sampled}
    added = [c.id for c in marking.competing(event) if c.id not in listed]
    db.session.add_all([RecheckItem(event_id=event.id, contestant_id=c, reason=RecheckReason.FULL.value)
                        for c in added])
    db.session.flush()
    audit.record("event.full_recheck", event, by=by, changes={
        "full_recheck_required": [False, True], "checked": [None, len(sampled)],
        "wrong": [None, wrong], "added": [None, added]})


def complete_recheck(event: Event, *, by) -> None:
    """Every listed contestant checked: locked → rechecked."""
    require_chief(event, by)
    pending = db.session.scalar(select(func.count()).select_from(RecheckItem).where(
        RecheckItem.event_id == event.id, RecheckItem.outcome.is_(None)))
    if event.state == EventState.LOCKED and pending:
        raise DomainError(_l("还有 %(n)s 名选手未复核", n=pending))
    move_event(event, EventState.RECHECKED, by=by)
    event.rechecked_at = utcnow()
    db.session.flush()


# Changes after lock --------------------------------------------------------------------------------

#: A mark may be changed by the chief judge in these states (after publication: appeals only).
CHANGE_STATES = frozenset({EventState.LOCKED, EventState.RECHECKED})


def change_mark(mark: Mark, text: str, *, reason: str, by, recheck_item: RecheckItem | None = None
                ) -> MarkChange:
    """The chief judge corrects a locked mark, with a reason; audited with old and new value."""
    event = db.session.get_one(Event, mark.event_id)
    require_chief(event, by)
    if event.state_enum not in CHANGE_STATES:
        raise DomainError(_l("只有成绩锁定后、公布前可由裁判长修改分数"))
    reason = _note(reason, required=True, message=_l("修改已锁定的分数必须填写理由"))
    try:
        value = marking.parse_mark(mark.aspect, text)
    except DomainError as error:
        raise DomainError(str(error), field="value") from None
    if value == mark.value:
        raise DomainError(_l("新分数与原分数相同"), field="value")
    if recheck_item is not None and recheck_item.event_id != event.id:
        raise DomainError(_l("复核记录不属于该赛项"))
    change = MarkChange(event_id=event.id, mark_id=mark.id, old_value=mark.value, new_value=value,
                        reason=reason, changed_by_id=by.id, approved_by_id=by.id,
                        recheck_item_id=getattr(recheck_item, "id", None),
                        source=(MarkChangeSource.RECHECK if recheck_item else MarkChangeSource.CHIEF_JUDGE).value)
    old = mark.value
    mark.value = value
    db.session.add(change)
    db.session.flush()
    audit.record("mark.change_after_lock", mark, by=by, label=f"{mark.contestant} · {mark.aspect.name}",
                 changes={"value": [str(old), str(value)], "reason": [None, reason]})
    return change
