"""Application factory: configuration, extensions, blueprints, error pages, commands."""

from __future__ import annotations

import functools

from flask import Flask

from core.config import PROJECT_ROOT, load_config


def create_app(profile: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app for ``profile`` (``APP_CONFIG`` when None; production by default)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    _bound_int_converter(app)
    load_config(app, profile, overrides)
    register_extensions(app)
    register_blueprints(app)
    register_features(app)
    register_jobs(app)
    register_hooks(app)
    register_errorhandlers(app)
    register_commands(app)

    from core.access import check_all_routes_guarded

    check_all_routes_guarded(app)
    _configure_models()
    _fresh_connections_after_fork(app)
    return app


def _configure_models() -> None:
    """Relate the models to each other now rather than on the first query: a mistake in a
    relationship stops the start, and workers forked from a preloading master share the work
    (several MB) instead of each doing it again on its first request."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def _fresh_connections_after_fork(app: Flask) -> None:
    """A worker forked from the process that created the app opens its own connections."""
    from core.db_pool import dispose_after_fork
    from core.extensions import db

    with app.app_context():
        engines = list(db.engines.values())
    public_engine = app.extensions.get("public_cache.engine")
    dispose_after_fork(*engines, *([public_engine] if public_engine is not None else []))


def _bound_int_converter(app: Flask) -> None:
    """Path ids beyond a database integer answer 404 instead of overflowing the database."""
    from werkzeug.routing import IntegerConverter

    class DatabaseInt(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseInt


def register_extensions(app: Flask) -> None:
    from core import i18n, schema_migrations
    from core.db_pool import ping_idle_connections, sqlite_foreign_keys
    from core.extensions import bootstrap, csrf, db, limiter, login_manager

    db.init_app(app)
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        sqlite_foreign_keys(engine)
        if app.config.get("DATABASE_PING_IDLE_SECONDS") is not None:
            ping_idle_connections(engine, float(app.config["DATABASE_PING_IDLE_SECONDS"]))
    schema_migrations.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.lazy_login_message
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(cookie_id: str):
        user_id, _, token = cookie_id.partition(".")
        if not user_id.isdigit() or not token or len(user_id) > 10:
            return None
        user = load_signed_in_user(int(user_id))
        if user is None or user.session_token != token or not user.is_enabled:
            return None
        return user

    import_models()


def load_signed_in_user(user_id: int):
    """The user behind a session with their roles, in one query: every signed-in request
    starts here, so the roles come in the same statement instead of a second one."""
    from core.extensions import db

    if user_id > 2**31 - 1:
        return None
    rows = db.session.execute(_signed_in_user_statement(), {"user_id": user_id})
    return rows.unique().scalar_one_or_none()


@functools.cache
def _signed_in_user_statement():
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import contains_eager

    from core.accounts.models import User, UserRole

    return (select(User).outerjoin(UserRole, UserRole.user_id == User.id)
            .options(contains_eager(User.role_rows)).where(User.id == bindparam("user_id")))


def import_models() -> None:
    """Import every model module so metadata is complete (migrations, create_all)."""
    from core.accounts import models as _accounts  # noqa: F401
    from core.audit import models as _audit  # noqa: F401
    from core.jobs import models as _jobs  # noqa: F401
    from core.notifications import models as _notifications  # noqa: F401
    from core.organizations import models as _orgs  # noqa: F401
    from core.people import models as _people  # noqa: F401
    from core.public_cache import DataVersion as _versions  # noqa: F401
    from core.review_panels import models as _panels  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from core.accounts.views import admin_bp
    from core.accounts.views import bp as auth_bp
    from core.audit.views import bp as audit_bp
    from core.main import bp as main_bp
    from core.organizations.views import bp as organizations_bp
    from core.people.views import bp as people_bp

    for blueprint in (main_bp, auth_bp, admin_bp, audit_bp, organizations_bp, people_bp):
        app.register_blueprint(blueprint)

    from core import notifications

    notifications.init_app(app)


def register_features(app: Flask) -> None:
    """Load the feature packages named in ``FEATURES``; each has ``init_app(app)``.

    Features depend on core, never the reverse: core names them only in configuration.
    """
    import importlib

    for name in app.config["FEATURES"]:
        importlib.import_module(name).init_app(app)


def register_jobs(app: Flask) -> None:
    """The job queue, once every feature declared its jobs."""
    from core import jobs
    from core.people import jobs as _people_jobs  # noqa: F401 - declares the import job

    jobs.init_app(app)


def register_hooks(app: Flask) -> None:
    from core import logs, metrics, navigation, public_cache, row_urls, security
    from core.audit import describe
    from core.health import Liveness
    from core.review_panels import workbench as panel_workbench

    # /healthz in front of the app, behind the proxy fix (which security adds): the log line
    # names the client as the proxy reports it.
    app.wsgi_app = Liveness(app.wsgi_app, app.config)  # type: ignore[method-assign]  # WSGI middleware
    logs.init_app(app)
    metrics.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    public_cache.init_app(app)
    row_urls.init_app(app)
    describe.init_app(app)
    panel_workbench.register()


def register_errorhandlers(app: Flask) -> None:
    from core import error_pages

    error_pages.init_app(app)


def register_commands(app: Flask) -> None:
    from core import cli

    cli.init_app(app)
