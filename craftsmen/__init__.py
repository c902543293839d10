"""Beijing Grand Craftsman selection (北京大工匠选树): cycles, nominations, qualification check,
expert review, proposed list, public notice with objections, naming, and the public registry."""

from __future__ import annotations

from flask_babel import lazy_pgettext

#: The navigation group of the feature's own pages.
NAV_GROUP = lazy_pgettext("nav", "北京大工匠")

#: One blueprint per area of the feature.
BLUEPRINT_MODULES = (
    "craftsmen.views",             # administrators: cycles, occupations, rules
    "craftsmen.nomination_views",  # enterprises nominate; reviewers check; talent pool
    "craftsmen.review_views",      # expert panels, scoring, proposed list
    "craftsmen.public_views",      # 公示 and objections, naming, registry, exports
    "craftsmen.selection_route.views",  # the competition road: seeds, challengers, final, list
)


def init_app(app) -> None:
    from core.features import register_feature
    from craftsmen import models  # noqa: F401 - register the tables
    from craftsmen.selection_route import models as _route_models  # noqa: F401

    register_feature(app, "craftsmen", BLUEPRINT_MODULES)  # titles as certificates, cycles as batches
