"""Expert review (专家评审) of studio applications, on the shared panel engine.

Applications are reviewed in **batches**: one batch per application year and level sought
(e.g. 2026年度 市级), each with one panel of :mod:`core.review_panels` (scope
``"studio_batch"``, ``scope_id`` the :class:`StudioReviewBatch`'s id). A panel's subjects are
the batch's applications under review (accepted by their union). Conflicts of interest are
the engine's: experts employed by the studio's enterprise step aside automatically, and any
expert may declare a conflict with a reason. With five or more sheets the highest and the
lowest totals are dropped before averaging; totals further apart than the threshold go to the
panel lead. The administrator then names, returns or rejects each application
(:mod:`innovation_studios.studios.services`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.errors import DomainError
from core.extensions import db
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels.models import ReviewPanel
from core.review_panels.scope import PanelScope
from innovation_studios.studios.models import Studio, StudioLevel, StudioMember, StudioReviewBatch, StudioState

PANEL_SCOPE = "studio_batch"
SUBJECT_TYPE = "studio"

#: The default rubric of a studio review: weights add up to 100; the first breaks ties.
DEFAULT_STUDIO_RUBRIC = {
    "max_score": "100",
    "criteria": [
        {"key": "leader", "name": "领办人示范作用", "weight": "25"},
        {"key": "innovation", "name": "创新成果与效益", "weight": "30"},
        {"key": "team", "name": "团队建设与传帮带", "weight": "20"},
        {"key": "conditions", "name": "场地设备与管理制度", "weight": "15"},
        {"key": "plan", "name": "工作计划与经费保障", "weight": "10"},
    ],
}
DEFAULT_THRESHOLD = Decimal(15)

#: States of the studios a batch has reviewed (shown in its progress; scored only while under review).
REVIEWED_STATES = (StudioState.UNDER_REVIEW, StudioState.NAMED, StudioState.RECTIFICATION,
                   StudioState.DELISTED)


# Batches and panels ---------------------------------------------------------------------------

def batch_of_studio(studio: Studio) -> StudioReviewBatch | None:
    if studio.applied_year is None:
        return None
    return db.session.scalar(select(StudioReviewBatch).where(
        StudioReviewBatch.year == studio.applied_year, StudioReviewBatch.level == studio.level_sought))


def get_or_create_batch(year: int, level: str) -> StudioReviewBatch:
    if level not in {lv.value for lv in StudioLevel}:
        raise DomainError(_l("请选择申报级别"), field="level")
    if not 2000 <= int(year) <= 2100:
        raise DomainError(_l("年度不正确"), field="year")
    batch = db.session.scalar(select(StudioReviewBatch).where(
        StudioReviewBatch.year == year, StudioReviewBatch.level == level))
    if batch is None:
        batch = StudioReviewBatch(year=year, level=level)
        db.session.add(batch)
        db.session.flush()
    return batch


def panel_of(batch: StudioReviewBatch) -> ReviewPanel | None:
    return panels.panel_for_scope(PANEL_SCOPE, batch.id)


def batch_of(panel: ReviewPanel) -> StudioReviewBatch | None:
    if panel.scope != PANEL_SCOPE:
        return None
    return db.session.get(StudioReviewBatch, panel.scope_id)


def subject_of(studio: Studio) -> panels.Subject:
    return panels.Subject(type=SUBJECT_TYPE, id=studio.id, label=studio.name,
                          enterprise_id=studio.enterprise_id)


def _batch_query(batch: StudioReviewBatch, states):
    return (select(Studio).where(Studio.applied_year == batch.year, Studio.level_sought == batch.level,
                                 Studio.state.in_([s.value for s in states]))
            .options(selectinload(Studio.enterprise), selectinload(Studio.leader))
            .order_by(Studio.submitted_at, Studio.id))


def subject_studios(batch: StudioReviewBatch) -> list[Studio]:
    """The applications the batch's panel scores now: those under review."""
    return list(db.session.scalars(_batch_query(batch, (StudioState.UNDER_REVIEW,))))


