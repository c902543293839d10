"""Certificates (荣誉证书): issuing with a snapshot of every printed field, signed PDFs with an
embedded Chinese font and a QR code, public verification, revocation and replacement,
verifiable-credential export, downloads and batch issuing.

Features call :mod:`certificates.services`; this package never imports a feature. What a
feature can issue in bulk (a cycle's titles, an event's awards, ...) it registers with
:mod:`certificates.sources`.
"""

from __future__ import annotations

from flask_babel import lazy_pgettext

#: The navigation group of the feature's own pages.
NAV_GROUP = lazy_pgettext("nav", "证书")

#: One blueprint per area of the feature (each module defines ``bp``).
BLUEPRINT_MODULES: tuple[str, ...] = (
    "certificates.views",           # administrators: list, detail, revoke, replace
    "certificates.verify_views",    # public verification, status lists, published keys
    "certificates.download_views",  # workers, enterprises and administrators download PDFs
    "certificates.batch_views",     # administrators: batch issuing with a ZIP, in the background
)


def init_app(app) -> None:
    from certificates import cli, models  # noqa: F401 - register the tables
    from certificates.config import init_config
    from core.features import register_feature

    init_config(app)
    cli.init_app(app)
    from certificates import batch_commands, models_batches  # noqa: F401 - batch tables

    batch_commands.init_app(app)
    from certificates.services import batches
    from core import health

    health.register_backlog(batches.oldest_queued)

    register_feature(app, "certificates", BLUEPRINT_MODULES, certificates=False)
