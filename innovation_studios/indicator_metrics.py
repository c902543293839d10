"""Live metrics of the plan indicators (:mod:`indicators.metrics`): named studios by level,
alliances and their joint projects. Imported by the indicators feature only when it runs;
every figure is an aggregate query.

A studio counts as named while it is named or under rectification; its standing at a year's
end counts studios named by then and not delisted by then.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.extensions import db
from core.timeutil import beijing_today
from indicators.metrics import MetricResult, cumulative, register, union_breakdowns, year_counts
from innovation_studios.alliances.models import Alliance, AllianceLeadTerm, JointProject, ProjectStatus
from innovation_studios.studios.models import Studio, StudioLevel, StudioState

NAMED_STATES = (StudioState.NAMED.value, StudioState.RECTIFICATION.value)


def _studios(level: str | None = None):
    def compute() -> MetricResult:
        today = beijing_today()
        level_filter = (Studio.level == level,) if level else ()
        current = (Studio.state.in_(NAMED_STATES), *level_filter)
        added = year_counts(Studio.named_on, *level_filter)
        removed = year_counts(Studio.delisted_on, Studio.named_on.is_not(None), *level_filter)
        by_district, by_industry = union_breakdowns(Studio, Studio.enterprise_id, *current)
        by_level = {}
        if level is None:
            counts = dict(db.session.execute(
                select(Studio.level, func.count()).where(*current).group_by(Studio.level)).all())
            by_level = {str(lv.label): Decimal(counts[lv.value]) for lv in StudioLevel if counts.get(lv.value)}
        value = db.session.scalar(select(func.count()).select_from(Studio).where(*current)) or 0
        return MetricResult(value=Decimal(value), as_of=today,
                            series=cumulative(added, removed, until=today.year),
                            by_district=by_district, by_industry=by_industry, by_level=by_level)
    return compute


register("studios.named", _l("已命名职工创新工作室（各级）"), _studios())
for _level in StudioLevel:
    register(f"studios.named.{_level.value}", _l("已命名职工创新工作室：%(level)s", level=_level.label),
             _studios(_level.value))


def _alliances() -> MetricResult:
    """Alliances founded and not dissolved; by the current lead studio's district and industry."""
    today = beijing_today()
    added = year_counts(Alliance.founded_on)
    removed = year_counts(Alliance.dissolved_on)
    active = (Alliance.dissolved_on.is_(None),)
    with_lead = (Alliance.__table__
                 .join(AllianceLeadTerm.__table__, (AllianceLeadTerm.alliance_id == Alliance.id)
                       & AllianceLeadTerm.ends_on.is_(None))
                 .join(Studio.__table__, Studio.id == AllianceLeadTerm.studio_id))
    by_district, by_industry = union_breakdowns(with_lead, Studio.enterprise_id, *active)
    value = db.session.scalar(select(func.count()).select_from(Alliance).where(*active)) or 0
    return MetricResult(value=Decimal(value), as_of=today, series=cumulative(added, removed, until=today.year),
                        by_district=by_district, by_industry=by_industry)


def _joint_projects() -> MetricResult:
    """Joint projects not cancelled, by the year they start; by the lead studio's enterprise."""
    today = beijing_today()
    live = (JointProject.status != ProjectStatus.CANCELLED.value,)
    with_lead = JointProject.__table__.join(Studio.__table__, Studio.id == JointProject.lead_studio_id)
    by_district, by_industry = union_breakdowns(with_lead, Studio.enterprise_id, *live)
    value = db.session.scalar(select(func.count()).select_from(JointProject).where(*live)) or 0
    series = {year: Decimal(n) for year, n in year_counts(JointProject.starts_on, *live).items()}
    return MetricResult(value=Decimal(value), as_of=today, series=series,
                        by_district=by_district, by_industry=by_industry)


register("studios.alliances", _l("创新工作室联盟（运行中）"), _alliances)
register("studios.joint_projects", _l("联盟联合攻关项目"), _joint_projects)
