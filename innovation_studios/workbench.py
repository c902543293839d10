"""What innovation studios put on each role's workbench (see :mod:`core.workbench`).

Each source is one query (counts as scalar subqueries), whatever the number of studios.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import exists, func, literal, or_, select

from core import workbench
from core.extensions import db
from core.organizations.models import Enterprise
from core.review_panels import workbench as panel_work
from core.review_panels.models import ReviewPanel
from core.roles import Role
from core.workbench import WorkItem
from innovation_studios.assessments.models import AnnualReport, AssessmentRound, Rectification, ReportState, RoundStatus
from innovation_studios.studios.models import Studio, StudioMember, StudioReviewBatch, StudioState
from innovation_studios.studios.review import PANEL_SCOPE, SCOPE
from innovation_studios.studios.states import NAMED_STATES

S = StudioState


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


def _union_of(user):
    """Studios of the enterprises under the reviewer's union (a correlated condition)."""
    return exists().where(Enterprise.id == Studio.enterprise_id,
                          or_(Enterprise.district_union_id == user.union_id,
                              Enterprise.industry_union_id == user.union_id))


def admin_items(user, today) -> list[WorkItem]:
    """Applications reviewed and waiting for a decision, rectifications due, and the open
    rounds' reports to grade: one query (the counts repeat on each open round's row)."""
    one_row = select(literal(1).label("one")).subquery()
    rows = db.session.execute(
        select(_count(Studio, Studio.state == S.UNDER_REVIEW.value),
               _count(Rectification, Rectification.outcome.is_(None)),
               select(func.min(Rectification.deadline)).where(Rectification.outcome.is_(None))
               .scalar_subquery(),
               AssessmentRound.id, AssessmentRound.year, AssessmentRound.deadline,
               _count(AnnualReport, AnnualReport.round_id == AssessmentRound.id,
                      AnnualReport.state == ReportState.SUBMITTED.value),
               _count(StudioReviewBatch,
                      ~exists().where(ReviewPanel.scope == PANEL_SCOPE,
                                      ReviewPanel.scope_id == StudioReviewBatch.id),
                      exists().where(Studio.applied_year == StudioReviewBatch.year,
                                     Studio.level_sought == StudioReviewBatch.level,
                                     Studio.state == S.UNDER_REVIEW.value)))
        .select_from(one_row)
        .outerjoin(AssessmentRound, AssessmentRound.status == RoundStatus.OPEN.value)
        .order_by(AssessmentRound.year)).all()
    under_review, rectifications, next_deadline = rows[0][:3]
    without_panel = rows[0][-1]
    items = []
    if without_panel:
        items.append(WorkItem(_("工作室申报批次尚未组建评审组"), url_for("studio_review.admin_index"),
                              count=without_panel))
    if under_review:
        items.append(WorkItem(_("评审中的工作室申报：待命名决定"), url_for("studio_review.admin_index"),
                              count=under_review))
    if rectifications:
        items.append(WorkItem(_("整改中的工作室：待验收"), url_for("studio_assessments.rectifications"),
                              count=rectifications, deadline=next_deadline))
    for *_counts, round_id, year, deadline, submitted, _without_panel in rows:
        if round_id is None:
            continue
        items.append(WorkItem(_("年度考核：报告待评定"),
                              url_for("studio_assessments.round_detail", assessment_round_id=round_id),
                              count=submitted, deadline=deadline,
                              context=_("%(year)s年度考核", year=year)))
    return items


def reviewer_items(user, today) -> list[WorkItem]:
    """Applications to check and assessment reports to grade from the reviewer's unions."""
    if not user.union_id:
        return []
    applied, reports = db.session.execute(select(
        _count(Studio, Studio.state == S.APPLIED.value, _union_of(user)),
        select(func.count()).select_from(AnnualReport)
        .join(Studio, Studio.id == AnnualReport.studio_id)
        .where(AnnualReport.state == ReportState.SUBMITTED.value, _union_of(user))
        .scalar_subquery())).one()
    items = []
    if applied:
        items.append(WorkItem(_("待审核的工作室申报"), url_for("studios.queue"), count=applied))
    if reports:
        items.append(WorkItem(_("待评定的年度考核报告"), url_for("studio_assessments.queue"),
                              count=reports))
    return items


