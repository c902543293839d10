"""Expert review (专家评审) and the proposed list (建议名单) of a selection cycle.

Each occupation of a cycle has one panel of the shared engine (:mod:`core.review_panels`),
scope ``"craftsman_occupation"`` and ``scope_id`` the :class:`CycleOccupation`'s id, with the
cycle's rubric and disagreement threshold copied onto it. The panel's subjects are the
occupation's nominations in the talent pool that are still in play: QUALIFIED, and once a list
is generated PROPOSED / NOT_PROPOSED.

The proposed list, per occupation, is decided here and nowhere else:

* **Score**: the panel's aggregate (with 5 or more sheets the highest and the lowest total
  are dropped, then the mean), rounded half-up to two decimals once; that official figure is
  stored on the nomination, shown and ranked (:func:`core.review_panels.scoring.official`).
* **Tie-break**: equal scores are ordered by the first rubric criterion (技艺技能 in the
  default rubric), its marks aggregated by the same rule and rounded the same way; candidates
  still equal share the place ("1, 1, 3").
* **Quota**: places 1..quota are proposed. When a shared place starts inside the quota and
  runs past it, generation is refused with a message naming the tied candidates, unless the
  administrator confirms that all of them are proposed (the list then exceeds the quota, and
  the audit entry says so); the administrator may then adjust with a reason.
* **Preconditions**: the cycle is in review; no nomination of the occupation is still waiting
  for its qualification check; every subject has all its eligible experts' sheets; no
  disagreement flag is unresolved. A refusal names every nomination in the way.
* **Adjustment**: PROPOSED <-> NOT_PROPOSED by an administrator, with a reason that is kept as
  the nomination's ``decision_note`` and in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels.models import ReviewPanel
from core.review_panels.scope import PanelScope
from craftsmen.models import (
    CycleOccupation,
    CycleStatus,
    Nomination,
    NominationState,
    ReviewMethod,
    SelectionCycle,
)
from craftsmen.services.transitions import move_nomination
from craftsmen.states import BEFORE_NOTICE_STATUSES

PANEL_SCOPE = "craftsman_occupation"
SUBJECT_TYPE = "nomination"

N = NominationState
#: Nominations a panel scores.
SUBJECT_STATES = (N.QUALIFIED, N.PROPOSED, N.NOT_PROPOSED)
#: Cycle phases in which panels may be formed or changed (before the 公示).
PANEL_STATUSES = BEFORE_NOTICE_STATUSES


# Panels ------------------------------------------------------------------------------------

def panel_of(occupation: CycleOccupation) -> ReviewPanel | None:
    return panels.panel_for_scope(PANEL_SCOPE, occupation.id)


def occupation_of(panel: ReviewPanel) -> CycleOccupation | None:
    if panel.scope != PANEL_SCOPE:
        return None
    return db.session.get(CycleOccupation, panel.scope_id)


def subject_of(nomination: Nomination) -> panels.Subject:
    return panels.Subject(type=SUBJECT_TYPE, id=nomination.id, label=str(nomination),
                          enterprise_id=nomination.enterprise_id)


def subject_nominations(occupation: CycleOccupation) -> list[Nomination]:
    """The nominations the occupation's panel scores, in nomination order: on the combined
    route (竞赛与评审组合) only the finalists (seed players and advancing challengers)."""
    query = (select(Nomination).where(Nomination.occupation_id == occupation.id,
                                      Nomination.state.in_([s.value for s in SUBJECT_STATES]))
             .options(selectinload(Nomination.worker), selectinload(Nomination.enterprise))
             .order_by(Nomination.id))
    if occupation.method_enum is ReviewMethod.COMBINED:
        from craftsmen.selection_route.services import finalist_nomination_ids

        query = query.where(Nomination.id.in_(finalist_nomination_ids(occupation)))
    return list(db.session.scalars(query))


def is_subject(panel: ReviewPanel, nomination: Nomination) -> bool:
    return (panel.scope == PANEL_SCOPE and nomination.occupation_id == panel.scope_id
            and nomination.state_enum in SUBJECT_STATES)


def _closed_reason(nomination: Nomination):
    if nomination.cycle.status_enum is not CycleStatus.REVIEWING:
        return _l("选树周期不在评审阶段，不能评分")
    return None


def form_panel(occupation: CycleOccupation, expert_ids, lead_id: int | None, *, by) -> ReviewPanel:
    """Create the occupation's panel if needed and set its experts and lead.

    While nobody has scored, the rubric and threshold are refreshed from the cycle, so a panel
    formed early follows later changes of the cycle's rules.
    """
    cycle = occupation.cycle
    if cycle.status_enum not in PANEL_STATUSES:
        raise DomainError(_l("公示开始后不能再调整评审组"))
    expert_ids = sorted(set(expert_ids))
    if not expert_ids:
        raise DomainError(_l("请至少选择一位评审专家"), field="members")
    if not lead_id:
        raise DomainError(_l("请选择评审组长"), field="lead_user_id")
    panel = panel_of(occupation)
    if panel is None:
        panel = panels.create_panel(PANEL_SCOPE, occupation.id, f"{cycle.title} · {occupation.name}",
                                    cycle.rubric, threshold=cycle.disagreement_threshold, by=by)
    else:
        _refresh_rubric(panel, cycle, by=by)
    panels.set_members(panel, expert_ids, lead_id, by=by)
    return panel


def _refresh_rubric(panel: ReviewPanel, cycle: SelectionCycle, *, by) -> bool:
    """Copy the cycle's rubric and threshold onto ``panel`` unless someone has scored on it."""
    if panels.has_sheets(panel):
        return False
    return panels.update_rubric(panel, cycle.rubric, threshold=cycle.disagreement_threshold, by=by)


