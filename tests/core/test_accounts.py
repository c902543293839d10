"""Logging in and out, passwords, rate limits, and administrators managing accounts."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.roles import Role
from tests import factories
from tests.conftest import csrf_token


def _opened_version(client, user_id) -> str:
    """The version the edit form carries when the administrator opens it."""
    html = client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="([^"]*)"', html).group(1)


def _login(client, username, password=factories.PASSWORD, next_url=None):
    token = csrf_token(client, "/login")
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_each_role_lands_on_its_own_home_page(world, client):
    homes = {"admin": "/home/admin", "reviewer": "/home/reviewer", "ent_a": "/home/enterprise",
             "expert": "/home/expert", "judge": "/home/judge", "worker_a": "/home/worker"}
    for username, home in homes.items():
        response = _login(client, username)
        assert response.status_code == 302
        assert client.get("/").headers["Location"] == home
        assert client.get(home).status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, home)})


def test_user_with_several_roles_sees_the_navigation_of_each(app, world, client, login):
    with app.app_context():
        user = factories.user("both", [Role.EXPERT, Role.JUDGE])
        db.session.commit()
        user_id = user.id
    login(user_id)
    html = client.get("/home/expert").get_data(as_text=True)
    assert "/home/judge" in html and "/home/expert" in html and "/admin/users" not in html


def test_wrong_password_gives_one_message_for_every_failure(world, client):
    unknown = _login(client, "nobody").get_data(as_text=True)
    wrong = _login(client, "admin", "Wrong2026horse").get_data(as_text=True)
    assert "用户名或密码错误" in unknown and "用户名或密码错误" in wrong


def test_login_ignores_an_offsite_next_url(world, client):
    response = _login(client, "admin", next_url="https://evil.example/")
    assert response.headers["Location"] == "/home"


def test_login_follows_a_local_next_url(world, client):
    response = _login(client, "admin", next_url="/workers/")
    assert response.headers["Location"] == "/workers/"


def test_failed_logins_for_one_account_are_rate_limited_with_a_chinese_message(world, client):
    for _ in range(5):
        assert _login(client, "admin", "Wrong2026horse").status_code == 400
    response = _login(client, "admin")  # even the right password waits now
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)
    # Another account from the same address is not locked by this one.
    assert _login(client, "expert").status_code == 302


def test_failed_logins_from_one_address_are_rate_limited(app, world, client):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "3 per minute"
    try:
        for name in ("a1", "a2", "a3"):
            assert _login(client, name, "Wrong2026horse").status_code == 400
        assert _login(client, "a4", "Wrong2026horse").status_code == 429
    finally:
        app.config["LOGIN_RATE_LIMIT_PER_IP"] = "30 per 5 minutes"


def test_successful_logins_do_not_count_toward_the_limit(world, client):
    for _ in range(7):
        assert _login(client, "admin").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home/admin")})


def test_disabled_account_cannot_log_in_and_its_sessions_end(app, world, client, login):
    other = app.test_client()
    login(world.users.expert, as_client=other)
    assert other.get("/home/expert").status_code == 200
    login(world.users.admin)
    token = csrf_token(client, "/admin/users/")
    assert client.post(f"/admin/users/{world.users.expert}/disable",
                       data={"csrf_token": token}).status_code == 302
    assert other.get("/home/expert").status_code == 302  # back to the login page
    assert _login(app.test_client(), "expert").status_code == 400
    client.post(f"/admin/users/{world.users.expert}/enable", data={"csrf_token": token})
    assert _login(app.test_client(), "expert").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.target_id == world.users.expert, AuditEntry.target_type == "User")).all()
        assert "account.disable" in actions and "account.enable" in actions


def test_admin_cannot_disable_own_account(world, client, login):
    login(world.users.admin)
    token = csrf_token(client, "/admin/users/")
    assert client.post(f"/admin/users/{world.users.admin}/disable",
                       data={"csrf_token": token}).status_code == 403


def test_changing_password_ends_the_other_sessions(app, world, client):
    _login(client, "expert")
    elsewhere = app.test_client()
    _login(elsewhere, "expert")
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "Fresh2026river",
        "confirm": "Fresh2026river", "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/home/expert").status_code == 200  # this session was renewed
    assert elsewhere.get("/home/expert").status_code == 302
    assert _login(app.test_client(), "expert", "Fresh2026river").status_code == 302


@pytest.mark.parametrize("new, message", [
    ("short1", "至少 10 位"), ("onlyletterslong", "字母和数字"), ("expert2026abc", "用户名"),
    ("1234567890", "字母和数字"),
])
def test_password_policy_is_explained(world, client, new, message):
    _login(client, "expert")
    token = csrf_token(client, "/account/password")
    html = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": new, "confirm": new,
        "csrf_token": token}).get_data(as_text=True)
    assert message in html


def test_admin_creates_an_account_that_must_change_its_password(app, world, client, login):
    login(world.users.admin)
    token = csrf_token(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "username": "chaoyang2", "display_name": "朝阳审核二", "roles": ["union_reviewer"],
        "union_id": str(world.chaoyang), "enterprise_id": "0", "employer_id": "0", "password": "Temp2026pass",
        "csrf_token": token})
    assert response.status_code == 302
    fresh = app.test_client()
    assert _login(fresh, "chaoyang2", "Temp2026pass").headers["Location"] == "/account/password"
    assert fresh.get("/home/reviewer").headers["Location"] == "/account/password"


def test_role_binding_is_required(world, client, login):
    login(world.users.admin)
    token = csrf_token(client, "/admin/users/new")
    html = client.post("/admin/users/new", data={
        "username": "ent9", "display_name": "企业九", "roles": ["enterprise"], "union_id": "0",
        "enterprise_id": "0", "employer_id": "0", "password": "Temp2026pass",
        "csrf_token": token}).get_data(as_text=True)
    assert "须指定所属企业" in html and "ent9" in html


def test_admin_resets_a_password(app, world, client, login):
    login(world.users.admin)
    token = csrf_token(client, f"/admin/users/{world.users.judge}/edit")
    client.post(f"/admin/users/{world.users.judge}/reset-password",
                data={"password": "Reset2026temp", "csrf_token": token})
    response = _login(app.test_client(), "judge", "Reset2026temp")
    assert response.headers["Location"] == "/account/password"


def test_changing_roles_ends_the_users_sessions(app, world, client, login):
    other = app.test_client()
    login(world.users.judge, as_client=other)
    login(world.users.admin)
    token = csrf_token(client, f"/admin/users/{world.users.judge}/edit")
    client.post(f"/admin/users/{world.users.judge}/edit", data={
        "username": "judge", "display_name": "judge", "roles": ["judge", "expert"], "union_id": "0",
        "enterprise_id": "0", "employer_id": "0", "csrf_token": token,
        "version": _opened_version(client, world.users.judge)})
    with app.app_context():
        assert db.session.get(User, world.users.judge).roles == {Role.JUDGE, Role.EXPERT}
    assert other.get("/home/judge").status_code == 302


def test_create_admin_command_makes_the_first_administrator(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "root", "--name", "管理员",
                                                "--password", "First2026admin"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root"))
        assert user.roles == {Role.ADMIN} and not user.must_change_password


def test_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "root", "--name", "x",
                                                "--password", "weak"])
    assert result.exit_code != 0 and "至少 10 位" in result.output


def test_a_copied_session_cookie_stops_working_after_logout(app, world, client):
    _login(client, "admin")
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home/admin")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/home/admin").status_code == 302


def test_a_weak_temporary_password_is_refused_with_the_reason(app, world, client, login):
    login(world.users.admin)
    token = csrf_token(client, f"/admin/users/{world.users.judge}/edit")
    response = client.post(f"/admin/users/{world.users.judge}/reset-password",
                           data={"password": "short", "csrf_token": token}, follow_redirects=True)
    assert "至少 10 位" in response.get_data(as_text=True)


def _judge_form(client, world, **changes) -> dict:
    token = csrf_token(client, "/admin/users/")
    return {"username": "judge", "display_name": "改名甲", "roles": ["judge"], "union_id": "0",
            "enterprise_id": "0", "employer_id": "0", "csrf_token": token, **changes}


def test_a_stale_account_form_is_refused_and_keeps_what_was_typed(app, world, client, login):
    login(world.users.admin)
    form = _judge_form(client, world, version=_opened_version(client, world.users.judge))
    assert client.post(f"/admin/users/{world.users.judge}/edit", data=form).status_code == 302
    html = client.post(f"/admin/users/{world.users.judge}/edit",
                       data={**form, "display_name": "改名乙"}).get_data(as_text=True)
    assert "已被他人修改" in html and "改名乙" in html
    with app.app_context():
        assert db.session.get(User, world.users.judge).display_name == "改名甲"


@pytest.mark.parametrize("version", [None, "", "abc", "0", "-1", "1.5", "99999999999", "２"])
def test_an_account_edit_with_a_missing_or_tampered_version_is_refused_not_failed(
        app, world, client, login, version):
    login(world.users.admin)
    form = _judge_form(client, world, display_name="篡改者")
    if version is not None:
        form["version"] = version
    response = client.post(f"/admin/users/{world.users.judge}/edit", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已被他人修改" in html and "篡改者" in html
    with app.app_context():
        judge = db.session.get(User, world.users.judge)
        assert judge.display_name != "篡改者" and judge.version == 1


def test_each_account_edit_counts_one_version_and_logins_count_none(app, world, client, login):
    login(world.users.admin)
    opened = _opened_version(client, world.users.judge)
    assert _login(app.test_client(), "judge").status_code == 302  # a login is not an edit
    assert client.post(f"/admin/users/{world.users.judge}/edit",
                       data=_judge_form(client, world, version=opened)).status_code == 302
    assert _opened_version(client, world.users.judge) == str(int(opened) + 1)


def test_disabling_an_account_makes_an_open_edit_form_stale(app, world, client, login):
    login(world.users.admin)
    opened = _opened_version(client, world.users.judge)
    token = csrf_token(client, "/admin/users/")
    client.post(f"/admin/users/{world.users.judge}/disable", data={"csrf_token": token})
    html = client.post(f"/admin/users/{world.users.judge}/edit",
                       data=_judge_form(client, world, version=opened)).get_data(as_text=True)
    assert "已被他人修改" in html
    with app.app_context():
        judge = db.session.get(User, world.users.judge)
        assert not judge.is_enabled and judge.display_name != "改名甲"


def test_two_administrators_saving_the_same_account_at_once_one_wins(app, world, login):
    """Both opened the form at the same version and press save at the same moment: one edit is
    saved (one audit entry), the other is told the account was changed; no error page."""
    with app.app_context():
        second_admin = factories.user("admin_two", [Role.ADMIN]).id
        db.session.commit()
    clients = [login(admin, as_client=app.test_client()) for admin in (world.users.admin, second_admin)]
    forms = [_judge_form(c, world, display_name=f"同时改名{i}", version=_opened_version(c, world.users.judge))
             for i, c in enumerate(clients)]
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def save(client, form):
        barrier.wait()
        response = client.post(f"/admin/users/{world.users.judge}/edit", data=form)
        with lock:
            answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=save, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(status for status, _ in answers) == [200, 302], [a[0] for a in answers]
    assert "已被他人修改" in next(html for status, html in answers if status == 200)
    with app.app_context():
        judge = db.session.get(User, world.users.judge)
        assert judge.display_name in {"同时改名0", "同时改名1"} and judge.version == 2
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "account.update", AuditEntry.target_id == judge.id)) == 1


def test_an_account_cannot_be_bound_to_a_worker_that_does_not_exist(world, client, login):
    login(world.users.admin)
    token = csrf_token(client, "/admin/users/new")
    html = client.post("/admin/users/new", data={
        "username": "ghost", "display_name": "幽灵", "roles": ["worker"], "union_id": "0",
        "enterprise_id": "0", "employer_id": "0", "worker_id": "99999999",
        "password": "Temp2026pass", "csrf_token": token}).get_data(as_text=True)
    assert "不存在" in html
