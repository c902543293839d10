"""Creating and changing worker records: validate, change, audit, flush. Never commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, func, select

from core import crypto
from core.audit import services as audit
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.people import rules
from core.people.models import Gender, SkillLevel, Worker
from core.timeutil import beijing_today, utcnow
from core.validators import (
    InvalidIdentifier,
    ResidentId,
    check_id_number,
    check_mobile,
    check_occupation_code,
    mask_id_number,
    mask_mobile,
)
from core.versions import check_version

#: Fields recorded in the audit trail, with the masks applied to sensitive ones.
AUDITED_FIELDS = (
    "name", "gender", "id_number_masked", "mobile", "enterprise_id", "occupation",
    "occupation_code", "skill_level", "years_in_occupation", "is_front_line", "in_post", "honors",
)
AUDIT_MASKS = {"mobile": mask_mobile}


class DuplicateIdNumber(DomainError):
    """The ID number is already registered."""


#: The audit action of an ID number refused because another enterprise holds it.
DUPLICATE_HIT_ACTION = "worker.duplicate_id_refused"


@dataclass
class WorkerData:
    """What a person enters for a worker record."""

    name: str
    gender: str
    id_number: str
    mobile: str
    enterprise_id: int
    occupation: str
    occupation_code: str = ""
    skill_level: str = SkillLevel.LEVEL_5.value
    years_in_occupation: int = 0
    is_front_line: bool = True
    in_post: bool = True
    honors: str = ""
    errors: dict = field(default_factory=dict, repr=False)


def find_by_id_number(id_number: str) -> Worker | None:
    """The worker holding ``id_number`` (normalised), found through the keyed hash (or a
    legacy hash of a record not yet re-encrypted, see :mod:`core.crypto`)."""
    digests = crypto.lookup_hashes(id_number.strip().upper())
    return db.session.scalars(select(Worker).where(Worker.id_number_hash.in_(digests))
                              .order_by(Worker.id)).first()


#: The legal minimum working age in China (劳动法第十五条): no worker record below it, and no
#: more years in a trade than the years since.
MIN_WORKING_AGE = 16


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def problems(data: WorkerData) -> tuple[list[tuple[str, str]], ResidentId | None]:
    """Every field problem of ``data`` as ``(field, message)``, and the parsed ID number.

    Normalises ``data`` in place where a field is valid.
    """
    found: list[tuple[str, str]] = []
    name = (data.name or "").strip()
    if not name:
        found.append(("name", str(_l("请填写姓名"))))
    elif len(name) > 50:
        found.append(("name", str(_l("姓名不能超过 50 个字符"))))
    resident = None
    try:
        resident = check_id_number(data.id_number)
    except InvalidIdentifier as exc:
        found.append(("id_number", str(exc)))
    if data.gender not in {g.value for g in Gender}:
        found.append(("gender", str(_l("请选择性别"))))
    elif resident is not None and resident.gender != data.gender:
        found.append(("gender", str(_l("性别与身份证号不符：身份证号第 17 位表示%(g)s",
                                       g=Gender(resident.gender).label))))
    try:
        data.mobile = check_mobile(data.mobile)
    except InvalidIdentifier as exc:
        found.append(("mobile", str(exc)))
    if data.occupation_code:
        try:
            data.occupation_code = check_occupation_code(data.occupation_code)
        except InvalidIdentifier as exc:
            found.append(("occupation_code", str(exc)))
    if not (data.occupation or "").strip():
        found.append(("occupation", str(_l("请填写工种"))))
    elif len(data.occupation.strip()) > 64:
        found.append(("occupation", str(_l("工种不能超过 64 个字符"))))
    if data.skill_level not in {s.value for s in SkillLevel}:
        found.append(("skill_level", str(_l("请选择技能等级"))))
    try:
        years_ok = 0 <= int(data.years_in_occupation) <= 60
    except (TypeError, ValueError):
        years_ok = False
    if not years_ok:
        found.append(("years_in_occupation", str(_l("从事本工种年限应在 0 到 60 年之间"))))
    if resident is not None:
        age = _age(resident.birth_date, beijing_today())
        if age < MIN_WORKING_AGE:
            found.append(("id_number", str(_l("未满 %(n)s 周岁，不能登记为职工", n=MIN_WORKING_AGE))))
        elif years_ok and int(data.years_in_occupation) > age - MIN_WORKING_AGE:
            found.append(("years_in_occupation", str(_l(
                "从事本工种年限不能超过年龄减 %(min)s（现年 %(age)s 周岁，最多 %(n)s 年）",
                min=MIN_WORKING_AGE, age=age, n=age - MIN_WORKING_AGE))))
    if len(data.honors or "") > 2000:
        found.append(("honors", str(_l("荣誉不能超过 2000 个字符"))))
    data.name = name
    data.occupation = (data.occupation or "").strip()
    data.honors = (data.honors or "").strip()
    return found, resident


def _validate(data: WorkerData) -> dict:
    """Normalise ``data`` in place; raise DomainError on the first field that fails."""
    found, resident = problems(data)
    if found:
        field_name, message = found[0]
        raise DomainError(message, field=field_name)
    return {"resident": resident}


def duplicate_message(holder: Worker, by) -> str:
    """Who holds an ID number, said only as far as `by` may know: another enterprise's
    holder is never named, so that the check cannot be used to find a person's employer."""
    if by is None or rules.can_view_worker(by, holder):
        return str(_l("该身份证号已登记：%(ent)s 的职工 %(name)s", ent=holder.enterprise.name,
                       name=holder.name))
    return str(_l("该身份证号已在其他单位登记，请联系所属工会核实"))


