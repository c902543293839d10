"""The public summary of the plan indicators (规划指标进展): progress toward each target,
the trend over the years and the breakdowns, as charts with their numbers beside them.
Only aggregate figures are shown; reported values carry their source note."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from core import navigation
from core.access import public
from core.timeutil import beijing_today
from indicators import charts, services

bp = Blueprint("indicators_public", __name__)

navigation.add("indicators_public.summary", _l("规划指标进展"))


@bp.get("/plan-indicators")
@public
def summary():
    items = services.list_indicators()
    return render_template("indicators/public_summary.html", groups=services.by_category(items), items=items,
                           charts=charts, today=beijing_today())
