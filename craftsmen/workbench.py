"""What craftsman selection puts on each role's workbench (see :mod:`core.workbench`).

Each source asks with one or two aggregate queries, whatever the size of the talent pool.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from core import workbench
from core.extensions import db
from core.organizations.models import Enterprise
from core.review_panels import workbench as panel_work
from core.review_panels.models import ReviewPanel
from core.roles import Role
from core.workbench import WorkItem, beijing_date
from craftsmen import rules
from craftsmen.models import (
    CycleOccupation,
    CycleStatus,
    Nomination,
    NominationState,
    PublicNotice,
    SelectionCycle,
)
from craftsmen.services import notice
from craftsmen.services.review import PANEL_SCOPE, SCOPE

N = NominationState


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def admin_items(user, today) -> list[WorkItem]:
    """Nomination windows to close, panels to form, notices ending and their open objections."""
    cycles = db.session.execute(
        select(SelectionCycle.id, SelectionCycle.title, SelectionCycle.status,
               SelectionCycle.nomination_closes,
               select(func.count()).select_from(Nomination)
               .where(Nomination.cycle_id == SelectionCycle.id,
                      Nomination.state == N.SUBMITTED.value).scalar_subquery(),
               select(func.count()).select_from(CycleOccupation)
               .outerjoin(ReviewPanel, and_(ReviewPanel.scope == PANEL_SCOPE,
                                            ReviewPanel.scope_id == CycleOccupation.id))
               .where(CycleOccupation.cycle_id == SelectionCycle.id, ReviewPanel.id.is_(None))
               .scalar_subquery(),
               PublicNotice.id, PublicNotice.ends_on,
               notice.open_objections(PublicNotice.id).scalar_subquery())
        .outerjoin(PublicNotice, PublicNotice.cycle_id == SelectionCycle.id)
        .where(SelectionCycle.status.in_([CycleStatus.NOMINATING.value, CycleStatus.REVIEWING.value,
                                          CycleStatus.NOTICE.value]))
        .order_by(SelectionCycle.id)).all()
    items = []
    for cid, title, status, closes, submitted, unpaneled, notice_id, ends_on, objections in cycles:
        if status == CycleStatus.NOMINATING:
            items.append(WorkItem(
                _("推荐中：截止后转入评审（已提交的提名）"), url_for("craftsmen.cycle", cycle_id=cid),
                count=submitted, deadline=beijing_date(closes), context=title))
        elif status == CycleStatus.REVIEWING and unpaneled:
            items.append(WorkItem(_("工种尚未组建评审组"),
                                  url_for("craftsmen_review.cycle", cycle_id=cid),
                                  count=unpaneled, context=title))
        elif status == CycleStatus.NOTICE and notice_id is not None:
            items.append(WorkItem(_("公示期满后命名"), url_for("craftsmen_public.admin_cycle",
                                                            cycle_id=cid),
                                  deadline=ends_on, context=title))
            if objections:
                items.append(WorkItem(
                    _("待处理的公示异议"),
                    url_for("craftsmen_public.admin_objections", notice_id=notice_id),
                    count=objections, deadline=ends_on, context=title))
    return items


def reviewer_items(user, today) -> list[WorkItem]:
    """The qualification queue of the reviewer's unions, by cycle."""
    condition = rules.visible_nominations_filter(user, Nomination, Enterprise)
    query = (select(SelectionCycle.title, SelectionCycle.nomination_closes, func.count())
             .select_from(Nomination)
             .join(Enterprise, Enterprise.id == Nomination.enterprise_id)
             .join(SelectionCycle, SelectionCycle.id == Nomination.cycle_id)
             .where(Nomination.state == N.SUBMITTED.value)
             .group_by(SelectionCycle.id, SelectionCycle.title, SelectionCycle.nomination_closes))
    if condition is not None:
        query = query.where(condition)
    return [WorkItem(_("待资格审查的提名"), url_for("craftsmen_nomination.queue"), count=n,
                     context=title)
            for title, _closes, n in db.session.execute(query).all()]


