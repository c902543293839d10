"""Who may see and change worker records, and who sees ID numbers in clear."""

from core.organizations import rules as org_rules
from core.roles import Role


def can_view_worker(user, worker) -> bool:
    if user.has_role(Role.WORKER) and user.worker_id == worker.id:
        return True
    return org_rules.can_view_enterprise(user, worker.enterprise)


def can_view_all_workers(user) -> bool:
    return user.has_role(Role.ADMIN)


def can_edit_worker(user, worker) -> bool:
    """Administrators, and the enterprise the worker belongs to."""
    return user.has_role(Role.ADMIN) or (
        user.has_role(Role.ENTERPRISE) and user.enterprise_id == worker.enterprise_id
    )


def can_create_worker(user) -> bool:
    return user.has_role(Role.ADMIN) or (user.has_role(Role.ENTERPRISE) and user.enterprise_id)


def can_see_id_number(user, worker) -> bool:
    """Clear ID numbers: administrators and the owning enterprise only."""
    return can_edit_worker(user, worker)


def can_see_mobile(user, worker) -> bool:
    """Full mobile numbers: those who may edit, and the worker themself."""
    return can_edit_worker(user, worker) or (
        user.has_role(Role.WORKER) and user.worker_id == worker.id
    )
