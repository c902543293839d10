"""The expert committee that chooses an occupation's seed players (种子选手遴选专家委员会).

The committee is a review panel of its own scope, one per competition-route occupation,
formed by the administrator from the experts. Its members choose the seed players themselves,
on their own page: a member supports a qualified nominee of the occupation, the first with the
reason; a nominee supported by more than half of the members who may vote on them becomes a
seed player (members from the nominee's enterprise step aside, as on every panel). A member
may withdraw their support until the final is created; a seed player who no longer has a
majority is dropped. Administrators form the committee but never vote.

Functions validate, change, audit and flush; refusals are :class:`~core.errors.DomainError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.accounts.models import User
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.review_panels import services as panels
from core.review_panels.models import PanelMember, ReviewPanel
from craftsmen.models import CycleOccupation, Nomination, NominationState, ReviewMethod, SelectionCycle
from craftsmen.selection_route import services as route
from craftsmen.selection_route.models import Challenger, OccupationRoute, SeedPlayer, SeedVote

SCOPE = "craftsman_seed_committee"
SUBJECT_TYPE = "nomination"
#: A committee smaller than this cannot form a majority worth the name.
MIN_MEMBERS = 3
#: What an expert newly on a committee is told (registered in :mod:`craftsmen.notifications`).
ASSIGNED_KIND = "route.committee_assigned"


def committee_of(occupation: CycleOccupation) -> ReviewPanel | None:
    return panels.panel_for_scope(SCOPE, occupation.id)


def occupation_of(panel: ReviewPanel) -> CycleOccupation | None:
    return db.session.get(CycleOccupation, panel.scope_id) if panel.scope == SCOPE else None


def subject_of(nomination: Nomination) -> panels.Subject:
    return panels.Subject(type=SUBJECT_TYPE, id=nomination.id, label=str(nomination),
                          enterprise_id=nomination.enterprise_id)


def _voted(occupation: CycleOccupation) -> set[int]:
    return set(db.session.scalars(select(SeedVote.user_id).where(SeedVote.occupation_id == occupation.id)))


def form_committee(occupation: CycleOccupation, member_ids, *, by) -> ReviewPanel:
    """Create the occupation's committee if needed and set its experts (at least three).
    A member who has voted stays on it: their votes count until they withdraw them."""
    route.check_committee_open(occupation)
    wanted = sorted(set(member_ids))
    if len(wanted) < MIN_MEMBERS:
        raise DomainError(_l("专家委员会至少需要 %(n)s 位评审专家", n=MIN_MEMBERS), field="members")
    staying = _voted(occupation) - set(wanted)
    if staying:
        names = "、".join(sorted(u.display_name for u in db.session.scalars(select(User).where(User.id.in_(staying)))))
        raise DomainError(_l("已投票的专家不能移出委员会：%(names)s", names=names), field="members")
    panel = committee_of(occupation)
    if panel is None:
        cycle = occupation.cycle
        panel = panels.create_panel(SCOPE, occupation.id, f"{cycle.title} · {occupation.name} · 种子选手遴选",
                                    cycle.rubric, threshold=cycle.disagreement_threshold, by=by)
    panels.set_members(panel, wanted, None, by=by, notice=(ASSIGNED_KIND, "craftsmen_route.committee_home"))
    return panel


def committees_of(user: User) -> list[tuple[ReviewPanel, CycleOccupation]]:
    """The seed-selection committees ``user`` sits on, with their occupations, newest first."""
    found = []
    for panel in panels.panels_of(user, SCOPE):
        occupation = occupation_of(panel)
        if occupation is not None:
            found.append((panel, occupation))
    return found


@dataclass
class Candidate:
    """A nominee on the committee's ballot: who supports them, who may vote, the outcome."""

    nomination: Nomination
    votes: list[SeedVote]
    voters: set[int]  # members who may vote on this nominee (not from their enterprise)
    excluded: dict[int, str]  # member id -> why they step aside
    seed: SeedPlayer | None

    @property
    def support(self) -> int:
        return sum(1 for v in self.votes if v.user_id in self.voters)

    @property
    def needed(self) -> int:
        """Supporters needed for a majority of those who may vote."""
        return len(self.voters) // 2 + 1

    @property
    def reason(self) -> str:
        return self.votes[0].reason if self.votes else ""

    def vote_of(self, user_id: int) -> SeedVote | None:
        return next((v for v in self.votes if v.user_id == user_id), None)


def ballot(occupation: CycleOccupation, panel: ReviewPanel | None = None) -> list[Candidate]:
    """The seed players and the qualified nominees who could still become one, in nomination
    order, each with the committee's votes (a handful of queries for the whole occupation)."""
    panel = panel or committee_of(occupation)
    seeds = {s.nomination_id: s for s in route.seeds(occupation)}
    nominations = sorted([s.nomination for s in seeds.values()] + route.seed_candidates(occupation),
                         key=lambda n: n.id)
    votes: dict[int, list[SeedVote]] = {}
    for vote in db.session.scalars(select(SeedVote).where(SeedVote.occupation_id == occupation.id)
                                   .options(selectinload(SeedVote.user)).order_by(SeedVote.id)):
        votes.setdefault(vote.nomination_id, []).append(vote)
    state = panels.PanelState(panel, [subject_of(n) for n in nominations]) if panel is not None else None
    found = []
    for nomination in nominations:
        voters, excluded = set(), {}
        for member in (panel.members if panel is not None else []):
            reason = state.exclusion_reason(member.user, subject_of(nomination)) if state else None
            if reason is None:
                voters.add(member.user_id)
            else:
                excluded[member.user_id] = reason
        found.append(Candidate(nomination, votes.get(nomination.id, []), voters, excluded,
                               seeds.get(nomination.id)))
    return found


