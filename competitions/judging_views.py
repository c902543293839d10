"""Judges at the venue (tablet first): score entry by blind number, sheets, and the chief
judge's control page (discrepancies, lock, recheck, changes after lock).

Every page here is for judges; whether a judge may use it for *this* event (assigned, chief)
is checked by the services, whose :class:`marking.NotAssigned` becomes a 403.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from competitions import NAV_GROUP, rules
from competitions.models import (
    Contestant,
    ContestantStatus,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyResolution,
    Event,
    EventState,
    JudgeConflict,
    Mark,
    MarkChange,
    RecheckItem,
    RecheckOutcome,
    RecheckReason,
    SchemeModule,
)
from competitions.services import control, judges, marking, registration, results
from core import navigation
from core.access import roles_required
from core.errors import DomainError
from core.extensions import db
from core.forms import REFUSED, ConfirmedActionForm, ConfirmForm, commit_or_report
from core.roles import Role

bp = Blueprint("competitions_judging", __name__, url_prefix="/judging")

navigation.add("competitions_judging.index", _l("裁判评分"), Role.JUDGE, group=NAV_GROUP)


#: Before these states there is nothing to score yet (no blind numbers).
BEFORE_SCORING = frozenset({EventState.DRAFT, EventState.REGISTRATION, EventState.CHECK_IN})
#: Labels of the stored values shown on the control page (the enums' values do not overlap).
LABELS = {item.value: item.label for enum in (DiscrepancyKind, DiscrepancyResolution, RecheckReason,
                                              RecheckOutcome) for item in enum}


def _event_for_judge(event_id: int) -> tuple[Event, object]:
    event = db.get_or_404(Event, event_id)
    assignment = marking.assignment_of(event, current_user)
    if assignment is None:
        abort(403)
    return event, assignment


def _chief_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not control.is_chief(event, current_user):
        abort(403)
    return event


def _child_of(model, record_id: int, event: Event):
    record = db.get_or_404(model, record_id)
    if record.event_id != event.id:
        abort(404)
    return record


def _run(call, form=None):
    """Commit one service call; a refusal is flashed (or 403 for a judge of another event)."""
    try:
        return commit_or_report(form or ConfirmForm(), call)
    except marking.NotAssigned:
        db.session.rollback()
        abort(403)


# The judge's pages -------------------------------------------------------------------------------

@bp.get("/")
@roles_required(Role.JUDGE)
def index():
    """The judge's landing page: every event they judge, its state and their progress."""
    rows = []
    for event, assignment in marking.events_of(current_user):
        drawn = event.lots_drawn_at is not None or event.state_enum not in BEFORE_SCORING
        scoring_judge = not assignment.is_chief and drawn
        rows.append((event, assignment, marking.progress(event, current_user) if scoring_judge else None))
    return render_template("competitions/judging/index.html", rows=rows)


@bp.get("/events/<int:event_id>")
@roles_required(Role.JUDGE)
def event(event_id: int):
    event, assignment = _event_for_judge(event_id)
    contestants = marking.competing(event)
    recused = marking.recusal_reasons(current_user, contestants)
    submitted = {m.id: marking.sheet_submitted(event, current_user, m) for m in event.modules}
    reopened = {m.id: marking.reopened_marks(event, current_user, m) for m in event.modules}
    return render_template("competitions/judging/event.html", event=event, assignment=assignment,
                           contestants=contestants, recused=recused, submitted=submitted, reopened=reopened,
                           progress=marking.progress(event, current_user, contestants, recused),
                           form=ConfirmedActionForm())


def _panel(event, module, contestant, aspects, own, recused, sheet, others=None):
    """What the sheet shows for one contestant (every contestant of the module is on the page,
    so that the judge moves between them without the network)."""
    return {"contestant": contestant, "own": own, "recused": recused, "others": others,
            "keys": {(a.id, n): uuid.uuid4().hex for a in aspects for n in (1, 2)},
            "read_only": sheet is not None and sheet.reopened_reason is None}


