"""Route guards. Every view declares who may use it, and the app refuses to start otherwise.

* ``@public``: anyone, including anonymous visitors.
* ``@authenticated``: any logged-in user.
* ``@roles_required(Role.ADMIN, ...)``: logged-in users holding one of the roles.

Ownership (an enterprise sees only its own workers) is checked inside the view with the
``can_*`` functions of the feature's ``rules`` module; these guards are the first fence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user

from core.extensions import login_manager
from core.roles import Role

#: Endpoints served by extensions (static files), public by nature.
EXEMPT_ENDPOINTS = frozenset({"static", "bootstrap.static"})


@dataclass(frozen=True)
class AccessRule:
    """Who may use a view: ``public``, any logged-in user, or holders of ``roles``."""

    public: bool = False
    roles: frozenset[Role] | None = None  # None with public=False: any logged-in user

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.roles is None:
            return "authenticated"
        return "roles:" + ",".join(sorted(self.roles))


def _declare(view, rule: AccessRule):
    view.access_rule = rule
    return view


def public(view):
    """Anyone may use this view."""
    return _declare(view, AccessRule(public=True))


def authenticated(view):
    """Any logged-in user may use this view."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _declare(wrapper, AccessRule())


def roles_required(*roles: Role):
    """Logged-in users holding at least one of ``roles`` may use this view; others get 403."""
    allowed = frozenset(Role(r) for r in roles)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        return _declare(wrapper, AccessRule(roles=allowed))

    return decorator


def unguarded_endpoints(app) -> list[str]:
    """Endpoints whose view declares no access rule."""
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in EXEMPT_ENDPOINTS and not hasattr(view, "access_rule")
    )


def check_all_routes_guarded(app) -> None:
    """Refuse to start an app with a route that does not say who may use it."""
    missing = unguarded_endpoints(app)
    if missing:
        raise RuntimeError("以下路由未声明访问权限：" + ", ".join(missing))
