"""Public pages that browsers and a reverse proxy may keep: ``ETag`` and ``Cache-Control`` for
anonymous visitors, with the tag derived from a data version per feature that every commit
changing the feature's data moves on.

* A view marked ``@cached_for_visitors("craftsmen", "core")`` answers an anonymous GET whose
  ``If-None-Match`` carries the current tag with ``304 Not Modified`` before doing any work; a
  full answer carries the tag and ``Cache-Control: public, no-cache`` (a proxy stores it and
  asks again each time, so a change shows at once). Signed-in users get ``no-store``
  (:mod:`core.security`), as does a response that touched the session (a flashed message, a
  CSRF token): those are nobody else's.
* The tag is an HMAC (keyed with ``SECRET_KEY``) of the page's address, the language, the day
  in Beijing, the code's build and the versions of the features the page reads, so nobody can
  make a tag for an address they were not shown.
* A process reads the versions at most once per ``PUBLIC_CACHE_VERSION_SECONDS`` (default 1;
  0: on every visitor request) and at once after its own commits: a change made through
  another process shows within that time.
* Each app process also keeps the last ``PUBLIC_PAGE_CACHE_ENTRIES`` pages it rendered for
  visitors, by tag, holding at most ``PUBLIC_PAGE_CACHE_BYTES`` of them: a visitor asking for a
  page whose tag is known gets it without the view running, as from a reverse proxy in front.
  The tag moves with the data, so a kept page is never stale; 0 turns the store off.
* Values that every request would read alike (the option lists of the public filters) are kept
  the same way, by :func:`kept_while_unchanged`, for signed-in users too.
* :func:`track_changes` counts, per session, the features whose rows were inserted, changed or
  deleted (by the ORM or by ORM-enabled bulk statements) and bumps their versions in the
  same transaction, just before the commit, in one upsert. Tables no public page shows (the
  audit log, notifications, jobs, accounts, the marks judges save) do not count, so the busy
  write paths neither bump nor wait on a version row. Statements on bare tables or in SQL
  text are not seen: code writing public data that way says so with :func:`note_change`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context, make_response, request, session
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.config import PROJECT_ROOT
from core.extensions import Model, db
from core.timeutil import beijing_today

#: Tables whose rows no public page shows: writing them never invalidates a cached page.
UNSHOWN_TABLES = frozenset({
    "audit_entries", "notifications", "notification_settings", "background_jobs", "users",
    "user_roles", "marks", "mark_changes", "judge_sheet_submissions", "discrepancies",
})
_CHANGED = "public_cache.changed_features"
_BUMPED = "public_cache.bumped"


class DataVersion(Model):
    """A feature's data version: a random number drawn anew by every commit changing the
    feature's data (random rather than counted, so that a restored backup or emptied table
    never brings back a number a page was once tagged with)."""

    __tablename__ = "data_versions"

    feature: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def feature_of(mapper) -> str | None:
    """The feature package owning ``mapper``'s table, or None when its changes do not count."""
    table = getattr(mapper, "local_table", None)
    if table is None or table.name in UNSHOWN_TABLES or table.name == DataVersion.__tablename__:
        return None
    return mapper.class_.__module__.split(".")[0]


def _note(session: Session, feature: str | None) -> None:
    if feature:
        session.info.setdefault(_CHANGED, set()).add(feature)


def note_change(session: Session, model) -> None:
    """``model``'s rows were written by a statement the session cannot see (SQL text, a bare
    table): its feature's version moves at the commit, as for a change through the ORM."""
    _note(session, feature_of(sa.inspect(model)))


def _after_flush(session: Session, _context) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if instance in session.dirty and not session.is_modified(instance):
            continue
        _note(session, feature_of(sa.inspect(instance).mapper))


def _do_orm_execute(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None:
        _note(state.session, feature_of(state.bind_mapper))


def _before_commit(session: Session) -> None:
    session.flush()
    features = sorted(session.info.pop(_CHANGED, set()))
    if features:
        bump(session, features)
        session.info[_BUMPED] = True


def _after_commit(session: Session) -> None:
    """This process sees its own changes at once, whatever ``PUBLIC_CACHE_VERSION_SECONDS``."""
    if session.info.pop(_BUMPED, False) and has_app_context():
        current_app.extensions["public_cache.versions"].clear()


def _forget(session: Session, *_args) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_BUMPED, None)


