"""Contestants of an event: enterprises register their own eligible workers within the quota
(or withdraw them before check-in), administrators import contestants from Excel, check them
in and draw lots for stations and blind numbers (加密号).

Functions validate, change, audit and flush; refusals are :class:`~core.errors.DomainError`
with the Chinese reason. Audit entries name a contestant by its id or blind number (the
model's ``str``), never by name or ID number.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from competitions import rules
from competitions.models import Contestant, ContestantStatus, Event, EventState, RegistrationSource
from core.audit import services as audit
from core.errors import DomainError
from core.excel import ImportRefused, RowProblem, workbook
from core.extensions import db
from core.i18n import local_datetime
from core.people import services as people
from core.people.models import SkillLevel, Worker
from core.timeutil import utcnow
from core.validators import InvalidIdentifier, check_id_number

S = ContestantStatus

#: Statuses that hold one of the enterprise's places (a withdrawn contestant frees it).
QUOTA_STATUSES = frozenset({S.REGISTERED, S.CHECKED_IN})
#: Administrators may import contestants while registration runs and during check-in
#: (late entries agreed with the organisers), but not after the lots are drawn.
IMPORT_STATES = frozenset({EventState.REGISTRATION, EventState.CHECK_IN})

#: The import sheet: 姓名 and 身份证号 find the worker record; 工种, when filled, must be the
#: event's (it catches a sheet meant for another event); 跨工种理由 lets the administrator
#: enter a worker of another occupation, the reason kept in the audit log.
IMPORT_COLUMNS = ("姓名", "身份证号", "工种", "跨工种理由")
IMPORT_REQUIRED = IMPORT_COLUMNS[:2]
IMPORT_EXAMPLE = ("张建国", "11010519850615001X", "钳工", "")


# Eligibility and quota --------------------------------------------------------------------

def eligibility_failures(event: Event, worker: Worker, *, cross_trade: bool = False) -> list[str]:
    """Every eligibility rule of ``event`` that ``worker`` fails (empty: eligible). Ages count
    on the day of the event, so the answer does not drift during registration. The worker's
    occupation must be the event's, unless an administrator enters them across trades
    (``cross_trade``, with a reason)."""
    failures = []
    if not cross_trade and (worker.occupation or "").strip() != event.occupation:
        failures.append(str(_l("工种为“%(own)s”，与本赛项“%(event)s”不符（跨工种参赛须由竞赛管理员导入并说明理由）",
                               own=worker.occupation or "—", event=event.occupation)))
    if event.min_skill_level:
        required = SkillLevel(event.min_skill_level)
        if worker.skill_level_enum.rank < required.rank:
            failures.append(str(_l("技能等级未达到%(level)s（现为%(own)s）", level=required.label,
                                   own=worker.skill_level_enum.label)))
    age = worker.age_on(event.held_on)
    if event.min_age is not None and age < event.min_age:
        failures.append(str(_l("比赛当日未满 %(n)s 周岁（%(age)s 周岁）", n=event.min_age, age=age)))
    if event.max_age is not None and age > event.max_age:
        failures.append(str(_l("比赛当日超过 %(n)s 周岁（%(age)s 周岁）", n=event.max_age, age=age)))
    return failures


def places_taken(event: Event, enterprise_id: int) -> int:
    """How many of the enterprise's places in ``event`` are taken now."""
    return db.session.scalar(select(func.count()).select_from(Contestant).where(
        Contestant.event_id == event.id, Contestant.enterprise_id == enterprise_id,
        Contestant.status.in_([s.value for s in QUOTA_STATUSES]))) or 0


def contestant_of(event: Event, worker: Worker) -> Contestant | None:
    return db.session.scalar(select(Contestant).where(Contestant.event_id == event.id,
                                                      Contestant.worker_id == worker.id))


def open_events() -> list[Event]:
    """Events taking registrations now: in the registration state, inside the window."""
    now = utcnow()
    return list(db.session.scalars(select(Event).where(
        Event.state == EventState.REGISTRATION.value, Event.registration_opens <= now,
        Event.registration_closes >= now).order_by(Event.registration_closes, Event.id)))


