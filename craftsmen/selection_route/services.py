"""The competition road of an occupation: route settings, seed players, challengers, the
qualifier and the final as competition events, the arbitration group, and the proposed list.

Functions validate, change, audit and flush (never commit); a refusal is a
:class:`~core.errors.DomainError` with the Chinese reason and leaves nothing changed. The
competitions feature is reached only through its service functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from competitions.models import Competition, Event, EventState
from competitions.services import appeals as competition_appeals
from competitions.services import competitions as competition_service
from competitions.services import registration as competition_registration
from competitions.services import results as competition_results
from competitions.services import schemes as competition_schemes
from core.accounts.models import User
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.i18n import local_datetime
from core.review_panels import scoring as panel_scoring
from core.roles import Role
from core.timeutil import utcnow
from craftsmen import eligibility, states
from craftsmen.models import (
    CycleOccupation,
    Nomination,
    NominationState,
    ReviewMethod,
    SelectionCycle,
)
from craftsmen.selection_route import ranking
from craftsmen.selection_route.models import (
    Challenger,
    OccupationArbitrator,
    OccupationRoute,
    SeedPlayer,
)
from craftsmen.services import nominations as nomination_service
from craftsmen.services import review

N = NominationState
#: Cycle phases in which the road may run (before the 公示).
RUNNING_STATUSES = states.BEFORE_NOTICE_STATUSES
REASON_MAX = 1000
STAGE_TITLES = {"qualifier": "挑战者选拔赛", "final": "终极挑战赛"}


def _text(value: str | None, field_name: str, message, limit: int = REASON_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field_name)
    if len(value) > limit:
        raise DomainError(_l("不能超过 %(n)s 个字", n=limit), field=field_name)
    return value


def _ensure_running(occupation: CycleOccupation) -> None:
    if occupation.cycle.status_enum not in RUNNING_STATUSES:
        raise DomainError(_l("选树周期当前为“%(s)s”，选拔路线已不能再变动",
                             s=occupation.cycle.status_enum.label))


def _ensure_competition(occupation: CycleOccupation) -> None:
    if not occupation.method_enum.uses_competition:
        raise DomainError(_l("“%(o)s”按综合评审选拔，没有竞赛环节", o=occupation.name))


# Route ------------------------------------------------------------------------------------------

def route_of(occupation: CycleOccupation) -> OccupationRoute | None:
    return db.session.get(OccupationRoute, occupation.id)


def ensure_route(occupation: CycleOccupation) -> OccupationRoute:
    route = route_of(occupation)
    if route is None:
        route = OccupationRoute(occupation_id=occupation.id, competition_weight=Decimal(100),
                                panel_weight=Decimal(0), advance_top_n=6)
        db.session.add(route)
        db.session.flush()
    return route


@dataclass
class RouteData:
    method: str
    competition_weight: Decimal = Decimal(100)
    panel_weight: Decimal = Decimal(0)
    advance_top_n: int = 6
    advance_min_score: Decimal | None = None
    list_min_score: Decimal | None = None


ROUTE_FIELDS = ("competition_weight", "panel_weight", "advance_top_n", "advance_min_score",
                "list_min_score")


def _check_route(data: RouteData) -> None:
    try:
        method = ReviewMethod(data.method)
    except ValueError:
        raise DomainError(_l("请选择选拔方式"), field="method") from None
    if method is ReviewMethod.COMPETITION:
        data.competition_weight, data.panel_weight = Decimal(100), Decimal(0)
    if method is ReviewMethod.COMBINED:
        if data.competition_weight is None or data.panel_weight is None:
            raise DomainError(_l("请填写竞赛成绩与评审成绩的权重"), field="competition_weight")
        try:
            ranking.check_weights(data.competition_weight, data.panel_weight)
        except ranking.WeightError:
            raise DomainError(_l("竞赛成绩与评审成绩的权重之和应为 100（现为 %(a)s + %(b)s）",
                                 a=data.competition_weight, b=data.panel_weight),
                              field="competition_weight") from None
        if Decimal(0) in (data.competition_weight, data.panel_weight):
            raise DomainError(_l("组合比评的两项权重都应大于 0；只看竞赛成绩请选“竞赛选拔”"),
                              field="competition_weight")
    if data.advance_top_n is None or not 1 <= data.advance_top_n <= 100:
        raise DomainError(_l("晋级人数应为 1 到 100"), field="advance_top_n")
    for name in ("advance_min_score", "list_min_score"):
        value = getattr(data, name)
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise DomainError(_l("最低分应在 0 到 100 之间"), field=name)


def set_route(occupation: CycleOccupation, data: RouteData, *, by) -> None:
    """Set how the occupation is decided; allowed until the route's first stage starts."""
    _ensure_running(occupation)
    route = route_of(occupation)
    if route is not None and (route.started or seeds(occupation)):
        raise DomainError(_l("“%(o)s”的选拔已开始（已选定种子选手或已创建选拔赛），不能再更改路线",
                             o=occupation.name))
    _check_route(data)
    route = route or ensure_route(occupation)
    before = {"method": occupation.method, **audit.snapshot(route, ROUTE_FIELDS)}
    occupation.method = data.method
    for name in ROUTE_FIELDS:
        setattr(route, name, getattr(data, name))
    db.session.flush()
    changes = audit.diff(before, {"method": occupation.method, **audit.snapshot(route, ROUTE_FIELDS)})
    if changes:
        audit.record("route.set", occupation, by=by, label=f"{occupation.cycle.title} · {occupation.name}",
                     changes=changes)


