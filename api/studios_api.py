"""Worker innovation studios over the API: the public directory of named studios and each
studio's public data, as the public directory pages show them (:mod:`innovation_studios`'s
``listing`` and ``leaders``): the studio, its enterprise and district, its field, and the
leader's name and distinctions; no ID numbers, phone numbers or members' names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from api import fields as f
from api.blueprint import bp
from api.http import found, operation
from api.pagination import PageQuery, envelope, ordered, paginate, sort_field
from api.schemas import list_of
from core.access import public
from core.extensions import db
from innovation_studios.studios import leaders, listing
from innovation_studios.studios.models import INDUSTRIES, Studio, StudioKind, StudioLevel, StudioMember
from innovation_studios.studios.states import NAMED_STATES

TAGS = ["studios"]
KINDS = [kind.value for kind in StudioKind]
LEVELS = [level.value for level in StudioLevel]


class LeaderFlag(f.ApiSchema):
    kind = f.String(required=True, validate=f.one_of(["model_worker", "craftsman"]))
    label = f.String(required=True)
    title = f.String(required=True, metadata={"description": "如“北京市劳动模范”“北京大工匠”"})


class Leader(f.ApiSchema):
    name = f.String(required=True)
    distinctions = f.List(f.Nested(LeaderFlag), required=True)


class StudioOut(f.ApiSchema):
    """A named studio as the public directory shows it."""

    id = f.Integer(required=True)
    number = f.String(required=True, allow_none=True, metadata={"description": "命名编号"})
    name = f.String(required=True)
    kind = f.String(required=True, validate=f.one_of(KINDS))
    kind_label = f.String(required=True)
    level = f.String(required=True, allow_none=True, validate=f.one_of(LEVELS))
    level_label = f.String(required=True, allow_none=True)
    named_on = f.Date(required=True, allow_none=True)
    enterprise = f.String(required=True)
    district = f.String(required=True, allow_none=True)
    field = f.String(required=True, metadata={"description": "专业领域"})
    industry = f.String(required=True, metadata={"description": "所属行业（国民经济行业门类）"})
    leader = f.Nested(Leader, required=True)


class StudioDetail(StudioOut):
    team_size = f.Integer(required=True, metadata={"description": "团队人数（不含领办人）/ Members"})


StudioList = list_of(StudioOut, "StudioList")


class StudioQuery(PageQuery):
    SORTABLE = {"named_on": Studio.named_on, "name": Studio.name, "number": Studio.number}
    DEFAULT_SORT = (("named_on", True),)
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    q = f.String(load_default="", validate=f.length(max=50), metadata={
        "description": "工作室名称、编号或企业名称中包含的文字"})
    kind = f.String(validate=f.one_of(KINDS))
    level = f.String(validate=f.one_of(LEVELS))
    district_id = f.QueryInteger(validate=f.between(1, 2**31 - 1), metadata={"description": "所在区总工会 id"})
    industry = f.String(validate=f.one_of(INDUSTRIES))
    year = f.QueryInteger(validate=f.between(1990, 2100), metadata={"description": "命名年度"})


def _studio(studio: Studio, flags) -> dict:
    district = studio.enterprise.district_union
    return {
        "id": studio.id, "number": studio.number, "name": studio.name, "kind": studio.kind,
        "kind_label": str(studio.kind_enum.label), "level": studio.level,
        "level_label": str(studio.level_enum.label) if studio.level_enum else None,
        "named_on": studio.named_on, "enterprise": studio.enterprise.name,
        "district": district.name if district else None, "field": studio.field or "",
        "industry": studio.industry or "",
        "leader": {"name": studio.leader.name,
                   "distinctions": [{"kind": flag.kind, "label": str(flag.label), "title": flag.title}
                                    for flag in flags.get(studio.leader_worker_id, [])]},
    }


@bp.get("/studios")
@public
@operation("listStudios", _l("职工创新工作室名录"), tags=TAGS, query=StudioQuery, response=StudioList,
           description=_l("已命名（含整改中）的工作室，与公开名录页面一致。"))
def list_studios(args):
    filters = listing.StudioFilters(q=args["q"].strip(), kind=args.get("kind", ""),
                                    level=args.get("level", ""), district_id=args.get("district_id"),
                                    industry=args.get("industry", ""), year=args.get("year"))
    query = ordered(listing.public_query(filters), args, StudioQuery, Studio.id.desc())
    page = paginate(query, args)
    flags = leaders.flags_for([studio.leader for studio in page.items])
    page.items = [_studio(studio, flags) for studio in page.items]
    return envelope(page)


@bp.get("/studios/<api_id:studio_id>")
@public
@operation("getStudio", _l("一个已命名工作室的公开信息"), tags=TAGS, response=StudioDetail)
def get_studio(studio_id: int):
    studio = found(db.session.scalar(listing.with_list_relations(select(Studio).where(
        Studio.id == studio_id, Studio.state.in_([s.value for s in NAMED_STATES])))))
    data = _studio(studio, leaders.flags_for([studio.leader]))
    data["team_size"] = db.session.scalar(select(func.count()).select_from(StudioMember).where(
        StudioMember.studio_id == studio.id, StudioMember.left_on.is_(None)))
    return data