def panel_studios(panel: ReviewPanel) -> list[Studio]:
    batch = batch_of(panel)
    return subject_studios(batch) if batch is not None else []


def load_studio(studio_id: int) -> Studio | None:
    """A studio with what its score sheet shows (enterprise, leader, members)."""
    return db.session.scalar(select(Studio).where(Studio.id == studio_id).options(
        selectinload(Studio.enterprise), selectinload(Studio.leader),
        selectinload(Studio.members).selectinload(StudioMember.worker)))


def open_subjects():
    """What each studio panel scores now (for the workbench): its batch's applications under review."""
    return (select(ReviewPanel.id.label("panel_id"), Studio.id.label("subject_id"),
                   Studio.enterprise_id.label("enterprise_id"))
            .join(StudioReviewBatch, StudioReviewBatch.id == ReviewPanel.scope_id)
            .join(Studio, (Studio.applied_year == StudioReviewBatch.year)
                  & (Studio.level_sought == StudioReviewBatch.level)
                  & (Studio.state == StudioState.UNDER_REVIEW.value))
            .where(ReviewPanel.scope == PANEL_SCOPE))


def is_subject(panel: ReviewPanel, studio: Studio) -> bool:
    batch = batch_of(panel)
    return (batch is not None and studio.applied_year == batch.year and studio.level_sought == batch.level
            and studio.state_enum in REVIEWED_STATES)


def scoring_open(panel: ReviewPanel) -> bool:
    """Experts score while the batch has applications under review."""
    batch = batch_of(panel)
    return batch is not None and bool(db.session.scalar(
        select(func.count()).select_from(Studio).where(
            Studio.applied_year == batch.year, Studio.level_sought == batch.level,
            Studio.state == StudioState.UNDER_REVIEW.value)))


def employer_overlaps(batch: StudioReviewBatch) -> dict[int, int]:
    counts: dict[int, int] = {}
    for studio in subject_studios(batch):
        counts[studio.enterprise_id] = counts.get(studio.enterprise_id, 0) + 1
    return counts


def form_panel(year: int, level: str, expert_ids, lead_id: int | None, *, by) -> ReviewPanel:
    """Create the batch's panel if needed and set its experts and lead."""
    expert_ids = sorted(set(expert_ids or []))
    if not expert_ids:
        raise DomainError(_l("请至少选择一位评审专家"), field="members")
    if not lead_id:
        raise DomainError(_l("请选择评审组长"), field="lead_user_id")
    batch = get_or_create_batch(year, level)
    panel = panel_of(batch)
    if panel is None:
        panel = panels.create_panel(PANEL_SCOPE, batch.id, str(batch), DEFAULT_STUDIO_RUBRIC,
                                    threshold=DEFAULT_THRESHOLD, by=by)
    panels.set_members(panel, expert_ids, lead_id, by=by)
    return panel


# Scoring ----------------------------------------------------------------------------------------

def _closed_reason(studio: Studio):
    if studio.state_enum is not StudioState.UNDER_REVIEW:
        return _l("该申报已有评审结论（%(state)s），不能再评分", state=studio.state_enum.label)
    return None


def _panel_for(studio: Studio) -> ReviewPanel | None:
    batch = batch_of_studio(studio)
    return panel_of(batch) if batch is not None else None


#: The batches' panels on the shared engine: experts' and leads' actions and pages go through it
#: (``SCOPE.save_sheet(panel, studio, expert, marks, submit=True)``; ``SCOPE.on_panel``).
SCOPE = PanelScope(
    PANEL_SCOPE, SUBJECT_TYPE, subject_of=subject_of, load=load_studio, name_of=lambda s: s.name,
    owner_of=lambda s: s.enterprise.name, records=panel_studios, is_subject=is_subject, is_open=scoring_open,
    closed_reason=_closed_reason, outside=_l("该申报不在本评审组的评审范围内"), panel_for=_panel_for,
    endpoint="studio_review", open_subjects=open_subjects, flags_title=_l("工作室评分分歧待组长处理"),
    panel_arg="studio_panel_id", subject_arg="studio_id")


