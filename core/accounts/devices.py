"""Clients that have signed in before ("known devices"), so that a stranger's wrong guesses
cannot lock the owner out.

A successful login leaves a signed, HttpOnly cookie naming the account and a random device
nonce. Login attempts for that account from a client carrying it are counted in a bucket of
their own: the owner's correct password still works while guesses from elsewhere are being
limited. The cookie carries no secret and grants nothing by itself; a password is still needed.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "known_device"
#: How long a client stays known after its last successful login (seconds).
LIFETIME = 180 * 24 * 3600
_SALT = "known-login-device-v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def remember(response, username: str) -> None:
    """Mark the client of ``response`` as a known device of ``username``."""
    token = _serializer().dumps({"u": username.strip().lower(), "n": secrets.token_urlsafe(12)})
    response.set_cookie(COOKIE_NAME, token, max_age=LIFETIME, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def known_device(username: str) -> str | None:
    """The device nonce when this request comes from a known device of ``username``."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw or not username:
        return None
    try:
        payload = _serializer().loads(raw, max_age=LIFETIME)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != username.strip().lower():
        return None
    nonce = payload.get("n")
    return nonce if isinstance(nonce, str) and nonce else None