def enterprise_items(user, today) -> list[WorkItem]:
    """Applications to finish or correct, reports due in open rounds, rectifications due."""
    if not user.enterprise_id:
        return []
    own = Studio.enterprise_id == user.enterprise_id
    drafts, returned, rectifying, rectify_by = db.session.execute(select(
        _count(Studio, own, Studio.state == S.DRAFT.value),
        _count(Studio, own, Studio.state == S.RETURNED.value),
        select(func.count()).select_from(Rectification).join(Studio, Studio.id == Rectification.studio_id)
        .where(own, Rectification.outcome.is_(None)).scalar_subquery(),
        select(func.min(Rectification.deadline)).join(Studio, Studio.id == Rectification.studio_id)
        .where(own, Rectification.outcome.is_(None)).scalar_subquery())).one()
    items = []
    if drafts:
        items.append(WorkItem(_("未提交的工作室申报"), url_for("studios.index", state=S.DRAFT.value),
                              count=drafts))
    if returned:
        items.append(WorkItem(_("退回修改的工作室申报"), url_for("studios.index", state=S.RETURNED.value),
                              count=returned))
    if rectifying:
        items.append(WorkItem(_("整改中的工作室：提交整改情况"),
                              url_for("studio_assessments.rectifications"), count=rectifying,
                              deadline=rectify_by))
    # Named studios of the enterprise without a submitted report in an open round.
    due = db.session.execute(
        select(AssessmentRound.id, AssessmentRound.year, AssessmentRound.deadline,
               select(func.count()).select_from(Studio)
               .where(own, Studio.state.in_([s.value for s in NAMED_STATES]),
                      ~exists().where(AnnualReport.studio_id == Studio.id,
                                      AnnualReport.round_id == AssessmentRound.id,
                                      AnnualReport.state.in_([ReportState.SUBMITTED.value,
                                                              ReportState.GRADED.value])))
               .scalar_subquery())
        .where(AssessmentRound.status == RoundStatus.OPEN.value, AssessmentRound.deadline >= literal(today))
        .order_by(AssessmentRound.year)).all()
    for _round_id, year, deadline, missing in due:
        if missing:
            items.append(WorkItem(_("年度考核报告待提交"), url_for("studio_assessments.index"),
                                  count=missing, deadline=deadline,
                                  context=_("%(year)s年度考核", year=year)))
    return items


def worker_items(user, today) -> list[WorkItem]:
    """The studios the worker leads or belongs to now, and where each stands."""
    if not user.worker_id:
        return []
    member = exists().where(StudioMember.studio_id == Studio.id,
                            StudioMember.worker_id == user.worker_id, StudioMember.left_on.is_(None))
    rows = db.session.execute(
        select(Studio.name, Studio.state, Studio.leader_worker_id == user.worker_id)
        .where(or_(Studio.leader_worker_id == user.worker_id, member),
               Studio.state != S.DRAFT.value)
        .order_by(Studio.id.desc())).all()
    return [WorkItem(_("我领办的工作室") if leads else _("我所在的工作室"), url_for("studios.mine"),
                     context=name, note=str(StudioState(state).label), actionable=False)
            for name, state, leads in rows]


def expert_items(user, today) -> list[WorkItem]:
    """Applications under review still to score on the expert's studio panels."""
    return panel_work.expert_items(user, _("待评分的工作室申报"), SCOPE)


def register() -> None:
    workbench.add_source(Role.EXPERT, "innovation_studios", expert_items)
    workbench.add_source(Role.ADMIN, "innovation_studios", admin_items)
    workbench.add_source(Role.UNION_REVIEWER, "innovation_studios", reviewer_items)
    workbench.add_source(Role.ENTERPRISE, "innovation_studios", enterprise_items)
    workbench.add_source(Role.WORKER, "innovation_studios", worker_items)