def open_in_trade(worker_id: int) -> list[tuple[Event, bool]]:
    """Events of the worker's trade in registration, soonest closing first, each with whether
    the worker is entered (the enterprise registers; a withdrawn entry does not count)."""
    entered = set(db.session.scalars(select(Contestant.event_id).where(
        Contestant.worker_id == worker_id, Contestant.status != ContestantStatus.WITHDRAWN.value)))
    events = db.session.scalars(
        select(Event).join(Worker, Worker.occupation == Event.occupation)
        .where(Worker.id == worker_id, Event.state == EventState.REGISTRATION.value,
               Event.registration_closes >= utcnow())
        .order_by(Event.registration_closes, Event.id))
    return [(event, event.id in entered) for event in events]


def contestants(event: Event, enterprise_id: int | None = None) -> list[Contestant]:
    """The event's contestants (of one enterprise, when given), in registration order."""
    query = select(Contestant).where(Contestant.event_id == event.id)
    if enterprise_id is not None:
        query = query.where(Contestant.enterprise_id == enterprise_id)
    return list(db.session.scalars(query.order_by(Contestant.registered_at, Contestant.id)))


def _lock_event(event: Event) -> None:
    """Serialise registrations of one event so two cannot both pass the quota check.

    PostgreSQL: a row lock on the event. SQLite has no row locks, and its driver starts a
    transaction only at the first write, so the quota count would run outside any
    transaction: a write that changes nothing takes the database's write lock first, and a
    concurrent registration waits for it, then counts what this one committed."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Event).where(Event.id == event.id).values(id=Event.id)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def _already_message(existing: Contestant) -> str:
    return str(_l("%(name)s 已报名本赛项（%(status)s）", name=existing.worker.name,
                  status=existing.status_enum.label))


def _enter(event: Event, worker: Worker, existing: Contestant | None, *, source, by,
           cross_trade: str = "") -> Contestant:
    """Create the contestant, or re-activate a withdrawn one (one row per worker and event);
    ``cross_trade``: the administrator's reason for entering a worker of another occupation."""
    if existing is None:
        existing = Contestant(event_id=event.id, worker_id=worker.id)
        db.session.add(existing)
    existing.enterprise_id = worker.enterprise_id
    existing.status = S.REGISTERED.value
    existing.source = source.value
    existing.registered_by_id = getattr(by, "id", None)
    existing.registered_at = utcnow()
    db.session.flush()
    changes = {"event_id": [None, event.id], "enterprise_id": [None, worker.enterprise_id],
               "source": [None, source.value]}
    if cross_trade:
        changes["cross_trade_reason"] = [None, cross_trade]
    audit.record("contestant.register", existing, by=by, changes=changes)
    return existing


# Enterprises register and withdraw ----------------------------------------------------------

def register(event: Event, worker: Worker, *, by) -> Contestant:
    """``by`` (the worker's enterprise union) registers ``worker`` for ``event``."""
    if not rules.can_register(by, worker):
        raise DomainError(_l("只能为本单位的职工报名"))
    return register_checked(event, worker, by=by)


def register_checked(event: Event, worker: Worker, *, by) -> Contestant:
    """Register ``worker`` for ``event`` for a caller that has already decided ``by`` may
    (e.g. a union registering a challenger of one of its enterprises for a craftsman
    selection's qualifier); window, eligibility and quota are checked as in :func:`register`."""
    if not event.registration_open(utcnow()):
        if event.state_enum is not EventState.REGISTRATION:
            raise DomainError(_l("“%(event)s”当前为“%(state)s”，不接受报名", event=event.occupation,
                                 state=event.state_enum.label))
        raise DomainError(_l("不在报名时间内（%(a)s 至 %(b)s）", a=local_datetime(event.registration_opens),
                             b=local_datetime(event.registration_closes)))
    _lock_event(event)
    existing = contestant_of(event, worker)
    if existing is not None and existing.status_enum in QUOTA_STATUSES:
        raise DomainError(_already_message(existing))
    failures = eligibility_failures(event, worker)
    if failures:
        raise DomainError(_l("%(name)s 不符合参赛条件：%(reasons)s", name=worker.name,
                             reasons="；".join(failures)))
    if places_taken(event, worker.enterprise_id) >= event.quota_per_enterprise:
        raise DomainError(_l("本单位在该赛项的名额已满（每个单位限报 %(n)s 人）", n=event.quota_per_enterprise))
    return _enter(event, worker, existing, source=RegistrationSource.ENTERPRISE, by=by)


