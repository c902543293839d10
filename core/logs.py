"""Logs: one JSON object per line (``LOG_FORMAT=json``, production) or plain text, each line of
a request carrying its request id, which the response returns in ``X-Request-ID``.

The id comes from the proxy (nginx sets ``X-Request-ID``) when it looks like one, otherwise it
is made here. Request lines name the endpoint, status and duration; never query strings,
form data or personal data.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("craftsman.access")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "endpoint", "status", "duration_ms", "remote_addr", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Stamp each record with the request id while the request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None) or current_request_id()
        return f"{line} [{request_id}]" if request_id else line


JsonFormatter.converter = time.gmtime


def configure(app) -> None:
    """Send the root logger's records to stderr in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_craftsman", False):
            root.removeHandler(existing)
    handler._craftsman = True  # type: ignore[attr-defined]  # marks the handler this module added
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.handlers.clear()
    app.logger.propagate = True


def _loaded_user_id(user) -> int | None:
    """The signed-in user's id from the session's identity map: reading ``user.id`` after the
    request's commit expired the object would load the user (and roles) again just to log it."""
    if user is None:
        return None
    from sqlalchemy import inspect

    state = inspect(user, raiseerr=False)
    if state is None or state.identity is None:
        return None
    return state.identity[0]


def request_id_from(given: str) -> str:
    """The proxy's request id when it looks like one, else a new one."""
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def access(method: str, path: str, status: int, endpoint: str, remote_addr: str | None,
           seconds: float, request_id: str, user_id: int | None) -> None:
    """The access-log line of one answered request (never its query string or form data)."""
    access_log.info("%s %s %s", method, path, status, extra={
        "request_id": request_id, "method": method, "path": path, "status": status,
        "endpoint": endpoint, "remote_addr": remote_addr, "duration_ms": round(seconds * 1000, 1),
        "user_id": user_id})


def init_app(app) -> None:
    if not app.testing:
        configure(app)

    @app.before_request
    def assign_request_id():
        g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        g.request_clock = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
            user_id = _loaded_user_id(g.get("_login_user"))
            access(request.method, request.path, response.status_code, request.endpoint or "",
                   request.remote_addr, time.perf_counter() - g.get("request_clock", 0), request_id,
                   user_id)
        return response
