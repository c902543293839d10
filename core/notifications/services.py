"""Creating, reading and reminding: notifications flush and never commit; whoever commits the
change that caused them also commits them, and their emails go out after that commit."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core import jobs
from core.accounts.models import User, UserRole
from core.errors import DomainError
from core.extensions import db
from core.i18n import chinese_date
from core.notifications.models import Notification, NotificationSettings
from core.roles import Role
from core.timeutil import beijing_today, utcnow

#: Parameters holding a date (ISO), formatted for the reader.
DATE_PARAMS = frozenset({"deadline", "ends"})
#: Days before a deadline on which reminders go out.
REMINDER_DAYS = (3, 1)


@dataclass(frozen=True)
class Kind:
    """What a kind of notification says: a title and a body with ``%(name)s`` parameters."""

    title: object
    body: object


_KINDS: dict[str, Kind] = {}


def register_kind(key: str, title, body) -> None:
    """Register a kind of notification (``title`` and ``body`` are lazy strings)."""
    _KINDS[key] = Kind(title, body)


def _fill(template, params: dict) -> str:
    text = str(template)
    for name in DATE_PARAMS & set(params):  # ISO dates, shown as the reader's language writes them
        with contextlib.suppress(TypeError, ValueError):
            params = dict(params, **{name: chinese_date(date.fromisoformat(params[name]))})
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return text


def title_of(notification: Notification) -> str:
    kind = _KINDS.get(notification.kind)
    return _fill(kind.title, notification.params or {}) if kind else _("通知")


def body_of(notification: Notification) -> str:
    kind = _KINDS.get(notification.kind)
    return _fill(kind.body, notification.params or {}) if kind else ""


def path_for(endpoint: str, **values) -> str:
    """The path of a page, inside a request or not (services also run from commands)."""
    return current_app.url_map.bind("").build(endpoint, values)


# Recipients -------------------------------------------------------------------------------------

def recipients(*, enterprise_ids: Iterable[int] = (), worker_ids: Iterable[int] = (),
               user_ids: Iterable[int] = ()) -> set[int]:
    """Enabled users: the enterprise-union accounts of ``enterprise_ids``, the accounts of the
    workers ``worker_ids`` and the users ``user_ids`` (one query)."""
    enterprise_ids, worker_ids, user_ids = set(enterprise_ids), set(worker_ids), set(user_ids)
    conditions: list[ColumnElement[bool]] = []
    if enterprise_ids:
        conditions.append(User.enterprise_id.in_(enterprise_ids)
                          & User.id.in_(select(UserRole.user_id).where(
                              UserRole.role == Role.ENTERPRISE.value)))
    if worker_ids:
        conditions.append(User.worker_id.in_(worker_ids))
    if user_ids:
        conditions.append(User.id.in_(user_ids))
    if not conditions:
        return set()
    return set(db.session.scalars(select(User.id).where(or_(*conditions), User.is_enabled.is_(True))))


# Creating ---------------------------------------------------------------------------------------

def notify(user_ids: Iterable[int], kind: str, params: dict | None = None, url: str = "", *,
           dedupe_key: str | None = None) -> list[Notification]:
    """A notification of ``kind`` to each of ``user_ids``; flushed, emailed after the commit.

    With ``dedupe_key``, a person who already has a notification with that key gets no second
    one (reminders are sent once however often the command runs).
    """
    if kind not in _KINDS:
        raise ValueError(f"unregistered notification kind: {kind}")
    wanted = sorted(set(user_ids))
    if dedupe_key and wanted:
        have = set(db.session.scalars(select(Notification.user_id).where(
            Notification.user_id.in_(wanted), Notification.dedupe_key == dedupe_key)))
        wanted = [u for u in wanted if u not in have]
    created = [Notification(user_id=u, kind=kind, params=dict(params or {}), url=url[:300],
                            dedupe_key=dedupe_key) for u in wanted]
    db.session.add_all(created)
    db.session.flush()
    for notification in created:  # emailed by the job queue once this transaction commits
        jobs.enqueue_after_commit("notifications.email", notification.id)
    return created


# Reading ----------------------------------------------------------------------------------------

def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def list_query(user, *, unread_only: bool = False):
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def own(user, notification_id: int) -> Notification | None:
    notification = db.session.get(Notification, notification_id)
    return notification if notification is not None and notification.user_id == user.id else None


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user) -> int:
    result: CursorResult = db.session.execute(update(Notification).where(  # type: ignore[assignment]  # DML
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


# Settings ---------------------------------------------------------------------------------------

def settings_of(user) -> NotificationSettings:
    """The user's settings (unsaved defaults when they never set any)."""
    return db.session.get(NotificationSettings, user.id) or NotificationSettings(
        user_id=user.id, email="", email_enabled=True)


def save_settings(user, email: str, email_enabled: bool) -> NotificationSettings:
    email = (email or "").strip()
    if email and not is_email(email):
        raise DomainError(_("请填写有效的电子邮箱地址"), field="email")
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id)
        db.session.add(settings)
    settings.email, settings.email_enabled = email, bool(email_enabled)
    db.session.flush()
    return settings


def is_email(value: str) -> bool:
    """A plain address: one @, a dotted domain, no spaces, at most 254 characters."""
    local, at, domain = value.rpartition("@")
    return (bool(at) and 0 < len(local) <= 64 and len(value) <= 254 and "." in domain.strip(".")
            and not any(c.isspace() for c in value) and "@" not in local
            and all(part for part in domain.split(".")))


# Reminders --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """A deadline someone should be reminded of: who, what (a kind and its parameters), where."""

    user_ids: frozenset[int]
    kind: str
    key: str
    url: str
    params: dict = field(default_factory=dict)


#: A source gives the reminders of the deadlines falling on a day (Beijing).
ReminderSource = Callable[[date], list[Reminder]]
_REMINDER_SOURCES: dict[str, ReminderSource] = {}


def add_reminder_source(name: str, source: ReminderSource) -> None:
    _REMINDER_SOURCES[name] = source


def remind(today: date | None = None) -> int:
    """Reminders of deadlines 3 days and 1 day ahead; each person gets each one once, however
    often this runs. Returns how many notifications were created (flushed, not committed)."""
    today = today or beijing_today()
    created = 0
    for days in REMINDER_DAYS:
        day = today + timedelta(days=days)
        for _name, source in sorted(_REMINDER_SOURCES.items()):
            for reminder in source(day):
                params = dict(reminder.params, days=days, deadline=day.isoformat())
                try:
                    with db.session.begin_nested():
                        created += len(notify(reminder.user_ids, reminder.kind, params, reminder.url,
                                              dedupe_key=f"{reminder.key}:{day.isoformat()}:{days}d"))
                except IntegrityError:
                    pass  # a run at the same moment sent this one: the unique key keeps it single
    return created



#: How often the job worker sends due reminders (each goes out once, whenever it runs).
REMIND_EVERY_MINUTES = 60


@jobs.periodic("notifications.remind", minutes=REMIND_EVERY_MINUTES)
def remind_job() -> int:
    """The job worker's hourly run of :func:`remind`: reminders never wait on a web request
    (``flask notifications remind`` does the same by hand or from cron)."""
    created = remind()
    db.session.commit()
    return created