def set_funding_plan(cycle: SelectionCycle, per_year: Decimal | None, years: int | None, *, by) -> None:
    """The studio funding a named Beijing Grand Craftsman is offered (万元 a year, years)."""
    if (per_year is None) != (years is None):
        raise DomainError(_l("请同时填写每年资助金额和资助年数，或都不填"), field="studio_funding_per_year")
    if per_year is not None and not Decimal(0) < per_year <= Decimal(10000):
        raise DomainError(_l("每年资助金额应大于 0 且不超过 10000 万元"), field="studio_funding_per_year")
    if per_year is not None and per_year != per_year.quantize(Decimal("0.01")):
        raise DomainError(_l("金额最多两位小数"), field="studio_funding_per_year")
    if years is not None and not 1 <= years <= 10:
        raise DomainError(_l("资助年数应为 1 到 10"), field="studio_funding_years")
    before = audit.snapshot(cycle, ("studio_funding_per_year", "studio_funding_years"))
    cycle.studio_funding_per_year, cycle.studio_funding_years = per_year, years
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(cycle, ("studio_funding_per_year", "studio_funding_years")))
    if changes:
        audit.record("cycle.funding_plan", cycle, by=by, changes=changes)


# Seed players ----------------------------------------------------------------------------------

def seeds(occupation: CycleOccupation) -> list[SeedPlayer]:
    return list(db.session.scalars(select(SeedPlayer).where(SeedPlayer.occupation_id == occupation.id)
                                   .options(selectinload(SeedPlayer.nomination)).order_by(SeedPlayer.id)))


def seed_candidates(occupation: CycleOccupation) -> list[Nomination]:
    """Qualified nominees of the occupation (the talent pool) not yet seed players."""
    chosen = select(SeedPlayer.nomination_id).where(SeedPlayer.occupation_id == occupation.id)
    challenger_nominations = select(Challenger.nomination_id).where(
        Challenger.occupation_id == occupation.id, Challenger.nomination_id.is_not(None))
    return list(db.session.scalars(select(Nomination).where(
        Nomination.occupation_id == occupation.id, Nomination.state == N.QUALIFIED.value,
        Nomination.id.not_in(chosen), Nomination.id.not_in(challenger_nominations))
        .options(selectinload(Nomination.worker)).order_by(Nomination.id)))


def committee_is_open(occupation: CycleOccupation) -> bool:
    """Seed players may still be chosen: the road is running, by competition, without a final."""
    route = route_of(occupation)
    return (occupation.cycle.status_enum in RUNNING_STATUSES and occupation.method_enum.uses_competition
            and (route is None or route.final_event_id is None))


def check_committee_open(occupation: CycleOccupation) -> None:
    """Refuse changing the seed players or their committee once that is no longer possible."""
    _ensure_running(occupation)
    _ensure_competition(occupation)
    route = route_of(occupation)
    if route is not None and route.final_event_id is not None:
        raise DomainError(_l("终极挑战赛已创建，种子选手已确定"))


def check_seed_candidate(occupation: CycleOccupation, nomination: Nomination) -> None:
    """Refuse a nominee who cannot become a seed player of ``occupation`` now: the road must be
    running and by competition, the final not yet created, and the nominee a qualified
    nominee of the occupation who is neither a seed player already nor a challenger."""
    _ensure_running(occupation)
    _ensure_competition(occupation)
    if nomination.occupation_id != occupation.id or nomination.state_enum is not N.QUALIFIED:
        raise DomainError(_l("%(name)s 不是“%(o)s”资格审查通过的被推荐人，不能作为种子选手",
                             name=nomination.worker.name, o=occupation.name), field="nomination_id")
    route = route_of(occupation)
    if route is not None and route.final_event_id is not None:
        raise DomainError(_l("终极挑战赛已创建，不能再增加种子选手"))
    if db.session.scalar(select(Challenger.id).where(Challenger.nomination_id == nomination.id)):
        raise DomainError(_l("%(name)s 以挑战者身份入库，不能作为种子选手", name=nomination.worker.name),
                          field="nomination_id")