def refresh_panels(cycle: SelectionCycle, *, by) -> list[CycleOccupation]:
    """Make the cycle's panels follow its current rubric and threshold (those nobody has scored
    on yet); called when the cycle's rules change and when review starts. Returns the
    occupations whose panel changed."""
    changed = []
    for occupation in cycle.occupations:
        panel = panel_of(occupation) if occupation.id is not None else None
        if panel is not None and _refresh_rubric(panel, cycle, by=by):
            changed.append(occupation)
    return changed


def employer_overlaps(occupation: CycleOccupation) -> dict[int, int]:
    """For each enterprise: how many of the occupation's subjects come from it (who would step aside)."""
    counts: dict[int, int] = {}
    for nomination in subject_nominations(occupation):
        counts[nomination.enterprise_id] = counts.get(nomination.enterprise_id, 0) + 1
    return counts


# Scoring (only while the cycle is in review) -------------------------------------------------

def scoring_open(panel: ReviewPanel) -> bool:
    occupation = occupation_of(panel)
    return occupation is not None and occupation.cycle.status_enum is CycleStatus.REVIEWING


def panel_nominations(panel: ReviewPanel) -> list[Nomination]:
    occupation = occupation_of(panel)
    return subject_nominations(occupation) if occupation is not None else []


def open_subjects():
    """What each craftsman panel scores now (for the workbench): qualified nominations of its
    occupation, while the cycle is in review."""
    return (select(ReviewPanel.id.label("panel_id"), Nomination.id.label("subject_id"),
                   Nomination.enterprise_id.label("enterprise_id"))
            .join(Nomination, and_(Nomination.occupation_id == ReviewPanel.scope_id,
                                   Nomination.state.in_([s.value for s in SUBJECT_STATES])))
            .join(SelectionCycle, SelectionCycle.id == Nomination.cycle_id)
            .where(ReviewPanel.scope == PANEL_SCOPE,
                   SelectionCycle.status == CycleStatus.REVIEWING.value))


#: The occupations' panels on the shared engine: experts' and leads' actions and pages go
#: through it (``SCOPE.save_sheet(panel, nomination, expert, marks, submit=True)``), and
#: ``SCOPE.on_panel`` is the ``on_panel`` of :func:`craftsmen.rules.can_view_nomination`.
SCOPE = PanelScope(
    PANEL_SCOPE, SUBJECT_TYPE, subject_of=subject_of, load=lambda id_: db.session.get(Nomination, id_),
    name_of=lambda n: n.worker.name, owner_of=lambda n: n.enterprise.name, records=panel_nominations,
    is_subject=is_subject, is_open=scoring_open, closed_reason=_closed_reason,
    outside=_l("该提名不在本评审组的评审范围内"),
    panel_for=lambda n: panels.panel_for_scope(PANEL_SCOPE, n.occupation_id),
    endpoint="craftsmen_review", open_subjects=open_subjects, flags_title=_l("推荐评分分歧待组长处理"))


# Progress and standings ------------------------------------------------------------------------

