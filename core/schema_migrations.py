"""Flask-Migrate, bound when first used: ``flask db …`` and :mod:`flask_migrate`'s functions
work as usual, but Alembic (with Mako and Pygments under it, about 10 MB) is imported only by
the process that migrates, not by every app process serving requests."""

from __future__ import annotations

import logging

from flask.cli import AppGroup

from core.config import PROJECT_ROOT


def _bind(app):
    """Set up Flask-Migrate for ``app`` (once) and return its ``app.extensions`` entry."""
    if isinstance(app.extensions.get("migrate"), _DeferredConfig):
        # Alembic announces each of its plugins at INFO when imported; the app's logging is
        # already set up by then, so keep that chatter out of ``flask db`` output.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        from flask_migrate import Migrate

        from core.extensions import db

        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                compare_type=True)
    return app.extensions["migrate"]


class _DeferredConfig:
    """Stands for Flask-Migrate's ``app.extensions['migrate']`` until something reads it."""

    def __init__(self, app):
        self._app = app

    def __getattr__(self, name):
        return getattr(_bind(self._app), name)


class _Commands(AppGroup):
    """The app's commands, where ``flask db`` loads Flask-Migrate's group when it is named."""

    def __init__(self, app, commands: dict):
        super().__init__()
        self._app = app
        self.commands.update(commands)

    def get_command(self, ctx, cmd_name):
        if cmd_name == "db":
            _bind(self._app)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), "db"})


def init_app(app) -> None:
    app.extensions["migrate"] = _DeferredConfig(app)
    app.cli = _Commands(app, app.cli.commands)