def choose_seed(occupation: CycleOccupation, nomination: Nomination, reason: str, *, by) -> SeedPlayer:
    """Record a seed player the expert committee chose, with its reason: called by
    :func:`craftsmen.selection_route.committee.support` when a majority of the committee
    supports the nominee (no page records a seed player on the committee's behalf)."""
    check_seed_candidate(occupation, nomination)
    ensure_route(occupation)
    if db.session.scalar(select(SeedPlayer.id).where(SeedPlayer.nomination_id == nomination.id)):
        raise DomainError(_l("%(name)s 已是种子选手", name=nomination.worker.name), field="nomination_id")
    reason = _text(reason, "reason", _l("请写明选定种子选手的理由"))
    name = nomination.worker.name
    seed = SeedPlayer(occupation_id=occupation.id, nomination_id=nomination.id, reason=reason,
                      chosen_by_id=getattr(by, "id", None))
    db.session.add(seed)
    try:
        db.session.flush()
    except IntegrityError:  # chosen a moment ago in another request; the caller rolls back
        raise DomainError(_l("%(name)s 已是种子选手", name=name), field="nomination_id") from None
    audit.record("route.seed", nomination, by=by, label=str(nomination),
                 changes={"seed": [None, True], "reason": [None, reason[:500]]})
    return seed


def remove_seed(seed: SeedPlayer, *, by) -> None:
    """Drop a seed player the committee no longer supports by a majority (before the final)."""
    route = ensure_route(db.session.get_one(CycleOccupation, seed.occupation_id))
    if route.final_event_id is not None:
        raise DomainError(_l("终极挑战赛已创建，不能再撤销种子选手"))
    audit.record("route.unseed", seed.nomination, by=by, label=str(seed.nomination),
                 changes={"seed": [True, None]})
    db.session.delete(seed)
    db.session.flush()


# Arbitration group --------------------------------------------------------------------------------

def arbitrators(occupation: CycleOccupation) -> list[User]:
    return list(db.session.scalars(select(User).join(
        OccupationArbitrator, OccupationArbitrator.user_id == User.id)
        .where(OccupationArbitrator.occupation_id == occupation.id).order_by(User.id)))


def _stage_events(occupation: CycleOccupation) -> list[Event]:
    route = route_of(occupation)
    ids = [i for i in (route.qualifier_event_id, route.final_event_id) if i] if route else []
    return [db.session.get_one(Event, i) for i in ids]


def set_arbitrators(occupation: CycleOccupation, user_ids, *, by) -> None:
    """Name the occupation's arbitration group (experts); its events follow."""
    _ensure_running(occupation)
    _ensure_competition(occupation)
    wanted = sorted({int(i) for i in user_ids})
    if not wanted:
        raise DomainError(_l("仲裁组至少要有一名专家"), field="members")
    users = [db.session.get(User, i) for i in wanted]
    if any(u is None or not u.is_active or not u.has_role(Role.EXPERT) for u in users):
        raise DomainError(_l("仲裁组成员须为在用的评审专家账号"), field="members")
    before = [u.id for u in arbitrators(occupation)]
    db.session.execute(OccupationArbitrator.__table__.delete().where(
        OccupationArbitrator.occupation_id == occupation.id))
    db.session.add_all(OccupationArbitrator(occupation_id=occupation.id, user_id=i) for i in wanted)
    db.session.flush()
    for event in _stage_events(occupation):
        competition_appeals.set_event_arbitrators(event, wanted, by=by)
    audit.record("route.arbitrators", occupation, by=by, label=f"{occupation.cycle.title} · {occupation.name}",
                 changes={"arbitrators": [before, wanted]})


def arbitration_appeals(user) -> list[tuple[CycleOccupation, Event, object]]:
    """Appeals against the events of the occupations whose arbitration group ``user`` sits in."""
    found: list[tuple[CycleOccupation, Event, object]] = []
    occupations = db.session.scalars(select(CycleOccupation).join(
        OccupationArbitrator, OccupationArbitrator.occupation_id == CycleOccupation.id)
        .where(OccupationArbitrator.user_id == user.id).order_by(CycleOccupation.id))
    for occupation in occupations:
        for event in _stage_events(occupation):
            found += [(occupation, event, a) for a in competition_appeals.event_appeals(event)]
    return found