def _sheet_context(event, module, contestant, values=None, errors=None, assignment=None):
    aspects = module.aspects()
    sheet = marking.sheet_of(event, current_user, module)
    contestants = marking.competing(event)
    recused = marking.recusal_reasons(current_user, contestants, assignment)
    own = marking.module_marks(event, current_user, aspects)
    see_others = marking.sheet_is_in(sheet)
    panels = [_panel(event, module, c, aspects, own.get(c.id, {}), recused.get(c.id), sheet,
                     marking.others_marks(event, current_user, c, aspects)
                     if see_others and c.id == contestant.id else None) for c in contestants]
    position = next((i for i, c in enumerate(contestants) if c.id == contestant.id), 0)
    return {"event": event, "module": module, "contestant": contestant, "aspects": aspects,
            "panels": panels, "sheet": sheet, "values": values or {}, "errors": errors or {},
            "entries": {a.id: marking.entries_of(event, a) for a in aspects},
            "previous": contestants[position - 1] if position > 0 else None,
            "next": contestants[position + 1] if position + 1 < len(contestants) else None,
            "form": ConfirmForm(), "plain": _plain}


def _contestant(event: Event, blind_number: str) -> Contestant:
    contestant = marking.contestant_by_blind_number(event, blind_number)
    if contestant is None:
        abort(404)
    return contestant


def _plain(value) -> str:
    """A mark without trailing zeros (40.00 → 40), as the scheme page shows figures."""
    from competitions.services.schemes import plain

    return plain(value)


@bp.route("/events/<int:event_id>/modules/<int:module_id>/contestants/<blind_number>",
          methods=["GET", "POST"])
@roles_required(Role.JUDGE)
def sheet(event_id: int, module_id: int, blind_number: str):
    """One contestant, one module: the big-button score sheet. The POST saves every filled mark.
    Contestants are addressed by blind number, never by database id."""
    event, assignment = _event_for_judge(event_id)
    module = _child_of(SchemeModule, module_id, event)
    contestant = _contestant(event, blind_number)
    form = ConfirmForm()
    values, errors = {}, {}
    if request.method == "POST" and form.validate_on_submit():
        for aspect in module.aspects():
            for entry in marking.entries_of(event, aspect):
                name = f"mark-{aspect.id}-{entry}"
                text = (request.form.get(name) or "").strip()
                values[name] = text
                if not text:
                    continue
                key = request.form.get(f"key-{aspect.id}-{entry}") or ""
                try:
                    marking.save_mark(event, current_user, contestant, aspect, text, client_key=key,
                                      entry=entry)
                except marking.NotAssigned:
                    db.session.rollback()
                    abort(403)
                except DomainError as error:
                    errors[name] = str(error)
        # A refused mark changes nothing (checks come before writes): keep the good ones.
        db.session.commit()
        if errors:
            flash(_("有分数未能保存，请按提示修改"), "danger")
            return render_template("competitions/judging/sheet.html",
                                   **_sheet_context(event, module, contestant, values, errors)), 422
        flash(_("已保存"), "success")
        target = marking.contestant_by_blind_number(event, request.form.get("go")) or contestant
        return redirect(url_for(".sheet", event_id=event.id, module_id=module.id,
                                blind_number=target.blind_number))
    return render_template("competitions/judging/sheet.html",
                           **_sheet_context(event, module, contestant, assignment=assignment))