def is_foreign_duplicate(holder: Worker, by) -> bool:
    """A hit on a record `by` may not see: it counts toward the account's limit."""
    return by is not None and not rules.can_view_worker(by, holder)


def duplicate_hits_left(by) -> int | None:
    """How many more foreign duplicate hits `by` may get in the window (None: no limit)."""
    if by is None or rules.can_view_all_workers(by):
        return None
    config = current_app.config
    since = utcnow() - timedelta(hours=int(config["DUPLICATE_ID_HIT_WINDOW_HOURS"]))
    used = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == DUPLICATE_HIT_ACTION, AuditEntry.actor_id == by.id,
        AuditEntry.created_at >= since))
    return max(0, int(config["DUPLICATE_ID_HIT_LIMIT"]) - int(used or 0))


def too_many_duplicates_message() -> str:
    return str(_l("本账号近期查到的重复身份证号过多，登记已暂停 %(hours)s 小时。如确有职工调动，"
                  "请联系所属工会核实。", hours=current_app.config["DUPLICATE_ID_HIT_WINDOW_HOURS"]))


def check_duplicate_budget(by) -> None:
    """Refuse before any lookup once `by` has used up its duplicate hits."""
    if duplicate_hits_left(by) == 0:
        raise DomainError(too_many_duplicates_message(), field="id_number")


def record_duplicate_hits(by, hits: list[tuple[str, str]]) -> None:
    """Audit each refused ID number (masked) with the enterprise that holds it, for
    administrators; called after the refused change was rolled back."""
    for masked, holder_enterprise in hits:
        audit.record(DUPLICATE_HIT_ACTION, by, by=by, label=by.username, changes={
            "id_number_masked": [None, masked], "holder_enterprise": [None, holder_enterprise]})


def _refuse_duplicate(holder: Worker, by):
    """The refusal of an ID number `holder` already has; a foreign hit is kept in the log."""
    hits = [(holder.id_number_masked, holder.enterprise.name)] if is_foreign_duplicate(holder, by) else []
    return DuplicateIdNumber(duplicate_message(holder, by), field="id_number",
                             after_rollback=(lambda: record_duplicate_hits(by, hits)) if hits else None)


def reencrypt_batch(after_id: int, size: int) -> tuple[int | None, int]:
    """Re-encrypt the next ``size`` worker records after ``after_id`` under the current key and
    rewrite their lookup hashes under ``ID_LOOKUP_KEY``. Returns the last id handled (None
    when there are no more) and how many records changed. Versions and timestamps stay: this is
    not an edit of the record. Flushes, never commits (the command commits each batch)."""
    rows = db.session.execute(select(Worker.id, Worker.id_number_encrypted, Worker.id_number_hash)
                              .where(Worker.id > after_id).order_by(Worker.id).limit(size)).all()
    if not rows:
        return None, 0
    changed = 0
    table = Worker.__table__
    assert isinstance(table, Table)  # a mapped class's own table: its Core update keeps the version
    for worker_id, token, stored_hash in rows:
        number = crypto.decrypt(token)
        digest = crypto.lookup_hash(number)
        if crypto.is_current(token) and stored_hash == digest:
            continue
        db.session.execute(table.update().where(table.c.id == worker_id).values(
            id_number_encrypted=crypto.encrypt(number), id_number_hash=digest))
        changed += 1
    db.session.flush()
    return rows[-1][0], changed


def _apply(worker: Worker, data: WorkerData, resident) -> None:
    worker.name = data.name
    worker.gender = data.gender
    digest = crypto.lookup_hash(resident.number)
    if worker.id_number_hash != digest:
        worker.id_number_encrypted = crypto.encrypt(resident.number)
        worker.id_number_hash = digest
        worker.id_number_masked = mask_id_number(resident.number)
    worker.birth_date = resident.birth_date
    worker.mobile = data.mobile
    worker.enterprise_id = data.enterprise_id
    worker.occupation = data.occupation
    worker.occupation_code = data.occupation_code or ""
    worker.skill_level = data.skill_level
    worker.years_in_occupation = int(data.years_in_occupation)
    worker.is_front_line = bool(data.is_front_line)
    worker.in_post = bool(data.in_post)
    worker.honors = data.honors


def create_worker(data: WorkerData, *, by) -> Worker:
    """Register a new worker record; refuses a duplicate ID number."""
    resident = _validate(data)["resident"]
    check_duplicate_budget(by)
    holder = find_by_id_number(resident.number)
    if holder is not None:
        raise _refuse_duplicate(holder, by)
    worker = Worker()
    _apply(worker, data, resident)
    db.session.add(worker)
    db.session.flush()
    audit.record("worker.create", worker, by=by, changes=audit.diff(
        {}, audit.snapshot(worker, AUDITED_FIELDS), AUDIT_MASKS))
    return worker


def update_worker(worker: Worker, data: WorkerData, *, expected_version: int | None, by) -> Worker:
    """Change a worker record opened at ``expected_version``; refuses a stale form."""
    check_version(worker, expected_version, _l("该职工信息已被他人修改（您打开后又有新的保存）。"
                                               "您填写的内容仍保留在下方，请刷新查看最新信息后再保存。"))
    resident = _validate(data)["resident"]
    if worker.id_number != resident.number:
        check_duplicate_budget(by)
    holder = find_by_id_number(resident.number)
    if holder is not None and holder.id != worker.id:
        raise _refuse_duplicate(holder, by)
    before = audit.snapshot(worker, AUDITED_FIELDS)
    _apply(worker, data, resident)
    changes = audit.diff(before, audit.snapshot(worker, AUDITED_FIELDS), AUDIT_MASKS)
    if changes:
        db.session.flush()
        audit.record("worker.update", worker, by=by, changes=changes)
    return worker