@dataclass(frozen=True)
class BatchKey:
    """What a batch's panel form is for: an application year and level (the batch itself is
    created with its panel)."""

    year: int
    level: StudioLevel
    batch: StudioReviewBatch | None


def batch_key(panel: ReviewPanel) -> BatchKey | None:
    batch = batch_of(panel)
    return BatchKey(batch.year, StudioLevel(batch.level), batch) if batch is not None else None


# Results ----------------------------------------------------------------------------------------

def result_for(studio: Studio) -> panels.SubjectResult | None:
    """The panel's result for one studio (None while its batch has no panel)."""
    batch = batch_of_studio(studio)
    panel = panel_of(batch) if batch is not None else None
    if panel is None:
        return None
    return panels.result(panel, subject_of(studio))


@dataclass
class Standing:
    studio: Studio
    result: panels.SubjectResult | None
    score: Decimal | None
    rank: int | None = None

    @property
    def ready(self) -> bool:
        """Scoring complete and no disagreement waiting for the lead: the administrator may decide."""
        return self.result is not None and self.result.complete and not self.result.needs_lead


def standings(batch: StudioReviewBatch, *, include_decided: bool = True) -> list[Standing]:
    """The batch's applications with their scores, best first (three queries for the sheets)."""
    studios = list(db.session.scalars(_batch_query(
        batch, REVIEWED_STATES if include_decided else (StudioState.UNDER_REVIEW,))))
    panel = panel_of(batch)
    state = panels.PanelState(panel, [subject_of(s) for s in studios]) if panel is not None and studios else None
    entries = []
    for studio in studios:
        result = state.result(subject_of(studio)) if state is not None else None
        entries.append(Standing(studio, result, scoring.official(result.aggregate) if result else None))
    ranked = scoring.rank([(e, e.score, ()) for e in entries])
    for r in ranked:
        r.key.rank = r.rank
    entries.sort(key=lambda e: (e.score is None, -(e.score or 0), e.studio.id))
    return entries


@dataclass
class BatchRow:
    year: int
    level: StudioLevel
    batch: StudioReviewBatch | None
    panel: ReviewPanel | None
    waiting: int   # accepted by the union, not decided yet
    named: int


def overview() -> list[BatchRow]:
    """Every (application year, level) with applications under review or decided after review,
    and every batch that exists, newest first."""
    counts: dict[tuple[int, str], dict[str, int]] = {}
    rows = db.session.execute(
        select(Studio.applied_year, Studio.level_sought, Studio.state, func.count())
        .where(Studio.applied_year.is_not(None),
               Studio.state.in_([s.value for s in REVIEWED_STATES]))
        .group_by(Studio.applied_year, Studio.level_sought, Studio.state))
    for year, level, state, n in rows:
        if year is not None:  # the query leaves out studios without a year
            counts.setdefault((year, level), {})[state] = n
    batches = {(b.year, b.level): b for b in db.session.scalars(select(StudioReviewBatch))}
    panels_by_batch = {p.scope_id: p for p in db.session.scalars(
        select(ReviewPanel).where(ReviewPanel.scope == PANEL_SCOPE))}
    order = {lv.value: i for i, lv in enumerate(StudioLevel)}
    keys = sorted(set(counts) | set(batches), key=lambda k: (-k[0], order.get(k[1], 9)))
    result = []
    for year, level in keys:
        by_state = counts.get((year, level), {})
        batch = batches.get((year, level))
        result.append(BatchRow(
            year=year, level=StudioLevel(level), batch=batch,
            panel=panels_by_batch.get(batch.id) if batch is not None else None,
            waiting=by_state.get(StudioState.UNDER_REVIEW.value, 0),
            named=sum(by_state.get(s.value, 0) for s in REVIEWED_STATES if s is not StudioState.UNDER_REVIEW)))
    return result
