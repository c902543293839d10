"""Who may do what with API tokens: plain ``can_*`` functions."""

from __future__ import annotations

from core.roles import Role


def can_have_tokens(user) -> bool:
    """Every enabled, logged-in user may create tokens for themself."""
    return bool(getattr(user, "is_authenticated", False) and user.is_enabled)


def can_manage_token(user, token) -> bool:
    """A token is listed and revoked by its owner on their own page."""
    return token.user_id == user.id


def can_administer_tokens(user) -> bool:
    """Administrators list every user's tokens and revoke any of them."""
    return user.has_role(Role.ADMIN)
