"""Panel operations: validate, change, audit, flush. Features call these with their subjects.

A *subject* is described to the engine by :class:`Subject`: its type and id, a label for the
audit trail, and the enterprise it belongs to (experts from that enterprise are excluded).
The engine never imports a feature: a feature that owns a panel *scope* describes it once with a
:class:`core.review_panels.scope.PanelScope` (its records, how to link them, whether scoring is
open), which is how the shared pages and the expert's workbench reach them.

Rules kept here, once:

* an expert scores a subject only as a member of its panel, not from the subject's enterprise
  and without a declared conflict (:meth:`PanelState.exclusion_reason`);
* marks are Decimals between 0 and the rubric's maximum with at most two decimals; a draft
  may leave marks blank, a submitted sheet may not, and a submitted sheet is final until the
  panel lead sends it back (:func:`reopen_sheet`), which is possible only on a flagged subject
  and never for one's own sheet;
* an expert sees the other experts' scores only after submitting their own;
* a lead's resolution of a disagreement applies to the scores it was made on: it is dropped
  when a sheet of that subject is sent back or (re)submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.accounts.models import User
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.notifications import services as notifications
from core.review_panels import scoring
from core.review_panels.models import (
    ConflictDeclaration,
    DisagreementResolution,
    PanelMember,
    ReviewPanel,
    ReviewScore,
)
from core.roles import Role
from core.timeutil import beijing_today, utcnow


@dataclass(frozen=True)
class Subject:
    type: str
    id: int
    label: str
    enterprise_id: int | None

    @property
    def ref(self) -> str:
        return f"{self.type}:{self.id}"


class SheetStatus(StrEnum):
    """Where one expert stands on one subject."""

    EXCLUDED = "excluded"
    TODO = "todo"
    DRAFT = "draft"
    REOPENED = "reopened"
    SUBMITTED = "submitted"

    @property
    def label(self):
        return {SheetStatus.EXCLUDED: _l("回避"), SheetStatus.TODO: _l("待评分"),
                SheetStatus.DRAFT: _l("草稿"), SheetStatus.REOPENED: _l("退回重评"),
                SheetStatus.SUBMITTED: _l("已提交")}[self]

    @property
    def pending(self) -> bool:
        return self in (SheetStatus.TODO, SheetStatus.DRAFT, SheetStatus.REOPENED)


class InvalidMarks(DomainError):
    """Typed marks that are not numbers in range: ``errors`` maps each criterion key to why."""

    def __init__(self, errors: Mapping[str, object]):
        self.errors = {key: str(message) for key, message in errors.items()}
        super().__init__("；".join(self.errors.values()))


@dataclass(frozen=True)
class SubjectResult:
    """The panel's view of one subject: only submitted sheets of experts who may score it count."""

    subject: Subject
    sheets: tuple[ReviewScore, ...]
    expected: int  # experts who may score it
    excluded: Mapping[int, str]  # member id -> why they step aside
    aggregate: Decimal | None
    spread: Decimal
    flagged: bool
    resolution: DisagreementResolution | None

    @property
    def totals(self) -> tuple[Decimal, ...]:
        return tuple(s.total for s in self.sheets if s.total is not None)

    @property
    def submitted(self) -> int:
        return len(self.sheets)

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.submitted >= self.expected

    @property
    def needs_lead(self) -> bool:
        return self.flagged and self.resolution is None

    def criterion_aggregate(self, key: str) -> Decimal | None:
        """One criterion's marks aggregated by the same rule as the totals (for tie-breaks)."""
        marks = [Decimal(s.marks[key]) for s in self.sheets if key in (s.marks or {})]
        return scoring.aggregate(marks)