def withdraw(contestant: Contestant, *, by) -> None:
    """Withdraw a registration before the draw; the place is freed. After the draw only an
    administrator withdraws a contestant, with a reason (:func:`take_out`)."""
    if not (rules.can_manage_registration(by, contestant) or rules.can_manage_contestants(by)):
        raise DomainError(_l("只能撤回本单位的报名"))
    if contestant.event.state_enum not in IMPORT_STATES or contestant.event.lots_drawn_at is not None:
        raise DomainError(_l("检录抽签后不能撤回报名，如需退赛请联系竞赛管理员"))
    if contestant.status_enum is not S.REGISTERED:
        raise DomainError(_l("该选手当前为“%(s)s”，不能撤回报名", s=contestant.status_enum.label))
    contestant.status = S.WITHDRAWN.value
    db.session.flush()
    audit.record("contestant.withdraw", contestant, by=by,
                 changes={"status": [S.REGISTERED.value, S.WITHDRAWN.value]})


# Out of the competition: 缺考, 弃赛, 取消资格, a withdrawal after the draw -------------------

#: What may be recorded, from which statuses, in which event states (always before the lock).
OUT_STATUSES = {
    S.ABSENT: (frozenset({S.REGISTERED, S.CHECKED_IN}), frozenset({EventState.CHECK_IN, EventState.SCORING})),
    S.ABANDONED: (frozenset({S.CHECKED_IN}), frozenset({EventState.CHECK_IN, EventState.SCORING})),
    S.DISQUALIFIED: (frozenset({S.REGISTERED, S.CHECKED_IN}),
                     frozenset({EventState.REGISTRATION, EventState.CHECK_IN, EventState.SCORING})),
    S.WITHDRAWN: (frozenset({S.REGISTERED, S.CHECKED_IN}),
                  frozenset({EventState.REGISTRATION, EventState.CHECK_IN, EventState.SCORING})),
}
REASON_MAX = 500


def take_out(contestant: Contestant, status: str, *, reason: str, by, is_chief: bool = False) -> None:
    """Record that ``contestant`` is out (缺考, 弃赛, 取消资格, or withdrawn after the draw), with a
    reason, before the lock. They leave the score sheets, the lock checks and the ranking,
    and the results list them with the status."""
    try:
        target = S(status)
        allowed_from, allowed_states = OUT_STATUSES[target]
    except (ValueError, KeyError):
        raise DomainError(_l("请选择缺考、弃赛、取消资格或退赛"), field="status") from None
    if not rules.can_take_out(by, target, is_chief=is_chief):
        raise DomainError(_l("只有管理员可以在抽签后为选手办理退赛"), field="status")
    event = contestant.event
    if event.state_enum not in allowed_states:
        raise DomainError(_l("赛项当前为“%(s)s”，不能登记“%(t)s”", s=event.state_enum.label, t=target.label))
    if contestant.status_enum not in allowed_from:
        raise DomainError(_l("该选手当前为“%(s)s”，不能登记“%(t)s”", s=contestant.status_enum.label,
                             t=target.label))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请填写原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_l("原因不能超过 %(n)s 个字", n=REASON_MAX), field="reason")
    old = contestant.status
    contestant.status = target.value
    contestant.status_reason = reason
    contestant.status_changed_by_id = getattr(by, "id", None)
    contestant.status_changed_at = utcnow()
    db.session.flush()
    audit.record(f"contestant.{target.value}", contestant, by=by,
                 changes={"status": [old, target.value], "reason": [None, reason]})


def mark_no_shows_absent(event: Event, *, by) -> int:
    """When scoring starts, everyone registered but not checked in is 缺考; returns how many."""
    waiting = [c for c in contestants(event) if c.status_enum is S.REGISTERED]
    for contestant in waiting:
        old = contestant.status
        contestant.status = S.ABSENT.value
        contestant.status_reason = str(_l("评分开始时未检录"))
        contestant.status_changed_by_id = getattr(by, "id", None)
        contestant.status_changed_at = utcnow()
        db.session.flush()
        audit.record("contestant.absent", contestant, by=by,
                     changes={"status": [old, S.ABSENT.value], "reason": [None, contestant.status_reason]})
    return len(waiting)


# Administrators import from Excel -----------------------------------------------------------

