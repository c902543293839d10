"""Skills competitions: events, marking schemes, judges, marks, lock and recheck, results and awards."""

from __future__ import annotations

import importlib

from flask_babel import lazy_pgettext

#: The navigation group of the feature's own pages.
NAV_GROUP = lazy_pgettext("nav", "技能竞赛")

#: One blueprint per area of the feature.
BLUEPRINT_MODULES = (
    "competitions.views",  # administrators: competitions, events, marking schemes, state moves
    "competitions.judging_views",  # judges: score entry; chief judge: discrepancies, lock, recheck
    "competitions.results_views",  # results, publication, appeals, judge analytics
    "competitions.registration_views",  # registration, check-in and lots, judges
)


def init_app(app) -> None:
    from competitions import models  # noqa: F401 - register the tables

    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)

    from competitions import history, notifications, workbench

    workbench.register()
    notifications.register()
    history.register()

    if "certificates" in app.config["FEATURES"]:  # awards as certificates, events as batches
        from competitions import certificates as _certificates

        _certificates.register()