def bump(session: Session, features: list[str]) -> None:
    """Give ``features`` new versions, creating missing rows (one statement; rows in a fixed
    order so two transactions never wait on each other crosswise)."""
    dialect = session.get_bind().dialect.name
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DataVersion).values([{"feature": f, "version": secrets.randbits(62)}
                                            for f in features])
    statement = statement.on_conflict_do_update(index_elements=[DataVersion.feature],
                                                set_={"version": statement.excluded.version})
    session.execute(statement)


def track_changes() -> None:
    """Listen to every session (once per process)."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _forget)


_VERSIONS = sa.select(DataVersion.feature, DataVersion.version)


def _read_versions() -> dict[str, int]:
    """Every feature's version, through a connection of its own in autocommit mode: on
    PostgreSQL one round trip, where the request's session would add a ping, a BEGIN and a
    ROLLBACK around it (a dropped connection is replaced and the read tried once more). An
    in-memory SQLite database, which no second connection sees, is read through the session."""
    engine = current_app.extensions.get("public_cache.engine")
    if engine is None:
        return dict(db.session.execute(_VERSIONS).all())
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                return dict(connection.execute(_VERSIONS).all())
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated or attempt == 2:
                raise
    raise AssertionError("unreachable")


class KnownVersions:
    """The versions this process read last, and when (``PUBLIC_CACHE_VERSION_SECONDS``)."""

    def __init__(self):
        self.read_at = 0.0
        self.versions: dict[str, int] | None = None

    def clear(self) -> None:
        self.versions = None

    def current(self, seconds: float) -> dict[str, int]:
        now = time.monotonic()
        versions = self.versions
        if versions is None or now - self.read_at >= seconds:
            versions = _read_versions()
            self.versions, self.read_at = versions, now
        return versions


def versions(features: tuple[str, ...]) -> dict[str, int]:
    """The current versions of ``features`` (read once per request at most)."""
    known = g.get("_data_versions")
    if known is None:
        known = g._data_versions = current_app.extensions["public_cache.versions"].current(
            current_app.config["PUBLIC_CACHE_VERSION_SECONDS"])
    return {feature: known.get(feature, 0) for feature in features}


def build_id() -> str:
    """Changes when the code, the templates or the translations change (a new deployment)."""
    latest = 0.0
    for folder in ("core", "craftsmen", "competitions", "innovation_studios", "certificates",
                   "indicators", "api", "templates", "translations"):
        for root, _dirs, files in os.walk(PROJECT_ROOT / folder):
            for name in files:
                if name.endswith((".py", ".html", ".mo", ".css", ".js")):
                    latest = max(latest, os.stat(os.path.join(root, name)).st_mtime)
    return f"{latest:.0f}"


def page_tag(features: tuple[str, ...]) -> str:
    payload = "|".join([current_app.config["PUBLIC_CACHE_BUILD"], request.full_path, str(get_locale()),
                        beijing_today().isoformat(),
                        *(f"{name}={number}" for name, number in versions(features).items())])
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


class PageStore:
    """The last rendered visitor pages of this process, by tag (least recently used first out),
    bounded by their number and by the bytes of their bodies: every worker holds its own store,
    so the bound in bytes is what it costs each worker's memory at most."""

    def __init__(self):
        self._pages: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The bytes of the kept pages' bodies."""
        return self._bytes

    def get(self, tag: str) -> tuple[bytes, str] | None:
        with self._lock:
            page = self._pages.get(tag)
            if page is not None:
                self._pages.move_to_end(tag)
            return page

    def put(self, tag: str, body: bytes, content_type: str, limit: int, max_bytes: int | None = None) -> None:
        """Keep ``body`` under ``tag``, dropping the least recently used pages past ``limit``
        pages or ``max_bytes`` bytes; a page larger than ``max_bytes`` on its own is not kept."""
        if max_bytes is not None and len(body) > max_bytes:
            return
        with self._lock:
            replaced = self._pages.pop(tag, None)
            if replaced is not None:
                self._bytes -= len(replaced[0])
            self._pages[tag] = (body, content_type)
            self._bytes += len(body)
            while len(self._pages) > limit or (max_bytes is not None and self._bytes > max_bytes):
                _tag, (dropped, _type) = self._pages.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


pages = PageStore()


