"""Competitions and their events: create and edit with their rules, and move an event
through its states (audited; starting the scoring freezes the marking scheme)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from competitions import scoring, states
from competitions.models import Competition, Contestant, ContestantStatus, Event, EventState, ModuleKind
from competitions.services import schemes
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.i18n import chinese_date
from core.people.models import SkillLevel
from core.timeutil import BEIJING_OFFSET, utcnow
from core.versions import check_version

COMPETITION_FIELDS = ("title", "year", "organizer", "starts_on", "ends_on", "description")
EVENT_FIELDS = ("occupation", "occupation_code", "venue", "held_on", "registration_opens",
                "registration_closes", "min_skill_level", "min_age", "max_age", "quota_per_enterprise",
                "theory_weight_cap", "first_prize_percent", "second_prize_percent", "third_prize_percent",
                "tie_break_kinds", "promotion_top_n", "title_top_n", "appeal_window_minutes")

#: Contestants' ages: the limits an event may set.
AGE_RANGE = (16, 70)
#: The longest appeal window, in minutes (one day).
MAX_APPEAL_WINDOW = 24 * 60


@dataclass
class CompetitionData:
    title: str
    year: int
    organizer: str = "北京市总工会"
    starts_on: date | None = None
    ends_on: date | None = None
    description: str = ""


@dataclass
class EventData:
    occupation: str
    venue: str
    held_on: date
    registration_opens: datetime  # naive UTC
    registration_closes: datetime  # naive UTC
    occupation_code: str = ""
    min_skill_level: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    quota_per_enterprise: int = 2
    theory_weight_cap: Decimal = Decimal(30)
    first_prize_percent: Decimal = Decimal(10)
    second_prize_percent: Decimal = Decimal(20)
    third_prize_percent: Decimal = Decimal(30)
    tie_break_kinds: list[str] = field(default_factory=lambda: list(scoring.DEFAULT_TIE_BREAK))
    promotion_top_n: int | None = None
    title_top_n: int | None = None
    appeal_window_minutes: int = 120


# Competitions ----------------------------------------------------------------------------------

def _validate_competition(data: CompetitionData, competition: Competition | None = None) -> None:
    data.title = (data.title or "").strip()
    data.organizer = (data.organizer or "").strip()
    data.description = (data.description or "").strip()
    if not data.title:
        raise DomainError(_l("请填写竞赛名称"), field="title")
    if len(data.title) > 100:
        raise DomainError(_l("竞赛名称不能超过 100 个字"), field="title")
    same = db.session.scalar(select(Competition).where(Competition.title == data.title))
    if same is not None and same is not competition:
        raise DomainError(_l("已有同名的竞赛"), field="title")
    if data.year is None or not 2000 <= int(data.year) <= 2100:
        raise DomainError(_l("年度无效"), field="year")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise DomainError(_l("结束日期不能早于开始日期"), field="ends_on")


def create_competition(data: CompetitionData, *, by) -> Competition:
    _validate_competition(data)
    competition = Competition(created_by_id=getattr(by, "id", None))
    for name in COMPETITION_FIELDS:
        setattr(competition, name, getattr(data, name))
    db.session.add(competition)
    db.session.flush()
    audit.record("competition.create", competition, by=by,
                 changes=audit.diff({}, audit.snapshot(competition, COMPETITION_FIELDS)))
    return competition


def update_competition(competition: Competition, data: CompetitionData, *, expected_version: int | None, by) -> None:
    check_version(competition, expected_version, _l("该竞赛已被他人修改。您填写的内容仍保留在下方，请刷新后再保存。"))
    _validate_competition(data, competition)
    before = audit.snapshot(competition, COMPETITION_FIELDS)
    for name in COMPETITION_FIELDS:
        setattr(competition, name, getattr(data, name))
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(competition, COMPETITION_FIELDS))
    if changes:
        audit.record("competition.update", competition, by=by, changes=changes)


# Events ----------------------------------------------------------------------------------------

def _beijing_date(moment: datetime) -> date:
    return (moment + BEIJING_OFFSET).date()


def _validate_event(competition: Competition, data: EventData, event: Event | None = None) -> None:
    data.occupation = (data.occupation or "").strip()
    data.occupation_code = (data.occupation_code or "").strip()
    data.venue = (data.venue or "").strip()
    if not data.occupation:
        raise DomainError(_l("请填写赛项（工种）"), field="occupation")
    if len(data.occupation) > 64:
        raise DomainError(_l("工种名称不能超过 64 个字"), field="occupation")
    if any(e.occupation == data.occupation for e in competition.events if e is not event):
        raise DomainError(_l("该竞赛已有“%(name)s”赛项", name=data.occupation), field="occupation")
    if len(data.occupation_code) > 16:
        raise DomainError(_l("职业编码不能超过 16 个字符"), field="occupation_code")
    if not data.venue:
        raise DomainError(_l("请填写比赛地点"), field="venue")
    if len(data.venue) > 200:
        raise DomainError(_l("比赛地点不能超过 200 个字"), field="venue")
    _validate_dates(competition, data)
    _validate_eligibility(data)
    _validate_rules(data, event)


def _validate_dates(competition: Competition, data: EventData) -> None:
    if data.held_on is None:
        raise DomainError(_l("请填写比赛日期"), field="held_on")
    if competition.starts_on and competition.ends_on and not (
            competition.starts_on <= data.held_on <= competition.ends_on):
        raise DomainError(_l("比赛日期应在竞赛期间内"), field="held_on")
    if data.registration_opens is None or data.registration_closes is None:
        raise DomainError(_l("请填写报名时间"), field="registration_closes")
    if data.registration_closes <= data.registration_opens:
        raise DomainError(_l("报名截止时间须晚于开始时间"), field="registration_closes")
    if _beijing_date(data.registration_closes) > data.held_on:
        raise DomainError(_l("报名须在比赛日期之前截止"), field="registration_closes")


def _validate_eligibility(data: EventData) -> None:
    if data.min_skill_level and data.min_skill_level not in {s.value for s in SkillLevel}:
        raise DomainError(_l("技能等级无效"), field="min_skill_level")
    low, high = AGE_RANGE
    for name in ("min_age", "max_age"):
        value = getattr(data, name)
        if value is not None and not low <= value <= high:
            raise DomainError(_l("年龄限制应在 %(a)s 到 %(b)s 周岁之间", a=low, b=high), field=name)
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        raise DomainError(_l("最小年龄不能大于最大年龄"), field="max_age")
    if data.quota_per_enterprise is None or not 1 <= data.quota_per_enterprise <= 100:
        raise DomainError(_l("每个企业的名额应为 1 到 100 人"), field="quota_per_enterprise")


def _validate_rules(data: EventData, event: Event | None) -> None:
    cap = data.theory_weight_cap
    if cap is None or not Decimal(0) <= cap <= scoring.THEORY_MAX_WEIGHT:
        raise DomainError(_l("理论模块权重上限应在 0 到 30 之间"), field="theory_weight_cap")
    if event is not None and event.theory_weight > cap:
        raise DomainError(_l("评分标准中理论模块的权重合计已有 %(w)s，不能把上限设得更低",
                             w=schemes.plain(event.theory_weight)), field="theory_weight_cap")
    percents = (data.first_prize_percent, data.second_prize_percent, data.third_prize_percent)
    for name, value in zip(("first_prize_percent", "second_prize_percent", "third_prize_percent"), percents,
                           strict=True):
        if value is None or not Decimal(0) <= value <= Decimal(100):
            raise DomainError(_l("获奖比例应在 0 到 100 之间"), field=name)
    if sum(percents, Decimal(0)) > Decimal(100):
        raise DomainError(_l("一、二、三等奖比例之和不能超过 100"), field="third_prize_percent")
    kinds = list(data.tie_break_kinds or [])
    if len(set(kinds)) != len(kinds) or any(k not in set(ModuleKind) for k in kinds):
        raise DomainError(_l("并列名次的比较顺序无效"), field="tie_break_kinds")
    for name in ("promotion_top_n", "title_top_n"):
        value = getattr(data, name)
        if value is not None and not 1 <= value <= 1000:
            raise DomainError(_l("名次应为 1 到 1000"), field=name)
    if data.appeal_window_minutes is None or not 0 < data.appeal_window_minutes <= MAX_APPEAL_WINDOW:
        raise DomainError(_l("申诉期应为 1 到 1440 分钟"), field="appeal_window_minutes")


def _apply_event(event: Event, data: EventData) -> None:
    for name in EVENT_FIELDS:
        setattr(event, name, getattr(data, name))
    event.tie_break_kinds = list(data.tie_break_kinds)


def create_event(competition: Competition, data: EventData, *, by) -> Event:
    _validate_event(competition, data)
    event = Event(state=EventState.DRAFT.value)
    _apply_event(event, data)
    competition.events.append(event)
    db.session.flush()
    audit.record("event.create", event, by=by, changes=audit.diff({}, audit.snapshot(event, EVENT_FIELDS)))
    return event


def update_event(event: Event, data: EventData, *, expected_version: int | None, by) -> None:
    """Settings change only before check-in; the scheme has its own service."""
    check_version(event, expected_version, _l("该赛项已被他人修改。您填写的内容仍保留在下方，请刷新后再保存。"))
    if event.state_enum not in states.SETTINGS_EDITABLE_STATES:
        raise DomainError(_l("检录开始后不能再修改赛项设置"))
    _validate_event(event.competition, data, event)
    before = audit.snapshot(event, EVENT_FIELDS)
    _apply_event(event, data)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(event, EVENT_FIELDS))
    if changes:
        audit.record("event.update", event, by=by, changes=changes)


# State moves -----------------------------------------------------------------------------------

def move_event(event: Event, target: EventState, *, by) -> str:
    """Change an event's state if the table allows it; returns the action name."""
    return states.EVENT.move(event, target, by=by)


