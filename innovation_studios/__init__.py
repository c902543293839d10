"""Worker innovation studios (职工创新工作室) and the studio alliance (创新工作室联盟):
applications, review and naming, members and leaders, achievements, funding, annual
assessment with rectification and delisting, alliances and their joint projects."""

from __future__ import annotations

import importlib

from flask_babel import lazy_gettext as _l

#: The navigation group of the feature's own pages.
NAV_GROUP = _l("创新工作室")

#: One blueprint per area of the feature (each module defines ``bp``).
BLUEPRINT_MODULES: tuple[str, ...] = ()


def init_app(app) -> None:
    from innovation_studios import models  # noqa: F401 - register the tables

    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