# The two events ------------------------------------------------------------------------------------

@dataclass
class StageData:
    venue: str
    held_on: date
    registration_opens: datetime   # naive UTC
    registration_closes: datetime  # naive UTC (the qualifier's: the challengers' deadline)
    quota_per_enterprise: int = 2


def _stage_competition(cycle: SelectionCycle, stage: str, *, by) -> Competition:
    """The competition that holds the cycle's events of one stage (one per cycle and stage)."""
    title = f"{cycle.title}·{STAGE_TITLES[stage]}"
    found = db.session.scalar(select(Competition).where(Competition.title == title))
    if found is not None:
        return found
    return competition_service.create_competition(competition_service.CompetitionData(
        title=title, year=cycle.year, description=f"{cycle.title}竞赛选拔（{STAGE_TITLES[stage]}）"), by=by)


def _create_stage(occupation: CycleOccupation, stage: str, data: StageData, *, by) -> Event:
    cycle = occupation.cycle
    group = [u.id for u in arbitrators(occupation)]
    if not group:
        raise DomainError(_l("请先为“%(o)s”组建专家仲裁组", o=occupation.name))
    competition = _stage_competition(cycle, stage, by=by)
    event = competition_service.create_event(competition, competition_service.EventData(
        occupation=occupation.name, occupation_code=occupation.code, venue=(data.venue or "").strip(),
        held_on=data.held_on, registration_opens=data.registration_opens,
        registration_closes=data.registration_closes, min_skill_level=cycle.min_skill_level,
        min_age=cycle.min_age, max_age=cycle.max_age, quota_per_enterprise=data.quota_per_enterprise),
        by=by)
    competition_appeals.set_event_arbitrators(event, group, by=by)
    return event


def create_qualifier(occupation: CycleOccupation, data: StageData, *, by) -> Event:
    """The open qualifier: an event of the cycle's qualifier competition, taking challengers'
    registrations until ``data.registration_closes``."""
    _ensure_running(occupation)
    _ensure_competition(occupation)
    route = ensure_route(occupation)
    if route.qualifier_event_id is not None:
        raise DomainError(_l("“%(o)s”的挑战者选拔赛已创建", o=occupation.name))
    event = _create_stage(occupation, "qualifier", data, by=by)
    competition_service.open_registration(event, by=by)
    route.qualifier_event_id = event.id
    route.challenger_deadline = data.registration_closes
    db.session.flush()
    audit.record("route.qualifier", occupation, by=by, label=f"{occupation.cycle.title} · {occupation.name}",
                 changes={"qualifier_event_id": [None, event.id],
                          "challenger_deadline": [None, data.registration_closes.isoformat()]})
    return event


def qualifier_of(occupation: CycleOccupation) -> Event | None:
    route = route_of(occupation)
    return db.session.get(Event, route.qualifier_event_id) if route and route.qualifier_event_id else None


def final_of(occupation: CycleOccupation) -> Event | None:
    route = route_of(occupation)
    return db.session.get(Event, route.final_event_id) if route and route.final_event_id else None


def _published_without_appeals(event: Event | None, name) -> list[str]:
    if event is None:
        return [str(_l("%(stage)s尚未创建", stage=name))]
    if event.state_enum is not EventState.PUBLISHED:
        return [str(_l("%(stage)s成绩尚未公布（当前为“%(s)s”）", stage=name, s=event.state_enum.label))]
    waiting = competition_appeals.open_appeals(event)
    if waiting:
        return [str(_l("%(stage)s还有 %(n)s 件申诉待仲裁组裁决", stage=name, n=len(waiting)))]
    return []


def _copy_scheme(source: Event, target: Event, *, by) -> None:
    """The final is marked on the qualifier's scheme unless one is built for it."""
    drafts = [competition_schemes.ModuleDraft(
        data=competition_schemes.ModuleData(name=m.name, kind=m.kind, weight=m.weight),
        criteria=[competition_schemes.CriterionDraft(name=c.name, aspects=[
            competition_schemes.AspectData(name=a.name, kind=a.kind, max_mark=a.max_mark, step=a.step)
            for a in c.aspects]) for c in m.criteria]) for m in source.modules]
    if drafts:
        competition_schemes.replace_scheme(target, drafts, by=by)


