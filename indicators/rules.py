"""Who may do what with the plan indicators."""

from __future__ import annotations

from core.roles import Role


def can_manage_indicators(user) -> bool:
    """Edit targets and baselines, report and correct values: federation administrators only."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.ADMIN)
