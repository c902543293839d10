"""Who may manage accounts."""

from core.roles import Role


def can_manage_accounts(user) -> bool:
    return user.has_role(Role.ADMIN)


def can_disable(user, target) -> bool:
    """Administrators may disable any account but their own (no one locks themself out)."""
    return can_manage_accounts(user) and user.id != target.id
