"""The registry of live metrics: values computed from the product's own records.

Features contribute metrics without the indicators package depending on them: each feature
has a small ``<feature>/indicator_metrics.py`` that calls :func:`register` when imported, and
:func:`indicators.init_app` imports those modules only for the features the app runs with.

A metric's ``compute()`` runs aggregate queries (GROUP BY) and returns a :class:`MetricResult`:
the current value, a value per year and breakdowns by district union and industry union
(and, where it means something, by level).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app

log = logging.getLogger(__name__)

#: The modules that register metrics, by the feature they belong to.
FEATURE_METRIC_MODULES = {
    "craftsmen": "craftsmen.indicator_metrics",
    "competitions": "competitions.indicator_metrics",
    "innovation_studios": "innovation_studios.indicator_metrics",
}


@dataclass(frozen=True)
class MetricResult:
    """What a metric computes. Breakdown keys are display names (a union's name)."""

    value: Decimal
    as_of: date
    #: Year -> value: the standing at the end of each year for a stock (e.g. named studios),
    #: or what happened in that year for a flow (e.g. competitions held).
    series: Mapping[int, Decimal] = field(default_factory=dict)
    by_district: Mapping[str, Decimal] = field(default_factory=dict)
    by_industry: Mapping[str, Decimal] = field(default_factory=dict)
    by_level: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    key: str
    label: object
    compute: Callable[[], MetricResult]
    #: The feature package that registered it (the metric is offered only when it runs).
    feature: str


_REGISTRY: dict[str, Metric] = {}


def register(key: str, label, compute: Callable[[], MetricResult]) -> None:
    """Offer ``compute`` as the live metric ``key`` (registering again replaces it)."""
    feature = (getattr(compute, "__module__", "") or "").split(".")[0]
    _REGISTRY[key] = Metric(key, label, compute, feature)


def _enabled(metric: Metric) -> bool:
    features = current_app.config.get("FEATURES", ())
    return metric.feature not in FEATURE_METRIC_MODULES or metric.feature in features


def get(key: str | None) -> Metric | None:
    """The metric ``key`` if its feature runs in this app, else None."""
    metric = _REGISTRY.get(key or "")
    return metric if metric is not None and _enabled(metric) else None


def available() -> list[Metric]:
    """Every metric the running app offers, by key."""
    return sorted((m for m in _REGISTRY.values() if _enabled(m)), key=lambda m: m.key)


def load_feature_metrics(features: Iterable[str]) -> list[str]:
    """Import the metric modules of ``features``; returns the modules loaded. A feature
    without such a module (or whose module cannot be imported) simply offers no metrics."""
    loaded = []
    for feature in features:
        name = FEATURE_METRIC_MODULES.get(feature)
        if not name:
            continue
        try:
            importlib.import_module(name)
        except ImportError as exc:
            log.warning("indicator metrics of %s not loaded: %s", feature, exc)
            continue
        loaded.append(name)
    return loaded


# --- Helpers for the feature modules ------------------------------------------------------

UNASSIGNED = "—"


def as_decimal(value) -> Decimal:
    return Decimal(value or 0)


def cumulative(added: Mapping[int, int], removed: Mapping[int, int] | None = None,
               until: int | None = None) -> dict[int, Decimal]:
    """Standing at each year's end from what was added and removed per year (both from a
    GROUP BY year): the running total from the first year with any change up to ``until``."""
    removed = removed or {}
    years = [y for y in (*added, *removed) if y is not None]
    if not years:
        return {}
    first, last = min(years), max(max(years), until or 0)
    total, series = 0, {}
    for year in range(first, last + 1):
        total += added.get(year, 0) - removed.get(year, 0)
        series[year] = Decimal(total)
    return series


def named_breakdown(rows) -> dict[str, Decimal]:
    """``(name, count)`` rows to an ordered {name: count}; a missing name is "—"."""
    result: dict[str, Decimal] = {}
    for name, count in rows:
        key = name or UNASSIGNED
        result[key] = result.get(key, Decimal(0)) + as_decimal(count)
    return dict(sorted(result.items(), key=lambda item: (-item[1], item[0])))


def union_breakdowns(source, enterprise_id, *conditions, measure=None):
    """({district union: measure}, {industry union: measure}) over ``source`` (a model or a
    join that carries ``enterprise_id``), filtered by ``conditions``: two GROUP BY queries."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import aliased

    from core.extensions import db
    from core.organizations.models import Enterprise, Union

    measure = measure if measure is not None else func.count()
    results = []
    for column in (Enterprise.district_union_id, Enterprise.industry_union_id):
        union = aliased(Union)
        rows = db.session.execute(
            select(union.name, measure).select_from(source)
            .join(Enterprise, Enterprise.id == enterprise_id)
            .outerjoin(union, union.id == column)
            .where(*conditions).group_by(union.name)).all()
        results.append(named_breakdown(rows))
    return results[0], results[1]


def year_counts(year_column, *conditions, source=None, measure=None) -> dict[int, int]:
    """{year: measure} grouped by the year of a date column (SQLite and PostgreSQL alike)."""
    from sqlalchemy import extract, func, select

    from core.extensions import db

    year = extract("year", year_column)
    query = select(year, measure if measure is not None else func.count())
    if source is not None:
        query = query.select_from(source)
    rows = db.session.execute(query.where(year_column.is_not(None), *conditions).group_by(year)).all()
    return {int(y): int(n or 0) for y, n in rows if y is not None}