def _ensure_importable(event: Event) -> None:
    if event.state_enum not in IMPORT_STATES or event.lots_drawn_at is not None:
        raise DomainError(_l("只有在报名或检录阶段、抽签之前才能导入选手"))


def parse_import(event: Event, rows: Sequence[tuple[int, dict]]) -> tuple[list[tuple[Worker, str]], list[RowProblem]]:
    """Check every row; returns the workers to register (with the cross-trade reason, if any)
    and every problem (row, column, reason).

    Problems never repeat the ID number itself (it is sensitive).
    """
    if not rows:
        return [], [RowProblem(1, "", str(_l("表格中没有数据行")))]
    problems: list[RowProblem] = []
    ready: list[tuple[Worker, str]] = []
    seen: dict[int, int] = {}
    added: dict[int, int] = {}  # enterprise id -> rows of this file taking its places
    for number, row in rows:
        found: list[RowProblem] = []
        name = row.get("姓名", "").strip()
        if not name:
            found.append(RowProblem(number, "姓名", str(_l("请填写姓名"))))
        occupation = row.get("工种", "").strip()
        if occupation and occupation != event.occupation:
            found.append(RowProblem(number, "工种", str(_l("工种应为本赛项的“%(o)s”", o=event.occupation))))
        worker = None
        try:
            resident = check_id_number(row.get("身份证号", ""))
        except InvalidIdentifier as error:
            found.append(RowProblem(number, "身份证号", str(error)))
        else:
            worker = people.find_by_id_number(resident.number)
            if worker is None:
                found.append(RowProblem(number, "身份证号", str(_l(
                    "平台中没有该身份证号的职工，请先由其单位登记职工信息"))))
            elif worker.id in seen:
                found.append(RowProblem(number, "身份证号", str(_l("与第 %(n)s 行是同一人", n=seen[worker.id]))))
                worker = None
            else:
                seen[worker.id] = number
                if name and name != worker.name:
                    found.append(RowProblem(number, "姓名", str(_l("姓名与该身份证号登记的职工（%(n)s）不符",
                                                                  n=worker.name))))
        if worker is not None:
            existing = contestant_of(event, worker)
            if existing is not None and existing.status_enum in QUOTA_STATUSES:
                found.append(RowProblem(number, "身份证号", _already_message(existing)))
            cross_trade = (row.get("跨工种理由") or "").strip()
            if len(cross_trade) > REASON_MAX:
                found.append(RowProblem(number, "跨工种理由", str(_l("原因不能超过 %(n)s 个字", n=REASON_MAX))))
            failures = eligibility_failures(event, worker, cross_trade=bool(cross_trade))
            if failures:
                found.append(RowProblem(number, "身份证号", str(_l("不符合参赛条件：%(r)s", r="；".join(failures)))))
            if not found:
                taken = places_taken(event, worker.enterprise_id) + added.get(worker.enterprise_id, 0)
                if taken >= event.quota_per_enterprise:
                    found.append(RowProblem(number, "身份证号", str(_l(
                        "%(ent)s 的名额已满（每个单位限报 %(n)s 人）", ent=worker.enterprise.name,
                        n=event.quota_per_enterprise))))
                else:
                    added[worker.enterprise_id] = added.get(worker.enterprise_id, 0) + 1
        problems += found
        if not found and worker is not None:
            ready.append((worker, cross_trade if worker.occupation != event.occupation else ""))
    return ready, problems


def import_contestants(event: Event, rows: Sequence[tuple[int, dict]], *, by) -> int:
    """Register every row's worker, or raise ImportRefused listing every problem."""
    _ensure_importable(event)
    _lock_event(event)
    ready, problems = parse_import(event, rows)
    if problems:
        raise ImportRefused(problems)
    for worker, cross_trade in ready:
        _enter(event, worker, contestant_of(event, worker), source=RegistrationSource.IMPORT, by=by,
               cross_trade=cross_trade)
    audit.record("event.import_contestants", event, by=by, changes={"count": [None, len(ready)]})
    return len(ready)