@dataclass
class Standing:
    """One nomination of an occupation: the panel's result and its place."""

    nomination: Nomination
    result: panels.SubjectResult | None  # None while the occupation has no panel
    statuses: dict[int, panels.SheetStatus] = field(default_factory=dict)  # by expert id
    score: Decimal | None = None       # official aggregate (two decimals)
    tie_break: Decimal | None = None   # official aggregate of the first criterion
    rank: int | None = None
    within_quota: bool = False

    @property
    def sheet_by_expert(self) -> dict:
        return {s.user_id: s for s in self.result.sheets} if self.result is not None else {}

    @property
    def stored_differs(self) -> bool:
        """The stored score or place no longer matches the current scores."""
        n = self.nomination
        return n.state_enum is not N.QUALIFIED and (
            n.aggregate_score is None or self.score is None
            or Decimal(n.aggregate_score) != self.score or n.rank != self.rank)


class ListProgress:
    """What every way of reaching a proposed list tells the pages: whether the list may be
    generated (nothing stands in the way) and whether it has been (``problems``, ``entries``
    with their ``nomination``)."""

    problems: list[str]
    entries: list

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def generated(self) -> bool:
        return any(e.nomination.state_enum in (N.PROPOSED, N.NOT_PROPOSED) for e in self.entries)


@dataclass
class Standings(ListProgress):
    """Where an occupation's review stands, and whether a proposed list may be generated."""

    occupation: CycleOccupation
    panel: ReviewPanel | None
    rubric: scoring.Rubric
    entries: list[Standing]
    problems: list[str]
    cut: scoring.QuotaCut | None
    pending_check: list[Nomination]

    @property
    def stale(self) -> bool:
        """A list exists but new nominations or changed scores are not reflected in it."""
        return self.generated and any(
            e.nomination.state_enum is N.QUALIFIED or e.stored_differs for e in self.entries)

    @property
    def proposed_count(self) -> int:
        return sum(e.nomination.state_enum is N.PROPOSED for e in self.entries)

    @property
    def flagged(self) -> list[Standing]:
        return [e for e in self.entries if e.result is not None and e.result.needs_lead]

    @property
    def sheets_submitted(self) -> int:
        return sum(e.result.submitted for e in self.entries if e.result is not None)

    @property
    def sheets_expected(self) -> int:
        return sum(e.result.expected for e in self.entries if e.result is not None)


def _names(nominations) -> str:
    return "、".join(n.worker.name for n in nominations)


def standings(occupation: CycleOccupation) -> Standings:
    """Every subject's result and place, and what stands in the way of generating the list."""
    cycle: SelectionCycle = occupation.cycle
    panel = panel_of(occupation)
    rubric = scoring.Rubric.from_data(panel.rubric if panel is not None else cycle.rubric)
    nominations = subject_nominations(occupation)
    pending_check = list(db.session.scalars(select(Nomination).where(
        Nomination.occupation_id == occupation.id, Nomination.state == N.SUBMITTED.value)
        .order_by(Nomination.id)))
    entries = [Standing(nomination=n, result=None) for n in nominations]
    problems: list[str] = []
    if cycle.status_enum is not CycleStatus.REVIEWING:
        problems.append(str(_l("选树周期不在评审阶段")))
    if pending_check:
        problems.append(str(_l("以下提名尚未完成资格审查：%(names)s", names=_names(pending_check))))
    if not nominations:
        problems.append(str(_l("该工种没有入库的提名")))
    if panel is None:
        problems.append(str(_l("该工种尚未组建评审组")))
        return Standings(occupation, None, rubric, entries, problems, None, pending_check)

    state = panels.PanelState(panel, [subject_of(n) for n in nominations])
    members = sorted(panel.members, key=lambda m: m.user_id)
    results: dict[int, panels.SubjectResult] = {}
    for entry in entries:
        subject = subject_of(entry.nomination)
        entry.result = results[entry.nomination.id] = state.result(subject)
        entry.statuses = {m.user_id: state.status(m.user, subject) for m in members}
    incomplete = [(e, results[e.nomination.id]) for e in entries if not results[e.nomination.id].complete]
    if incomplete:
        problems.append(str(_l("以下提名评分未完成：%(items)s", items="、".join(
            f"{e.nomination.worker.name}（{r.submitted}/{r.expected}）" for e, r in incomplete))))
    unresolved = [(e, results[e.nomination.id]) for e in entries if results[e.nomination.id].needs_lead]
    if unresolved:
        problems.append(str(_l("以下提名的评分分歧尚未由组长处理：%(items)s", items="、".join(
            f"{e.nomination.worker.name}（{scoring.display(r.spread)}）" for e, r in unresolved))))

    first = rubric.first.key
    for entry in entries:
        entry.score = scoring.official(results[entry.nomination.id].aggregate)
        entry.tie_break = scoring.official(results[entry.nomination.id].criterion_aggregate(first))
    complete = [e for e in entries if results[e.nomination.id].complete]
    ranked = scoring.rank((e, e.score, (e.tie_break or Decimal(0),)) for e in complete)
    cut = scoring.cut_at_quota(ranked, occupation.quota)
    for place in ranked:
        place.key.rank = place.rank
    for place in cut.within:
        place.key.within_quota = True
    order = {id(place.key): i for i, place in enumerate(ranked)}
    entries.sort(key=lambda e: (order.get(id(e), len(order)), e.nomination.id))
    return Standings(occupation, panel, rubric, entries, problems, cut, pending_check)


