"""Skills competitions: events, marking schemes, judges, marks, lock and recheck, results and awards."""

from __future__ import annotations

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
    from core.features import register_feature

    register_feature(app, "competitions", BLUEPRINT_MODULES)  # awards as certificates, events as batches
