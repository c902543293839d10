"""Who may do what with studios: plain ``can_*`` functions (role first, then ownership).

* The enterprise (企业工会) applies for its own studios, edits them while they are drafts or
  returned, and keeps the members and the leader of its named studios.
* The reviewer of the enterprise's district or industry union (区/产业工会) checks applications
  and sees the studios of its unions' enterprises (not the drafts).
* Administrators see everything, form the expert panels, name and delist studios.
* Experts see an application while their panel scores it; workers see the studios they lead
  or belong to.
"""

from __future__ import annotations

from sqlalchemy import false, or_

from core.roles import Role
from innovation_studios.studios.models import StudioState
from innovation_studios.studios.states import EDITABLE_STATES, NAMED_STATES


def is_owner(user, studio) -> bool:
    return bool(user.has_role(Role.ENTERPRISE) and user.enterprise_id
                and user.enterprise_id == studio.enterprise_id)


def is_reviewer_for(user, studio) -> bool:
    """The reviewer of the studio's enterprise's district or industry union (never for drafts)."""
    return bool(user.has_role(Role.UNION_REVIEWER) and user.union_id
                and studio.state_enum is not StudioState.DRAFT
                and user.union_id in studio.enterprise.union_ids())


def can_apply(user) -> bool:
    return bool(user.has_role(Role.ENTERPRISE) and user.enterprise_id)


def can_view_studio(user, studio, *, on_panel: bool = False, is_member: bool = False) -> bool:
    """Administrators, the enterprise, its unions' reviewers; experts whose panel scores the
    studio (``on_panel``); workers who lead it or belong to it (``is_member``, decided by the
    caller from the membership rows)."""
    if user.has_role(Role.ADMIN) or is_owner(user, studio) or is_reviewer_for(user, studio):
        return True
    if user.has_role(Role.WORKER) and user.worker_id and (
            is_member or user.worker_id == studio.leader_worker_id):
        return True
    return bool(on_panel and user.has_role(Role.EXPERT))


def can_edit_application(user, studio) -> bool:
    return is_owner(user, studio) and studio.state_enum in EDITABLE_STATES


def can_check(user, studio) -> bool:
    """The union's check (资格审查) of a submitted application."""
    return is_reviewer_for(user, studio) and studio.state_enum is StudioState.APPLIED


def can_manage_review(user) -> bool:
    """Form panels, follow the scoring and decide after the review: administrators."""
    return user.has_role(Role.ADMIN)


def can_decide_after_review(user, studio) -> bool:
    return can_manage_review(user) and studio.state_enum is StudioState.UNDER_REVIEW


def can_delist(user, studio) -> bool:
    return user.has_role(Role.ADMIN) and studio.state_enum in NAMED_STATES


def can_manage_members(user, studio) -> bool:
    """Members of a draft (the application's team) or of a named studio (joins and leaves)."""
    if not (is_owner(user, studio) or user.has_role(Role.ADMIN)):
        return False
    if studio.state_enum in EDITABLE_STATES:
        return is_owner(user, studio)
    return studio.state_enum in NAMED_STATES


def can_change_leader(user, studio) -> bool:
    """Record a change of leader of a named studio (the draft's leader is edited in the form)."""
    return (is_owner(user, studio) or user.has_role(Role.ADMIN)) and studio.state_enum in NAMED_STATES


def can_export(user) -> bool:
    return user.has_role(Role.ADMIN)


def can_see_personal_details(user, studio) -> bool:
    """ID numbers (masked) and occupations of the leader and the members: not the public."""
    return (user.has_role(Role.ADMIN) or is_owner(user, studio) or is_reviewer_for(user, studio))


def can_see_history_actors(user) -> bool:
    """Who did each step of a studio's history: the administrators, unions and enterprises."""
    return user.has_role(Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)


def shown_decision_note(user, studio) -> str | None:
    """Which decision note the studio page shows: the reason of a return or a rejection (and of
    the last return, once applied again) to whoever sees the page; any other note of the
    union's or administrator's only to those who see personal details. None: no note."""
    if not studio.decision_note or studio.state_enum is StudioState.DELISTED:
        return None
    shown = {StudioState.RETURNED: "returned", StudioState.REJECTED: "rejected",
             StudioState.APPLIED: "resubmitted"}.get(studio.state_enum)
    return shown or ("review" if can_see_personal_details(user, studio) else None)


def visible_studios_filter(user, Studio, Enterprise):
    """A SQL condition limiting studios to those ``user`` may list (None: all).

    The query must join ``Enterprise`` on the studio's enterprise for reviewers.
    """
    if user.has_role(Role.ADMIN):
        return None
    conditions = []
    if user.has_role(Role.ENTERPRISE) and user.enterprise_id:
        conditions.append(Studio.enterprise_id == user.enterprise_id)
    if user.has_role(Role.UNION_REVIEWER) and user.union_id:
        conditions.append((Studio.state != StudioState.DRAFT.value) & or_(
            Enterprise.district_union_id == user.union_id, Enterprise.industry_union_id == user.union_id))
    return or_(*conditions) if conditions else false()
