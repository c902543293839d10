"""The read side of the studio lists: filters from the query string, the queries behind the
lists of administrators, reviewers and enterprises, the public directory and the Excel export.

Every list is one query for the page (plus its count) and a constant number of ``selectin``
queries for the enterprises, their district unions and the leaders, whatever the page size;
the filter columns are indexed (kind, level, state, industry, applied year, naming date, the
enterprise's district union).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import NamedTuple

from flask_babel import get_locale
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from core import collation
from core.extensions import db
from core.organizations import services as org_services
from core.organizations.models import Enterprise, Union, UnionKind
from core.public_cache import kept_while_unchanged
from innovation_studios.studios import rules
from innovation_studios.studios.models import INDUSTRIES, Studio, StudioKind, StudioLevel, StudioState
from innovation_studios.studios.states import NAMED_STATES

YEAR_KINDS = ("named", "applied")


@dataclass
class StudioFilters:
    """What a list was asked for; unknown values are ignored, not errors."""

    q: str = ""
    kind: str = ""
    level: str = ""
    district_id: int | None = None
    industry: str = ""
    state: str = ""
    year_kind: str = "named"
    year: int | None = None

    @classmethod
    def from_args(cls, args, *, default_state: str = "") -> StudioFilters:
        kind, level, state = args.get("kind", ""), args.get("level", ""), args.get("state", default_state)
        industry, year_kind = args.get("industry", ""), args.get("year_kind", "named")
        year = args.get("year", type=int)
        return cls(
            q=args.get("q", "").strip()[:50],
            kind=kind if kind in {k.value for k in StudioKind} else "",
            level=level if level in {lv.value for lv in StudioLevel} else "",
            district_id=args.get("district_id", type=int) or None,
            industry=industry if industry in INDUSTRIES else "",
            state=state if state in {s.value for s in StudioState} else "",
            year_kind=year_kind if year_kind in YEAR_KINDS else "named",
            year=year if year and 1990 <= year <= 2100 else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.kind or self.level or self.district_id or self.industry
                    or self.state or self.year)

    def as_args(self) -> dict:
        """The filters as query-string arguments (for the export link and the pager)."""
        return {k: v for k, v in asdict(self).items() if v not in ("", None)
                and not (k == "year_kind" and not self.year)}


def _filtered(query: Select, filters: StudioFilters) -> Select:
    if filters.q:
        query = query.where(or_(Studio.name.contains(filters.q, autoescape=True),
                                Studio.number.contains(filters.q, autoescape=True),
                                Studio.enterprise_id.in_(org_services.enterprise_ids_named_like(filters.q))))
    if filters.kind:
        query = query.where(Studio.kind == filters.kind)
    if filters.level:
        # the level named, or for applications the level sought
        query = query.where(or_(Studio.level == filters.level,
                                and_(Studio.level.is_(None), Studio.level_sought == filters.level)))
    if filters.district_id:
        # a semi-join, so that a list without this filter needs no join with the enterprises
        query = query.where(Studio.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.district_union_id == filters.district_id)))
    if filters.industry:
        query = query.where(Studio.industry == filters.industry)
    if filters.state:
        query = query.where(Studio.state == filters.state)
    if filters.year:
        if filters.year_kind == "applied":
            query = query.where(Studio.applied_year == filters.year)
        else:
            query = query.where(Studio.named_on >= date(filters.year, 1, 1),
                                Studio.named_on <= date(filters.year, 12, 31))
    return query


def with_list_relations(query: Select) -> Select:
    """What a list row shows besides the studio: a constant number of extra queries."""
    return query.options(
        selectinload(Studio.enterprise).selectinload(Enterprise.district_union),
        selectinload(Studio.leader))


def _with_row_relations_joined(query: Select) -> Select:
    """The same, joined into the page's own query (one each: the enterprise, its district union,
    the leader), for the public directory, whose page is nothing but these rows."""
    return query.options(
        joinedload(Studio.enterprise).joinedload(Enterprise.district_union),
        joinedload(Studio.leader))


def studio_query(user, filters: StudioFilters) -> Select:
    """The studios ``user`` may list, filtered, newest first."""
    query = select(Studio).join(Enterprise, Enterprise.id == Studio.enterprise_id)
    condition = rules.visible_studios_filter(user, Studio, Enterprise)
    if condition is not None:
        query = query.where(condition)
    return with_list_relations(_filtered(query, filters).order_by(Studio.id.desc()))


def public_query(filters: StudioFilters) -> Select:
    """Named studios for the public directory, most recently named first."""
    query = select(Studio).where(Studio.state.in_([s.value for s in NAMED_STATES]))
    filters.state = ""
    filters.year_kind = "named"
    return _with_row_relations_joined(_filtered(query, filters).order_by(collation.order_by_name(Studio), Studio.id))


def row_labels() -> dict:
    """The words of a list row, translated once per language and process rather than once per
    row (the catalogs change only with a new deployment)."""
    language = str(get_locale())
    labels = _ROW_LABELS.get(language)
    if labels is None:
        labels = _ROW_LABELS[language] = _translated_row_labels()
    return labels


_ROW_LABELS: dict[str, dict] = {}


def _translated_row_labels() -> dict:
    from flask_babel import gettext as _

    return {
        "kind": {k.value: str(k.label) for k in StudioKind},
        "level": {lv.value: str(lv.label) for lv in StudioLevel},
        "sought": {lv.value: _("申报%(level)s", level=lv.label) for lv in StudioLevel},
        "state": {s.value: str(s.label) for s in StudioState},
        "leader": _("领办人："), "named": _("命名"), "applied": _("年度申报"),
        "none": _("没有符合条件的工作室"),
    }


class DistrictOption(NamedTuple):
    id: int
    name: str


def districts() -> list[DistrictOption]:
    """The district unions to filter by, kept until the organisations change."""
    return kept_while_unchanged("innovation_studios.listing.districts", ("core",), _read_districts)


def _read_districts() -> list[DistrictOption]:
    return [DistrictOption(*row) for row in db.session.execute(
        select(Union.id, Union.name).where(Union.kind == UnionKind.DISTRICT.value).order_by(Union.id))]


def years() -> list[int]:
    """Years to choose from: from the earliest application or naming to the latest, newest first
    (kept until the studios change)."""
    return kept_while_unchanged("innovation_studios.listing.years", ("innovation_studios",), _read_years)


def _read_years() -> list[int]:
    low_applied, high_applied, low_named, high_named = db.session.execute(select(
        func.min(Studio.applied_year), func.max(Studio.applied_year),
        func.min(Studio.named_on), func.max(Studio.named_on))).one()
    found = [y for y in (low_applied, high_applied, low_named and low_named.year,
                         high_named and high_named.year) if y]
    if not found:
        return []
    return list(range(max(found), min(found) - 1, -1))
