"""Worker innovation studios (职工创新工作室) and the studio alliance (创新工作室联盟):
applications, review and naming, members and leaders, achievements, funding, annual
assessment with rectification and delisting, alliances and their joint projects."""

from __future__ import annotations

from flask_babel import lazy_pgettext

#: The navigation group of the feature's own pages.
NAV_GROUP = lazy_pgettext("nav", "创新工作室")

#: One blueprint per area of the feature (each module defines ``bp``).
BLUEPRINT_MODULES: tuple[str, ...] = (
    "innovation_studios.studios.views",                # studio lists and the studio page (PART A)
    "innovation_studios.studios.application_views",    # applications, teams, leaders, the union's check (PART A)
    "innovation_studios.studios.review_views",         # expert review, naming, delisting (PART A)
    "innovation_studios.studios.public_views",         # the public directory of named studios (PART A)
    "innovation_studios.alliances.views",              # studio alliances and joint projects (PART C)
    "innovation_studios.achievements.views",           # achievements, evidence, Excel export (PART B)
    "innovation_studios.achievements.funding_views",   # funding grants and their use (PART B)
    "innovation_studios.assessments.views",            # annual assessment, rectification, delisting (PART B)
)


def init_app(app) -> None:
    from core.features import register_feature
    from innovation_studios.studios import models  # noqa: F401 - register the tables

    register_feature(app, "innovation_studios", BLUEPRINT_MODULES)  # naming and membership certificates