class PanelState:
    """Everything a panel has recorded (sheets, conflicts, resolutions), loaded in three queries.

    Pages that show many subjects build one of these instead of asking subject by subject.
    """

    def __init__(self, panel: ReviewPanel, subjects: Sequence[Subject] | None = None):
        self.panel = panel
        conditions = []
        if subjects is not None:
            ids_by_type: dict[str, list[int]] = {}
            for s in subjects:
                ids_by_type.setdefault(s.type, []).append(s.id)
            if len(ids_by_type) == 1:
                (kind, ids), = ids_by_type.items()
                conditions = [kind, ids]
        self.sheets = {(s.user_id, s.subject_type, s.subject_id): s
                       for s in self._load(ReviewScore, conditions)}
        self.conflicts = {(c.user_id, c.subject_type, c.subject_id): c
                          for c in self._load(ConflictDeclaration, conditions)}
        self.resolutions = {(r.subject_type, r.subject_id): r
                            for r in self._load(DisagreementResolution, conditions)}

    def _load(self, model, conditions):
        query = select(model).where(model.panel_id == self.panel.id)
        if conditions:
            kind, ids = conditions
            query = query.where(model.subject_type == kind, model.subject_id.in_(ids))
        return db.session.scalars(query).all()

    def exclusion_reason(self, user: User, subject: Subject) -> str | None:
        """Why ``user`` may not score ``subject`` on this panel (None: they may)."""
        if user.id not in self.panel.member_ids():
            return str(_l("您不是该评审组成员"))
        if subject.enterprise_id and user.employer_id == subject.enterprise_id:
            return str(_l("回避：被评审人与您同属一个单位"))
        declared = self.conflicts.get((user.id, subject.type, subject.id))
        if declared is not None:
            return str(_l("回避：%(reason)s", reason=declared.reason))
        return None

    def sheet(self, user: User, subject: Subject) -> ReviewScore | None:
        return self.sheets.get((user.id, subject.type, subject.id))

    def status(self, user: User, subject: Subject) -> SheetStatus:
        if self.exclusion_reason(user, subject) is not None:
            return SheetStatus.EXCLUDED
        sheet = self.sheet(user, subject)
        if sheet is None:
            return SheetStatus.TODO
        if sheet.is_submitted:
            return SheetStatus.SUBMITTED
        return SheetStatus.REOPENED if sheet.reopen_reason else SheetStatus.DRAFT

    def eligible_experts(self, subject: Subject) -> list[User]:
        return [m.user for m in self.panel.members if self.exclusion_reason(m.user, subject) is None]

    def result(self, subject: Subject) -> SubjectResult:
        eligible, excluded = [], {}
        for member in sorted(self.panel.members, key=lambda m: m.user_id):
            reason = self.exclusion_reason(member.user, subject)
            if reason is None:
                eligible.append(member.user)
            else:
                excluded[member.user_id] = reason
        sheets = [s for u in eligible
                  if (s := self.sheet(u, subject)) is not None and s.is_submitted]
        sheets.sort(key=lambda s: s.submitted_at or datetime.min)  # submitted: always set
        totals = [s.total for s in sheets if s.total is not None]  # submitted: always set
        return SubjectResult(
            subject=subject, sheets=tuple(sheets), expected=len(eligible), excluded=excluded,
            aggregate=scoring.aggregate(totals), spread=scoring.spread(totals),
            flagged=scoring.disagrees(totals, self.panel.disagreement_threshold),
            resolution=self.resolutions.get((subject.type, subject.id)))


# Panels and members -------------------------------------------------------------------------

def create_panel(scope: str, scope_id: int, name: str, rubric: Mapping, *, threshold: Decimal,
                 by) -> ReviewPanel:
    _check_rubric(rubric, threshold)
    if panel_for_scope(scope, scope_id) is not None:
        raise DomainError(_l("该评审组已存在"))
    panel = ReviewPanel(scope=scope, scope_id=scope_id, name=name.strip(), rubric=dict(rubric),
                        disagreement_threshold=Decimal(threshold))
    db.session.add(panel)
    db.session.flush()
    audit.record("panel.create", panel, by=by, changes={"name": [None, panel.name]})
    return panel


def panel_for_scope(scope: str, scope_id: int) -> ReviewPanel | None:
    return db.session.scalar(select(ReviewPanel).where(ReviewPanel.scope == scope,
                                                       ReviewPanel.scope_id == scope_id))


