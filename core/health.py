"""Liveness and readiness.

* ``/healthz`` (liveness): the process answers; touches nothing else, so it answers in
  microseconds even with the database down. :class:`Liveness` answers it in front of the app
  (no request context, session, user or language), with the request id, the security headers,
  the access-log line and the metrics every other answer has.
* ``/readyz`` (readiness): the database, Redis (when configured), the storage and the job
  queue's lag, each with a short timeout (``READINESS_TIMEOUT_SECONDS``); 503 with the failing
  checks named when the node should not get traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, text

from core.extensions import db
from core.timeutil import utcnow

#: Functions returning when the oldest still-queued piece of work was queued (or None);
#: features with their own job tables register one (e.g. certificate batches).
BACKLOG_SOURCES: list[Callable[[], datetime | None]] = []


def register_backlog(source: Callable[[], datetime | None]) -> None:
    if source not in BACKLOG_SOURCES:
        BACKLOG_SOURCES.append(source)


def _oldest_job() -> datetime | None:
    from core.jobs.models import BackgroundJob, JobState

    return db.session.scalar(select(func.min(BackgroundJob.created_at))
                             .where(BackgroundJob.state == JobState.QUEUED.value))


def queue_lag_seconds() -> float:
    """Age of the oldest work still waiting for a worker (0 when none)."""
    oldest = [when for when in (source() for source in [_oldest_job, *BACKLOG_SOURCES]) if when]
    if not oldest:
        return 0.0
    return max(0.0, (utcnow() - min(oldest)).total_seconds())


def queue_depth() -> int:
    from core.jobs import queue

    return queue().pending()


def _check_database(timeout: int) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def redis_url(config) -> str | None:
    """The Redis the app uses, if any (for the queue or the rate limits)."""
    for name in ("REDIS_URL", "HUEY_URL", "RATELIMIT_STORAGE_URI"):
        value = config.get(name) or ""
        if value.startswith(("redis://", "rediss://")):
            return value
    return None


def _check_redis(timeout: int) -> None:
    import redis

    url = redis_url(current_app.config)
    if url is None:
        return
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def _check_storage(timeout: int) -> None:
    from core import storage

    storage.storage().check(timeout)


def _check_queue(timeout: int) -> None:
    lag = queue_lag_seconds()
    limit = current_app.config["QUEUE_LAG_LIMIT_SECONDS"]
    if lag > limit:
        raise RuntimeError(f"oldest queued job waits {int(lag)} s (limit {limit} s)")


CHECKS = (("database", _check_database), ("redis", _check_redis), ("storage", _check_storage),
          ("queue", _check_queue))


def readiness() -> tuple[bool, dict]:
    """Run every check; (all passed, per-check outcome and milliseconds). Failure messages
    name the kind of error only: no addresses or credentials reach the answer."""
    timeout = current_app.config["READINESS_TIMEOUT_SECONDS"]
    report, ready = {}, True
    for name, check in CHECKS:
        started = time.perf_counter()
        try:
            check(timeout)
            outcome = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            db.session.rollback()
            current_app.logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            outcome, ready = f"failed: {type(error).__name__}", False
        report[name] = {"status": outcome, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return ready, report


class Liveness:
    """WSGI middleware answering ``GET /healthz`` before the Flask app is entered."""

    BODY = b'{"status":"ok"}\n'
    ENDPOINT = "main.healthz"

    def __init__(self, wsgi_app, config):
        from core.security import fixed_headers

        self.wsgi_app = wsgi_app
        self.headers = [("Content-Type", "application/json"), ("Content-Length", str(len(self.BODY))),
                        ("Cache-Control", "no-store"), *fixed_headers(config)]

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != "/healthz" or method not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        from core import logs, metrics

        started = time.perf_counter()
        request_id = logs.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response("200 OK", [*self.headers, ("X-Request-ID", request_id)])
        seconds = time.perf_counter() - started
        metrics.count(self.ENDPOINT, method, 200, seconds)
        logs.access(method, "/healthz", 200, self.ENDPOINT, environ.get("REMOTE_ADDR"), seconds,
                    request_id, user_id=None)
        return [] if method == "HEAD" else [self.BODY]
