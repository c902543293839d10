"""Craftsman selection over the API: the public registry (名录), and enterprises' own
nominations through :mod:`craftsmen.services.nominations` with :mod:`craftsmen.rules`.

The registry shows what the public registry page shows: names, occupations, enterprises,
districts and publishable achievements, never ID numbers, phones or evidence files.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from api import fields as f
from api.auth import api_user, token_required
from api.blueprint import bp
from api.errors import ApiError
from api.http import found, operation
from api.pagination import PageQuery, envelope, ordered, paginate, sort_field
from api.schemas import Ref, list_of
from core.access import public
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.roles import Role
from craftsmen import registry, rules
from craftsmen.models import (
    CraftsmanLevel,
    CraftsmanTitle,
    Nomination,
    NominationState,
    SelectionCycle,
)
from craftsmen.services import nominations as services
from craftsmen.services import review
from craftsmen.states import EDITABLE_STATES

TAGS = ["craftsmen"]
LEVELS = [level.value for level in CraftsmanLevel]
STATES = [state.value for state in NominationState]


# --- Registry ---------------------------------------------------------------------------------

class CycleRef(f.ApiSchema):
    id = f.Integer(required=True)
    title = f.String(required=True)


class Achievement(f.ApiSchema):
    """A publishable achievement (no evidence file)."""

    kind = f.String(required=True, validate=f.one_of(["competition", "patent", "innovation",
                                                      "apprentices", "honor"]))
    kind_label = f.String(required=True)
    title = f.String(required=True)
    achieved_on = f.Date(required=True)
    description = f.String(required=True)


class Craftsman(f.ApiSchema):
    """One entry of the public registry: a named craftsman as at naming."""

    id = f.Integer(required=True)
    name = f.String(required=True)
    title = f.String(required=True, metadata={"description": "称号，如“北京大工匠”"})
    level = f.String(required=True, validate=f.one_of(LEVELS))
    level_label = f.String(required=True)
    year = f.Integer(required=True)
    occupation = f.String(required=True)
    enterprise_name = f.String(required=True)
    district = f.String(required=True)
    named_on = f.Date(required=True)
    revoked = f.Boolean(required=True)
    revoked_on = f.Date(required=True, allow_none=True)
    cycle = f.Nested(CycleRef, required=True)


class CraftsmanDetail(Craftsman):
    achievements = f.List(f.Nested(Achievement), required=True)


CraftsmanList = list_of(Craftsman, "CraftsmanList")


class RegistryQuery(PageQuery):
    SORTABLE = {"year": CraftsmanTitle.year, "name": CraftsmanTitle.name,
                "named_on": CraftsmanTitle.named_on, "occupation": CraftsmanTitle.occupation,
                "district": CraftsmanTitle.district}
    DEFAULT_SORT = (("year", True), ("name", False))
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    q = f.String(load_default="", validate=f.length(max=50), metadata={
        "description": "姓名、单位或工种中包含的文字 / Text in the name, enterprise or occupation"})
    level = f.String(validate=f.one_of(LEVELS))
    year = f.QueryInteger(validate=f.between(1949, 2200))
    occupation = f.String(validate=f.length(max=64))
    district = f.String(validate=f.length(max=50))
    status = f.String(validate=f.one_of(["active", "revoked"]), metadata={
        "description": "active：有效；revoked：已撤销 / active or revoked titles only"})


def _craftsman(title: CraftsmanTitle) -> dict:
    return {"id": title.id, "name": title.name, "title": title.title, "level": title.level,
            "level_label": str(title.level_enum.label), "year": title.year,
            "occupation": title.occupation, "enterprise_name": title.enterprise_name,
            "district": title.district or "", "named_on": title.named_on,
            "revoked": title.is_revoked, "revoked_on": title.revoked_on,
            "cycle": {"id": title.cycle_id, "title": title.cycle.title}}


@bp.get("/craftsmen")
@public
@operation("listCraftsmen", _l("北京大工匠名录"), tags=TAGS, query=RegistryQuery,
           response=CraftsmanList,
           description=_l("公开名录：已命名的工匠（含已撤销称号的记录，可按 status 筛选）。"))
def list_craftsmen(args):
    filters = registry.RegistryFilters(
        q=args["q"].strip(), level=args.get("level", ""), year=args.get("year"),
        occupation=(args.get("occupation") or "").strip(), district=(args.get("district") or "").strip(),
        status=args.get("status", ""))
    query = ordered(registry.registry_query(filters), args, RegistryQuery, CraftsmanTitle.id)
    page = paginate(query, args)
    page.items = [_craftsman(title) for title in page.items]
    return envelope(page)


@bp.get("/craftsmen/<api_id:title_id>")
@public
@operation("getCraftsman", _l("名录中的一位工匠"), tags=TAGS, response=CraftsmanDetail)
def get_craftsman(title_id: int):
    title = found(db.session.get(CraftsmanTitle, title_id))
    data = _craftsman(title)
    data["achievements"] = [
        {"kind": a.kind, "kind_label": str(a.kind_enum.label), "title": a.title,
         "achieved_on": a.achieved_on, "description": a.description or ""}
        for a in registry.publishable_achievements(title)]
    return data


# --- Nominations ------------------------------------------------------------------------------

class OccupationRef(f.ApiSchema):
    id = f.Integer(required=True)
    name = f.String(required=True)


class NominationAchievement(f.ApiSchema):
    id = f.Integer(required=True)
    kind = f.String(required=True)
    kind_label = f.String(required=True)
    title = f.String(required=True)
    achieved_on = f.Date(required=True)
    description = f.String(required=True)
    publishable = f.Boolean(required=True)
    attachment_id = f.Integer(required=True, allow_none=True)


class NominationAttachment(f.ApiSchema):
    id = f.Integer(required=True)
    original_name = f.String(required=True)
    content_type = f.String(required=True)
    size = f.Integer(required=True)


class NominationOut(f.ApiSchema):
    """A nomination as its enterprise (and others allowed to see it) sees it."""

    id = f.Integer(required=True)
    state = f.String(required=True, validate=f.one_of(STATES))
    state_label = f.String(required=True)
    cycle = f.Nested(CycleRef, required=True)
    occupation = f.Nested(OccupationRef, required=True)
    worker = f.Nested(Ref, required=True)
    enterprise = f.Nested(Ref, required=True)
    statement = f.String(required=True)
    decision_note = f.String(required=True, metadata={
        "description": "最近一次退回、不通过或调整的理由 / Reason of the latest return or rejection"})
    submitted_at = f.DateTime(required=True, allow_none=True)
    qualified_at = f.DateTime(required=True, allow_none=True)
    created_at = f.DateTime(required=True)
    updated_at = f.DateTime(required=True)
    version = f.Integer(required=True, metadata={
        "description": "乐观锁版本号：修改或提交时传回 / Send back when changing or submitting"})
    editable = f.Boolean(required=True, metadata={"description": "当前可否修改 / May be changed now"})
    achievements = f.List(f.Nested(NominationAchievement), required=True)
    attachments = f.List(f.Nested(NominationAttachment), required=True)
    submission_problems = f.List(f.String(), required=True, allow_none=True, metadata={
        "description": "提交前还需解决的问题（推荐单位可见；列表中为 null，请读取单个推荐）/ "
                       "What still blocks submission (null in lists: read the nomination)"})


NominationList = list_of(NominationOut, "NominationList")


class NominationCreate(f.ApiSchema):
    cycle_id = f.Integer(required=True, validate=f.between(1, 2**31 - 1))
    worker_id = f.Integer(required=True, validate=f.between(1, 2**31 - 1))
    occupation_id = f.Integer(required=True, validate=f.between(1, 2**31 - 1))
    statement = f.String(load_default="", validate=f.length(max=services.STATEMENT_MAX))


class NominationUpdate(f.ApiSchema):
    occupation_id = f.Integer(validate=f.between(1, 2**31 - 1))
    statement = f.String(validate=f.length(max=services.STATEMENT_MAX))
    version = f.Version(load_default=None, allow_none=True, metadata={
        "description": "读取时的版本号（必填）；已被他人修改时答 409 / The version read (required); 409 when stale"})


class NominationSubmit(f.ApiSchema):
    version = f.Version(allow_none=True, metadata={
        "description": "读取时的版本号；已被他人修改时答 409 / The version read; 409 when stale"})


class NominationQuery(PageQuery):
    SORTABLE = {"updated_at": Nomination.updated_at, "created_at": Nomination.created_at,
                "submitted_at": Nomination.submitted_at, "state": Nomination.state,
                "cycle_id": Nomination.cycle_id}
    DEFAULT_SORT = (("updated_at", True),)
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    cycle_id = f.QueryInteger(validate=f.between(1, 2**31 - 1))
    state = f.String(validate=f.one_of(STATES))
    worker_id = f.QueryInteger(validate=f.between(1, 2**31 - 1))


def _nomination(nomination: Nomination, user, *, problems: bool = True) -> dict:
    """The nomination as ``user`` may see it; ``problems``: check what blocks its submission
    (a few queries: left out of lists)."""
    owner = rules.is_owner(user, nomination)
    editable = rules.can_edit_nomination(user, nomination)
    return {
        "id": nomination.id, "state": nomination.state,
        "state_label": str(nomination.state_enum.label),
        "cycle": {"id": nomination.cycle_id, "title": nomination.cycle.title},
        "occupation": {"id": nomination.occupation_id, "name": nomination.occupation.name},
        "worker": {"id": nomination.worker_id, "name": nomination.worker.name},
        "enterprise": {"id": nomination.enterprise_id, "name": nomination.enterprise.name},
        "statement": nomination.statement or "", "decision_note": nomination.decision_note or "",
        "submitted_at": nomination.submitted_at, "qualified_at": nomination.qualified_at,
        "created_at": nomination.created_at, "updated_at": nomination.updated_at,
        "version": nomination.version, "editable": editable,
        "achievements": [
            {"id": a.id, "kind": a.kind, "kind_label": str(a.kind_enum.label), "title": a.title,
             "achieved_on": a.achieved_on, "description": a.description or "",
             "publishable": a.publishable, "attachment_id": a.attachment_id}
            for a in nomination.achievements],
        "attachments": [{"id": a.id, "original_name": a.original_name,
                         "content_type": a.content_type, "size": a.size}
                        for a in nomination.attachments],
        "submission_problems": ((services.submission_problems(nomination) if owner and editable else [])
                                if problems else None),
    }


def _visible(nomination_id: int, user) -> Nomination:
    """The nomination for those the web page shows it to (experts while their panel scores it)."""
    nomination = found(db.session.get(Nomination, nomination_id))
    on_panel = user.has_role(Role.EXPERT) and review.SCOPE.on_panel(user, nomination)
    if not rules.can_view_nomination(user, nomination, on_panel=on_panel):
        raise ApiError(403, "not_yours", _l("只能查看本单位推荐的材料"),
                       "This nomination belongs to another enterprise.")
    return nomination


def _own(nomination_id: int, user) -> Nomination:
    nomination = found(db.session.get(Nomination, nomination_id))
    if not rules.can_manage_nomination(user, nomination):
        raise ApiError(403, "not_yours", _l("只能操作本单位的推荐"),
                       "This nomination belongs to another enterprise.")
    return nomination


def _check_editable(nomination: Nomination) -> None:
    """A nomination past the draft stage (or its correction) is a state conflict: 409."""
    if nomination.state_enum not in EDITABLE_STATES:
        raise ApiError(409, "invalid_state", _l("推荐当前为“%(state)s”，只能查看，不能修改或提交",
                                                state=nomination.state_enum.label),
                       f"The nomination is '{nomination.state}': it can no longer be changed "
                       "or submitted.")


@bp.get("/nominations")
@token_required(Role.ENTERPRISE, Role.ADMIN, Role.UNION_REVIEWER, Role.WORKER)
@operation("listNominations", _l("我能查看的推荐"), tags=TAGS, query=NominationQuery,
           response=NominationList,
           description=_l("企业工会：本单位的推荐；审核员：所属工会下单位的推荐；职工：本人的推荐；管理员：全部。"))
def list_nominations(args):
    user = api_user()
    query = select(Nomination).join(Enterprise, Enterprise.id == Nomination.enterprise_id)
    condition = rules.visible_nominations_filter(user, Nomination, Enterprise)
    if condition is not None:
        query = query.where(condition)
    for name in ("cycle_id", "state", "worker_id"):
        if args.get(name) is not None:
            query = query.where(getattr(Nomination, name) == args[name])
    page = paginate(ordered(query, args, NominationQuery, Nomination.id.desc()), args)
    page.items = [_nomination(n, user, problems=False) for n in page.items]
    return envelope(page)


@bp.post("/nominations")
@token_required(Role.ENTERPRISE)
@operation("createNomination", _l("推荐本单位职工（创建草稿）"), tags=TAGS, body=NominationCreate,
           response=NominationOut, status=201, errors=(404,),
           description=_l("只能推荐本单位的职工；周期须在推荐期内；同一周期每人只能被推荐一次。"))
def create_nomination(body):
    user = api_user()
    cycle = db.session.get(SelectionCycle, body["cycle_id"])
    worker = db.session.get(Worker, body["worker_id"])
    if cycle is None or worker is None:
        raise ApiError(404, details={"field": "cycle_id" if cycle is None else "worker_id"})
    if not rules.can_nominate(user, worker):
        raise ApiError(403, "not_yours", _l("只能推荐本单位的职工"),
                       "Only workers of your own enterprise can be nominated.",
                       details={"field": "worker_id"})
    nomination = services.create_draft(cycle, worker, body["occupation_id"], by=user, statement=body["statement"])
    db.session.commit()
    return _nomination(nomination, user)


@bp.get("/nominations/<api_id:nomination_id>")
@token_required(Role.ENTERPRISE, Role.ADMIN, Role.UNION_REVIEWER, Role.WORKER, Role.EXPERT)
@operation("getNomination", _l("一份推荐"), tags=TAGS, response=NominationOut)
def get_nomination(nomination_id: int):
    user = api_user()
    return _nomination(_visible(nomination_id, user), user)


@bp.patch("/nominations/<api_id:nomination_id>")
@token_required(Role.ENTERPRISE)
@operation("updateNomination", _l("修改推荐草稿（工种、个人陈述）"), tags=TAGS, body=NominationUpdate,
           response=NominationOut, errors=(409,),
           description=_l("草稿或退回修改状态的推荐可修改；未给出的字段保持不变。"))
def update_nomination(nomination_id: int, body):
    user = api_user()
    nomination = _own(nomination_id, user)
    _check_editable(nomination)
    services.update_draft(nomination, occupation_id=body.get("occupation_id", nomination.occupation_id),
                          statement=body.get("statement", nomination.statement or ""),
                          expected_version=body["version"], by=user)
    db.session.commit()
    return _nomination(nomination, user)


@bp.post("/nominations/<api_id:nomination_id>/submit")
@token_required(Role.ENTERPRISE)
@operation("submitNomination", _l("提交推荐（等待工会资格审查）"), tags=TAGS, body=NominationSubmit,
           body_required=False, response=NominationOut, errors=(409,),
           description=_l("提交前检查推荐期、材料完整性和资格条件；不能提交时答 422，details.reasons "
                          "列出全部原因。"))
def submit_nomination(nomination_id: int, body):
    user = api_user()
    nomination = _own(nomination_id, user)
    _check_editable(nomination)
    # Without a version the enterprise submits the nomination as it now stands.
    services.submit(nomination, expected_version=body.get("version", nomination.version), by=user)
    db.session.commit()
    return _nomination(nomination, user)