def finalists_to_enter(occupation: CycleOccupation) -> list[Nomination]:
    """Seed players and advancing challengers, by their nominations."""
    seeded = [s.nomination for s in seeds(occupation)]
    advanced = list(db.session.scalars(select(Nomination).join(
        Challenger, Challenger.nomination_id == Nomination.id)
        .where(Challenger.occupation_id == occupation.id, Challenger.advanced)
        .order_by(Challenger.qualifier_rank, Challenger.id)))
    return seeded + advanced


def create_final(occupation: CycleOccupation, data: StageData, *, by) -> Event:
    """The final (终极挑战赛): only once the qualifier's results are published, its appeals ruled
    and the advancing challengers decided; seed players and those challengers are entered."""
    _ensure_running(occupation)
    _ensure_competition(occupation)
    route = ensure_route(occupation)
    if route.final_event_id is not None:
        raise DomainError(_l("“%(o)s”的终极挑战赛已创建", o=occupation.name))
    qualifier = qualifier_of(occupation)
    problems = _published_without_appeals(qualifier, _l("挑战者选拔赛"))
    if not problems and route.advanced_at is None:
        problems.append(str(_l("尚未确定晋级的挑战者")))
    if problems or qualifier is None:
        raise DomainError(_l("不能开始终极挑战赛：%(p)s", p="；".join(problems)))
    finalists = finalists_to_enter(occupation)
    if len(finalists) < 2:
        raise DomainError(_l("终极挑战赛至少要有 2 名选手（种子选手与晋级挑战者），现有 %(n)s 名",
                             n=len(finalists)))
    event = _create_stage(occupation, "final", data, by=by)
    _copy_scheme(qualifier, event, by=by)
    competition_service.open_registration(event, by=by)
    competition_registration.enter_selected(event, [n.worker for n in finalists], by=by)
    route.final_event_id = event.id
    db.session.flush()
    audit.record("route.final", occupation, by=by, label=f"{occupation.cycle.title} · {occupation.name}",
                 changes={"final_event_id": [None, event.id], "finalists": [None, [n.id for n in finalists]]})
    return event


# Challengers ----------------------------------------------------------------------------------------

def challengers(occupation: CycleOccupation, enterprise_ids=None) -> list[Challenger]:
    query = select(Challenger).where(Challenger.occupation_id == occupation.id)
    if enterprise_ids is not None:
        query = query.where(Challenger.enterprise_id.in_(list(enterprise_ids)))
    return list(db.session.scalars(query.options(selectinload(Challenger.worker))
                                   .order_by(Challenger.qualifier_rank, Challenger.id)))


def challenger_failures(occupation: CycleOccupation, worker) -> list[str]:
    """The cycle's eligibility rules the worker fails as a challenger (no nomination quota)."""
    cycle = occupation.cycle
    return eligibility.failures(eligibility.candidate_of(worker, nomination_service.age_reference_date(cycle)),
                                eligibility.Rules.of(cycle), occupation=occupation.name)


def open_qualifiers(now: datetime | None = None) -> list[CycleOccupation]:
    """Occupations whose qualifier takes challengers now."""
    now = now or utcnow()
    return list(db.session.scalars(select(CycleOccupation).join(
        OccupationRoute, OccupationRoute.occupation_id == CycleOccupation.id)
        .where(OccupationRoute.qualifier_event_id.is_not(None), OccupationRoute.challenger_deadline >= now,
               OccupationRoute.advanced_at.is_(None))
        .order_by(OccupationRoute.challenger_deadline, CycleOccupation.id)))