class DerivedValues:
    """Values computed from the data of some features (a filter's option list), kept by this
    process while those features' versions stay the same: the next request after a change to
    them computes the value again, as the page store renders the page again."""

    def __init__(self):
        self._values: dict[object, tuple[tuple[int, ...], Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: object, features: tuple[str, ...], compute):
        current = tuple(versions(features).values())
        with self._lock:
            kept = self._values.get(key)
        if kept is not None and kept[0] == current:
            return kept[1]
        value = compute()
        with self._lock:
            self._values[key] = (current, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


derived = DerivedValues()


def kept_while_unchanged(key: str, features: tuple[str, ...], compute):
    """``compute()``, or the value it gave last time if ``features``' data has not changed since:
    for values every request would otherwise read alike (option lists of the public filters). The
    value must not be an ORM object (it outlives the session) nor depend on the language."""
    return derived.get(key, features, compute)


def forget_everything() -> None:
    """Drop what this process keeps (for data changed behind the ORM's back, as tests do)."""
    pages.clear()
    derived.clear()
    if has_app_context():
        current_app.extensions["public_cache.versions"].clear()


def _for_everyone() -> bool:
    """An anonymous GET without a message waiting in the session: the page is everyone's."""
    return (request.method in ("GET", "HEAD") and "_user_id" not in session
            and "_flashes" not in session)


def _request_tag(features: tuple[str, ...]) -> str:
    """The page's tag, computed once per request (a limiter's exemption asks before the view)."""
    tags = g.setdefault("_public_page_tags", {})
    tag = tags.get(features)
    if tag is None:
        tag = tags[features] = page_tag(features)
    return tag


def _kept(tag: str) -> tuple[bytes, str] | None:
    return pages.get(tag) if current_app.config["PUBLIC_PAGE_CACHE_ENTRIES"] else None


def answered_without_view(*features: str) -> bool:
    """Whether :func:`cached_for_visitors` with ``features`` answers this request without running
    its view: a visitor's request whose page this process keeps, or whose ``If-None-Match`` carries
    the current tag (which only a page rendered for this very address was given). Either way the
    page was once answered in full with ``200``: a rate limit on failed look-ups need not ask its
    storage about it."""
    if not _for_everyone():
        return False
    tag = _request_tag(features)
    return request.if_none_match.contains_weak(tag) or _kept(tag) is not None


def cached_for_visitors(*features: str):
    """Mark a public view whose page depends only on its address, the language, the day and
    the data of ``features``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _for_everyone():
                return view(*args, **kwargs)
            tag = _request_tag(features)
            kept = _kept(tag)
            private = False
            if request.if_none_match.contains_weak(tag):
                response = current_app.response_class(status=304)
            elif kept is not None:
                response = current_app.response_class(kept[0], content_type=kept[1])
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
                private = session.modified or "csrf_token" in g  # the page holds this session's token
                limit = current_app.config["PUBLIC_PAGE_CACHE_ENTRIES"]
                if not private and limit and not response.direct_passthrough:
                    pages.put(tag, response.get_data(), response.content_type, limit,
                              current_app.config["PUBLIC_PAGE_CACHE_BYTES"])
            response.set_etag(tag, weak=True)
            response.headers["Cache-Control"] = "private, no-cache" if private else "public, no-cache"
            response.vary.update(("Cookie", "Accept-Language"))
            return response

        return wrapper

    return decorate


def init_app(app) -> None:
    app.config.setdefault("PUBLIC_CACHE_BUILD", build_id())
    app.config["PUBLIC_PAGE_CACHE_ENTRIES"] = int(app.config["PUBLIC_PAGE_CACHE_ENTRIES"])
    app.config["PUBLIC_PAGE_CACHE_BYTES"] = int(app.config["PUBLIC_PAGE_CACHE_BYTES"])
    app.config["PUBLIC_CACHE_VERSION_SECONDS"] = float(app.config["PUBLIC_CACHE_VERSION_SECONDS"])
    app.extensions["public_cache.versions"] = KnownVersions()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    in_memory = uri.startswith("sqlite") and (uri in ("sqlite://", "sqlite:///") or ":memory:" in uri)
    if not in_memory:
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        app.extensions["public_cache.engine"] = sa.create_engine(
            uri, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=4,
            connect_args=dict(options.get("connect_args") or {}), hide_parameters=True)
    track_changes()
