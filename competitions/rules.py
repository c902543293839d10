"""Who may do what in skills competitions: plain ``can_*`` functions.

Anonymity is decided here and nowhere else: judges and scoring screens know contestants by
their blind numbers only; the administrator holds the key (number ↔ person); names appear
beside numbers for others only once the chief judge has locked the event. Enterprises know
their own contestants by name but never learn their blind numbers before the lock, so they
cannot pass them to a judge.
"""

from __future__ import annotations

from competitions.states import IDENTITIES_REVEALED_STATES, SCORING_STATES
from core.roles import Role


def holds_blind_key(user) -> bool:
    """The administrator sees which person stands behind which blind number at any time."""
    return user.has_role(Role.ADMIN)


def can_see_identities(user, event) -> bool:
    """Names beside blind numbers: the key holder always, everyone else from the lock on."""
    return holds_blind_key(user) or event.state_enum in IDENTITIES_REVEALED_STATES


# Registration, check-in and judges -----------------------------------------------------------

def can_register(user, worker) -> bool:
    """Only the worker's own enterprise union registers them for an event."""
    return user.has_role(Role.ENTERPRISE) and bool(user.enterprise_id) and user.enterprise_id == worker.enterprise_id


def can_manage_registration(user, contestant) -> bool:
    """The enterprise that registered the contestant (withdraws the registration)."""
    return (user.has_role(Role.ENTERPRISE) and bool(user.enterprise_id)
            and user.enterprise_id == contestant.enterprise_id)


def can_manage_contestants(user) -> bool:
    """Import contestants, check them in, draw lots, assign judges: administrators."""
    return user.has_role(Role.ADMIN)


def can_take_out(user, status, *, is_chief: bool) -> bool:
    """Record a contestant as 缺考, 弃赛 or 取消资格: administrators and the event's chief judge
    (``is_chief``, decided by the caller); a withdrawal after the draw: administrators only."""
    from competitions.models import ContestantStatus

    if user.has_role(Role.ADMIN):
        return True
    return is_chief and user.has_role(Role.JUDGE) and status != ContestantStatus.WITHDRAWN


def can_open_judge_event(user, *, assigned: bool) -> bool:
    """A judge's event page: the judges assigned to the event (``assigned``, decided by the
    caller from the judge assignments)."""
    return user.has_role(Role.JUDGE) and assigned


# Score sheets -----------------------------------------------------------------------------------

def marks_open(event) -> bool:
    """Judges enter and change marks only while the event is scoring."""
    return event.state_enum in SCORING_STATES


def sheet_read_only(sheet) -> bool:
    """A judge's handed-in sheet is read-only to them, unless the chief judge reopened it."""
    return sheet is not None and sheet.reopened_reason is None


def mark_locked(sheet, mark) -> bool:
    """A mark the judge may no longer change on the sheet page: the whole sheet is read-only,
    or the mark was handed in (on a reopened sheet only the marks sent back are open)."""
    return sheet_read_only(sheet) or (sheet is not None and mark is not None and mark.submitted_at is not None)


# Results, appeals and judge analytics ---------------------------------------------------------


def can_appeal(user, contestant) -> bool:
    """Appeals are filed by the contestant's enterprise union."""
    return user.has_role(Role.ENTERPRISE) and user.enterprise_id == contestant.enterprise_id


def can_rule_on_appeal(user, competition, *, event_arbitrators: frozenset[int] = frozenset()) -> bool:
    """The arbitration group: administrators and the competition's arbitration members; for an
    event with its own group (``event_arbitrators``, user ids), that group's members only."""
    if event_arbitrators:
        return user.id in event_arbitrators
    return user.has_role(Role.ADMIN) or any(m.user_id == user.id for m in competition.arbitrators)


def can_see_judge_analytics(user, *, is_chief: bool) -> bool:
    """Judges' severity and flag rates: administrators and the event's chief judge
    (``is_chief``, decided by the caller from the judge assignments)."""
    return user.has_role(Role.ADMIN) or (is_chief and user.has_role(Role.JUDGE))
