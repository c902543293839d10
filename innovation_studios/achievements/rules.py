"""Who may do what with a studio's records (achievements, funding, annual assessment).

Built on :mod:`innovation_studios.studios.rules`: the enterprise keeps its own studios' records, the
reviewer of the enterprise's district or industry union sees them and grades their annual
reports, administrators see everything, grant funding, open assessment rounds and decide
rectifications.
"""

from __future__ import annotations

from core.roles import Role
from innovation_studios.assessments.models import ReportState
from innovation_studios.studios import rules
from innovation_studios.studios.models import StudioState
from innovation_studios.studios.states import NAMED_STATES

#: Studios whose achievements can no longer be recorded or changed.
CLOSED_STATES = frozenset({StudioState.REJECTED, StudioState.DELISTED})


def can_view_records(user, studio) -> bool:
    return bool(user.has_role(Role.ADMIN) or rules.is_owner(user, studio)
                or rules.is_reviewer_for(user, studio))


def can_edit_achievements(user, studio) -> bool:
    """The enterprise, for its studios that are not rejected or delisted."""
    return rules.is_owner(user, studio) and studio.state_enum not in CLOSED_STATES


def can_grant_funding(user, studio) -> bool:
    return user.has_role(Role.ADMIN) and studio.state_enum in NAMED_STATES


def can_record_funding_use(user, studio) -> bool:
    return rules.is_owner(user, studio) and studio.state_enum in NAMED_STATES


def can_manage_rounds(user) -> bool:
    return user.has_role(Role.ADMIN)


def can_write_report(user, studio) -> bool:
    return rules.is_owner(user, studio) and studio.state_enum in NAMED_STATES


def can_edit_report(user, report) -> bool:
    return can_write_report(user, report.studio) and report.state_enum in (ReportState.DRAFT,
                                                                           ReportState.RETURNED)


def may_grade(user, studio) -> bool:
    """The studio's union reviewer or an administrator (whatever the report's state)."""
    return bool(user.has_role(Role.ADMIN) or rules.is_reviewer_for(user, studio))


def can_grade(user, report) -> bool:
    return may_grade(user, report.studio) and report.state_enum is ReportState.SUBMITTED


def can_decide_rectification(user, rectification) -> bool:
    return user.has_role(Role.ADMIN) and rectification.is_open


def can_write_rectification_statement(user, rectification) -> bool:
    return rules.is_owner(user, rectification.studio) and rectification.is_open
