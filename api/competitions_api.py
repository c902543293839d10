"""Skills competitions over the API: judges' assignments and marks (through
:mod:`competitions.services.marking`), and published results.

Judges know contestants by blind number only: nothing a judge reads here names a person.
Results are public once published, with names and enterprises, as on the public results
page; before publication an event's results do not exist for the API (404).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import fields as f
from api.auth import api_user, token_required
from api.blueprint import bp
from api.errors import ApiError, both_languages
from api.http import found, operation
from api.pagination import PageQuery, envelope, ordered, paginate, sort_field
from api.schemas import list_of
from competitions import scoring
from competitions.models import (
    Contestant,
    Event,
    EventState,
    JudgeAssignment,
    Mark,
    Result,
    SchemeAspect,
)
from competitions.services import appeals, marking
from competitions.services import results as results_service
from competitions.services.schemes import plain
from core.access import public
from core.errors import DomainError
from core.extensions import db
from core.roles import Role

TAGS = ["competitions"]
EVENT_STATES = [state.value for state in EventState]
#: Batch size of one submitMarks call.
MAX_MARKS_PER_CALL = 200
CLIENT_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
MARK_PATTERN = r"^[0-9]{1,5}(\.[0-9]{1,4})?$"


class CompetitionRef(f.ApiSchema):
    id = f.Integer(required=True)
    title = f.String(required=True)


class EventOut(f.ApiSchema):
    id = f.Integer(required=True)
    competition = f.Nested(CompetitionRef, required=True)
    occupation = f.String(required=True)
    venue = f.String(required=True)
    held_on = f.Date(required=True)
    state = f.String(required=True, validate=f.one_of(EVENT_STATES))
    state_label = f.String(required=True)


def _event(event: Event) -> dict:
    return {"id": event.id, "competition": {"id": event.competition_id, "title": event.competition.title},
            "occupation": event.occupation, "venue": event.venue, "held_on": event.held_on,
            "state": event.state, "state_label": str(event.state_enum.label)}


# --- Judges ----------------------------------------------------------------------------------

class AspectOut(f.ApiSchema):
    id = f.Integer(required=True)
    criterion = f.String(required=True)
    name = f.String(required=True)
    kind = f.String(required=True, validate=f.one_of(["measurement", "judgement"]), metadata={
        "description": "measurement：测量分；judgement：评价分（0-3）"})
    max_mark = f.DecimalString(required=True)
    step = f.DecimalString(required=True, allow_none=True)
    unit = f.String(required=True, metadata={
        "description": "测量类细项的计量单位（如 mm、s、个），未设为空 / Unit of a measurement, \"\" if none"})
    entries = f.List(f.Integer(), required=True, metadata={
        "description": "需录入的次序：[1]，或双人录入测量分时 [1, 2] / Entries to make"})


class ModuleOut(f.ApiSchema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    kind = f.String(required=True)
    sheet_submitted = f.Boolean(required=True, metadata={
        "description": "本裁判已提交该模块评分表（分数只读）/ This judge's sheet is in"})
    aspects = f.List(f.Nested(AspectOut), required=True)


class ContestantOut(f.ApiSchema):
    """A contestant as judges know them: by blind number only (no database id: ids follow
    registration order, which groups contestants by enterprise)."""

    blind_number = f.String(required=True)
    recused = f.Boolean(required=True)
    recusal_reason = f.String(required=True, allow_none=True)


class AssignmentOut(f.ApiSchema):
    id = f.Integer(required=True)
    is_chief = f.Boolean(required=True)
    event = f.Nested(EventOut, required=True)
    accepts_marks = f.Boolean(required=True, metadata={
        "description": "现在可以录入分数（评分阶段、非裁判长）/ Marks may be entered now"})
    modules = f.List(f.Nested(ModuleOut), required=True)
    contestants = f.List(f.Nested(ContestantOut), required=True)


AssignmentList = list_of(AssignmentOut, "JudgeAssignmentList")


class AssignmentQuery(PageQuery):
    SORTABLE = {"held_on": Event.held_on, "event_id": Event.id}
    DEFAULT_SORT = (("held_on", True),)
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    state = f.String(validate=f.one_of(EVENT_STATES), metadata={"description": "赛项状态 / Event state"})


def _assignment(assignment: JudgeAssignment, user) -> dict:
    event = assignment.event
    modules = []
    for module in sorted(event.modules, key=lambda m: (m.position, m.id)):
        modules.append({
            "id": module.id, "name": module.name, "kind": module.kind,
            "sheet_submitted": marking.sheet_submitted(event, user, module),
            "aspects": [{"id": a.id, "criterion": a.criterion.name, "name": a.name, "kind": a.kind,
                         "max_mark": a.max_mark, "step": a.step, "unit": a.unit or "",
                         "entries": list(marking.entries_of(event, a))}
                        for a in module.aspects()]})
    contestants = []
    for contestant in marking.competing(event):
        reason = marking.recusal_reason(user, contestant)
        contestants.append({"blind_number": contestant.blind_number,
                            "recused": reason is not None, "recusal_reason": reason})
    accepts = (not assignment.is_chief
               and event.state_enum in (EventState.SCORING,))
    return {"id": assignment.id, "is_chief": assignment.is_chief, "event": _event(event),
            "accepts_marks": accepts, "modules": modules, "contestants": contestants}


@bp.get("/judging/assignments")
@token_required(Role.JUDGE)
@operation("listJudgeAssignments", _l("我的裁判任务"), tags=TAGS, query=AssignmentQuery,
           response=AssignmentList,
           description=_l("本裁判被分配的赛项，含评分细项和已检录选手的加密号（不含姓名）及回避情况。"))
def list_judge_assignments(args):
    user = api_user()
    query = (select(JudgeAssignment).join(Event, Event.id == JudgeAssignment.event_id)
             .where(JudgeAssignment.user_id == user.id))
    if args.get("state"):
        query = query.where(Event.state == args["state"])
    page = paginate(ordered(query, args, AssignmentQuery, JudgeAssignment.id.desc()), args)
    page.items = [_assignment(a, user) for a in page.items]
    return envelope(page)


class MarkIn(f.ApiSchema):
    client_key = f.String(required=True, validate=f.pattern(
        CLIENT_KEY_PATTERN, "应为 1 至 64 个字母、数字或 _ . : - 字符",
        "1 to 64 letters, digits or _ . : - characters."), metadata={
        "description": "每次保存一个新的唯一键（如 UUID）；重放同一个键返回已保存的结果，不做任何修改 / "
                       "A new unique key per save; replaying a key returns the stored result"})
    blind_number = f.String(required=True, validate=f.length(min=1, max=16), metadata={
        "description": "选手的加密号 / The contestant's blind number"})
    aspect_id = f.Integer(required=True, validate=f.between(1, 2**31 - 1))
    entry = f.Integer(load_default=1, validate=f.one_of([1, 2]))
    value = f.String(required=True, validate=f.pattern(
        MARK_PATTERN, "分数应写成数字文本，如 \"8.5\"", "A mark is a number written as text, e.g. \"8.5\"."),
        metadata={"description": "分数（文本，避免浮点误差），如 \"8.5\"；评价分为 0-3 的整数 / "
                                 "The mark as text"})


class MarksIn(f.ApiSchema):
    marks = f.List(f.Nested(MarkIn), required=True,
                   validate=f.items(min=1, max=MAX_MARKS_PER_CALL))


class MarkOut(f.ApiSchema):
    client_key = f.String(required=True)
    mark_id = f.Integer(required=True)
    blind_number = f.String(required=True)
    aspect_id = f.Integer(required=True)
    entry = f.Integer(required=True)
    value = f.String(required=True)
    changed = f.Boolean(required=True, metadata={
        "description": "本次调用改变了分数 / This call changed the stored mark"})
    replayed = f.Boolean(required=True, metadata={
        "description": "该键此前已保存过：返回的是当时保存的结果 / The key was saved before"})
    saved_at = f.DateTime(required=True)


class MarksOut(f.ApiSchema):
    marks = f.List(f.Nested(MarkOut), required=True)


def _mark_problem(index: int, item: dict, message, english: str | None = None) -> dict:
    zh, en = both_languages(message)
    return {"index": index, "client_key": item["client_key"], "message": zh, "message_en": english or en}


def _save_marks(event: Event, user, items: list[dict]) -> tuple[list, list]:
    """Save each mark through the marking service; (saved, problems), one problem per
    refused mark with its reason."""
    saved, problems = [], []
    for index, item in enumerate(items):
        contestant = marking.contestant_by_blind_number(event, item["blind_number"])
        aspect = db.session.get(SchemeAspect, item["aspect_id"])
        if contestant is None:
            problems.append(_mark_problem(index, item, _l("该赛项没有这名选手"),
                                          "This event has no such contestant."))
            continue
        if aspect is None or aspect.criterion.module.event_id != event.id:
            problems.append(_mark_problem(index, item, _l("该赛项没有这个评分细项"),
                                          "This event's marking scheme has no such aspect."))
            continue
        earlier = db.session.scalar(select(Mark).where(Mark.client_key == item["client_key"]))
        if earlier is not None and (earlier.contestant_id, earlier.aspect_id, earlier.entry) != (
                contestant.id, aspect.id, item["entry"]):
            problems.append(_mark_problem(index, item, _l("该 client_key 已用于另一个分数，请为每次保存生成新的键"),
                                          "This client_key was used for another mark; use a new key per save."))
            continue
        try:
            result = marking.save_mark(event, user, contestant, aspect, item["value"],
                                       client_key=item["client_key"], entry=item["entry"])
        except marking.NotAssigned:
            raise ApiError(403, "not_assigned", _l("您不是该赛项的裁判"),
                           "You are not a judge of this event.") from None
        except DomainError as error:
            problems.append(_mark_problem(index, item, error.message))
            continue
        saved.append((item["client_key"], result, earlier is not None))
    return saved, problems


@bp.post("/judging/events/<api_id:event_id>/marks")
@token_required(Role.JUDGE)
@operation("submitMarks", _l("录入分数（可重放）"), tags=TAGS, body=MarksIn, response=MarksOut,
           errors=(404,),
           description=_l("一次保存最多 %(n)s 个分数，全部通过才保存（任一被拒绝则都不保存，details.marks "
                          "列出每一项的原因）。每个分数带 client_key：重放同一个键返回已保存的结果，"
                          "不做任何修改，因此断线后可以放心重试。", n=MAX_MARKS_PER_CALL))
def submit_marks(event_id: int, body):
    user = api_user()
    event = found(db.session.get(Event, event_id))
    if marking.assignment_of(event, user) is None:
        raise ApiError(403, "not_assigned", _l("您不是该赛项的裁判"), "You are not a judge of this event.")
    # All or nothing: the batch runs in a savepoint that is rolled back when any mark is
    # refused. (On SQLite a savepoint opened before any other write starts the transaction,
    # and releasing it would commit: rolling back to it is what keeps nothing.)
    batch = db.session.begin_nested()
    try:
        saved, problems = _save_marks(event, user, body["marks"])
    except BaseException:
        batch.rollback()
        db.session.rollback()
        raise
    if problems:
        batch.rollback()
        db.session.rollback()
        raise ApiError(422, "marks_refused", _l("有分数未能保存，本次提交的分数均未保存"),
                       "Some marks were refused; none of this call's marks were saved.",
                       details={"marks": problems})
    batch.commit()
    db.session.commit()
    return {"marks": [{"client_key": key, "mark_id": r.mark.id, "blind_number": r.mark.contestant.blind_number,
                       "aspect_id": r.mark.aspect_id, "entry": r.mark.entry, "value": plain(r.mark.value),
                       "changed": r.changed, "replayed": replayed, "saved_at": r.mark.saved_at}
                      for key, r, replayed in saved]}


# --- Published results -----------------------------------------------------------------------

class PublishedEvent(EventOut):
    published_at = f.DateTime(required=True, allow_none=True)
    appeals_close_at = f.DateTime(required=True, allow_none=True, metadata={
        "description": "申诉截止时间（由选手所在企业工会提出）/ When appeals close"})


class ModuleScore(f.ApiSchema):
    module_id = f.Integer(required=True)
    name = f.String(required=True)
    score = f.DecimalString(required=True, allow_none=True)


class ResultOut(f.ApiSchema):
    rank = f.Integer(required=True, allow_none=True)
    rank_shared = f.Boolean(required=True)
    name = f.String(required=True)
    enterprise = f.String(required=True)
    modules = f.List(f.Nested(ModuleScore), required=True)
    total = f.DecimalString(required=True, metadata={"description": "总分，四舍五入两位小数"})
    standardised = f.DecimalString(required=True, allow_none=True)
    award = f.String(required=True, allow_none=True, validate=f.one_of(["first", "second", "third"]))
    award_label = f.String(required=True, allow_none=True)
    recommend_promotion = f.Boolean(required=True)
    recommend_title = f.Boolean(required=True)


ResultList = list_of(ResultOut, "EventResultList", event=f.Nested(PublishedEvent, required=True))
PublishedEventList = list_of(PublishedEvent, "PublishedEventList")


class ResultQuery(PageQuery):
    SORTABLE = {"rank": Result.rank, "total": Result.total, "standardised": Result.standardised}
    DEFAULT_SORT = (("rank", False),)
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    award = f.String(validate=f.one_of(["first", "second", "third"]))


class PublishedEventQuery(PageQuery):
    SORTABLE = {"published_at": Event.published_at, "held_on": Event.held_on}
    DEFAULT_SORT = (("published_at", True),)
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    competition_id = f.QueryInteger(validate=f.between(1, 2**31 - 1))


def _published_event(event: Event) -> dict:
    return {**_event(event), "published_at": event.published_at,
            "appeals_close_at": appeals.window_closes_at(event)}


@bp.get("/competitions/events")
@public
@operation("listPublishedEvents", _l("已公布成绩的赛项"), tags=TAGS, query=PublishedEventQuery,
           response=PublishedEventList)
def list_published_events(args):
    query = select(Event).where(Event.state == EventState.PUBLISHED.value)
    if args.get("competition_id"):
        query = query.where(Event.competition_id == args["competition_id"])
    page = paginate(ordered(query, args, PublishedEventQuery, Event.id.desc()), args)
    page.items = [_published_event(e) for e in page.items]
    return envelope(page)


@bp.get("/competitions/events/<api_id:event_id>/results")
@public
@operation("getEventResults", _l("赛项的公布成绩"), tags=TAGS, query=ResultQuery, response=ResultList,
           description=_l("成绩公布后才可读取（此前答 404），含选手姓名与单位，不含身份证号。"))
def get_event_results(event_id: int, args):
    event = found(db.session.get(Event, event_id))
    if event.state_enum != EventState.PUBLISHED:
        raise ApiError(404, "not_published", _l("该赛项的成绩尚未公布"),
                       "The results of this event have not been published.")
    modules = results_service.module_columns(event)
    query = (select(Result).where(Result.event_id == event.id)
             .options(selectinload(Result.contestant).selectinload(Contestant.worker),
                      selectinload(Result.contestant).selectinload(Contestant.enterprise)))
    if args.get("award"):
        query = query.where(Result.award == args["award"])
    page = paginate(ordered(query, args, ResultQuery, Result.contestant_id), args)
    page.items = [{
        "rank": r.rank, "rank_shared": r.rank_shared, "name": r.contestant.worker.name,
        "enterprise": r.contestant.enterprise.name,
        "modules": [{"module_id": int(key), "name": name,
                     "score": scoring.official(_decimal(r.module_totals.get(key)))}
                    for key, name in modules],
        "total": scoring.official(r.total), "standardised": scoring.official(r.standardised),
        "award": r.award, "award_label": str(r.award_enum.label) if r.award_enum else None,
        "recommend_promotion": r.recommend_promotion, "recommend_title": r.recommend_title,
    } for r in page.items]
    return envelope(page, event=_published_event(event))


def _decimal(text) -> Decimal | None:
    return None if text is None else Decimal(str(text))
