"""Who may do what on the competition road: plain ``can_*`` functions."""

from __future__ import annotations

from core.roles import Role


def can_manage_route(user) -> bool:
    """Route settings, the seed-selection committee and arbitration group (who sits on them),
    the two events, advancing and the proposed list: administrators."""
    return user.has_role(Role.ADMIN)


def can_vote_on_seeds(user, panel) -> bool:
    """Seed players are chosen by the members of the occupation's committee (experts), never
    by an administrator on their behalf."""
    return user.has_role(Role.EXPERT) and user.id in panel.member_ids()


def can_register_challenger(user, worker) -> bool:
    """The worker's enterprise union, or a district or industry union over that enterprise."""
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id and user.enterprise_id == worker.enterprise_id:
        return True
    return bool(user.has_role(Role.UNION_REVIEWER) and user.union_id
                and user.union_id in worker.enterprise.union_ids())


def can_see_arbitration(user) -> bool:
    """The expert's own arbitration groups' appeals (each appeal then checks membership)."""
    return user.has_role(Role.EXPERT)
