"""Who may see and change organizations."""

from sqlalchemy import false, or_

from core.roles import Role


def visible_enterprise_filter(user, Enterprise):
    """A SQL condition limiting enterprises to those ``user`` may see (None: all)."""
    if user.has_role(Role.ADMIN):
        return None
    conditions = []
    if user.has_role(Role.UNION_REVIEWER) and user.union_id:
        conditions.append(Enterprise.district_union_id == user.union_id)
        conditions.append(Enterprise.industry_union_id == user.union_id)
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        conditions.append(Enterprise.id == user.enterprise_id)
    return or_(*conditions) if conditions else false()


def only_visible_enterprise(user) -> int | None:
    """The id of the one enterprise ``user`` may see, when that is all they see (else None)."""
    if user.has_role(Role.ADMIN) or (user.has_role(Role.UNION_REVIEWER) and user.union_id):
        return None
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        return user.enterprise_id
    return None


def can_view_enterprise(user, enterprise) -> bool:
    if user.has_role(Role.ADMIN):
        return True
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id == enterprise.id:
        return True
    return bool(
        user.has_role(Role.UNION_REVIEWER)
        and user.union_id
        and user.union_id in enterprise.union_ids()
    )


def can_manage_enterprises(user) -> bool:
    """Create enterprises and edit their registration data."""
    return user.has_role(Role.ADMIN)


def can_edit_enterprise_contact(user, enterprise) -> bool:
    """Address and contact details: the administrator, or the enterprise itself."""
    return user.has_role(Role.ADMIN) or (
        user.has_role(Role.ENTERPRISE) and user.enterprise_id == enterprise.id
    )
