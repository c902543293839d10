"""Who may do what on an expert panel: plain ``can_*`` functions, shared by every feature."""

from __future__ import annotations

from core.roles import Role


def is_member(user, panel) -> bool:
    return user.has_role(Role.EXPERT) and user.id in panel.member_ids()


def is_lead(user, panel) -> bool:
    return is_member(user, panel) and panel.lead_user_id == user.id


def can_score_on(user, panel) -> bool:
    """An expert scores only on panels they sit on (conflicts are checked per subject)."""
    return is_member(user, panel)


def can_lead(user, panel) -> bool:
    """The panel lead handles flagged subjects; administrators may stand in."""
    return is_lead(user, panel) or user.has_role(Role.ADMIN)
