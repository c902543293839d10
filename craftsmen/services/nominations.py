"""Nominations: an enterprise's draft with achievements and evidence, its submission against
the cycle's window and eligibility rules, and the union reviewer's qualification check.

Every state change goes through :func:`craftsmen.services.transitions.move_nomination`, which
checks the transition table and writes the audit entry. Functions validate, change, audit and
flush; refusals are :class:`~core.errors.DomainError` with the Chinese reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.i18n import local_datetime
from core.organizations.models import Enterprise
from core.timeutil import beijing_today, utcnow
from core.versions import check_version
from craftsmen import eligibility, notifications, registry, rules, uploads
from craftsmen.models import (
    AchievementKind,
    CraftsmanLevel,
    CycleOccupation,
    CycleStatus,
    Nomination,
    NominationAchievement,
    NominationAttachment,
    NominationState,
    SelectionCycle,
)
from craftsmen.services.transitions import move_nomination
from craftsmen.states import EDITABLE_STATES

N = NominationState

#: States in which a nomination takes up one of the enterprise's and its unions' places:
#: submitted or later, except rejected (a rejected nominee frees the place).
QUOTA_STATES = frozenset(set(NominationState) - {N.DRAFT, N.REJECTED})
#: Cycle phases in which a returned nomination may be corrected and resubmitted: the
#: qualification check often runs after the nomination window has closed.
RESUBMIT_PHASES = frozenset({CycleStatus.NOMINATING, CycleStatus.REVIEWING})
#: Cycle phases in which the union reviewers check qualifications.
QUALIFICATION_PHASES = RESUBMIT_PHASES

STATEMENT_MAX = 5000
REASON_MAX = 1000
MAX_ATTACHMENTS = 30
EARLIEST_ACHIEVEMENT = date(1950, 1, 1)


class SubmissionRefused(DomainError):
    """Submission refused; ``reasons`` lists every problem, each a Chinese sentence."""

    def __init__(self, reasons: list[str]):
        super().__init__(_l("不能提交：%(reasons)s", reasons="；".join(reasons)))
        self.reasons = reasons


@dataclass
class AchievementData:
    """One achievement as entered: what, when, and which uploaded file proves it."""

    kind: str
    title: str
    achieved_on: date | None
    description: str = ""
    publishable: bool = True
    attachment_id: int | None = None


# Reading ---------------------------------------------------------------------------------

def open_to(cycle: SelectionCycle, enterprise: Enterprise | None) -> bool:
    """Whether ``enterprise`` may take part in ``cycle``: any enterprise in a city cycle; in a
    district or industry cycle only the enterprises under the organising union."""
    if cycle.level_enum is CraftsmanLevel.CITY:
        return True
    return enterprise is not None and cycle.organizer_union_id in enterprise.union_ids()


def open_cycles(enterprise: Enterprise | None = None) -> list[SelectionCycle]:
    """Cycles that take new nominations now: in the nominating phase, window not closed; with
    ``enterprise``, only those it may nominate for (:func:`open_to`)."""
    now = utcnow()
    query = (select(SelectionCycle)
             .where(SelectionCycle.status == CycleStatus.NOMINATING.value,
                    SelectionCycle.nomination_closes >= now)
             .order_by(SelectionCycle.nomination_closes, SelectionCycle.id))
    if enterprise is not None:
        query = query.where(or_(SelectionCycle.level == CraftsmanLevel.CITY.value,
                                SelectionCycle.organizer_union_id.in_(enterprise.union_ids())))
    return list(db.session.scalars(query))


def accepts_drafts(cycle: SelectionCycle, enterprise: Enterprise | None = None) -> bool:
    """Whether the cycle takes new drafts now (from ``enterprise``, when given)."""
    return (cycle.status == CycleStatus.NOMINATING and utcnow() <= cycle.nomination_closes
            and (enterprise is None or open_to(cycle, enterprise)))


def _not_open_to_message(cycle: SelectionCycle) -> str:
    organizer = cycle.organizer_union.name if cycle.organizer_union else ""
    return str(_l("“%(cycle)s”由%(union)s主办，只接受%(union)s所属单位的推荐",
                  cycle=cycle.title, union=organizer))


def age_reference_date(cycle: SelectionCycle) -> date:
    """Ages are counted on the day nominations close, so the answer does not drift."""
    return cycle.nomination_closes.date()


@dataclass(frozen=True)
class QuotaUse:
    """Nominations holding places in a cycle, for an enterprise and for each of its unions."""

    enterprise: int
    unions: tuple[tuple[int, int], ...]  # (union id, count)

    @property
    def union_counts(self) -> tuple[int, ...]:
        return tuple(count for _union, count in self.unions)


def quota_use(cycle: SelectionCycle, enterprise: Enterprise, *,
              exclude_id: int | None = None) -> QuotaUse:
    """Places taken in ``cycle`` by ``enterprise`` and by each of its unions (not ``exclude_id``)."""
    base = (select(func.count()).select_from(Nomination)
            .where(Nomination.cycle_id == cycle.id,
                   Nomination.state.in_([s.value for s in QUOTA_STATES])))
    if exclude_id is not None:
        base = base.where(Nomination.id != exclude_id)
    own = db.session.scalar(base.where(Nomination.enterprise_id == enterprise.id)) or 0
    unions = []
    for union_id in sorted(enterprise.union_ids()):
        count = db.session.scalar(
            base.join(Enterprise, Enterprise.id == Nomination.enterprise_id)
            .where(or_(Enterprise.district_union_id == union_id,
                       Enterprise.industry_union_id == union_id))) or 0
        unions.append((union_id, count))
    return QuotaUse(enterprise=own, unions=tuple(unions))


def rule_failures(cycle: SelectionCycle, worker, enterprise: Enterprise | None = None, *,
                  occupation: CycleOccupation | None = None, exclude_id: int | None = None,
                  use: QuotaUse | None = None) -> list[str]:
    """Every eligibility rule of ``cycle`` that ``worker`` fails now (empty: eligible), when
    nominated for ``occupation`` (which must then be the worker's registered occupation).

    ``use`` may be passed when checking many workers of one enterprise at once.
    """
    enterprise = enterprise or worker.enterprise
    use = use or quota_use(cycle, enterprise, exclude_id=exclude_id)
    held = registry.held_levels(worker.id) if cycle.exclude_title_holders else ()
    return eligibility.failures(
        eligibility.candidate_of(worker, age_reference_date(cycle), held),
        eligibility.Rules.of(cycle), enterprise_count=use.enterprise,
        union_counts=use.union_counts, occupation=occupation.name if occupation else None,
        level=cycle.level)


def default_occupation(cycle: SelectionCycle, worker) -> CycleOccupation | None:
    """The occupation offered first when nominating ``worker``: their registered one if the
    cycle has it, else the cycle's first."""
    return next((o for o in cycle.occupations if o.name == worker.occupation),
                cycle.occupations[0] if cycle.occupations else None)


def completeness_problems(nomination: Nomination) -> list[str]:
    """What the form itself still lacks before it can be submitted."""
    problems = []
    if not (nomination.statement or "").strip():
        problems.append(str(_l("请填写个人陈述")))
    if not nomination.achievements:
        problems.append(str(_l("请至少填写一项主要成果")))
    for achievement in nomination.achievements:
        if achievement.attachment_id is None:
            problems.append(str(_l("成果“%(title)s”缺少证明材料", title=achievement.title)))
    if nomination.worker.enterprise_id != nomination.enterprise_id:
        problems.append(str(_l("该职工已不在本单位，不能由本单位推荐")))
    if not open_to(nomination.cycle, nomination.enterprise):
        problems.append(_not_open_to_message(nomination.cycle))
    return problems


def submission_problems(nomination: Nomination) -> list[str]:
    """Everything that would refuse a submission now, except the window: shown on the form."""
    return completeness_problems(nomination) + rule_failures(
        nomination.cycle, nomination.worker, nomination.enterprise,
        occupation=nomination.occupation, exclude_id=nomination.id)


# Helpers ---------------------------------------------------------------------------------

#: The answer to an edit or decision on a nomination that changed after the page was opened.
STALE = _l("该推荐已被他人修改或处理（您打开页面后又有新的变化）。请刷新页面查看最新情况后再操作。")


def _check_editable(nomination: Nomination, by) -> None:
    if not rules.is_owner(by, nomination):
        raise DomainError(_l("只有推荐单位可以修改推荐材料"))
    if nomination.state_enum not in EDITABLE_STATES:
        raise DomainError(_l("推荐当前为“%(state)s”，只能查看，不能修改",
                             state=nomination.state_enum.label))


def _occupation_of(cycle: SelectionCycle, occupation_id) -> CycleOccupation:
    occupation = next((o for o in cycle.occupations if o.id == occupation_id), None)
    if occupation is None:
        raise DomainError(_l("请选择本周期的工种"), field="occupation_id")
    return occupation


def _clean_statement(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > STATEMENT_MAX:
        raise DomainError(_l("个人陈述不能超过 %(n)s 个字", n=STATEMENT_MAX), field="statement")
    return text


def _duplicate_message(existing: Nomination) -> str:
    return str(_l("%(name)s 已在“%(cycle)s”中被推荐（工种：%(occupation)s，状态：%(state)s）。"
                  "同一周期每人只能被推荐一次，请在原推荐上修改。",
                  name=existing.worker.name, cycle=existing.cycle.title,
                  occupation=existing.occupation.name, state=existing.state_enum.label))


# Drafts ----------------------------------------------------------------------------------

def create_draft(cycle: SelectionCycle, worker, occupation_id: int, *, by,
                 statement: str = "") -> Nomination:
    """Start a nomination of ``worker`` (of ``by``'s own enterprise) for an occupation."""
    if not rules.can_nominate(by, worker):
        raise DomainError(_l("只能推荐本单位的职工"), field="worker_id")
    if not accepts_drafts(cycle):
        raise DomainError(_l("“%(cycle)s”当前不接受推荐（推荐截止：%(closes)s）",
                             cycle=cycle.title, closes=local_datetime(cycle.nomination_closes)),
                          field="cycle_id")
    if not open_to(cycle, worker.enterprise):
        raise DomainError(_not_open_to_message(cycle), field="cycle_id")
    occupation = _occupation_of(cycle, occupation_id)
    existing = db.session.scalar(select(Nomination).where(
        Nomination.cycle_id == cycle.id, Nomination.worker_id == worker.id))
    if existing is not None:
        raise DomainError(_duplicate_message(existing), field="worker_id")
    nomination = Nomination(cycle=cycle, occupation=occupation, worker=worker,
                            enterprise_id=worker.enterprise_id, state=N.DRAFT.value,
                            statement=_clean_statement(statement),
                            created_by_id=getattr(by, "id", None))
    db.session.add(nomination)
    try:
        db.session.flush()
    except IntegrityError:  # nominated a moment ago in another request; the caller rolls back
        raise DomainError(_l("该职工已在本周期被推荐，同一周期每人只能被推荐一次"),
                          field="worker_id") from None
    audit.record("nomination.create", nomination, by=by, changes={
        "cycle_id": [None, cycle.id], "occupation": [None, occupation.name],
        "worker_id": [None, worker.id], "state": [None, N.DRAFT.value]})
    from craftsmen.selection_route.ladder import add_result_achievements

    add_result_achievements(nomination, by=by)  # published results are evidence already
    return nomination


def update_draft(nomination: Nomination, *, occupation_id: int, statement: str,
                 expected_version: int | None, by) -> Nomination:
    """Change the occupation and personal statement of a draft or returned nomination."""
    _check_editable(nomination, by)
    check_version(nomination, expected_version, STALE)
    occupation = _occupation_of(nomination.cycle, occupation_id)
    statement = _clean_statement(statement)
    before = {"occupation": nomination.occupation.name, "statement": nomination.statement}
    nomination.occupation = occupation
    nomination.statement = statement
    after = {"occupation": occupation.name, "statement": statement}
    changes = audit.diff(before, after)
    if changes:
        if "statement" in changes:  # the audit says that it changed, not the whole essay
            changes["statement"] = [len(before["statement"] or ""), len(statement)]
        db.session.flush()
        audit.record("nomination.update", nomination, by=by, changes=changes)
    return nomination


def delete_draft(nomination: Nomination, *, expected_version: int | None, by) -> None:
    """Delete a never-submitted draft with its files."""
    if not rules.is_owner(by, nomination):
        raise DomainError(_l("只有推荐单位可以删除草稿"))
    if nomination.state_enum is not N.DRAFT:
        raise DomainError(_l("只有未提交过的草稿可以删除"))
    check_version(nomination, expected_version, STALE)
    for attachment in nomination.attachments:
        uploads.delete_after_commit(db.session, attachment.stored_name)
    audit.record("nomination.delete", nomination, by=by, label=str(nomination), changes={
        "state": [nomination.state, None], "worker_id": [nomination.worker_id, None]})
    db.session.delete(nomination)
    db.session.flush()


# Achievements ----------------------------------------------------------------------------

def _validate_achievement(nomination: Nomination, data: AchievementData) -> None:
    if data.kind not in {k.value for k in AchievementKind}:
        raise DomainError(_l("请选择成果类别"), field="kind")
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError(_l("请填写成果名称"), field="title")
    if len(data.title) > 200:
        raise DomainError(_l("成果名称不能超过 200 个字"), field="title")
    if data.achieved_on is None:
        raise DomainError(_l("请填写取得日期"), field="achieved_on")
    if data.achieved_on > beijing_today():
        raise DomainError(_l("取得日期不能晚于今天"), field="achieved_on")
    if data.achieved_on < EARLIEST_ACHIEVEMENT:
        raise DomainError(_l("取得日期不能早于 1950 年"), field="achieved_on")
    data.description = (data.description or "").strip()
    if len(data.description) > 2000:
        raise DomainError(_l("成果说明不能超过 2000 个字"), field="description")
    if data.attachment_id and not any(a.id == data.attachment_id for a in nomination.attachments):
        raise DomainError(_l("请选择本推荐已上传的证明材料"), field="attachment_id")


def add_achievement(nomination: Nomination, data: AchievementData, *, by,
                    evidence=None) -> NominationAchievement:
    """Add an achievement; ``evidence`` (an uploaded file) becomes its proof when given."""
    _check_editable(nomination, by)
    _validate_achievement(nomination, data)
    if evidence is not None and getattr(evidence, "filename", None):
        data.attachment_id = add_attachment(nomination, evidence, by=by).id
    achievement = NominationAchievement(
        kind=data.kind, title=data.title, achieved_on=data.achieved_on,
        description=data.description, publishable=bool(data.publishable),
        attachment_id=data.attachment_id or None)
    nomination.achievements.append(achievement)
    db.session.flush()
    audit.record("nomination.achievement_add", nomination, by=by, changes={
        "achievement": [None, f"{AchievementKind(data.kind).label}：{data.title}"
                              f"（{achievement.achieved_on.isoformat()}）"]})
    return achievement


def remove_achievement(nomination: Nomination, achievement: NominationAchievement, *, by) -> None:
    _check_editable(nomination, by)
    if achievement.nomination_id != nomination.id:
        raise DomainError(_l("该成果不属于本推荐"))
    label = f"{achievement.kind_enum.label}：{achievement.title}"
    nomination.achievements.remove(achievement)
    db.session.flush()
    audit.record("nomination.achievement_remove", nomination, by=by,
                 changes={"achievement": [label, None]})


# Attachments -----------------------------------------------------------------------------

def attachments_size(nomination: Nomination) -> int:
    return sum(a.size for a in nomination.attachments)


def add_attachment(nomination: Nomination, file_storage, *, by) -> NominationAttachment:
    """Check and store an evidence file (type by content; per-file and per-nomination limits)."""
    _check_editable(nomination, by)
    if len(nomination.attachments) >= MAX_ATTACHMENTS:
        raise DomainError(_l("每份推荐最多上传 %(n)s 个附件", n=MAX_ATTACHMENTS), field="file")
    config = current_app.config
    stored = uploads.store(file_storage, max_bytes=config["UPLOAD_MAX_FILE_BYTES"],
                           room_bytes=config["UPLOAD_MAX_TOTAL_BYTES"] - attachments_size(nomination))
    same = next((a for a in nomination.attachments if a.sha256 == stored.sha256), None)
    if same is not None:
        uploads.remove(stored.stored_name)
        raise DomainError(_l("该文件已上传过（“%(name)s”），无需重复上传", name=same.original_name),
                          field="file")
    uploads.discard_on_rollback(db.session, stored.stored_name)
    attachment = NominationAttachment(
        original_name=stored.original_name, stored_name=stored.stored_name,
        content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
        uploaded_by_id=getattr(by, "id", None))
    nomination.attachments.append(attachment)
    db.session.flush()
    audit.record("nomination.attachment_add", nomination, by=by, changes={
        "attachment": [None, f"{stored.original_name}（{stored.size} B，sha256 {stored.sha256[:12]}）"]})
    return attachment


def remove_attachment(nomination: Nomination, attachment: NominationAttachment, *, by) -> None:
    """Remove an evidence file; achievements it proved lose their proof; the file leaves the
    disk when the change is committed."""
    _check_editable(nomination, by)
    if attachment.nomination_id != nomination.id:
        raise DomainError(_l("该附件不属于本推荐"))
    for achievement in nomination.achievements:
        if achievement.attachment_id == attachment.id:
            achievement.attachment_id = None
    nomination.attachments.remove(attachment)
    db.session.flush()
    uploads.delete_after_commit(db.session, attachment.stored_name)
    audit.record("nomination.attachment_remove", nomination, by=by, changes={
        "attachment": [f"{attachment.original_name}（sha256 {attachment.sha256[:12]}）", None]})


# Submission ------------------------------------------------------------------------------

def submission_window_problem(nomination: Nomination) -> str | None:
    """Why the nomination cannot be (re)submitted at this moment of the cycle, or None."""
    cycle = nomination.cycle
    now = utcnow()
    if nomination.state_enum is N.RETURNED:
        if cycle.status_enum not in RESUBMIT_PHASES:
            return str(_l("“%(cycle)s”已进入“%(phase)s”阶段，不能再提交修改",
                          cycle=cycle.title, phase=cycle.status_enum.label))
        return None
    if cycle.status_enum is not CycleStatus.NOMINATING:
        return str(_l("“%(cycle)s”当前为“%(phase)s”，不接受推荐",
                      cycle=cycle.title, phase=cycle.status_enum.label))
    if now < cycle.nomination_opens:
        return str(_l("推荐将于 %(t)s 开始，届时才能提交", t=local_datetime(cycle.nomination_opens)))
    if now > cycle.nomination_closes:
        return str(_l("推荐已于 %(t)s 截止，不能再提交。草稿仍然保留。",
                      t=local_datetime(cycle.nomination_closes)))
    return None


def submit(nomination: Nomination, *, expected_version: int | None, by) -> str:
    """Submit a draft (inside the window) or resubmit a returned nomination; returns the action.

    Refused with every reason at once: the window, missing parts, failed eligibility rules.
    """
    if not rules.is_owner(by, nomination):
        raise DomainError(_l("只有推荐单位可以提交推荐"))
    check_version(nomination, expected_version, STALE)
    if nomination.state_enum not in EDITABLE_STATES:
        raise DomainError(_l("推荐当前为“%(state)s”，不能再次提交", state=nomination.state_enum.label))
    window = submission_window_problem(nomination)
    if window:
        raise SubmissionRefused([window])
    problems = submission_problems(nomination)
    if problems:
        raise SubmissionRefused(problems)
    nomination.submitted_at = utcnow()
    return move_nomination(nomination, N.SUBMITTED, by=by)


# Qualification check ---------------------------------------------------------------------

def _check_reviewable(nomination: Nomination, expected_version: int | None, by, *,
                      states=(N.SUBMITTED,)) -> None:
    if not rules.can_qualify(by, nomination):
        raise DomainError(_l("只有推荐单位所属区总工会或产业工会的审核员可以进行资格审查"))
    check_version(nomination, expected_version, STALE)
    if nomination.state_enum not in states:
        raise DomainError(_l("该推荐当前为“%(state)s”，不在待资格审查状态",
                             state=nomination.state_enum.label))
    if nomination.cycle.status_enum not in QUALIFICATION_PHASES:
        raise DomainError(_l("“%(cycle)s”已进入“%(phase)s”阶段，不能再进行资格审查",
                             cycle=nomination.cycle.title, phase=nomination.cycle.status_enum.label))


def _reason(text: str | None, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise DomainError(_l("请填写理由，推荐单位将看到这段说明"), field="reason")
    if len(text) > REASON_MAX:
        raise DomainError(_l("理由不能超过 %(n)s 个字", n=REASON_MAX), field="reason")
    return text


def qualify(nomination: Nomination, *, note: str = "", expected_version: int | None, by) -> None:
    """Pass the qualification check: the nominee enters the talent pool."""
    _check_reviewable(nomination, expected_version, by)
    note = _reason(note, required=False)
    nomination.qualified_at = utcnow()
    move_nomination(nomination, N.QUALIFIED, by=by, note=note)


def return_for_correction(nomination: Nomination, reason: str, *, expected_version: int | None,
                          by) -> None:
    """Send back to the enterprise to correct and resubmit; the reason is required."""
    _check_reviewable(nomination, expected_version, by)
    move_nomination(nomination, N.RETURNED, by=by, note=_reason(reason, required=True))


def reject(nomination: Nomination, reason: str, *, expected_version: int | None, by) -> None:
    """Fail the qualification check for good; the reason is required.

    A returned nomination may be rejected too (the enterprise gave up correcting it): every
    nomination must be decided before the cycle's notice is published.
    """
    _check_reviewable(nomination, expected_version, by, states=(N.SUBMITTED, N.RETURNED))
    move_nomination(nomination, N.REJECTED, by=by, note=_reason(reason, required=True))


def decide(nomination: Nomination, decision: str, reason: str, *, expected_version: int | None,
           by) -> None:
    """One entry for the reviewer's form: ``decision`` is qualify, return or reject."""
    if decision == "qualify":
        qualify(nomination, note=reason, expected_version=expected_version, by=by)
    elif decision == "return":
        return_for_correction(nomination, reason, expected_version=expected_version, by=by)
    elif decision == "reject":
        reject(nomination, reason, expected_version=expected_version, by=by)
    else:
        raise DomainError(_l("请选择审查结论"), field="decision")
    notifications.nomination_decided(nomination)