def register_challenger(occupation: CycleOccupation, worker, *, by, now: datetime | None = None) -> Challenger:
    """Register ``worker`` as a challenger of ``occupation`` (the caller has checked that ``by``
    speaks for the worker's enterprise): eligible by the cycle's rules, not nominated in the
    cycle, before the deadline; the qualifier's window, eligibility and quota then apply."""
    now = now or utcnow()
    _ensure_competition(occupation)
    route = route_of(occupation)
    qualifier = qualifier_of(occupation)
    if route is None or qualifier is None:
        raise DomainError(_l("“%(o)s”的挑战者选拔赛尚未开放报名", o=occupation.name))
    if route.challenger_deadline is None or now > route.challenger_deadline:
        raise DomainError(_l("挑战者报名已于 %(t)s（北京时间）截止",
                             t=local_datetime(route.challenger_deadline)))
    if db.session.scalar(select(Challenger.id).where(Challenger.occupation_id == occupation.id,
                                                     Challenger.worker_id == worker.id)):
        raise DomainError(_l("%(name)s 已报名该工种的挑战者选拔赛", name=worker.name))
    nominated = db.session.scalar(select(Nomination).where(Nomination.cycle_id == occupation.cycle_id,
                                                           Nomination.worker_id == worker.id))
    if nominated is not None:
        raise DomainError(_l("%(name)s 已被推荐参加本届选树（%(o)s），不能再以挑战者身份报名",
                             name=worker.name, o=nominated.occupation.name))
    failures = challenger_failures(occupation, worker)
    if failures:
        raise DomainError(_l("%(name)s 不符合本届选树的条件：%(r)s", name=worker.name, r="；".join(failures)))
    name = worker.name  # the session is unusable after a failed insert
    try:
        contestant = competition_registration.register_checked(qualifier, worker, by=by)
    except IntegrityError:  # entered a moment ago in another request; the caller rolls back
        raise DomainError(_l("%(name)s 已报名该工种的挑战者选拔赛", name=name)) from None
    challenger = Challenger(occupation_id=occupation.id, worker_id=worker.id, enterprise_id=worker.enterprise_id,
                            contestant_id=contestant.id, registered_by_id=getattr(by, "id", None),
                            registered_at=now)
    db.session.add(challenger)
    try:
        db.session.flush()
    except IntegrityError:  # registered a moment ago in another request; the caller rolls back
        raise DomainError(_l("%(name)s 已报名该工种的挑战者选拔赛", name=name)) from None
    audit.record("route.challenger", challenger, by=by, label=f"{occupation.name} #{challenger.id}",
                 changes={"occupation_id": [None, occupation.id], "enterprise_id": [None, worker.enterprise_id]})
    return challenger


def _statement(rank: int | None, total: Decimal) -> str:
    return f"挑战者选拔赛第 {rank} 名，{panel_scoring.display(total)} 分" if rank else \
        f"挑战者选拔赛 {panel_scoring.display(total)} 分"


def advance(occupation: CycleOccupation, *, by) -> list[Challenger]:
    """After the qualifier's results are published and its appeals ruled: every challenger who
    took part enters the talent pool (a qualified nomination carrying their result) and the
    best ``advance_top_n`` reaching ``advance_min_score`` advance to the final."""
    _ensure_running(occupation)
    route = ensure_route(occupation)
    if route.final_event_id is not None:
        raise DomainError(_l("终极挑战赛已创建，晋级名单不能再变"))
    qualifier = qualifier_of(occupation)
    problems = _published_without_appeals(qualifier, _l("挑战者选拔赛"))
    if problems or qualifier is None:
        raise DomainError(_l("不能确定晋级名单：%(p)s", p="；".join(problems)))
    by_contestant = {c.contestant_id: c for c in challengers(occupation)}
    took_part = []
    for result in competition_results.event_results(qualifier):
        challenger = by_contestant.get(result.contestant_id)
        if challenger is None:
            continue
        challenger.qualifier_total, challenger.qualifier_rank = result.total, result.rank
        took_part.append(challenger)
    winners = set(ranking.advancing([(c, Decimal(c.qualifier_total or 0), c.qualifier_rank) for c in took_part],
                                    route.advance_top_n, route.advance_min_score))
    now = utcnow()
    for challenger in took_part:
        challenger.advanced = challenger in winners
        _enter_pool(occupation, challenger, by=by, now=now)
    route.advanced_at = now
    db.session.flush()
    audit.record("route.advance", occupation, by=by, label=f"{occupation.cycle.title} · {occupation.name}",
                 changes={"took_part": [None, len(took_part)],
                          "advanced": [None, sorted(c.id for c in winners)]})
    return [c for c in took_part if c.advanced]


def _enter_pool(occupation: CycleOccupation, challenger: Challenger, *, by, now: datetime) -> None:
    statement = _statement(challenger.qualifier_rank, Decimal(challenger.qualifier_total or 0))
    if challenger.nomination_id is not None:
        challenger.nomination.statement = statement
        return
    nomination = Nomination(cycle_id=occupation.cycle_id, occupation_id=occupation.id,
                            worker_id=challenger.worker_id, enterprise_id=challenger.enterprise_id,
                            state=N.QUALIFIED.value, statement=statement, submitted_at=now, qualified_at=now,
                            decision_note=str(_l("挑战者参加选拔赛后入库")), created_by_id=getattr(by, "id", None))
    db.session.add(nomination)
    db.session.flush()
    challenger.nomination_id = nomination.id
    audit.record("nomination.enter_pool_as_challenger", nomination, by=by,
                 changes={"state": [None, N.QUALIFIED.value], "statement": [None, statement]})


# The proposed list ------------------------------------------------------------------------------------

