"""Notifications by email (Flask-Mailman over SMTP), sent after the commit that made them.

:func:`send_email` is a plain function of a notification id: it loads what it needs in a
session of its own, so it can run anywhere (now, in this process, or as a queued job).
:func:`dispatch` is the one place that decides how it runs.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_mailman import EmailMessage
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db, mail
from core.notifications import services
from core.notifications.models import Notification, NotificationSettings
from core.timeutil import utcnow

log = logging.getLogger(__name__)


def dispatch(notification_id: int) -> None:
    """Send the notification's email: here, at once. With a job queue, enqueue
    :func:`send_email` with the id instead; nothing else changes."""
    send_email(notification_id)


def _link(path: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{path}" if base and path.startswith("/") else path


def compose(notification: Notification, address: str) -> EmailMessage:
    """The email of a notification: its title and body (in Chinese, the platform's first
    language) and the link; nothing the recipient could not already see in the app."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = services.title_of(notification)
        lines = [services.body_of(notification) or subject]
        if notification.url:
            lines += ["", f"详情请登录平台查看：{_link(notification.url)}"]
        lines += ["", "——北京市职工技能人才服务平台（如不想再收到邮件，可在“通知设置”中关闭）"]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[address],
                        from_email=current_app.config["MAIL_DEFAULT_SENDER"])


def send_email(notification_id: int) -> bool:
    """Email one notification if its recipient has an address and wants email; True when sent.
    A failure is logged (without the address) and leaves the notification unsent."""
    with Session(db.engine) as session:
        notification = session.get(Notification, notification_id)
        if notification is None or notification.emailed_at is not None:
            return False
        settings = session.get(NotificationSettings, notification.user_id)
        if settings is None or not settings.email or not settings.email_enabled:
            return False
        config = current_app.config
        try:
            connection = mail.get_connection(
                backend=config["MAIL_BACKEND"], host=config["MAIL_SERVER"],
                port=int(config["MAIL_PORT"]), username=config.get("MAIL_USERNAME"),
                password=config.get("MAIL_PASSWORD"), use_tls=config["MAIL_USE_TLS"],
                use_ssl=config["MAIL_USE_SSL"], timeout=config["MAIL_TIMEOUT"])
            message = compose(notification, settings.email)
            message.connection = connection
            message.send()
        except Exception:  # noqa: BLE001 - any mail failure: logged, the in-app notice stays
            log.exception("notification %s: email not sent", notification_id)
            return False
        notification.emailed_at = utcnow()
        session.commit()
        return True


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint committed inside a longer transaction: not yet
        return
    ids = session.info.pop(services.PENDING_EMAILS, None)
    for notification_id in ids or ():
        dispatch(notification_id)


def _after_rollback(session) -> None:
    session.info.pop(services.PENDING_EMAILS, None)


def init_app(app) -> None:
    mail.init_app(app)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
