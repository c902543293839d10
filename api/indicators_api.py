"""Plan indicators over the API: every indicator's target, current value and progress, as the
public summary page shows them (:func:`indicators.services.list_indicators`): aggregate
figures only, reported values with their source note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from api import fields as f
from api.blueprint import bp
from api.http import found, operation
from api.pagination import PageQuery, envelope, page_of, sort_field, sorted_items
from api.schemas import list_of
from core.access import public
from core.extensions import db
from indicators import services
from indicators.models import Indicator

TAGS = ["indicators"]


class YearValue(f.ApiSchema):
    year = f.Integer(required=True)
    value = f.DecimalString(required=True)


class NamedValue(f.ApiSchema):
    name = f.String(required=True)
    value = f.DecimalString(required=True)


class IndicatorOut(f.ApiSchema):
    id = f.Integer(required=True)
    key = f.String(required=True)
    name = f.String(required=True)
    category = f.String(required=True)
    unit = f.String(required=True)
    target = f.DecimalString(required=True, allow_none=True)
    target_year = f.Integer(required=True)
    baseline = f.DecimalString(required=True, allow_none=True)
    baseline_year = f.Integer(required=True, allow_none=True)
    source = f.String(required=True, validate=f.one_of(["live", "reported"]), metadata={
        "description": "live：由平台数据实时计算；reported：管理员填报 / computed or reported"})
    value = f.DecimalString(required=True, allow_none=True)
    as_of = f.Date(required=True, allow_none=True)
    progress = f.DecimalString(required=True, allow_none=True, metadata={
        "description": "完成进度：0 为基线，1 为目标 / 0 at the baseline, 1 at the target"})
    expected = f.DecimalString(required=True, allow_none=True, metadata={
        "description": "按时间进度应达到的进度 / Share expected by now"})
    achieved = f.Boolean(required=True)
    behind = f.Boolean(required=True)
    series = f.List(f.Nested(YearValue), required=True)
    by_district = f.List(f.Nested(NamedValue), required=True)
    by_industry = f.List(f.Nested(NamedValue), required=True)
    by_level = f.List(f.Nested(NamedValue), required=True)
    definition = f.String(required=True)
    basis = f.String(required=True)
    source_note = f.String(required=True)


IndicatorList = list_of(IndicatorOut, "IndicatorList")


class IndicatorQuery(PageQuery):
    #: Sorted in Python: the plan's order ("position"), or a field of the progress.
    SORTABLE = {"position": None, "name": lambda p: p.name, "key": lambda p: p.key,
                "category": lambda p: p.category, "progress": lambda p: p.progress}
    DEFAULT_SORT = (("position", False),)
    sort = sort_field(SORTABLE, DEFAULT_SORT)

    category = f.String(validate=f.length(max=32))
    source = f.String(validate=f.one_of(["live", "reported"]))


def _named(values: dict) -> list[dict]:
    return [{"name": str(name), "value": value} for name, value in values.items()]


def _indicator(item: services.IndicatorProgress) -> dict:
    return {
        "id": item.id, "key": item.key, "name": item.name, "category": item.category or "",
        "unit": item.unit, "target": item.target, "target_year": item.target_year,
        "baseline": item.baseline, "baseline_year": item.baseline_year, "source": item.source,
        "value": item.value, "as_of": item.as_of, "progress": item.progress, "expected": item.expected,
        "achieved": item.achieved, "behind": item.behind,
        "series": [{"year": year, "value": value} for year, value in item.series.items()],
        "by_district": _named(item.by_district), "by_industry": _named(item.by_industry),
        "by_level": _named(item.by_level), "definition": item.definition or "", "basis": item.basis or "",
        "source_note": item.source_note or "",
    }


@bp.get("/indicators")
@public
@operation("listIndicators", _l("规划指标进展"), tags=TAGS, query=IndicatorQuery, response=IndicatorList,
           description=_l("“十四五”职工技能人才规划的各项指标：目标、当前值、进度和分项数据，"
                          "与公开的规划指标进展页面一致。"))
def list_indicators(args):
    items = services.list_indicators()
    if args.get("category"):
        items = [i for i in items if i.category == args["category"]]
    if args.get("source"):
        items = [i for i in items if i.source == args["source"]]
    page = page_of(sorted_items(items, args, IndicatorQuery), args)
    page.items = [_indicator(item) for item in page.items]
    return envelope(page)


@bp.get("/indicators/<api_id:indicator_id>")
@public
@operation("getIndicator", _l("一项规划指标"), tags=TAGS, response=IndicatorOut)
def get_indicator(indicator_id: int):
    indicator = found(db.session.get(Indicator, indicator_id))
    return _indicator(services.indicator_progress(indicator))