@dataclass
class RouteEntry:
    nomination: Nomination
    seed: bool
    final: Decimal  # the final's total
    final_rank: int | None = None
    panel: Decimal | None = None
    score: Decimal | None = None
    rank: int | None = None
    proposed: bool = False
    below_minimum: bool = False

    def basis(self, method: ReviewMethod, route: OccupationRoute) -> str:
        """How this finalist was placed, in Chinese as printed on the list and the notice."""
        final = panel_scoring.display(self.final)
        if method is ReviewMethod.COMBINED:
            return (f"竞赛与评审组合·综合得分 {panel_scoring.display(self.score)} 分（终极挑战赛 {final} 分×"
                    f"{panel_scoring.display(route.competition_weight)}%＋专家评审 "
                    f"{panel_scoring.display(self.panel)} 分×{panel_scoring.display(route.panel_weight)}%）")
        return f"竞赛选拔·终极挑战赛第 {self.rank} 名（{final} 分）"


@dataclass
class RouteStandings(review.ListProgress):
    occupation: CycleOccupation
    route: OccupationRoute | None
    entries: list[RouteEntry]
    problems: list[str]
    cut: ranking.ListCut | None = None


POOL_VALUES = tuple(s.value for s in review.SUBJECT_STATES)


def _pool_query(occupation: CycleOccupation):
    return select(Nomination).where(Nomination.occupation_id == occupation.id,
                                    Nomination.state.in_(POOL_VALUES))


def _final_entries(occupation: CycleOccupation, final: Event) -> list[RouteEntry]:
    results = competition_results.ranked_workers(final)
    rows = db.session.execute(
        _pool_query(occupation).add_columns(SeedPlayer.id)
        .outerjoin(SeedPlayer, SeedPlayer.nomination_id == Nomination.id)
        .where(Nomination.worker_id.in_([worker_id for worker_id, _, _ in results]))
        .options(joinedload(Nomination.worker))).all()
    by_worker = {nomination.worker_id: (nomination, seed_id is not None) for nomination, seed_id in rows}
    entries = []
    for worker_id, total, rank in results:
        if worker_id in by_worker:
            nomination, seed = by_worker[worker_id]
            entries.append(RouteEntry(nomination=nomination, seed=seed, final=Decimal(total), final_rank=rank))
    return entries


def _panel_scores(occupation: CycleOccupation, entries: list[RouteEntry]) -> list[str]:
    result = review.standings(occupation)
    by_id = {s.nomination.id: s for s in result.entries}
    missing = []
    for entry in entries:
        standing = by_id.get(entry.nomination.id)
        if standing is None or standing.result is None or not standing.result.complete \
                or standing.result.needs_lead:
            missing.append(entry.nomination.worker.name)
        else:
            entry.panel = standing.score
    if missing:
        return [str(_l("以下决赛选手的专家评审尚未完成（或分歧未处理）：%(n)s", n="、".join(missing)))]
    return []


def standings(occupation: CycleOccupation) -> RouteStandings:
    """The finalists' scores and places by the route, and what stands in the way of the list."""
    route = route_of(occupation)
    method = occupation.method_enum
    phase_problem = states.review_phase_problem(occupation.cycle)
    problems = [phase_problem] if phase_problem else []
    final = final_of(occupation)
    problems += _published_without_appeals(final, _l("终极挑战赛"))
    if route is None or final is None or final.state_enum is not EventState.PUBLISHED:
        return RouteStandings(occupation, route, [], problems)
    entries = _final_entries(occupation, final)
    if method is ReviewMethod.COMBINED:
        problems += _panel_scores(occupation, entries)
    if len(problems) > bool(phase_problem):
        return RouteStandings(occupation, route, entries, problems)
    # Places are shown ahead of the review phase too; only generating waits for it.
    finalists = [ranking.Finalist(key=e, final=e.final, final_rank=e.final_rank or 0, panel=e.panel)
                 for e in entries]
    ranked = (ranking.rank_combined(finalists, route.competition_weight, route.panel_weight)
              if method is ReviewMethod.COMBINED else ranking.rank_competition(finalists))
    list_cut = ranking.cut(ranked, occupation.quota, route.list_min_score)
    for place in ranked:
        place.key.score, place.key.rank = place.score, place.rank
    for place in list_cut.proposed:
        place.key.proposed = True
    for place in list_cut.below_minimum:
        place.key.below_minimum = True
    order = {id(p.key): i for i, p in enumerate(ranked)}
    entries.sort(key=lambda e: order[id(e)])
    return RouteStandings(occupation, route, entries, problems, list_cut)


