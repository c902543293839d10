"""Live metrics of the plan indicators (:mod:`indicators.metrics`): named craftsmen, all
levels together and each level. Imported by the indicators feature only when it runs.

A craftsman counts from the naming date until the title is revoked (if ever). The registry's
snapshot gives the district; the industry union is the nominating enterprise's.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.extensions import db
from core.organizations.models import Enterprise, Union
from core.timeutil import beijing_today
from craftsmen.models import CraftsmanLevel, CraftsmanTitle, Nomination
from indicators.metrics import MetricResult, cumulative, named_breakdown, register, year_counts


def _craftsmen(level: str | None = None):
    def compute() -> MetricResult:
        today = beijing_today()
        t = CraftsmanTitle
        level_filter = (t.level == level,) if level else ()
        active = (t.revoked_on.is_(None), *level_filter)
        added = year_counts(t.named_on, *level_filter)
        removed = year_counts(t.revoked_on, *level_filter)
        by_district = named_breakdown(db.session.execute(
            select(t.district, func.count()).where(*active).group_by(t.district)).all())
        industry = aliased(Union)
        by_industry = named_breakdown(db.session.execute(
            select(industry.name, func.count()).select_from(t)
            .join(Nomination, Nomination.id == t.nomination_id)
            .join(Enterprise, Enterprise.id == Nomination.enterprise_id)
            .outerjoin(industry, industry.id == Enterprise.industry_union_id)
            .where(*active).group_by(industry.name)).all())
        by_level = {}
        if level is None:
            counts = dict(db.session.execute(
                select(t.level, func.count()).where(*active).group_by(t.level)).all())
            by_level = {str(lv.label): Decimal(counts[lv.value]) for lv in CraftsmanLevel if counts.get(lv.value)}
        value = db.session.scalar(select(func.count()).select_from(t).where(*active)) or 0
        return MetricResult(value=Decimal(value), as_of=today,
                            series=cumulative(added, removed, until=today.year),
                            by_district=by_district, by_industry=by_industry, by_level=by_level)
    return compute


register("craftsmen.named", _l("已命名工匠（各级）"), _craftsmen())
for _level in CraftsmanLevel:
    register(f"craftsmen.named.{_level.value}", _l("已命名工匠：%(level)s", level=_level.label),
             _craftsmen(_level.value))
