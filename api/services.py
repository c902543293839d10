"""API tokens: issue, revoke, authenticate. Services validate, change, audit and flush; they
never commit and never read the request."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from api import rules
from api.models import ApiToken
from core.accounts.models import User
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

#: Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "bjgh_"  # noqa: S105 - a public prefix, not a secret
#: What follows the prefix: 43 URL-safe characters (256 random bits).
_TOKEN_SHAPE = re.compile(r"^bjgh_[A-Za-z0-9_-]{43}$")
NAME_MAX = 64
#: Tokens a user may hold at once (active ones).
MAX_ACTIVE = 20
#: Lifetimes offered, in days (None: until revoked).
LIFETIMES = (30, 90, 180, 365, None)
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_tokens(user) -> list[ApiToken]:
    now = utcnow()
    return [t for t in tokens_of(user) if t.is_active(now)]


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def issue(user, name: str, lifetime_days: int | None, *, by) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the record and the token, which is never stored."""
    if not rules.can_have_tokens(user) or by.id != user.id:
        raise DomainError(_l("只能为自己的账号创建令牌"))
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("请填写令牌名称，例如用途或调用系统的名字"), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("令牌名称不能超过 %(n)s 个字", n=NAME_MAX), field="name")
    if lifetime_days not in LIFETIMES:
        raise DomainError(_l("请选择有效期"), field="lifetime")
    now = utcnow()
    active = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))) or 0
    if active >= MAX_ACTIVE:
        raise DomainError(_l("每个账号最多同时持有 %(n)s 个有效令牌，请先吊销不再使用的令牌",
                             n=MAX_ACTIVE))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, hint=secret[:len(TOKEN_PREFIX) + 4],
                     token_hash=digest(secret), created_at=now,
                     expires_at=now + timedelta(days=lifetime_days) if lifetime_days else None)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.create", token, by=by, changes={
        "name": [None, name], "expires_at": [None, token.expires_at.isoformat() if token.expires_at else None]})
    return token, secret


def revoke(token: ApiToken, *, by) -> None:
    """Revoke a token at once; requests carrying it are refused from now on."""
    if not (rules.can_manage_token(by, token) or rules.can_administer_tokens(by)):
        raise DomainError(_l("只能吊销自己的令牌"))
    if token.revoked_at is not None:
        raise DomainError(_l("该令牌已吊销"))
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_token.revoke", token, by=by, changes={"revoked": [False, True]})


def revoke_all(user, *, by, reason: str) -> int:
    """Revoke every active token of ``user`` (their password was reset or the account
    disabled); returns how many were revoked."""
    now = utcnow()
    revoked = 0
    for token in tokens_of(user):
        if token.is_active(now):
            token.revoked_at = now
            revoked += 1
            audit.record("api_token.revoke", token, by=by,
                         changes={"revoked": [False, True], "reason": [None, reason]})
    db.session.flush()
    return revoked


def _withdrawn(user, *, by, reason: str, **_) -> None:
    revoke_all(user, by=by, reason=reason)


def connect_account_events() -> None:
    """Revoke a user's tokens whenever an administrator resets their password or disables them."""
    from core.accounts.services import credentials_withdrawn

    credentials_withdrawn.connect(_withdrawn)


def all_tokens_query(username: str = "", status: str = ""):
    """Every user's tokens for administrators, newest first, filtered by user and status."""
    query = select(ApiToken).join(User, User.id == ApiToken.user_id)
    if username:
        query = query.where(User.username.contains(username, autoescape=True)
                            | User.display_name.contains(username, autoescape=True))
    now = utcnow()
    active = ApiToken.revoked_at.is_(None) & (ApiToken.expires_at.is_(None) | (ApiToken.expires_at > now))
    if status == "active":
        query = query.where(active)
    elif status == "inactive":
        query = query.where(~active)
    return query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())


def authenticate(presented: str | None) -> tuple[ApiToken, User] | None:
    """The active token and its enabled user for a presented token, or None.

    The lookup is by digest, so the stored value is never compared with the secret itself.
    """
    if not presented or not _TOKEN_SHAPE.match(presented):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(presented)))
    if token is None or not token.is_active(utcnow()):
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_enabled:
        return None
    return token, user


def record_use(token: ApiToken) -> bool:
    """Note that the token was used now (at most once a minute); True when it changed."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True