def generate_list(occupation: CycleOccupation, *, by, accept_boundary_tie: bool = False) -> RouteStandings:
    """Place the finalists on or off the proposed list by the route; the rest of the
    occupation's talent pool is not proposed. Generating again recomputes from the results."""
    _ensure_competition(occupation)
    result = standings(occupation)
    list_cut, route = result.cut, result.route
    if result.problems or list_cut is None or route is None:
        raise DomainError(_l("不能生成建议名单：%(p)s", p="；".join(result.problems)))
    if list_cut.overflows and not accept_boundary_tie:
        tied = list_cut.boundary_tie
        raise DomainError(_l("第 %(rank)s 名并列（%(score)s 分）：%(names)s，全部列入将超出名额（%(quota)s 人）。"
                             "请确认并列者全部列入建议名单后再生成。", rank=tied[0].rank,
                             score=panel_scoring.display(tied[0].score),
                             names="、".join(t.key.nomination.worker.name for t in tied),
                             quota=occupation.quota), field="accept_boundary_tie")
    method = occupation.method_enum
    placed = {}  # nomination id -> (target, score, rank, basis)
    for entry in result.entries:
        nomination = entry.nomination
        target = N.PROPOSED if entry.proposed else N.NOT_PROPOSED
        placed[nomination.id] = (target, entry.score, entry.rank, entry.basis(method, route))
        if nomination.state != target.value:
            action = states.nomination_action(nomination.state, target)
            audit.record(f"nomination.{action}", nomination, by=by, changes={
                "state": [nomination.state, target.value], **audit.diff(
                    {"aggregate_score": nomination.aggregate_score, "rank": nomination.rank},
                    {"aggregate_score": entry.score, "rank": entry.rank})})
    _store_places(placed)
    # The rest of the talent pool (QUALIFIED / PROPOSED -> NOT_PROPOSED, allowed moves): one
    # statement for hundreds of challengers.
    others = sorted(db.session.scalars(update(Nomination).where(
        Nomination.occupation_id == occupation.id,
        Nomination.state.in_([N.QUALIFIED.value, N.PROPOSED.value]), Nomination.id.not_in(list(placed)))
        .values(state=N.NOT_PROPOSED.value, rank=None, aggregate_score=None, selection_basis="",
                version=Nomination.version + 1)
        .returning(Nomination.id).execution_options(synchronize_session=False)))
    audit.record("proposed_list.generate", occupation, by=by, label=f"{occupation.cycle.title} · {occupation.name}",
                 changes={"route": [None, occupation.method], "quota": [None, occupation.quota],
                          "proposed": [None, [e.nomination.worker.name for e in result.entries if e.proposed]],
                          "below_minimum": [None, [e.nomination.id for e in result.entries if e.below_minimum]],
                          "not_in_final": [None, others]})
    written = set(placed) | set(others)  # loaded copies of the rows the statements changed are stale
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Nomination) and instance.id in written:
            db.session.expire(instance, ["state", "aggregate_score", "rank", "selection_basis",
                                         "decision_note", "version"])
    db.session.flush()
    return result


def _store_places(placed: dict) -> None:
    """The finalists' states, scores, places and bases in one statement."""
    if not placed:
        return
    ids = list(placed)

    def column(index):
        return case({i: placed[i][index] for i in ids}, value=Nomination.id)

    db.session.execute(update(Nomination).where(Nomination.id.in_(ids)).values(
        state=case({i: placed[i][0].value for i in ids}, value=Nomination.id),
        aggregate_score=column(1), rank=column(2), selection_basis=column(3), decision_note="",
        version=Nomination.version + 1).execution_options(synchronize_session=False))


def notice_blockers(occupation: CycleOccupation) -> list[str]:
    """Why a competition-route occupation's list is not ready for the 公示 (empty: ready)."""
    counts = dict(db.session.execute(select(Nomination.state, func.count()).where(
        Nomination.occupation_id == occupation.id, Nomination.state.in_(POOL_VALUES))
        .group_by(Nomination.state)).all())
    if not counts:
        return []
    if not counts.get(N.PROPOSED.value) and not counts.get(N.NOT_PROPOSED.value):
        return [str(_l("“%(o)s”尚未按竞赛结果生成建议名单", o=occupation.name))]
    if counts.get(N.QUALIFIED.value):
        return [str(_l("“%(o)s”的建议名单已过时（生成后有新入库人员），请重新生成", o=occupation.name))]
    return []


def finalist_nomination_ids(occupation: CycleOccupation) -> set[int]:
    """Nominations of the occupation's final: the seed players and advancing challengers."""
    return {n.id for n in finalists_to_enter(occupation)}
