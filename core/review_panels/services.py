"""Panel operations: validate, change, audit, flush. Features call these with their subjects.

A *subject* is described to the engine by :class:`Subject`: its type and id, a label for the
audit trail, and the enterprise it belongs to (experts from that enterprise are excluded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.accounts.models import User
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.review_panels import scoring
from core.review_panels.models import (
    ConflictDeclaration,
    DisagreementResolution,
    PanelMember,
    ReviewPanel,
    ReviewScore,
)
from core.roles import Role
from core.timeutil import utcnow


@dataclass(frozen=True)
class Subject:
    type: str
    id: int
    label: str
    enterprise_id: int | None


@dataclass(frozen=True)
class SubjectResult:
    """The panel's view of one subject."""

    totals: tuple[Decimal, ...]
    expected: int  # experts who may score it
    aggregate: Decimal | None
    spread: Decimal
    flagged: bool
    resolution: DisagreementResolution | None

    @property
    def complete(self) -> bool:
        return self.expected > 0 and len(self.totals) >= self.expected

    @property
    def needs_lead(self) -> bool:
        return self.flagged and self.resolution is None


def create_panel(scope: str, scope_id: int, name: str, rubric: Mapping, *, threshold: Decimal,
                 by) -> ReviewPanel:
    try:
        scoring.Rubric.from_data(rubric)
    except scoring.RubricError as exc:
        raise DomainError(str(exc), field="rubric") from None
    if db.session.scalar(select(ReviewPanel).where(ReviewPanel.scope == scope,
                                                   ReviewPanel.scope_id == scope_id)):
        raise DomainError(_l("该评审组已存在"))
    panel = ReviewPanel(scope=scope, scope_id=scope_id, name=name.strip(), rubric=dict(rubric),
                        disagreement_threshold=Decimal(threshold))
    db.session.add(panel)
    db.session.flush()
    audit.record("panel.create", panel, by=by, changes={"name": [None, panel.name]})
    return panel


def set_members(panel: ReviewPanel, user_ids: Iterable[int], lead_id: int | None, *, by) -> None:
    """Replace the panel's experts; the lead must be one of them. Submitted sheets are kept."""
    wanted = set(user_ids)
    users = db.session.scalars(select(User).where(User.id.in_(wanted))).all() if wanted else []
    not_experts = [u.display_name for u in users if not u.has_role(Role.EXPERT)]
    if not_experts or len(users) != len(wanted):
        raise DomainError(_l("只能选择评审专家：%(names)s", names="、".join(not_experts)),
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


def exclusion_reason(panel: ReviewPanel, user: User, subject: Subject) -> str | None:
    """Why ``user`` may not score ``subject`` on ``panel`` (None: they may)."""
    if user.id not in panel.member_ids():
        return str(_l("您不是该评审组成员"))
    if subject.enterprise_id and user.employer_id == subject.enterprise_id:
        return str(_l("回避：被评审人与您同属一个单位"))
    declared = db.session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.panel_id == panel.id, ConflictDeclaration.user_id == user.id,
        ConflictDeclaration.subject_type == subject.type,
        ConflictDeclaration.subject_id == subject.id))
    if declared is not None:
        return str(_l("回避：%(reason)s", reason=declared.reason))
    return None


def eligible_experts(panel: ReviewPanel, subject: Subject) -> list[User]:
    return [m.user for m in panel.members if exclusion_reason(panel, m.user, subject) is None]


def declare_conflict(panel: ReviewPanel, user: User, subject: Subject, reason: str) -> None:
    """The expert steps aside from ``subject``; a draft sheet is discarded, a submitted one stays
    refused (the lead must handle a conflict found after submission)."""
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
                 changes={"subject": [None, f"{subject.type}:{subject.id}"], "reason": [None, reason]})


def _sheet(panel: ReviewPanel, user: User, subject: Subject) -> ReviewScore | None:
    return db.session.scalar(select(ReviewScore).where(
        ReviewScore.panel_id == panel.id, ReviewScore.user_id == user.id,
        ReviewScore.subject_type == subject.type, ReviewScore.subject_id == subject.id))


def own_sheet(panel: ReviewPanel, user: User, subject: Subject) -> ReviewScore | None:
    return _sheet(panel, user, subject)


