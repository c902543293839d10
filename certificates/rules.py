"""Who may do what with certificates. Issuing happens through the features; administrators
list, revoke and replace certificates; anyone may verify one with its serial and code."""

from __future__ import annotations

from core.roles import Role


def can_manage(user) -> bool:
    """List every certificate, revoke and replace: administrators of the federation."""
    return bool(user.is_authenticated and user.has_role(Role.ADMIN))