def _member_panel(occupation: CycleOccupation, user: User) -> ReviewPanel:
    panel = committee_of(occupation)
    if panel is None or user.id not in panel.member_ids():
        raise DomainError(_l("您不是“%(o)s”种子选手遴选专家委员会的成员", o=occupation.name))
    return panel


def _candidate(occupation: CycleOccupation, panel: ReviewPanel, nomination: Nomination) -> Candidate:
    found = next((c for c in ballot(occupation, panel) if c.nomination.id == nomination.id), None)
    if found is None:  # another member's vote made (or unmade) the seed player between our reads
        raise DomainError(_l("%(name)s 的种子选手状态刚刚有变化，请刷新页面后再操作",
                             name=nomination.worker.name))
    return found


def support(occupation: CycleOccupation, nomination: Nomination, reason: str, *, by: User) -> SeedPlayer | None:
    """``by`` supports ``nomination`` as a seed player; the first supporter gives the reason.
    Returns the seed player when this support makes the majority (None otherwise)."""
    panel = _member_panel(occupation, by)
    route.check_seed_candidate(occupation, nomination)
    excluded = panels.exclusion_reason(panel, by, subject_of(nomination))
    if excluded is not None:
        raise DomainError(excluded)
    if db.session.scalar(select(SeedPlayer.id).where(SeedPlayer.nomination_id == nomination.id)):
        raise DomainError(_l("%(name)s 已是种子选手", name=nomination.worker.name))
    if db.session.scalar(select(SeedVote.id).where(SeedVote.nomination_id == nomination.id,
                                                   SeedVote.user_id == by.id)):
        raise DomainError(_l("您已支持 %(name)s", name=nomination.worker.name))
    first = not db.session.scalar(select(func.count()).select_from(SeedVote)
                                  .where(SeedVote.nomination_id == nomination.id))
    reason = (reason or "").strip()
    if first and not reason:
        raise DomainError(_l("请写明推荐其为种子选手的理由"), field="reason")
    if len(reason) > route.REASON_MAX:
        raise DomainError(_l("不能超过 %(n)s 个字", n=route.REASON_MAX), field="reason")
    name = nomination.worker.name
    db.session.add(SeedVote(occupation_id=occupation.id, nomination_id=nomination.id, user_id=by.id,
                            reason=reason))
    try:
        db.session.flush()
    except IntegrityError:  # the same member's other tab a moment ago; the caller rolls back
        raise DomainError(_l("您已支持 %(name)s", name=name)) from None
    audit.record("route.seed_vote", nomination, by=by, label=str(nomination),
                 changes={"support": [None, True], **({"reason": [None, reason[:500]]} if reason else {})})
    candidate = _candidate(occupation, panel, nomination)
    if candidate.seed is None and candidate.support >= candidate.needed:
        return route.choose_seed(occupation, nomination, candidate.reason, by=by)
    return None


def withdraw(occupation: CycleOccupation, nomination: Nomination, *, by: User) -> bool:
    """``by`` withdraws their support (before the final); True when the nominee thereby stops
    being a seed player."""
    panel = _member_panel(occupation, by)
    route.check_committee_open(occupation)
    vote = db.session.scalar(select(SeedVote).where(SeedVote.nomination_id == nomination.id,
                                                    SeedVote.user_id == by.id))
    if vote is None:
        raise DomainError(_l("您没有支持 %(name)s", name=nomination.worker.name))
    db.session.delete(vote)
    db.session.flush()
    audit.record("route.seed_unvote", nomination, by=by, label=str(nomination), changes={"support": [True, None]})
    candidate = _candidate(occupation, panel, nomination)
    if candidate.seed is not None and candidate.support < candidate.needed:
        route.remove_seed(candidate.seed, by=by)
        return True
    return False


def pending_votes(user: User) -> list[tuple[int, str, int]]:
    """Per open committee ``user`` sits on: (occupation id, panel name, nominees still waiting
    for the user's vote), in one query, for the workbench. Open: the cycle is running, the
    occupation goes by competition and its final is not created."""
    voted = select(SeedVote.nomination_id).where(SeedVote.user_id == user.id)
    seeded = select(SeedPlayer.nomination_id)
    challengers = select(Challenger.nomination_id).where(Challenger.nomination_id.is_not(None))
    query = (select(CycleOccupation.id, ReviewPanel.name, func.count(Nomination.id))
             .join(PanelMember, and_(PanelMember.panel_id == ReviewPanel.id, PanelMember.user_id == user.id))
             .join(CycleOccupation, CycleOccupation.id == ReviewPanel.scope_id)
             .join(SelectionCycle, SelectionCycle.id == CycleOccupation.cycle_id)
             .join(Nomination, and_(Nomination.occupation_id == CycleOccupation.id,
                                    Nomination.state == NominationState.QUALIFIED.value))
             .outerjoin(OccupationRoute, OccupationRoute.occupation_id == CycleOccupation.id)
             .where(ReviewPanel.scope == SCOPE,
                    SelectionCycle.status.in_([s.value for s in route.RUNNING_STATUSES]),
                    CycleOccupation.method.in_([m.value for m in ReviewMethod if m.uses_competition]),
                    OccupationRoute.final_event_id.is_(None),
                    Nomination.id.not_in(voted), Nomination.id.not_in(seeded), Nomination.id.not_in(challengers))
             .group_by(CycleOccupation.id, ReviewPanel.name).order_by(CycleOccupation.id))
    if user.employer_id is not None:  # own enterprise's nominees: always stepped aside from
        query = query.where(Nomination.enterprise_id != user.employer_id)
    return [(occupation_id, name, count) for occupation_id, name, count in db.session.execute(query).all()]