def parse_marks(panel: ReviewPanel, raw: Mapping[str, str]) -> dict[str, Decimal]:
    """Turn typed marks into Decimals, refusing anything that is not a number in range."""
    rubric = scoring.Rubric.from_data(panel.rubric)
    marks = {}
    for criterion in rubric.criteria:
        text = str(raw.get(criterion.key, "")).strip()
        if not text:
            raise DomainError(_l("请填写“%(name)s”的评分", name=criterion.name), field=criterion.key)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise DomainError(_l("“%(name)s”的评分应为数字", name=criterion.name),
                              field=criterion.key) from None
        if not value.is_finite() or not Decimal(0) <= value <= rubric.max_score:
            raise DomainError(_l("“%(name)s”的评分应在 0 到 %(max)s 之间", name=criterion.name,
                                 max=rubric.max_score), field=criterion.key)
        if value.as_tuple().exponent < -2:
            raise DomainError(_l("评分最多保留两位小数"), field=criterion.key)
        marks[criterion.key] = value
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
    marks = parse_marks(panel, raw)
    rubric = scoring.Rubric.from_data(panel.rubric)
    if sheet is None:
        sheet = ReviewScore(panel_id=panel.id, user_id=user.id, subject_type=subject.type,
                            subject_id=subject.id)
        db.session.add(sheet)
    sheet.marks = {k: str(v) for k, v in marks.items()}
    sheet.total = rubric.total(marks)
    sheet.comment = (comment or "").strip()[:2000]
    if submit:
        sheet.submitted_at = utcnow()
    db.session.flush()
    if submit:
        audit.record("panel.submit_score", panel, by=user, label=subject.label,
                     changes={"subject": [None, f"{subject.type}:{subject.id}"],
                              "total": [None, scoring.display(sheet.total)]})
    return sheet


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


def result(panel: ReviewPanel, subject: Subject) -> SubjectResult:
    totals = tuple(s.total for s in submitted_sheets(panel, subject))
    resolution = db.session.scalar(select(DisagreementResolution).where(
        DisagreementResolution.panel_id == panel.id,
        DisagreementResolution.subject_type == subject.type,
        DisagreementResolution.subject_id == subject.id))
    return SubjectResult(
        totals=totals, expected=len(eligible_experts(panel, subject)),
        aggregate=scoring.aggregate(totals), spread=scoring.spread(totals),
        flagged=scoring.disagrees(totals, panel.disagreement_threshold), resolution=resolution)


def resolve_disagreement(panel: ReviewPanel, subject: Subject, note: str, *, by: User) -> None:
    """The panel lead confirms a flagged subject's scores (or records the re-scoring) with a note."""
    if by.id != panel.lead_user_id and not by.has_role(Role.ADMIN):
        raise DomainError(_l("只有评审组长可以处理分歧"))
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("请填写处理意见"), field="note")
    if not result(panel, subject).flagged:
        raise DomainError(_l("该对象的评分没有明显分歧"))
    db.session.add(DisagreementResolution(panel_id=panel.id, subject_type=subject.type,
                                          subject_id=subject.id, note=note[:2000],
                                          resolved_by_id=by.id))
    db.session.flush()
    audit.record("panel.resolve_disagreement", panel, by=by, label=subject.label,
                 changes={"note": [None, note[:200]]})


def reopen_sheet(panel: ReviewPanel, expert: User, subject: Subject, *, by: User, reason: str) -> None:
    """The lead sends a submitted sheet back to its expert for re-scoring (a flagged subject)."""
    if by.id != panel.lead_user_id and not by.has_role(Role.ADMIN):
        raise DomainError(_l("只有评审组长可以要求重新评分"))
    if not (reason or "").strip():
        raise DomainError(_l("请填写重新评分的理由"), field="reason")
    sheet = _sheet(panel, expert, subject)
    if sheet is None or not sheet.is_submitted:
        raise DomainError(_l("该专家尚未提交评分"))
    old_total = scoring.display(sheet.total)
    sheet.submitted_at = None
    db.session.flush()
    audit.record("panel.reopen_score", panel, by=by, label=subject.label,
                 changes={"expert": [None, expert.username], "total": [old_total, None],
                          "reason": [None, reason.strip()[:200]]})