def _check_rubric(rubric: Mapping, threshold: Decimal) -> None:
    try:
        scoring.Rubric.from_data(rubric)
    except scoring.RubricError as exc:
        raise DomainError(str(exc), field="rubric") from None
    if not Decimal(0) < Decimal(threshold) <= scoring.HUNDRED:
        raise DomainError(_l("分歧阈值应在 0 到 100 之间"), field="disagreement_threshold")


def has_sheets(panel: ReviewPanel) -> bool:
    return db.session.scalar(select(ReviewScore.id).where(ReviewScore.panel_id == panel.id)
                             .limit(1)) is not None


def update_rubric(panel: ReviewPanel, rubric: Mapping, *, threshold: Decimal, by) -> bool:
    """Replace the rubric and threshold while nobody has scored yet; True if anything changed."""
    _check_rubric(rubric, threshold)
    if dict(panel.rubric) == dict(rubric) and Decimal(panel.disagreement_threshold) == Decimal(threshold):
        return False
    if has_sheets(panel):
        raise DomainError(_l("专家已开始评分，不能再修改评分细则"))
    changes = audit.diff({"rubric": panel.rubric, "disagreement_threshold": panel.disagreement_threshold},
                         {"rubric": dict(rubric), "disagreement_threshold": Decimal(threshold)})
    panel.rubric = dict(rubric)
    panel.disagreement_threshold = Decimal(threshold)
    db.session.flush()
    audit.record("panel.rubric", panel, by=by, changes=changes)
    return True


#: What experts newly on a panel are told, and the page the notice links to.
ASSIGNED_NOTICE = ("panel.assigned", "main.expert_home")


def set_members(panel: ReviewPanel, user_ids: Iterable[int], lead_id: int | None, *, by,
                notice: tuple[str, str] = ASSIGNED_NOTICE) -> None:
    """Replace the panel's experts; the lead must be one of them. Submitted sheets are kept.
    The experts added are told with ``notice`` (a notification kind and the endpoint of the
    page it links to), by default that they will find what to score in their review tasks."""
    wanted = set(user_ids)
    users = db.session.scalars(select(User).where(User.id.in_(wanted))).all() if wanted else []
    if len(users) != len(wanted):
        raise DomainError(_l("所选专家不存在"), field="members")
    not_experts = sorted(u.display_name for u in users if not u.has_role(Role.EXPERT))
    if not_experts:
        raise DomainError(_l("只能选择评审专家：%(names)s", names="、".join(not_experts)),
                          field="members")
    disabled = sorted(u.display_name for u in users
                      if not u.is_enabled and u.id not in panel.member_ids())
    if disabled:
        raise DomainError(_l("已停用的账号不能加入评审组：%(names)s", names="、".join(disabled)),
                          field="members")
    if lead_id is not None and lead_id not in wanted:
        raise DomainError(_l("组长须是评审组成员"), field="lead_user_id")
    submitted = set(db.session.scalars(select(ReviewScore.user_id).where(
        ReviewScore.panel_id == panel.id, ReviewScore.submitted_at.is_not(None))))
    if submitted - wanted:
        raise DomainError(_l("已提交评分的专家不能移出评审组"), field="members")
    before = sorted(panel.member_ids())
    panel.members = [m for m in panel.members if m.user_id in wanted]
    for user_id in sorted(wanted - panel.member_ids()):
        panel.members.append(PanelMember(user_id=user_id))
    old_lead = panel.lead_user_id
    panel.lead_user_id = lead_id
    db.session.flush()
    changes = audit.diff({"members": before, "lead_user_id": old_lead},
                         {"members": sorted(wanted), "lead_user_id": lead_id})
    if changes:
        audit.record("panel.members", panel, by=by, changes=changes)
    added = wanted - set(before)
    if added:
        kind, endpoint = notice
        notifications.notify(notifications.recipients(user_ids=added), kind,
                             {"panel": panel.name}, notifications.path_for(endpoint))


