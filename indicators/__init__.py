"""Plan indicators dashboard (规划指标): the 14th Five-Year worker development plan's indicators,
their targets and baselines, live values computed from the product's own records and values
reported by administrators, with progress, trends and breakdowns.

Live values come from metrics other features register (:mod:`indicators.metrics`); this
package imports their ``indicator_metrics`` modules only for the features the app runs with,
so it depends on none of them.
"""

from __future__ import annotations

import importlib

from flask_babel import lazy_pgettext

#: The navigation group of the feature's own pages.
NAV_GROUP = lazy_pgettext("nav", "规划指标")

#: One blueprint per area of the feature (each module defines ``bp``).
BLUEPRINT_MODULES: tuple[str, ...] = (
    "indicators.views",         # administrators: dashboard, targets, reported values, exports
    "indicators.public_views",  # the public summary
)


def init_app(app) -> None:
    from indicators import cli, metrics, models  # noqa: F401 - register the tables
    from indicators.charts import format_number

    metrics.load_feature_metrics(app.config["FEATURES"])
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
    app.add_template_filter(format_number, "indicator_number")
    cli.init_app(app)

    from indicators import history

    history.register()