def open_registration(event: Event, *, by) -> None:
    move_event(event, EventState.REGISTRATION, by=by)


def start_check_in(event: Event, *, by) -> None:
    """Registration ends; check-in and the lot draw begin."""
    move_event(event, EventState.CHECK_IN, by=by)


def _coverage_label(contestant: Contestant) -> str:
    """Contestants named for the administrator, who holds the key: blind number and name."""
    return f"{contestant.blind_number or ''} {contestant.worker.name}".strip()


def start_scoring(event: Event, *, by, early_reason: str = "") -> None:
    """Scoring begins: the scheme must be complete, and is frozen from now on; every
    checked-in contestant must have drawn a station and blind number (a late arrival after
    the draw needs a redraw first); whoever is still only registered is recorded 缺考; every
    remaining contestant must have enough judges who are not recused. Before the competition
    day an administrator may start it early only with a reason (``early_reason``, audited)."""
    states.event_action(event.state, EventState.SCORING)  # refuse an illegal move before freezing
    undrawn = db.session.scalar(select(func.count()).select_from(Contestant).where(
        Contestant.event_id == event.id, Contestant.status == ContestantStatus.CHECKED_IN.value,
        Contestant.blind_number.is_(None)))
    if undrawn:
        raise DomainError(_l("还有 %(n)s 名已检录选手没有抽签（加密号），请先重新抽签", n=undrawn))
    from competitions.services import judges, registration

    registration.mark_no_shows_absent(event, by=by)
    problem = judges.coverage_message(judges.coverage_shortfalls(event), label=_coverage_label)
    if problem:
        raise DomainError(problem)
    schemes.freeze(event, by=by)  # refuses an incomplete scheme
    early_reason = (early_reason or "").strip()[:500]
    today = _beijing_date(utcnow())
    if today < event.held_on and not early_reason:
        raise DomainError(_l("比赛日（%(d)s）尚未到来，不能开始评分；如确需提前，请填写提前开始的理由",
                             d=chinese_date(event.held_on)), field="early_reason")
    move_event(event, EventState.SCORING, by=by)
    if today < event.held_on:
        audit.record("event.start_scoring_early", event, by=by,
                     changes={"held_on": [None, event.held_on.isoformat()], "reason": [None, early_reason]})