def enterprise_items(user, today) -> list[WorkItem]:
    """Drafts and returned nominations, and the open nomination windows with their deadline."""
    if not user.enterprise_id:
        return []
    rows = db.session.execute(
        select(SelectionCycle.id, SelectionCycle.title, SelectionCycle.status,
               SelectionCycle.nomination_opens, SelectionCycle.nomination_closes,
               _count_if(Nomination.state == N.DRAFT.value),
               _count_if(Nomination.state == N.RETURNED.value),
               func.count(Nomination.id))
        .outerjoin(Nomination, and_(Nomination.cycle_id == SelectionCycle.id,
                                    Nomination.enterprise_id == user.enterprise_id))
        .where(SelectionCycle.status.in_([CycleStatus.NOMINATING.value, CycleStatus.REVIEWING.value,
                                          CycleStatus.NOTICE.value]))
        .group_by(SelectionCycle.id, SelectionCycle.title, SelectionCycle.status,
                  SelectionCycle.nomination_opens, SelectionCycle.nomination_closes)
        .order_by(SelectionCycle.id)).all()
    items = []
    for cid, title, status, opens, closes, drafts, returned, total in rows:
        listing = url_for("craftsmen_nomination.index", cycle_id=cid)
        if returned:
            items.append(WorkItem(_("退回修改的提名"),
                                  url_for("craftsmen_nomination.index", cycle_id=cid,
                                          state=N.RETURNED.value),
                                  count=returned, deadline=beijing_date(closes), context=title))
        if status != CycleStatus.NOMINATING or beijing_date(opens) > today:
            continue
        if drafts:
            items.append(WorkItem(_("未提交的提名草稿"),
                                  url_for("craftsmen_nomination.index", cycle_id=cid,
                                          state=N.DRAFT.value),
                                  count=drafts, deadline=beijing_date(closes), context=title))
        if not total and beijing_date(closes) >= today:
            items.append(WorkItem(_("正在接受推荐"), listing, deadline=beijing_date(closes),
                                  context=title, note=_("尚未推荐")))
    return items


def worker_items(user, today) -> list[WorkItem]:
    """Where each of the worker's own nominations stands."""
    if not user.worker_id:
        return []
    rows = db.session.execute(
        select(Nomination.state, SelectionCycle.title, CycleOccupation.name)
        .join(SelectionCycle, SelectionCycle.id == Nomination.cycle_id)
        .join(CycleOccupation, CycleOccupation.id == Nomination.occupation_id)
        .where(Nomination.worker_id == user.worker_id,
               Nomination.state != N.DRAFT.value)
        .order_by(Nomination.id.desc())).all()
    return [WorkItem(_("我的推荐：%(occupation)s", occupation=occupation),
                     url_for("craftsmen_nomination.mine"), context=title,
                     note=str(NominationState(state).label), actionable=False)
            for state, title, occupation in rows]


def expert_items(user, today) -> list[WorkItem]:
    """Nominations still to score on the expert's panels of cycles in review."""
    return panel_work.expert_items(user, _("待评分的推荐"), SCOPE)


def seed_committee_items(user, today) -> list[WorkItem]:
    """Qualified nominees waiting for the expert's vote on the seed-selection committees they
    sit on (while the seed players may still be chosen)."""
    from craftsmen.selection_route import committee

    return [WorkItem(_("种子选手待投票"), url_for("craftsmen_route.committee_home", _anchor=f"committee-{oid}"),
                     count=count, context=name)
            for oid, name, count in committee.pending_votes(user)]


def register() -> None:
    workbench.add_source(Role.EXPERT, "craftsmen", expert_items)
    workbench.add_source(Role.EXPERT, "craftsmen.seed_committee", seed_committee_items)
    workbench.add_source(Role.ADMIN, "craftsmen", admin_items)
    workbench.add_source(Role.UNION_REVIEWER, "craftsmen", reviewer_items)
    workbench.add_source(Role.ENTERPRISE, "craftsmen", enterprise_items)
    workbench.add_source(Role.WORKER, "craftsmen", worker_items)
