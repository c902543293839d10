"""Background jobs on Huey: long work leaves the web request and runs in ``flask jobs worker``.

* A feature declares a job with :func:`job` (a plain function taking JSON-able arguments) and
  queues it with :func:`enqueue` *after* committing what the job will read.
* ``HUEY_URL`` picks the queue: ``sqlite:///path`` (development: a file in ``instance/``, the
  worker started beside the development server), ``redis://host:6379/0`` (production: any
  number of workers on any number of machines) or ``immediate`` (tests: the job runs at once,
  in the caller's process, in its own app context).
* Every job runs in its own app context and database session, which it commits itself; what
  it has done and how far it got is kept in the database (a job's own table, e.g. the
  certificate batches, or :class:`core.jobs.models.BackgroundJob`), so a retried job carries
  on instead of starting over.
* Web processes never run jobs, start threads or process pools: only the worker does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """A job as declared: its function and Huey's retry settings."""

    name: str
    function: Callable
    retries: int
    retry_delay: int
    periodic_minutes: int | None = None


#: Every declared job, by name. Filled at import time of the features' job modules.
_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, retries: int = 3, retry_delay: int = 10):
    """Declare ``function`` as the job ``name``; retried ``retries`` times on an exception."""

    def decorator(function):
        _REGISTRY[name] = JobSpec(name, function, retries, retry_delay)
        return function

    return decorator


def periodic(name: str, *, minutes: int = 1):
    """Declare ``function`` as a job the worker runs every ``minutes`` (e.g. recovery)."""

    def decorator(function):
        _REGISTRY[name] = JobSpec(name, function, 0, 0, periodic_minutes=minutes)
        return function

    return decorator


def queue_kind(url: str) -> str:
    """``immediate``, ``redis`` or ``sqlite`` for ``HUEY_URL``; refuses anything else."""
    if url in ("immediate", "memory://"):
        return "immediate"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis"
    if url.startswith("sqlite:///"):
        return "sqlite"
    from core.config import ConfigurationError

    raise ConfigurationError(f"HUEY_URL“{url}”无法识别：应为 redis://…、sqlite:///… 或 immediate")


def make_huey(url: str, name: str = "craftsman"):
    """The Huey instance for ``HUEY_URL``."""
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    kind = queue_kind(url)
    if kind == "immediate":
        return MemoryHuey(name, immediate=True)
    if kind == "redis":
        return RedisHuey(name, url=url)
    from pathlib import Path

    path = Path(url[len("sqlite:///"):])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path))


class JobQueue:
    """The app's Huey instance and its tasks (``app.extensions["jobs"]``).

    The address is checked at start-up; Huey (and its Redis client) are loaded when a job is
    first queued or the worker starts, so app processes that queue nothing do not carry them.
    """

    def __init__(self, app):
        self.app = app
        queue_kind(app.config["HUEY_URL"])
        self._tasks: dict = {}

    @cached_property
    def huey(self):
        huey = make_huey(self.app.config["HUEY_URL"])
        for spec in _REGISTRY.values():
            runner = _in_app_context(self.app, spec)
            if spec.periodic_minutes:
                from huey import crontab

                self._tasks[spec.name] = huey.periodic_task(
                    crontab(minute=f"*/{spec.periodic_minutes}"), name=spec.name)(runner)
            else:
                self._tasks[spec.name] = huey.task(
                    retries=spec.retries, retry_delay=spec.retry_delay, name=spec.name)(runner)
        return huey

    @property
    def tasks(self) -> dict:
        self.huey  # noqa: B018 - binds the tasks on first use
        return self._tasks

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def enqueue(self, name: str, *args) -> None:
        self.tasks[name](*args)

    def pending(self) -> int:
        return 0 if self.immediate else int(self.huey.pending_count())


def _in_app_context(app, spec: JobSpec):
    """``spec.function`` run in a fresh app context and session; its duration and failures
    are counted for the metrics."""

    @wraps(spec.function)
    def run(*args):
        from core import metrics
        from core.extensions import db

        started = time.perf_counter()
        outcome = "ok"
        with app.app_context():
            try:
                return spec.function(*args)
            except BaseException:
                outcome = "error"
                db.session.rollback()
                log.exception("后台任务 %s 出错", spec.name)
                raise
            finally:
                db.session.remove()
                metrics.observe_job(spec.name, outcome, time.perf_counter() - started)

    return run


def queue() -> JobQueue:
    return current_app.extensions["jobs"]


def enqueue(name: str, *args) -> None:
    """Queue the job ``name``; commit first what it reads. In immediate mode it runs now."""
    queue().enqueue(name, *args)


#: The session key holding the jobs to queue once the session's transaction commits.
_AFTER_COMMIT = "jobs.after_commit"


def enqueue_after_commit(name: str, *args) -> None:
    """Queue the job ``name`` once the request's transaction commits, and never if it rolls
    back: for services, which flush but do not commit. The same job with the same arguments
    is queued once however often it is asked for within one transaction."""
    from core.extensions import db

    pending = db.session().info.setdefault(_AFTER_COMMIT, [])
    if (name, args) not in pending:
        pending.append((name, args))


def _queue_after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released inside a longer transaction
        return
    for name, args in session.info.pop(_AFTER_COMMIT, ()):
        enqueue(name, *args)


def _forget_after_rollback(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _listen_to_sessions() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _queue_after_commit):
        event.listen(Session, "after_commit", _queue_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)


def init_app(app) -> None:
    """Bind the declared jobs to the app's queue (after the features declared theirs)."""
    from core.jobs import (
        cli,
        models,  # noqa: F401 - the table
        services,  # noqa: F401 - declares the recovery job
        views,
    )

    app.extensions["jobs"] = JobQueue(app)
    _listen_to_sessions()
    cli.init_app(app)
    app.register_blueprint(views.bp)