@bp.post("/events/<int:event_id>/marks")
@roles_required(Role.JUDGE)
def save_mark(event_id: int):
    """Save-as-you-go (core/static/js/marks.js): one mark, answered in JSON. The tablets send
    these all day, so the request reads what it needs in one query (:func:`marking.save_context`)
    and answers from what it wrote, without reading anything after the commit."""
    client_key = request.form.get("client_key", "")
    entry = request.form.get("entry", type=int) or 1
    aspect_id = request.form.get("aspect_id", type=int) or 0
    # Out-of-range numbers find nothing (the database would refuse them as parameters); the
    # service then refuses the entry by its rule, and a missing aspect is a 404.
    context = marking.save_context(event_id, current_user, aspect_id=aspect_id if 0 < aspect_id < 2**31 else 0,
                                   blind_number=request.form.get("blind_number"),
                                   client_key=client_key.strip(), entry=entry if entry in (1, 2) else 0)
    if context is None:
        abort(404)
    if context.assignment is None:
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return jsonify(ok=False, error=_("页面已过期，请刷新后重试")), 400
    if context.aspect is None or context.contestant is None:
        abort(404)
    try:
        result = marking.save_in_context(context, current_user, request.form.get("value", ""),
                                         client_key=client_key, entry=entry, base=request.form.get("base"))
        body = {"ok": True, "value": _plain(result.mark.value), "changed": result.changed}
        if result.replaced is not None:
            body["replaced"] = _plain(result.replaced)
        db.session.commit()
    except marking.NotAssigned:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        return jsonify(ok=False, error=str(error)), 422
    except (OperationalError, IntegrityError, StaleDataError):
        # The database was busy with another save of the same mark (or the same key raced in
        # from a retry): the page retries the same client key after a pause, which is
        # harmless whether or not this one landed.
        db.session.rollback()
        return jsonify(ok=False, retry=True, error=_("服务器繁忙，正在重试……")), 503
    return jsonify(body)


@bp.post("/events/<int:event_id>/modules/<int:module_id>/submit")
@roles_required(Role.JUDGE)
def submit_sheet(event_id: int, module_id: int):
    """Hand in a module's sheet (irreversible for the judge): the confirmation box is ticked first."""
    event, _assignment = _event_for_judge(event_id)
    module = _child_of(SchemeModule, module_id, event)
    form = ConfirmedActionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    elif _run(lambda: marking.submit_sheet(event, current_user, module), form) is not REFUSED:
        flash(_("“%(m)s”评分表已提交", m=module.name), "success")
    return redirect(url_for(".event", event_id=event.id))


# The chief judge's pages -------------------------------------------------------------------------

@bp.get("/events/<int:event_id>/control")
@roles_required(Role.JUDGE)
def control_page(event_id: int):
    event = _chief_event(event_id)
    marks_by_id = {}
    items = control.recheck_items(event)
    for item in items:
        marks_by_id[item.contestant_id] = list(db.session.scalars(
            db.select(Mark).where(Mark.event_id == event.id, Mark.contestant_id == item.contestant_id)
            .order_by(Mark.aspect_id, Mark.judge_id, Mark.entry)))
    changes = list(db.session.scalars(db.select(MarkChange).where(MarkChange.event_id == event.id)
                                      .order_by(MarkChange.id)))
    return render_template("competitions/judging/control.html", event=event,
                           discrepancies=control.discrepancies(event), problems=control.lock_problems(event),
                           competing=marking.competing(event), out=results.not_ranked(event),
                           out_statuses=registration.OUT_STATUSES, S=ContestantStatus,
                           conflicts=judges.pending_conflicts(event), progress=control.judge_progress(event),
                           module_count=len(event.modules),
                           items=items, marks=marks_by_id, changes=changes,
                           show_names=rules.can_see_identities(current_user, event), form=ConfirmForm(),
                           plain=_plain, labels=LABELS, judge_names=control.judge_names(event))


@bp.post("/events/<int:event_id>/contestants/out")
@roles_required(Role.JUDGE)
def take_out(event_id: int):
    """The chief judge records 缺考, 弃赛 or 取消资格 with a reason, before the lock; the
    contestant is chosen by blind number."""
    event = _chief_event(event_id)
    contestant = _contestant(event, request.form.get("blind_number", ""))
    if _run(lambda: registration.take_out(contestant, request.form.get("status", ""),
                                          reason=request.form.get("reason", ""), by=current_user,
                                          is_chief=True)) is not REFUSED:
        flash(_("已登记：%(n)s %(s)s", n=contestant.blind_number, s=contestant.status_enum.label), "success")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/conflicts/<int:conflict_id>/decide")
