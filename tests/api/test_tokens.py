"""Personal API tokens: every user creates them on the "API 令牌" page, sees each once,
revokes them there; only a digest is stored; a revoked, expired or disabled one stops
working at once; the last use is recorded."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from api.models import ApiToken
from api.services import MAX_ACTIVE
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.timeutil import utcnow
from tests.api.conftest import error_of, issue_token
from tests.conftest import csrf_token

PAGE = "/account/api-tokens/"


def _create(client, name="人事系统同步", lifetime="90", follow=False):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "name": name, "lifetime": lifetime},
                       follow_redirects=follow)


def _shown_token(response) -> str:
    match = re.search(r'id="new-token-value" type="text" readonly value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the new token is shown"
    return match.group(1)


def test_every_logged_in_user_has_the_page_in_the_navigation(client, world, login):
    for user in ("admin", "reviewer", "enterprise", "expert", "judge", "worker"):
        login(getattr(world.users, user))
        page = client.get(PAGE)
        assert page.status_code == 200
        assert 'href="/account/api-tokens/"' in client.get("/").get_data(as_text=True) or \
            'href="/account/api-tokens/"' in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, PAGE)})
    assert client.get(PAGE).status_code == 302  # anonymous: to the login page


def test_a_new_token_is_shown_once_and_only_its_digest_is_stored(app, client, world, login):
    login(world.users.enterprise)
    response = _create(client)
    assert response.status_code == 302  # to the page that shows it, so a reload creates nothing
    with client.session_transaction() as session:
        assert "bjgh_" not in str(dict(session))  # encrypted while it waits in the cookie
    secret = _shown_token(client.get(PAGE))
    assert secret.startswith("bjgh_") and len(secret) == 48
    assert secret not in client.get(PAGE).get_data(as_text=True)  # never again
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (token.hint, token.name, token.token_hash)
        assert token.expires_at - token.created_at == timedelta(days=90)
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target_type == "ApiToken")) \
            == "api_token.create"
    assert client.get("/api/v1/nominations", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_token_needs_a_name_and_the_form_keeps_what_was_typed(client, world, login):
    login(world.users.judge)
    response = _create(client, name="", lifetime="30")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写令牌名称" in html and '<option selected value="30">' in html


def test_last_use_is_recorded(app, client, world, token_for):
    secret = token_for(world.users.worker)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
    client.get("/api/v1/nominations", headers={"Authorization": f"Bearer {secret}"})
    with app.app_context():
        used = db.session.scalar(select(ApiToken.last_used_at))
        assert used is not None and utcnow() - used < timedelta(minutes=1)


def test_a_revoked_token_is_refused_at_once(app, client, world, login):
    login(world.users.enterprise)
    secret = _shown_token(_create(client, follow=True))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/nominations", headers=headers).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"{PAGE}{token_id}/revoke", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 302
    assert "已吊销" in client.get(PAGE).get_data(as_text=True)
    error_of(client.get("/api/v1/nominations", headers=headers), 401, "invalid_token")


def test_another_users_token_cannot_be_revoked_or_seen(app, client, world, login, token_for):
    token_for(world.users.other_enterprise)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(world.users.enterprise)
    assert "测试令牌" not in client.get(PAGE).get_data(as_text=True)
    response = client.post(f"{PAGE}{token_id}/revoke", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_revoking_needs_the_csrf_token(app, client, world, login, token_for):
    token_for(world.users.enterprise)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(world.users.enterprise)
    assert client.post(f"{PAGE}{token_id}/revoke").status_code == 400
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_an_expired_token_is_refused(app, client, world, token_for):
    secret = token_for(world.users.enterprise, lifetime_days=30)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    error_of(client.get("/api/v1/nominations", headers={"Authorization": f"Bearer {secret}"}), 401)


def test_a_disabled_account_s_tokens_stop_working(app, client, world, token_for):
    secret = token_for(world.users.enterprise)
    with app.app_context():
        db.session.get(User, world.users.enterprise).is_enabled = False
        db.session.commit()
    error_of(client.get("/api/v1/nominations", headers={"Authorization": f"Bearer {secret}"}), 401)


def test_a_token_acts_with_the_users_current_roles(app, client, world, token_for):
    secret = token_for(world.users.enterprise)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/nominations", headers=headers).status_code == 200
    with app.app_context():
        db.session.get(User, world.users.enterprise).set_roles(["expert"])
        db.session.commit()
    error_of(client.get("/api/v1/nominations", headers=headers), 403, "role_required")


def test_a_user_holds_a_limited_number_of_active_tokens(app, client, world, login):
    with app.app_context():
        for i in range(MAX_ACTIVE):
            issue_token(world.users.expert, name=f"令牌{i}")
    login(world.users.expert)
    response = _create(client)
    assert response.status_code == 400
    assert "最多同时持有" in response.get_data(as_text=True)


def test_permanent_tokens_have_no_expiry(app, client, world, login):
    login(world.users.admin)
    _shown_token(_create(client, lifetime="", follow=True))
    with app.app_context():
        assert db.session.scalar(select(ApiToken.expires_at)) is None


def _api_ok(client, secret) -> bool:
    return client.get("/api/v1/nominations", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_an_administrators_password_reset_revokes_the_users_tokens(app, client, world, login, token_for):
    secret = token_for(world.users.enterprise)
    assert _api_ok(client, secret)
    login(world.users.admin)
    page = f"/admin/users/{world.users.enterprise}/edit"
    response = client.post(f"/admin/users/{world.users.enterprise}/reset-password", data={
        "csrf_token": csrf_token(client, page), "password": "Temporary2026pass"})
    assert response.status_code == 302
    assert not _api_ok(client, secret)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.revoked_at is not None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoke"))
        assert entry.changes["reason"] == [None, "account.reset_password"]


def test_disabling_an_account_revokes_its_tokens_for_good(app, client, world, login, token_for):
    secret = token_for(world.users.enterprise)
    login(world.users.admin)
    token = csrf_token(client, "/admin/users/")
    client.post(f"/admin/users/{world.users.enterprise}/disable", data={"csrf_token": token})
    client.post(f"/admin/users/{world.users.enterprise}/enable", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(User, world.users.enterprise).is_enabled
    assert not _api_ok(client, secret)  # re-enabling does not bring the token back


def test_administrators_list_and_revoke_any_users_tokens(app, client, world, login, token_for):
    secret = token_for(world.users.enterprise, name="人事系统")
    token_for(world.users.expert, name="评审导出")
    login(world.users.admin)
    page = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "人事系统" in page and "评审导出" in page and "ent_a" in page
    assert secret not in page
    filtered = client.get("/admin/api-tokens/?user=ent_a").get_data(as_text=True)
    assert "人事系统" in filtered and "评审导出" not in filtered
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "人事系统"))
    response = client.post(f"/admin/api-tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token(client, "/admin/api-tokens/")})
    assert response.status_code == 302
    assert not _api_ok(client, secret)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoke"))
        assert entry.actor_id == world.users.admin


def test_only_administrators_see_everyones_tokens(client, world, login, token_for):
    token_for(world.users.admin)
    login(world.users.enterprise)
    assert client.get("/admin/api-tokens/").status_code == 403