def set_deadline(panel: ReviewPanel, deadline: date | None, *, by) -> None:
    """Set (or clear) the day by which the experts hand in their sheets; a new deadline may
    not lie in the past (an unchanged one may, so a late panel can still be edited)."""
    if deadline == panel.deadline:
        return
    if deadline is not None and deadline < beijing_today():
        raise DomainError(_l("评分截止日期不能早于今天"), field="deadline")
    before = panel.deadline
    panel.deadline = deadline
    db.session.flush()
    audit.record("panel.deadline", panel, by=by, changes={
        "deadline": [before.isoformat() if before else None, deadline.isoformat() if deadline else None]})


def expert_choices() -> list[User]:
    """Enabled accounts holding the expert role, by name: who may sit on a panel."""
    from core.accounts.models import UserRole

    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.EXPERT.value, User.is_enabled.is_(True))
        .order_by(User.display_name, User.id)))


def panels_of(user: User, scope: str | None = None) -> list[ReviewPanel]:
    """The panels ``user`` sits on, newest first."""
    query = select(ReviewPanel).join(PanelMember).where(PanelMember.user_id == user.id)
    if scope is not None:
        query = query.where(ReviewPanel.scope == scope)
    return list(db.session.scalars(query.order_by(ReviewPanel.id.desc())))


# Conflicts and score sheets -----------------------------------------------------------------

def exclusion_reason(panel: ReviewPanel, user: User, subject: Subject) -> str | None:
    """Why ``user`` may not score ``subject`` on ``panel`` (None: they may)."""
    return PanelState(panel, [subject]).exclusion_reason(user, subject)


def eligible_experts(panel: ReviewPanel, subject: Subject) -> list[User]:
    return PanelState(panel, [subject]).eligible_experts(subject)