def boundary_tie_message(result: Standings) -> str:
    tied = result.cut.boundary_tie if result.cut is not None else ()
    if not tied:
        return ""
    return str(_l("第 %(rank)s 名并列（%(score)s 分）：%(names)s，并列者全部入选将超出名额（%(quota)s 人）。",
                  rank=tied[0].rank, score=scoring.display(tied[0].score),
                  names=_names(t.key.nomination for t in tied), quota=result.occupation.quota))


def generate_proposed_list(occupation: CycleOccupation, *, by, accept_boundary_tie: bool = False
                           ) -> Standings:
    """Rank the occupation's nominations and move them to PROPOSED / NOT_PROPOSED.

    Generating again recomputes from the current scores and replaces earlier adjustments.
    """
    result = standings(occupation)
    cut = result.cut
    if result.problems or cut is None:
        raise DomainError(_l("不能生成建议名单：%(problems)s", problems="；".join(result.problems)))
    if cut.overflows and not accept_boundary_tie:
        raise DomainError(boundary_tie_message(result) + str(_l(
            "请确认并列者全部列入建议名单后再生成，或由评审组长复核后重新评分。")),
            field="accept_boundary_tie")
    for entry in result.entries:
        nomination = entry.nomination
        before = {"aggregate_score": nomination.aggregate_score, "rank": nomination.rank}
        nomination.aggregate_score = entry.score
        nomination.rank = entry.rank
        nomination.selection_basis = f"综合评审 {scoring.display(entry.score)} 分"
        target = N.PROPOSED if entry.within_quota else N.NOT_PROPOSED
        if nomination.state != target.value:
            move_nomination(nomination, target, by=by, note="", changes=audit.diff(
                before, {"aggregate_score": entry.score, "rank": entry.rank}))
    db.session.flush()
    audit.record("proposed_list.generate", occupation, by=by,
                 label=f"{occupation.cycle.title} · {occupation.name}",
                 changes={"quota": [None, occupation.quota],
                          "proposed": [None, [e.nomination.worker.name for e in result.entries
                                              if e.within_quota]],
                          "boundary_tie": [None, [t.key.nomination.worker.name for t in cut.boundary_tie]],
                          "over_quota": [None, len(cut.within) - occupation.quota if cut.overflows else 0]})
    return result


def adjust_proposal(nomination: Nomination, reason: str, *, by) -> NominationState:
    """Move a nomination between PROPOSED and NOT_PROPOSED by hand; the reason is required."""
    if nomination.cycle.status_enum is not CycleStatus.REVIEWING:
        raise DomainError(_l("选树周期不在评审阶段，不能调整建议名单"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请填写调整理由"), field="reason")
    if len(reason) > 500:
        raise DomainError(_l("调整理由不能超过 500 个字符"), field="reason")
    targets = {N.PROPOSED: N.NOT_PROPOSED, N.NOT_PROPOSED: N.PROPOSED}
    target = targets.get(nomination.state_enum)
    if target is None:
        raise DomainError(_l("只能调整已生成建议名单的提名"))
    move_nomination(nomination, target, by=by, note=reason, changes={"adjusted": [None, True]})
    return target


# Cycle overview ------------------------------------------------------------------------------------

def review_cycles() -> list[SelectionCycle]:
    """Cycles an administrator may run reviews for, the one in review first."""
    order = {CycleStatus.REVIEWING.value: 0, CycleStatus.NOMINATING.value: 1, CycleStatus.DRAFT.value: 2}
    found = db.session.scalars(select(SelectionCycle).order_by(SelectionCycle.year.desc(),
                                                              SelectionCycle.id.desc())).all()
    return sorted(found, key=lambda c: order.get(c.status, 3))


def cycle_overview(cycle: SelectionCycle) -> list[Standings]:
    return [standings(o) for o in cycle.occupations]
