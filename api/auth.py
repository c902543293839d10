"""Who may call an API route: the token guard beside :mod:`core.access`'s guards.

The API accepts personal tokens only (``Authorization: Bearer <token>``), never the login
cookie: a browser that is logged in to the site is anonymous to the API, so a cross-site
request cannot act for it (which is why CSRF does not apply here).

* ``@token_required(Role.X, ...)`` declares a :class:`TokenAccessRule`: a valid token whose
  user holds one of the roles (none given: any user). No token, or a bad one: 401; a valid
  token without the role: 403. Ownership is checked in the view with the feature's rules.
* ``@core.access.public`` routes need no token (one that is sent only changes the rate limit
  that applies).

Like every guard, these set ``access_rule`` on the view, so the app's start-up check
(:func:`core.access.check_all_routes_guarded`) still refuses a route that declares nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from api import services
from api.errors import ApiError
from core.access import AccessRule
from core.extensions import db
from core.roles import Role


@dataclass(frozen=True)
class TokenAccessRule(AccessRule):
    """An API route: an API token of a user holding ``roles`` (None: any user)."""

    token: bool = True

    def describe(self) -> str:
        return "token:" + ("any" if self.roles is None else ",".join(sorted(self.roles)))


def presented_token() -> str | None:
    """The bearer token of the request, or None when there is no Authorization header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return value.strip()


def api_user():
    """The user the request's token acts for (only inside a token-guarded route)."""
    return g.api_user


_UNRESOLVED = object()


def resolve_token():
    """The (token, user) of the request's bearer token when it is valid, else None; looked up
    once per request."""
    found = g.get("_api_auth", _UNRESOLVED)
    if found is _UNRESOLVED:
        presented = presented_token()
        found = services.authenticate(presented) if presented else None
        g._api_auth = found
    return found


def _authenticate():
    found = resolve_token()
    if found is None:
        if not presented_token():
            raise ApiError(401)
        raise ApiError(401, "invalid_token", headers={
            "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    token, user = found
    if services.record_use(token):
        db.session.commit()
    g.api_token, g.api_user = token, user
    return user


def token_required(*roles: Role):
    """A valid API token whose user holds one of ``roles`` (any user when none are given)."""
    allowed = frozenset(Role(r) for r in roles) or None

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = _authenticate()
            if allowed is not None and not user.has_role(*allowed):
                raise ApiError(403, "role_required", details={"roles": sorted(allowed)})
            return view(*args, **kwargs)

        wrapper.access_rule = TokenAccessRule(roles=allowed)
        return wrapper

    return decorator


# Rate limits --------------------------------------------------------------------------------

def rate_limit_key() -> str:
    """Per token for a valid token (keyed by the token's record, never the secret), else per
    client address: made-up tokens do not buy extra requests."""
    found = resolve_token()
    if found is not None:
        return f"api-token:{found[0].id}"
    return "api-ip:" + (get_remote_address() or "")


def rate_limit() -> str:
    config = current_app.config
    if resolve_token() is not None:
        return config["API_RATE_LIMIT_PER_TOKEN"]
    return config["API_RATE_LIMIT_PER_IP"]