@roles_required(Role.JUDGE)
def decide_conflict(event_id: int, conflict_id: int):
    """The chief judge accepts or dismisses a conflict a judge declared after the draw."""
    event = _chief_event(event_id)
    conflict = db.get_or_404(JudgeConflict, conflict_id)
    if conflict.assignment.event_id != event.id:
        abort(404)
    accept = request.form.get("decision") == "accept"
    if _run(lambda: judges.decide_conflict(conflict, accept=accept, note=request.form.get("note", ""),
                                           by=current_user)) is not REFUSED:
        flash(_("回避申报已处理"), "success")
        problem = judges.coverage_message(judges.coverage_shortfalls(event), label=lambda c: c.blind_number)
        if problem:
            flash(problem, "warning")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/discrepancies/confirm")
@roles_required(Role.JUDGE)
def confirm_discrepancies(event_id: int):
    """Confirm the ticked discrepancies' marks with one note."""
    event = _chief_event(event_id)
    ids = [int(v) for v in request.form.getlist("discrepancy_id") if v.isdigit() and len(v) < 10]
    count = _run(lambda: control.confirm_discrepancies(event, ids, note=request.form.get("note", ""),
                                                       by=current_user))
    if count is not REFUSED:
        flash(_("已确认 %(n)s 处分歧", n=count), "success")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/discrepancies/<int:discrepancy_id>/resolve")
@roles_required(Role.JUDGE)
def resolve_discrepancy(event_id: int, discrepancy_id: int):
    event = _chief_event(event_id)
    discrepancy = _child_of(Discrepancy, discrepancy_id, event)
    if _run(lambda: control.resolve_discrepancy(
            discrepancy, request.form.get("resolution", ""), note=request.form.get("note", ""),
            judge_id=request.form.get("judge_id", type=int), by=current_user)) is not REFUSED:
        flash(_("分歧已处理"), "success")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/lock")
@roles_required(Role.JUDGE)
def lock(event_id: int):
    """Lock the marks (irreversible): the chief judge ticks the confirmation box first."""
    event = _chief_event(event_id)
    form = ConfirmedActionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    elif _run(lambda: control.lock_event(event, by=current_user), form) is not REFUSED:
        flash(_("成绩已锁定，复核名单已抽取"), "success")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/recheck/<int:item_id>")
@roles_required(Role.JUDGE)
def record_recheck(event_id: int, item_id: int):
    event = _chief_event(event_id)
    item = _child_of(RecheckItem, item_id, event)
    if _run(lambda: control.record_recheck(item, request.form.get("outcome", ""),
                                           note=request.form.get("note", ""), by=current_user)) is not REFUSED:
        flash(_("复核结果已记录"), "success")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/recheck/complete")
@roles_required(Role.JUDGE)
def complete_recheck(event_id: int):
    event = _chief_event(event_id)
    if _run(lambda: control.complete_recheck(event, by=current_user)) is not REFUSED:
        flash(_("复核完成"), "success")
    return redirect(url_for(".control_page", event_id=event.id))


@bp.post("/events/<int:event_id>/marks/<int:mark_id>/change")
@roles_required(Role.JUDGE)
def change_mark(event_id: int, mark_id: int):
    """After lock: the chief judge corrects one mark with a reason."""
    event = _chief_event(event_id)
    mark = _child_of(Mark, mark_id, event)
    item_id = request.form.get("recheck_item_id", type=int)
    item = _child_of(RecheckItem, item_id, event) if item_id else None
    if _run(lambda: control.change_mark(mark, request.form.get("value", ""),
                                        reason=request.form.get("reason", ""), by=current_user,
                                        recheck_item=item)) is not REFUSED:
        flash(_("分数已修改并记录"), "success")
    return redirect(url_for(".control_page", event_id=event.id))
