"""What an expert has still to score, counted in one query per feature (see
:mod:`core.workbench`). Features give the subjects their open panels score now; the engine
leaves out the subjects the expert steps aside from and the sheets already submitted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select

from core.extensions import db
from core.review_panels.models import ConflictDeclaration, PanelMember, ReviewPanel, ReviewScore


@dataclass(frozen=True)
class PendingSheets:
    panel_id: int
    panel_name: str
    pending: int
    reopened: int


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
                    func.sum(case((ReviewScore.reopen_reason.is_not(None), 1), else_=0)))
             .join(s, s.c.panel_id == ReviewPanel.id)
             .join(PanelMember, and_(PanelMember.panel_id == ReviewPanel.id,
                                     PanelMember.user_id == user.id))
             .outerjoin(ReviewScore, sheet)
             .where(ReviewPanel.scope == scope, ReviewScore.submitted_at.is_(None), ~declared)
             .group_by(ReviewPanel.id, ReviewPanel.name).order_by(ReviewPanel.id))
    if user.employer_id is not None:  # own enterprise: always stepped aside from (回避)
        query = query.where(or_(s.c.enterprise_id.is_(None), s.c.enterprise_id != user.employer_id))
    return [PendingSheets(pid, name, n, int(reopened or 0))
            for pid, name, n, reopened in db.session.execute(query).all()]