def enter_selected(event: Event, workers: Sequence[Worker], *, by) -> list[Contestant]:
    """Enter workers an organiser selected (e.g. a selection's finalists) as imported
    contestants: before the lot draw, eligibility checked, every refusal named at once; the
    per-enterprise quota does not apply to a selection."""
    _ensure_importable(event)
    _lock_event(event)
    problems = []
    for worker in workers:
        existing = contestant_of(event, worker)
        if existing is not None and existing.status_enum in QUOTA_STATUSES:
            problems.append(_already_message(existing))
        failures = eligibility_failures(event, worker)
        if failures:
            problems.append(str(_l("%(name)s 不符合参赛条件：%(reasons)s", name=worker.name,
                                   reasons="；".join(failures))))
    if problems:
        raise DomainError("；".join(problems))
    entered = [_enter(event, w, contestant_of(event, w), source=RegistrationSource.IMPORT, by=by)
               for w in workers]
    audit.record("event.enter_selected", event, by=by, changes={"count": [None, len(entered)]})
    return entered


def import_template() -> bytes:
    return workbook("参赛选手", IMPORT_COLUMNS, [IMPORT_EXAMPLE], widths={"身份证号": 24}, text_columns=("身份证号",))


# Check-in and the lot draw ------------------------------------------------------------------

def _ensure_check_in(event: Event) -> None:
    if event.state_enum is not EventState.CHECK_IN:
        raise DomainError(_l("赛项当前为“%(s)s”，只有检录阶段才能检录和抽签", s=event.state_enum.label))


def check_in(contestant: Contestant, *, by) -> None:
    """Record that a registered contestant turned up."""
    _ensure_check_in(contestant.event)
    if contestant.status_enum is not S.REGISTERED:
        raise DomainError(_l("该选手当前为“%(s)s”，不能检录", s=contestant.status_enum.label))
    contestant.status = S.CHECKED_IN.value
    contestant.checked_in_at = utcnow()
    db.session.flush()
    audit.record("contestant.check_in", contestant, by=by,
                 changes={"status": [S.REGISTERED.value, S.CHECKED_IN.value]})


def check_in_all(event: Event, *, by) -> int:
    """Check in every registered contestant of the event; returns how many."""
    _ensure_check_in(event)
    waiting = [c for c in contestants(event) if c.status_enum is S.REGISTERED]
    for contestant in waiting:
        check_in(contestant, by=by)
    return len(waiting)


def undrawn(event: Event) -> list[Contestant]:
    """Checked-in contestants without a blind number (late arrivals after a draw)."""
    return [c for c in contestants(event) if c.status_enum is S.CHECKED_IN and not c.blind_number]


def _blind_numbers(count: int) -> list[str]:
    """``count`` distinct random numbers of at least three digits, from a space ten times
    larger than needed, so a number says nothing about order or about the others."""
    digits = max(3, len(str(count * 10)))
    low, high = 10 ** (digits - 1), 10 ** digits
    picked: set[int] = set()
    while len(picked) < count:
        picked.add(low + secrets.randbelow(high - low))
    numbers = [str(n) for n in picked]
    secrets.SystemRandom().shuffle(numbers)
    return numbers


def draw_lots(event: Event, *, by) -> int:
    """Give every checked-in contestant a random station and a random blind number.

    May be repeated during check-in (e.g. after a late arrival): every number is drawn anew.
    Refused once scoring has started, since marks are filed under the numbers.
    """
    if event.state_enum not in {EventState.CHECK_IN}:
        if event.lots_drawn_at is not None:
            raise DomainError(_l("评分开始后不能重新抽签"))
        _ensure_check_in(event)
    present = [c for c in contestants(event) if c.status_enum is S.CHECKED_IN]
    if not present:
        raise DomainError(_l("还没有已检录的选手，不能抽签"))
    redraw = event.lots_drawn_at is not None
    for contestant in contestants(event):  # clear first: the unique constraints hold per row
        contestant.blind_number = contestant.station = None
    db.session.flush()
    rng = secrets.SystemRandom()
    width = max(2, len(str(len(present))))
    stations = [str(n).zfill(width) for n in range(1, len(present) + 1)]
    rng.shuffle(stations)
    for contestant, number, station in zip(present, _blind_numbers(len(present)), stations, strict=True):
        contestant.blind_number = number
        contestant.station = station
    event.lots_drawn_at = utcnow()
    db.session.flush()
    # The key (number -> person) stays in the database for the key holder; the log says only
    # that a draw happened and for how many.
    audit.record("event.redraw_lots" if redraw else "event.draw_lots", event, by=by,
                 changes={"contestants": [None, len(present)]})
    return len(present)
