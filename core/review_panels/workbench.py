"""What an expert has still to score, counted in one query per feature (see
:mod:`core.workbench`). Each registered :class:`~core.review_panels.scope.PanelScope` gives the
subjects its open panels score now; the engine leaves out the subjects the expert steps aside
from and the sheets already submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Executable, and_, case, exists, func, literal, or_, select, union_all

from core import workbench
from core.extensions import db
from core.notifications import services as notifications
from core.notifications.services import Reminder
from core.review_panels.models import (
    ConflictDeclaration,
    DisagreementResolution,
    PanelMember,
    ReviewPanel,
    ReviewScore,
)
from core.review_panels.scope import PanelScope, registered_scopes
from core.roles import Role
from core.workbench import WorkItem


@dataclass(frozen=True)
class PendingSheets:
    panel_id: int
    panel_name: str
    pending: int
    reopened: int
    deadline: date | None = None


def pending_sheets(user, scope: str, subject_type: str, subjects) -> list[PendingSheets]:
    """Per panel of ``scope`` that ``user`` sits on, the sheets still to score.

    ``subjects`` is a select of ``panel_id``, ``subject_id`` and ``enterprise_id`` columns:
    the subjects each panel scores now (none for a panel closed to scoring).
    """
    s = subjects.subquery()
    sheet = and_(ReviewScore.panel_id == ReviewPanel.id, ReviewScore.user_id == user.id,
                 ReviewScore.subject_type == subject_type, ReviewScore.subject_id == s.c.subject_id)
    declared = exists().where(ConflictDeclaration.panel_id == ReviewPanel.id,
                              ConflictDeclaration.user_id == user.id,
                              ConflictDeclaration.subject_type == subject_type,
                              ConflictDeclaration.subject_id == s.c.subject_id)
    query = (select(ReviewPanel.id, ReviewPanel.name, func.count(),
                    func.sum(case((ReviewScore.reopen_reason.is_not(None), 1), else_=0)), ReviewPanel.deadline)
             .join(s, s.c.panel_id == ReviewPanel.id)
             .join(PanelMember, and_(PanelMember.panel_id == ReviewPanel.id,
                                     PanelMember.user_id == user.id))
             .outerjoin(ReviewScore, sheet)
             .where(ReviewPanel.scope == scope, ReviewScore.submitted_at.is_(None), ~declared)
             .group_by(ReviewPanel.id, ReviewPanel.name, ReviewPanel.deadline).order_by(ReviewPanel.id))
    if user.employer_id is not None:  # own enterprise: always stepped aside from (回避)
        query = query.where(or_(s.c.enterprise_id.is_(None), s.c.enterprise_id != user.employer_id))
    return [PendingSheets(pid, name, n, int(reopened or 0), deadline)
            for pid, name, n, reopened, deadline in db.session.execute(query).all()]


def expert_items(user, title: str, scope: PanelScope) -> list[WorkItem]:
    """The expert's work on a feature's panels: one item per panel with sheets still to score
    (``title`` linking to the scope's task list), with the panel's deadline (the workbench puts
    overdue and nearest deadlines first) and how many of the sheets were sent back for re-scoring."""
    from flask_babel import gettext as _

    return [WorkItem(title, scope.tasks_url(), count=p.pending, context=p.panel_name, deadline=p.deadline,
                     note=_("%(n)s 份被退回重评", n=p.reopened) if p.reopened else "")
            for p in pending_sheets(user, scope.name, scope.subject_type, scope.open_subjects())]


def _flagged(scope: str, subject_type: str, subjects, lead=None):
    """A select of (panel id, panel name, flagged subjects) for one scope."""
    s = subjects.subquery()
    resolved = exists().where(DisagreementResolution.panel_id == ReviewScore.panel_id,
                              DisagreementResolution.subject_type == subject_type,
                              DisagreementResolution.subject_id == ReviewScore.subject_id)
    flagged = (select(ReviewScore.panel_id, ReviewScore.subject_id)
               .join(ReviewPanel, ReviewPanel.id == ReviewScore.panel_id)
               .join(s, and_(s.c.panel_id == ReviewScore.panel_id, s.c.subject_id == ReviewScore.subject_id))
               .where(ReviewPanel.scope == scope, ReviewScore.subject_type == subject_type,
                      ReviewScore.submitted_at.is_not(None), ~resolved)
               .group_by(ReviewScore.panel_id, ReviewScore.subject_id, ReviewPanel.disagreement_threshold)
               .having(func.count() >= 2,
                       func.max(ReviewScore.total) - func.min(ReviewScore.total)
                       > ReviewPanel.disagreement_threshold)).subquery()
    query = (select(ReviewPanel.id.label("panel_id"), ReviewPanel.name.label("name"),
                    func.count().label("flagged"))
             .join(flagged, flagged.c.panel_id == ReviewPanel.id)
             .group_by(ReviewPanel.id, ReviewPanel.name))
    if lead is not None:
        query = query.where(ReviewPanel.lead_user_id == lead.id)
    return query


def flagged_items(user, today, *, lead=None) -> list[WorkItem]:
    """Unresolved disagreements on every registered scope's panels, in one query (only the
    panels ``lead`` leads, when given)."""
    scopes = {s.name: s for s in registered_scopes()}
    if not scopes:
        return []
    selects = [_flagged(s.name, s.subject_type, s.open_subjects(), lead).add_columns(
        literal(s.name).label("scope")) for s in scopes.values()]
    statement: Executable = union_all(*selects) if len(selects) > 1 else selects[0]
    rows = db.session.execute(statement).all()
    return [WorkItem(str(scopes[scope].flags_title), scopes[scope].flags_url(panel_id),
                     count=flagged, context=name)
            for panel_id, name, flagged, scope in sorted(rows, key=lambda r: r[0])]


def deadline_reminders(day: date) -> list[Reminder]:
    """Panels whose deadline is ``day``: the members with sheets still to score on them (one
    query per registered scope)."""
    from core.accounts.models import User

    found: dict[tuple[int, str], set[int]] = {}
    for work in registered_scopes():
        s = work.open_subjects().subquery()
        sheet = and_(ReviewScore.panel_id == ReviewPanel.id, ReviewScore.user_id == PanelMember.user_id,
                     ReviewScore.subject_type == work.subject_type, ReviewScore.subject_id == s.c.subject_id)
        declared = exists().where(ConflictDeclaration.panel_id == ReviewPanel.id,
                                  ConflictDeclaration.user_id == PanelMember.user_id,
                                  ConflictDeclaration.subject_type == work.subject_type,
                                  ConflictDeclaration.subject_id == s.c.subject_id)
        rows = db.session.execute(
            select(ReviewPanel.id, ReviewPanel.name, PanelMember.user_id)
            .join(s, s.c.panel_id == ReviewPanel.id)
            .join(PanelMember, PanelMember.panel_id == ReviewPanel.id)
            .join(User, User.id == PanelMember.user_id)
            .outerjoin(ReviewScore, sheet)
            .where(ReviewPanel.scope == work.name, ReviewPanel.deadline == day,
                   ReviewScore.submitted_at.is_(None), ~declared, User.is_enabled.is_(True),
                   or_(s.c.enterprise_id.is_(None), User.employer_id.is_(None),
                       s.c.enterprise_id != User.employer_id))
            .distinct()).all()
        for panel_id, name, user_id in rows:
            found.setdefault((panel_id, name), set()).add(user_id)
    return [Reminder(frozenset(users), "remind.panel_deadline", f"panel:{panel_id}:deadline",
                     notifications.path_for("main.expert_home"), {"panel": name})
            for (panel_id, name), users in sorted(found.items())]


def register() -> None:
    """The administrator sees every panel's unresolved disagreements; a panel lead, theirs.
    Members with sheets to score are reminded of the panel's deadline."""
    workbench.add_source(Role.ADMIN, "review_panels.flags", flagged_items)
    workbench.add_source(Role.EXPERT, "review_panels.flags",
                         lambda user, today: flagged_items(user, today, lead=user))
    notifications.register_kind("remind.panel_deadline", _l("评分 %(days)s 天后截止：%(panel)s"),
                                _l("截止日期 %(deadline)s。您在该评审组还有未提交的评分。"))
    notifications.add_reminder_source("review_panels.deadline", deadline_reminders)