def declare_conflict(panel: ReviewPanel, user: User, subject: Subject, reason: str) -> None:
    """The expert steps aside from ``subject``; a draft sheet is discarded, a submitted one stays
    and the declaration is refused (the lead must handle a conflict found after submission)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请说明回避理由"), field="reason")
    if len(reason) > 500:
        raise DomainError(_l("回避理由不能超过 500 个字符"), field="reason")
    current = exclusion_reason(panel, user, subject)
    if current is not None:
        raise DomainError(current)
    sheet = _sheet(panel, user, subject)
    if sheet is not None and sheet.is_submitted:
        raise DomainError(_l("已提交评分，不能再声明回避，请联系评审组长"))
    if sheet is not None:
        db.session.delete(sheet)
    db.session.add(ConflictDeclaration(panel_id=panel.id, user_id=user.id,
                                       subject_type=subject.type, subject_id=subject.id,
                                       reason=reason))
    db.session.flush()
    audit.record("panel.declare_conflict", panel, by=user, label=subject.label,
                 changes={"subject": [None, subject.ref], "reason": [None, reason]})


def _sheet(panel: ReviewPanel, user: User, subject: Subject) -> ReviewScore | None:
    return db.session.scalar(select(ReviewScore).where(
        ReviewScore.panel_id == panel.id, ReviewScore.user_id == user.id,
        ReviewScore.subject_type == subject.type, ReviewScore.subject_id == subject.id))


def own_sheet(panel: ReviewPanel, user: User, subject: Subject) -> ReviewScore | None:
    return _sheet(panel, user, subject)


def parse_marks(panel: ReviewPanel, raw: Mapping[str, str], *, require_all: bool = True
                ) -> dict[str, Decimal]:
    """Turn typed marks into Decimals, refusing anything that is not a number in range.

    Every bad mark is reported at once (:class:`InvalidMarks`). With ``require_all=False`` (a
    draft) blank marks are left out instead of refused.
    """
    rubric = scoring.Rubric.from_data(panel.rubric)
    marks: dict[str, Decimal] = {}
    errors: dict[str, object] = {}
    for criterion in rubric.criteria:
        text = str(raw.get(criterion.key) or "").strip()
        if not text:
            if require_all:
                errors[criterion.key] = _l("请填写“%(name)s”的评分", name=criterion.name)
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            errors[criterion.key] = _l("“%(name)s”的评分应为数字", name=criterion.name)
            continue
        if not value.is_finite() or not Decimal(0) <= value <= rubric.max_score:
            errors[criterion.key] = _l("“%(name)s”的评分应在 0 到 %(max)s 之间", name=criterion.name,
                                       max=rubric.max_score)
            continue
        if value != value.quantize(scoring.TWO_PLACES):
            errors[criterion.key] = _l("“%(name)s”的评分最多保留两位小数", name=criterion.name)
            continue
        marks[criterion.key] = Decimal(format(value + 0, "f"))  # "1E+2" -> "100", "-0" -> "0"
    if errors:
        raise InvalidMarks(errors)
    return marks


def save_sheet(panel: ReviewPanel, user: User, subject: Subject, raw: Mapping[str, str], *,
               comment: str = "", submit: bool) -> ReviewScore:
    """Save an expert's marks as a draft, or submit them (then they are final)."""
    reason = exclusion_reason(panel, user, subject)
    if reason is not None:
        raise DomainError(reason)
    sheet = _sheet(panel, user, subject)
    if sheet is not None and sheet.is_submitted:
        raise DomainError(_l("您已提交该评分，不能修改"))
    marks = parse_marks(panel, raw, require_all=submit)
    rubric = scoring.Rubric.from_data(panel.rubric)
    if sheet is None:
        sheet = ReviewScore(panel_id=panel.id, user_id=user.id, subject_type=subject.type,
                            subject_id=subject.id)
        db.session.add(sheet)
    sheet.marks = {k: str(v) for k, v in marks.items()}
    complete = all(c.key in marks for c in rubric.criteria)
    sheet.total = rubric.total(marks) if complete else None
    sheet.comment = (comment or "").strip()[:2000]
    if not submit:
        db.session.flush()
        return sheet
    sheet.submitted_at = utcnow()
    sheet.reopen_reason = None
    dropped = _drop_resolution(panel, subject)
    db.session.flush()
    changes = {"subject": [None, subject.ref], "total": [None, scoring.display(sheet.total)]}
    if dropped is not None:
        changes["resolution"] = [dropped.note[:200], None]
    audit.record("panel.submit_score", panel, by=user, label=subject.label, changes=changes)
    return sheet


def _drop_resolution(panel: ReviewPanel, subject: Subject) -> DisagreementResolution | None:
    """Forget the lead's resolution of ``subject``: the scores it was made on are changing."""
    resolution = db.session.scalar(select(DisagreementResolution).where(
        DisagreementResolution.panel_id == panel.id,
        DisagreementResolution.subject_type == subject.type,
        DisagreementResolution.subject_id == subject.id))
    if resolution is not None:
        db.session.delete(resolution)
    return resolution


def submitted_sheets(panel: ReviewPanel, subject: Subject) -> list[ReviewScore]:
    return list(db.session.scalars(select(ReviewScore).where(
        ReviewScore.panel_id == panel.id, ReviewScore.subject_type == subject.type,
        ReviewScore.subject_id == subject.id, ReviewScore.submitted_at.is_not(None))
        .order_by(ReviewScore.submitted_at)))


def may_see_others(panel: ReviewPanel, user: User, subject: Subject) -> bool:
    """Experts see other experts' scores only after submitting their own; admins always."""
    if user.has_role(Role.ADMIN):
        return True
    sheet = _sheet(panel, user, subject)
    return sheet is not None and sheet.is_submitted


def others_sheets(panel: ReviewPanel, user: User, subject: Subject) -> list[ReviewScore] | None:
    """The other experts' submitted sheets, or None while ``user`` may not see them yet."""
    if not may_see_others(panel, user, subject):
        return None
    return [s for s in submitted_sheets(panel, subject) if s.user_id != user.id]


def result(panel: ReviewPanel, subject: Subject) -> SubjectResult:
    return PanelState(panel, [subject]).result(subject)


