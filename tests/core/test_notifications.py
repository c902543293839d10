"""Notifications: created where the events happen, a bell with the unread count, a list
that marks as read, deadline reminders sent once, and email to a real SMTP server."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.notifications import services
from core.notifications.models import Notification
from core.timeutil import beijing_today, utcnow
from craftsmen.models import NominationState
from craftsmen.services import nominations
from tests.conftest import csrf_token
from tests.craftsmen.conftest import make_cycle, make_nomination


def _notifications_of(user_id):
    return db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                              .order_by(Notification.id)).all()


def _submitted_nomination(world, worker_id=None):
    cycle = make_cycle()
    return make_nomination(cycle, worker_id or world.worker_a, state=NominationState.SUBMITTED)


def test_a_returned_nomination_notifies_its_enterprise_but_not_the_nominee(app, world):
    with app.app_context():
        nomination = _submitted_nomination(world)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.decide(nomination, "return", "请补充证明材料", expected_version=nomination.version, by=reviewer)
        db.session.commit()
        [notice] = _notifications_of(world.users.enterprise)
        assert services.title_of(notice) == "推荐被退回修改：李明 · 钳工"
        assert notice.url == f"/craftsmen/nominations/{nomination.id}"
        assert _notifications_of(world.users.worker) == []
        assert _notifications_of(world.users.other_enterprise) == []


def test_a_qualified_nomination_notifies_the_enterprise_and_the_nominee(app, world):
    with app.app_context():
        nomination = _submitted_nomination(world)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.decide(nomination, "qualify", "", expected_version=nomination.version, by=reviewer)
        db.session.commit()
        assert [n.kind for n in _notifications_of(world.users.enterprise)] == ["nomination.qualified"]
        assert [n.kind for n in _notifications_of(world.users.worker)] == ["nomination.qualified"]


def test_a_refused_change_leaves_no_notification(app, world):
    with app.app_context():
        nomination = _submitted_nomination(world)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.decide(nomination, "qualify", "", expected_version=nomination.version, by=reviewer)
        db.session.rollback()
        assert _notifications_of(world.users.enterprise) == []


def test_the_bell_counts_unread_and_opening_a_notification_marks_it_read(app, client, world, login):
    with app.app_context():
        services.register_kind("test.hello", "你好：%(name)s", "")
        [notice] = services.notify([world.users.enterprise], "test.hello", {"name": "甲"}, "/people/")
        services.notify([world.users.enterprise], "test.hello", {"name": "乙"})
        db.session.commit()
        notice_id = notice.id
    login(world.users.enterprise)
    html = client.get("/home/enterprise").get_data(as_text=True)
    assert re.search(r'data-testid="unread-count">2<', html)
    assert "你好：甲" in client.get("/notifications").get_data(as_text=True)
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{notice_id}/open", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/people/"
    assert re.search(r'data-testid="unread-count">1<', client.get("/home/enterprise").get_data(as_text=True))
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert 'data-testid="unread-count"' not in client.get("/home/enterprise").get_data(as_text=True)
    assert "没有未读通知。" in client.get("/notifications?show=unread").get_data(as_text=True)


def test_nobody_opens_or_marks_anothers_notification(app, client, world, login):
    with app.app_context():
        services.register_kind("test.hello", "你好：%(name)s", "")
        [notice] = services.notify([world.users.enterprise], "test.hello", {"name": "甲"}, "/people/")
        db.session.commit()
        notice_id = notice.id
    login(world.users.other_enterprise)
    token = csrf_token(client, "/notifications")
    assert client.post(f"/notifications/{notice_id}/open", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/notifications/{notice_id}/read", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(Notification, notice_id).read_at is None


def test_deadline_reminders_go_out_three_days_and_one_day_ahead_once_each(app, world):
    today = beijing_today()
    with app.app_context():
        cycle = make_cycle()
        cycle.nomination_closes = utcnow() + timedelta(days=3)
        make_nomination(cycle, world.worker_a, state=NominationState.DRAFT)
        make_nomination(cycle, world.worker_b, state=NominationState.QUALIFIED)
        db.session.commit()
        closes_on = (cycle.nomination_closes + timedelta(hours=8)).date()
        three_days_before = closes_on - timedelta(days=3)
        assert services.remind(three_days_before) == 1
        assert services.remind(three_days_before) == 0  # run again: nothing new
        db.session.commit()
        assert services.remind(closes_on - timedelta(days=1)) == 1
        assert services.remind(today + timedelta(days=30)) == 0
        db.session.commit()
        reminders = _notifications_of(world.users.enterprise)
        assert [services.title_of(n) for n in reminders] == [
            f"推荐 3 天后截止：{cycle.title}", f"推荐 1 天后截止：{cycle.title}"]
        assert _notifications_of(world.users.other_enterprise) == []  # its nomination is in


def test_the_remind_command_can_run_repeatedly(app, world):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "remind"])
    second = runner.invoke(args=["notifications", "remind"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "已发送提醒 0 条" in second.output


# Email ------------------------------------------------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free local port, and the app pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    app.config.update(saved)
    controller.stop()


def _mail(envelope):
    message = message_from_bytes(envelope.content)
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return subject, body


def _set_email(app, user_id, email, enabled=True):
    with app.app_context():
        services.save_settings(db.session.get(User, user_id), email, enabled)
        db.session.commit()


def test_a_decision_is_emailed_after_the_commit_without_personal_data(app, world, smtp):
    _set_email(app, world.users.enterprise, "union@example.com")
    with app.app_context():
        nomination = _submitted_nomination(world)
        worker = nomination.worker
        secrets = (worker.mobile, worker.id_number_masked)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.decide(nomination, "return", "身份证复印件不清晰", expected_version=nomination.version, by=reviewer)
        assert smtp.messages == []  # nothing leaves before the commit
        db.session.commit()
        [sent] = smtp.messages
        assert sent.rcpt_tos == ["union@example.com"]
        subject, body = _mail(sent)
        assert subject == "推荐被退回修改：李明 · 钳工"
        assert f"/craftsmen/nominations/{nomination.id}" in body
        assert "身份证复印件不清晰" not in body
        assert not any(secret and secret in body for secret in secrets)
        assert _notifications_of(world.users.enterprise)[0].emailed_at is not None


def test_no_email_for_a_person_who_turned_it_off_or_gave_no_address(app, world, smtp):
    _set_email(app, world.users.enterprise, "union@example.com", enabled=False)
    with app.app_context():
        nomination = _submitted_nomination(world)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.decide(nomination, "qualify", "", expected_version=nomination.version, by=reviewer)
        db.session.commit()
    assert smtp.messages == []
    with app.app_context():
        assert len(_notifications_of(world.users.enterprise)) == 1  # still in the app
        assert len(_notifications_of(world.users.worker)) == 1


def test_a_mail_server_that_is_down_delays_the_email_and_never_the_decision(app, world, smtp):
    """The email is a queued job: an unreachable server raises in the job (so the queue tries
    again later), the decision is committed all the same, and the retry sends it once."""
    from core.notifications.email import MailNotSent, send_email

    _set_email(app, world.users.enterprise, "union@example.com")
    working_port = app.config["MAIL_PORT"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config["MAIL_PORT"] = closed_port
    with app.app_context():
        nomination = _submitted_nomination(world)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.decide(nomination, "qualify", "", expected_version=nomination.version, by=reviewer)
        db.session.commit()
        assert nomination.state == NominationState.QUALIFIED.value
        [notice] = _notifications_of(world.users.enterprise)
        assert notice.emailed_at is None
        with pytest.raises(MailNotSent):
            send_email(notice.id)
    app.config["MAIL_PORT"] = working_port
    with app.app_context():
        assert send_email(notice.id) is True  # the queue's retry
        assert send_email(notice.id) is False  # and never twice
    assert len(smtp.messages) == 1


def test_the_settings_page_saves_an_address_and_refuses_a_bad_one(app, client, world, login):
    login(world.users.enterprise)
    token = csrf_token(client, "/account/notifications")
    response = client.post("/account/notifications", data={
        "csrf_token": token, "email": "not an address", "email_enabled": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "请填写有效的电子邮箱地址" in html and "not an address" in html
    response = client.post("/account/notifications", data={
        "csrf_token": token, "email": "union@example.com"})
    assert response.status_code == 302
    with app.app_context():
        settings = services.settings_of(db.session.get(User, world.users.enterprise))
        assert settings.email == "union@example.com" and settings.email_enabled is False


def test_reminder_runs_at_the_same_moment_send_each_reminder_once(app, world):
    import threading

    with app.app_context():
        cycle = make_cycle()
        cycle.nomination_closes = utcnow() + timedelta(days=3)
        make_nomination(cycle, world.worker_a, state=NominationState.DRAFT)
        db.session.commit()
        day = (cycle.nomination_closes + timedelta(hours=8)).date() - timedelta(days=3)
    start = threading.Barrier(3)
    errors = []

    def run():
        with app.app_context():
            try:
                start.wait(timeout=10)
                services.remind(day)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        assert len(_notifications_of(world.users.enterprise)) == 1
    # SQLite may refuse a writer while another holds the lock; nothing else may go wrong.
    assert all("locked" in e for e in errors), errors
