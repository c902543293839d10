"""Security headers, forced password changes and the navigation built from roles."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import redirect, request, session, url_for
from flask_login import current_user

#: Endpoints a user who must change their password may still reach.
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "main.set_language",
                            "static", "bootstrap.static",
                            "main.readyz", "metrics"}


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects).

    Control characters and backslashes are refused outright: browsers drop or rewrite them,
    which turns ``/\t/evil.example`` into ``//evil.example``.
    """
    if not target or _UNSAFE.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def fixed_headers(config) -> list[tuple[str, str]]:
    """The security headers every response carries (those not already set by the view)."""
    headers = [("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"]),
               ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin"),
               ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
               ("Cross-Origin-Opener-Policy", "same-origin")]
    if config.get("HSTS_ENABLED"):
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def init_app(app) -> None:
    if app.config.get("TRUSTED_PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def force_password_change():
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in _PASSWORD_CHANGE_ALLOWED):
            return redirect(url_for("auth.change_password"))
        return None

    fixed = fixed_headers(app.config)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        for name, value in fixed:
            headers.setdefault(name, value)
        # The session says whether someone signed in; asking ``current_user`` would load the
        # user for every static file, or again after the request's commit expired it.
        if "_user_id" in session:
            headers.setdefault("Cache-Control", "no-store")
        return response
