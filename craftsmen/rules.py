"""Who may do what in craftsman selection: plain ``can_*`` functions."""

from __future__ import annotations

from sqlalchemy import false, or_

from core.organizations import rules as org_rules
from core.roles import Role
from craftsmen.models import NominationState
from craftsmen.states import EDITABLE_STATES


def can_manage_cycles(user) -> bool:
    return user.has_role(Role.ADMIN)


def can_nominate(user, worker) -> bool:
    """Only the worker's own enterprise nominates them."""
    return user.has_role(Role.ENTERPRISE) and user.enterprise_id == worker.enterprise_id


def is_owner(user, nomination) -> bool:
    return user.has_role(Role.ENTERPRISE) and user.enterprise_id == nomination.enterprise_id


def is_reviewer_for(user, nomination) -> bool:
    """The union reviewer of the nominee's enterprise's district or industry union, once the
    nomination has been submitted: a draft is the enterprise's own."""
    return bool(user.has_role(Role.UNION_REVIEWER) and user.union_id
                and nomination.state_enum is not NominationState.DRAFT
                and user.union_id in nomination.enterprise.union_ids())


def can_edit_nomination(user, nomination) -> bool:
    return is_owner(user, nomination) and nomination.state_enum in EDITABLE_STATES


def can_qualify(user, nomination) -> bool:
    return is_reviewer_for(user, nomination)


def can_view_nomination(user, nomination, *, on_panel: bool = False) -> bool:
    """Administrators; the owning enterprise; its unions' reviewers; the nominee; and experts
    on the panel that scores it (``on_panel``, decided by the review area)."""
    if user.has_role(Role.ADMIN) or is_owner(user, nomination) or is_reviewer_for(user, nomination):
        return True
    if user.has_role(Role.WORKER) and user.worker_id == nomination.worker_id:
        return True
    return bool(on_panel and user.has_role(Role.EXPERT))


def can_see_talent_pool(user) -> bool:
    return user.has_role(Role.ADMIN, Role.UNION_REVIEWER)


def can_manage_nomination(user, nomination) -> bool:
    """Change the draft's content, files and submission: the nominating enterprise only (the
    nomination's state decides whether the change is allowed now)."""
    return is_owner(user, nomination)


def can_see_worker_contact(user, nomination) -> bool:
    """The nominee's mobile number: the nominating enterprise, administrators, the nominee."""
    return (user.has_role(Role.ADMIN) or is_owner(user, nomination)
            or (user.has_role(Role.WORKER) and user.worker_id == nomination.worker_id))


def shown_decision_note(nomination) -> str | None:
    """How the nomination page shows the union's decision note: the reason of a return or a
    rejection, the last return's reason once submitted again, else a review note (None: no
    note)."""
    if not nomination.decision_note:
        return None
    return {NominationState.RETURNED: "returned", NominationState.REJECTED: "rejected",
            NominationState.SUBMITTED: "resubmitted"}.get(nomination.state_enum, "review")


def visible_nominations_filter(user, Nomination, Enterprise):
    """A SQL condition limiting nominations to those ``user`` may see (None: all).

    The query must join ``Enterprise`` on the nomination's enterprise for reviewers.
    """
    if user.has_role(Role.ADMIN):
        return None
    conditions = []
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        conditions.append(Nomination.enterprise_id == user.enterprise_id)
    if user.has_role(Role.UNION_REVIEWER) and user.union_id:
        conditions.append((Nomination.state != NominationState.DRAFT.value) & or_(
            Enterprise.district_union_id == user.union_id,
            Enterprise.industry_union_id == user.union_id))
    if user.has_role(Role.WORKER) and user.worker_id:
        conditions.append(Nomination.worker_id == user.worker_id)
    return or_(*conditions) if conditions else false()


def talent_pool_filter(user, Enterprise):
    """Which talent-pool entries ``user`` sees: all for administrators, their unions'
    enterprises for union reviewers (None: all)."""
    return org_rules.visible_enterprise_filter(user, Enterprise)