# The panel lead -------------------------------------------------------------------------------

def _check_lead(panel: ReviewPanel, subject: Subject, by: User, message) -> None:
    """The lead (or an administrator) acts on a subject, unless the lead must step aside from it."""
    if by.has_role(Role.ADMIN):
        return
    if by.id != panel.lead_user_id:
        raise DomainError(message)
    if exclusion_reason(panel, by, subject) is not None:
        raise DomainError(_l("组长须回避该对象，请由管理员处理"))


def resolve_disagreement(panel: ReviewPanel, subject: Subject, note: str, *, by: User) -> None:
    """The panel lead confirms a flagged subject's scores, once all are in, with a note."""
    _check_lead(panel, subject, by, _l("只有评审组长可以处理分歧"))
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("请填写处理意见"), field="note")
    current = result(panel, subject)
    if not current.flagged:
        raise DomainError(_l("该对象的评分没有明显分歧"))
    if current.resolution is not None:
        raise DomainError(_l("该分歧已处理"))
    if not current.complete:
        raise DomainError(_l("尚有专家未提交评分（%(n)s/%(m)s），全部提交后再处理分歧",
                             n=current.submitted, m=current.expected))
    db.session.add(DisagreementResolution(panel_id=panel.id, subject_type=subject.type,
                                          subject_id=subject.id, note=note[:2000],
                                          resolved_by_id=by.id))
    db.session.flush()
    audit.record("panel.resolve_disagreement", panel, by=by, label=subject.label,
                 changes={"subject": [None, subject.ref], "spread": [None, scoring.display(current.spread)],
                          "note": [None, note[:200]]})


def reopen_sheet(panel: ReviewPanel, expert: User, subject: Subject, *, by: User, reason: str) -> None:
    """The lead (or an administrator) sends a submitted sheet back to its expert for re-scoring.

    Only on a flagged subject: otherwise sending a sheet back would let the lead see the others'
    scores first and then score again. Nobody sends back their own sheet: the lead's own sheet
    goes back only at an administrator's request.
    """
    _check_lead(panel, subject, by, _l("只有评审组长可以要求重新评分"))
    if expert.id == by.id:
        raise DomainError(_l("不能退回自己的评分；组长本人的评分须由管理员退回"), field="expert_id")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请填写重新评分的理由"), field="reason")
    if not result(panel, subject).flagged:
        raise DomainError(_l("该对象的评分没有超过分歧阈值，不能退回重新评分"))
    sheet = _sheet(panel, expert, subject)
    if sheet is None or not sheet.is_submitted:
        raise DomainError(_l("该专家尚未提交评分"))
    old_total = scoring.display(sheet.total)
    sheet.submitted_at = None
    sheet.reopen_reason = reason[:500]
    dropped = _drop_resolution(panel, subject)
    db.session.flush()
    changes = {"subject": [None, subject.ref], "expert": [None, expert.username],
               "total": [old_total, None], "reason": [None, reason[:200]]}
    if dropped is not None:
        changes["resolution"] = [dropped.note[:200], None]
    audit.record("panel.reopen_score", panel, by=by, label=subject.label, changes=changes)


# Experts' task lists (built by :meth:`core.review_panels.scope.PanelScope.tasks_for`) ------------

@dataclass(frozen=True)
class Task:
    """One subject on one of an expert's panels, and where the expert stands on it."""

    panel: ReviewPanel
    subject: Subject
    status: SheetStatus
    reason: str | None = None  # why excluded, or why the sheet was sent back
    url: str | None = None
    is_open: bool = True
    name: str = ""   # the feature's record, as pages name it
    owner: str = ""  # and its enterprise


@dataclass
class PanelTasks:
    panel: ReviewPanel
    is_open: bool
    tasks: list[Task] = field(default_factory=list)
    lead_flags: int | None = None  # for the panel lead: flagged subjects still to handle
    flags_url: str = ""

    @property
    def pending(self) -> list[Task]:
        return [t for t in self.tasks if t.status.pending]
