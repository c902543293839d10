"""Notifications by email (Flask-Mailman over SMTP), sent after the commit that made them.

:func:`send_email` is the job ``notifications.email``: a function of a notification id that
loads what it needs in a session of its own. :func:`core.notifications.services.notify` queues
it for after the commit, so the request never waits for the SMTP server, and a refused or unreachable server is retried
by the queue (``flask jobs worker``) without sending twice.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_mailman import EmailMessage
from sqlalchemy.orm import Session

from core import jobs
from core.extensions import db, mail
from core.notifications import services
from core.notifications.models import Notification, NotificationSettings
from core.timeutil import utcnow

log = logging.getLogger(__name__)


#: Attempts after the first when the SMTP server fails, and the pause between them (s).
EMAIL_RETRIES, EMAIL_RETRY_DELAY = 5, 300


class MailNotSent(RuntimeError):
    """The SMTP server refused the message or could not be reached: the queue retries."""


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


@jobs.job("notifications.email", retries=EMAIL_RETRIES, retry_delay=EMAIL_RETRY_DELAY)
def send_email(notification_id: int) -> bool:
    """Email one notification if its recipient has an address and wants email; True when sent,
    False when there is nothing to send (already sent, no address, email turned off).
    A mail failure is logged (without the address) and raised as :class:`MailNotSent`, so the
    queue tries again; the notification stays unsent until then."""
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
        except Exception as error:  # noqa: BLE001 - any mail failure: the in-app notice stays, the job retries
            log.warning("notification %s: email not sent (%s)", notification_id, type(error).__name__)
            raise MailNotSent(f"notification {notification_id}") from None  # no address in logs
        notification.emailed_at = utcnow()
        session.commit()
        return True


def init_app(app) -> None:
    mail.init_app(app)
