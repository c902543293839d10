"""The annual assessment (年度考核) of named studios.

1. The administrator opens a round for a year, with a deadline for the reports.
2. The enterprise writes each named studio's annual report (the year's achievements are
   listed in advance) and submits it while the round is open.
3. The reviewer of the studio's union, or an administrator, grades it 优秀 / 合格 / 不合格, or
   returns it for correction.
4. 不合格 starts a rectification (整改) with a deadline: the studio moves to "整改中".
5. After the deadline the administrator records the rectification passed (the studio is named
   again) or failed. A second failure — 不合格 while already in rectification, or a failed
   rectification — delists the studio (摘牌) with the reason and the date.

Report states move only as :data:`REPORT_TRANSITIONS` allows. Services validate, change,
audit and flush; the views commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.states import StateMachine
from core.timeutil import beijing_today, utcnow
from core.versions import check_version
from innovation_studios.achievements import rules as record_rules
from innovation_studios.achievements.models import Achievement
from innovation_studios.achievements.services import year_bounds
from innovation_studios.assessments.models import (
    AnnualReport,
    AssessmentRound,
    Grade,
    Rectification,
    RectificationOutcome,
    ReportState,
    RoundStatus,
)
from innovation_studios.studios.models import Studio, StudioState
from innovation_studios.studios.states import NAMED_STATES
from innovation_studios.studios.transitions import move_studio

R = ReportState

#: (from, to) -> the action's name, audited as ``studio_report.<action>``.
REPORT_TRANSITIONS: dict[tuple[ReportState, ReportState], str] = {
    (R.DRAFT, R.SUBMITTED): "submit",
    (R.RETURNED, R.SUBMITTED): "resubmit",
    (R.SUBMITTED, R.RETURNED): "return",
    (R.SUBMITTED, R.GRADED): "grade",
}
EDITABLE_REPORT_STATES = frozenset({R.DRAFT, R.RETURNED})

TEXT_MAX = 5000
NOTE_MAX = 2000
MAX_COUNT = 100_000
#: The rectification deadline a grader is offered, and the longest allowed.
DEFAULT_RECTIFICATION_DAYS = 90
MAX_RECTIFICATION_DAYS = 366


REPORT = StateMachine("studio_report", ReportState, REPORT_TRANSITIONS,
                      refusal=lambda a, b: _l("考核报告当前为“%(a)s”，不能变为“%(b)s”", a=a, b=b))
#: The action name of a report's move, or IllegalTransition.
report_action = REPORT.action


def _move_report(report: AnnualReport, target: ReportState, *, by, changes: dict | None = None) -> str:
    return REPORT.move(report, target, by=by, changes=changes)




def _text(value: str | None, field_name: str, limit: int, label) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError(_l("%(label)s不能超过 %(n)s 个字", label=label, n=limit), field=field_name)
    return text


# Rounds ----------------------------------------------------------------------------------

def round_for_year(year: int) -> AssessmentRound | None:
    return db.session.scalar(select(AssessmentRound).where(AssessmentRound.year == year))


def open_rounds(today: date | None = None) -> list[AssessmentRound]:
    """Rounds that accept reports today, newest first."""
    today = today or beijing_today()
    return list(db.session.scalars(
        select(AssessmentRound).where(AssessmentRound.status == RoundStatus.OPEN.value,
                                      AssessmentRound.deadline >= today)
        .order_by(AssessmentRound.year.desc())))


def open_round(year: int | None, deadline: date | None, *, note: str = "", by) -> AssessmentRound:
    """Open the assessment of ``year`` (the year assessed: this year or an earlier one)."""
    if by is not None and not record_rules.can_manage_rounds(by):
        raise DomainError(_l("只有管理员可以开启年度考核"))
    today = beijing_today()
    if year is None or not 2000 <= year <= today.year:
        raise DomainError(_l("考核年度应在 2000 年至 %(y)s 年之间（不能考核尚未到来的年度）", y=today.year),
                          field="year")
    if round_for_year(year) is not None:
        raise DomainError(_l("%(year)s年度考核已经开启过", year=year), field="year")
    deadline = _check_deadline(deadline, today)
    assessment = AssessmentRound(year=year, deadline=deadline, status=RoundStatus.OPEN.value,
                                 note=_text(note, "note", NOTE_MAX, _l("说明")),
                                 opened_by_id=getattr(by, "id", None))
    db.session.add(assessment)
    db.session.flush()
    audit.record("studio_round.open", assessment, by=by, changes={
        "year": [None, year], "deadline": [None, deadline.isoformat()]})
    return assessment


def _check_deadline(deadline: date | None, today: date) -> date:
    """The deadline of a round, checked (returned so that callers hold a date)."""
    if deadline is None:
        raise DomainError(_l("请填写报告提交截止日期"), field="deadline")
    if deadline < today:
        raise DomainError(_l("截止日期不能早于今天"), field="deadline")
    if deadline > today + timedelta(days=366):
        raise DomainError(_l("截止日期不能晚于一年以后"), field="deadline")
    return deadline


def update_round(assessment: AssessmentRound, *, deadline: date | None, note: str, reopen: bool = False,
                 expected_version: int | None, by) -> AssessmentRound:
    """Change the deadline or the note; ``reopen`` opens a closed round again."""
    if by is not None and not record_rules.can_manage_rounds(by):
        raise DomainError(_l("只有管理员可以修改年度考核"))
    check_version(assessment, expected_version, _l("该年度考核已被他人修改，请刷新后再保存。"))
    deadline = _check_deadline(deadline, beijing_today())
    before = audit.snapshot(assessment, ("deadline", "note", "status"))
    assessment.deadline = deadline
    assessment.note = _text(note, "note", NOTE_MAX, _l("说明"))
    if reopen:
        assessment.status = RoundStatus.OPEN.value
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(assessment, ("deadline", "note", "status")))
    if changes:
        audit.record("studio_round.update", assessment, by=by, changes=changes)
    return assessment


def close_round(assessment: AssessmentRound, *, by) -> None:
    """Stop accepting reports (grading goes on)."""
    if by is not None and not record_rules.can_manage_rounds(by):
        raise DomainError(_l("只有管理员可以截止年度考核"))
    if assessment.status == RoundStatus.CLOSED:
        raise DomainError(_l("%(year)s年度考核已经截止", year=assessment.year))
    assessment.status = RoundStatus.CLOSED.value
    db.session.flush()
    audit.record("studio_round.close", assessment, by=by, changes={"status": ["open", "closed"]})


def window_problem(assessment: AssessmentRound | None, year: int, today: date | None = None):
    """Why reports for ``year`` cannot be written now, or None."""
    today = today or beijing_today()
    if assessment is None or assessment.status != RoundStatus.OPEN:
        return _l("%(year)s年度考核未开放，不能填写或提交该年度的考核报告", year=year)
    if today > assessment.deadline:
        return _l("%(year)s年度考核报告已于 %(d)s 截止提交", year=year,
                  d=f"{assessment.deadline.year}年{assessment.deadline.month}月{assessment.deadline.day}日")
    return None


def _check_window(year: int) -> AssessmentRound:
    assessment = round_for_year(year)
    problem = window_problem(assessment, year)
    if problem or assessment is None:
        raise DomainError(problem)
    return assessment


def expected_condition(assessment: AssessmentRound):
    """Studios that owe a report for the round: named (or in rectification) by the year's end."""
    return and_(Studio.state.in_([s.value for s in NAMED_STATES]),
                Studio.named_on <= year_bounds(assessment.year)[1])


# Reports ---------------------------------------------------------------------------------

@dataclass
class ReportData:
    summary: str = ""
    next_plan: str = ""
    apprentices_trained: int | None = 0
    trainings_held: int | None = 0
    achievement_ids: list[int] = field(default_factory=list)


def report_of(studio: Studio, year: int) -> AnnualReport | None:
    return db.session.scalar(select(AnnualReport).join(AssessmentRound).where(
        AnnualReport.studio_id == studio.id, AssessmentRound.year == year))


def start_report(studio: Studio, year: int, *, by) -> AnnualReport:
    """The studio's report for ``year``: a new draft listing the year's achievements, or the
    one already begun. Refused unless the year's assessment is open."""
    if by is not None and not record_rules.can_write_report(by, studio):
        raise DomainError(_l("工作室当前为“%(state)s”，不需要提交年度考核报告", state=studio.state_enum.label))
    if studio.state_enum not in NAMED_STATES:
        raise DomainError(_l("只有已命名的工作室需要提交年度考核报告"))
    assessment = _check_window(year)
    existing = report_of(studio, year)
    if existing is not None:
        return existing
    first, last = year_bounds(year)
    if studio.named_on and studio.named_on > last:
        raise DomainError(_l("工作室于 %(year)s 年以后命名，不参加%(year)s年度考核", year=year))
    report = AnnualReport(round_id=assessment.id, studio_id=studio.id, state=R.DRAFT.value,
                          created_by_id=getattr(by, "id", None))
    report.achievements = list(db.session.scalars(
        select(Achievement).where(Achievement.studio_id == studio.id,
                                  Achievement.achieved_on.between(first, last))))
    db.session.add(report)
    db.session.flush()
    audit.record("studio_report.create", report, by=by, changes={
        "achievements": [None, len(report.achievements)]})
    return report


def _count(value, field_name: str, label) -> int:
    if value is None or value == "":
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("%(label)s应为整数", label=label), field=field_name) from None
    if number < 0:
        raise DomainError(_l("%(label)s不能为负数", label=label), field=field_name)
    if number > MAX_COUNT:
        raise DomainError(_l("%(label)s数值过大", label=label), field=field_name)
    return number


def _check_editable(report: AnnualReport, by) -> None:
    if by is not None and not record_rules.can_write_report(by, report.studio):
        raise DomainError(_l("只有工作室所在企业可以填写考核报告"))
    if report.state_enum not in EDITABLE_REPORT_STATES:
        raise DomainError(_l("考核报告当前为“%(state)s”，不能修改", state=report.state_enum.label))


def save_report(report: AnnualReport, data: ReportData, *, expected_version: int | None, by) -> AnnualReport:
    """Save the draft (or the returned report); the achievements listed are of the studio and year."""
    _check_editable(report, by)
    check_version(report, expected_version, _l("该考核报告已被他人修改，请刷新后再保存。您填写的内容仍保留在下方。"))
    _check_window(report.round.year)
    values = {
        "summary": _text(data.summary, "summary", TEXT_MAX, _l("年度工作总结")),
        "next_plan": _text(data.next_plan, "next_plan", TEXT_MAX, _l("下一年度计划")),
        "apprentices_trained": _count(data.apprentices_trained, "apprentices_trained", _l("培养徒弟人数")),
        "trainings_held": _count(data.trainings_held, "trainings_held", _l("开展培训场次")),
    }
    first, last = year_bounds(report.round.year)
    wanted = {int(i) for i in data.achievement_ids or ()}
    chosen = list(db.session.scalars(select(Achievement).where(
        Achievement.id.in_(wanted), Achievement.studio_id == report.studio_id,
        Achievement.achieved_on.between(first, last)))) if wanted else []
    if len(chosen) != len(wanted):
        raise DomainError(_l("只能列入本工作室在%(year)s年取得的成果", year=report.round.year),
                          field="achievement_ids")
    before = {**audit.snapshot(report, values), "achievements": sorted(a.id for a in report.achievements)}
    for key, value in values.items():
        setattr(report, key, value)
    report.achievements = sorted(chosen, key=lambda a: (a.achieved_on, a.id))
    report.updated_at = utcnow()  # the version moves even when only the list changed
    db.session.flush()
    changes = audit.diff(before, {**values, "achievements": sorted(a.id for a in chosen)})
    for key in ("summary", "next_plan"):
        if key in changes:
            changes[key] = [len(changes[key][0] or ""), len(changes[key][1] or "")]  # lengths, not text
    if changes:
        audit.record("studio_report.save", report, by=by, changes=changes)
    return report


def submission_problems(report: AnnualReport) -> list:
    """What still stops the report from being submitted."""
    problems = []
    problem = window_problem(report.round, report.round.year)
    if problem:
        problems.append(problem)
    if not report.summary.strip():
        problems.append(_l("请填写年度工作总结"))
    if not report.next_plan.strip():
        problems.append(_l("请填写下一年度计划"))
    return problems


def submit_report(report: AnnualReport, *, expected_version: int | None, by) -> str:
    _check_editable(report, by)
    check_version(report, expected_version, _l("该考核报告已被他人修改，请查看最新内容后再提交。"))
    problems = submission_problems(report)
    if problems:
        raise DomainError(problems[0])
    report.submitted_at = utcnow()
    return _move_report(report, R.SUBMITTED, by=by)


def return_report(report: AnnualReport, note: str, *, expected_version: int | None, by) -> None:
    """Send a submitted report back for correction, with the reason."""
    if by is not None and not record_rules.can_grade(by, report):
        raise DomainError(_l("考核报告当前为“%(state)s”，不能退回", state=report.state_enum.label))
    check_version(report, expected_version, _l("该考核报告已被他人处理，请查看最新情况。"))
    note = _text(note, "note", NOTE_MAX, _l("意见"))
    if not note:
        raise DomainError(_l("退回修改时请写明原因"), field="note")
    report.return_note = note
    _move_report(report, R.RETURNED, by=by, changes={"note": [None, note[:500]]})


# Grading, rectification, delisting -------------------------------------------------------

def _delist(studio: Studio, reason: str, *, by) -> None:
    studio.delisted_on = beijing_today()
    studio.delist_reason = reason
    move_studio(studio, StudioState.DELISTED, by=by, note=reason, changes={
        "delisted_on": [None, studio.delisted_on.isoformat()], "delist_reason": [None, reason[:500]]})


def open_rectification(studio: Studio) -> Rectification | None:
    return db.session.scalar(select(Rectification).where(
        Rectification.studio_id == studio.id, Rectification.outcome.is_(None)))


def grade_report(report: AnnualReport, grade: str, note: str, *, rectification_deadline: date | None = None,
                 expected_version: int | None, by) -> str:
    """Grade a submitted report. Returns what happened to the studio: "named" (no change),
    "rectification" (不合格: rectification begins) or "delisted" (不合格 again)."""
    if by is not None and not record_rules.can_grade(by, report):
        raise DomainError(_l("考核报告当前为“%(state)s”，不能评定", state=report.state_enum.label))
    check_version(report, expected_version, _l("该考核报告已被他人处理，请查看最新情况。"))
    if grade not in {g.value for g in Grade}:
        raise DomainError(_l("请选择考核结果：优秀、合格或不合格"), field="grade")
    note = _text(note, "note", NOTE_MAX, _l("评定意见"))
    studio = report.studio
    today = beijing_today()
    outcome = "named"
    if grade == Grade.FAIL:
        if not note:
            raise DomainError(_l("评为不合格时请写明存在的问题和整改要求"), field="note")
        if studio.state_enum is StudioState.RECTIFICATION:
            pending = open_rectification(studio)
            reason = str(_l("%(year)s年度考核不合格，且此前的整改尚未通过（第二次不合格）：%(note)s",
                            year=report.round.year, note=note))
            if pending is not None:
                pending.outcome = RectificationOutcome.FAILED.value
                pending.outcome_note = reason
                pending.decided_on = today
                pending.decided_by_id = getattr(by, "id", None)
            _delist(studio, reason, by=by)
            outcome = "delisted"
        elif studio.state_enum is StudioState.NAMED:
            if rectification_deadline is None:
                raise DomainError(_l("评为不合格时请填写整改期限"), field="rectification_deadline")
            if rectification_deadline <= today:
                raise DomainError(_l("整改期限应晚于今天"), field="rectification_deadline")
            if rectification_deadline > today + timedelta(days=MAX_RECTIFICATION_DAYS):
                raise DomainError(_l("整改期限不能超过一年"), field="rectification_deadline")
            db.session.add(Rectification(studio_id=studio.id, report_id=report.id, started_on=today,
                                         deadline=rectification_deadline, requirements=note))
            move_studio(studio, StudioState.RECTIFICATION, by=by, note=note, changes={
                "rectification_deadline": [None, rectification_deadline.isoformat()]})
            outcome = "rectification"
        else:
            raise DomainError(_l("工作室当前为“%(state)s”，不能评定", state=studio.state_enum.label))
    report.grade = grade
    report.grade_note = note
    report.graded_by_id = getattr(by, "id", None)
    report.graded_at = utcnow()
    _move_report(report, R.GRADED, by=by, changes={"grade": [None, grade], "note": [None, note[:500]]})
    return outcome


def submit_rectification_statement(rectification: Rectification, statement: str, *, expected_version: int | None,
                                   by) -> None:
    """The enterprise's account of the rectification (it may revise it until the verdict)."""
    if by is not None and not record_rules.can_write_rectification_statement(by, rectification):
        raise DomainError(_l("该整改已有结论，不能再修改整改情况说明"))
    check_version(rectification, expected_version,
                   _l("该整改记录已被他人修改，请刷新后再保存。您填写的内容仍保留在下方。"))
    text = _text(statement, "statement", TEXT_MAX, _l("整改情况说明"))
    if not text:
        raise DomainError(_l("请填写整改情况说明"), field="statement")
    rectification.statement = text
    rectification.statement_at = utcnow()
    db.session.flush()
    audit.record("studio_rectification.statement", rectification.studio, by=by,
                 changes={"statement": [None, len(text)]})


def decide_rectification(rectification: Rectification, outcome: str, note: str, *,
                         expected_version: int | None, by) -> None:
    """The administrator's verdict: passed (the studio is named again) or failed (delisted)."""
    if by is not None and not record_rules.can_decide_rectification(by, rectification):
        raise DomainError(_l("该整改已有结论"))
    if not rectification.is_open:
        raise DomainError(_l("该整改已有结论"))
    check_version(rectification, expected_version, _l("该整改记录已被他人处理，请查看最新情况。"))
    if outcome not in {o.value for o in RectificationOutcome}:
        raise DomainError(_l("请选择整改结论"), field="outcome")
    note = _text(note, "note", NOTE_MAX, _l("意见"))
    studio = rectification.studio
    if studio.state_enum is not StudioState.RECTIFICATION:
        raise DomainError(_l("工作室当前为“%(state)s”，不在整改中", state=studio.state_enum.label))
    if outcome == RectificationOutcome.FAILED and not note:
        raise DomainError(_l("整改不合格将摘牌，请写明原因"), field="note")
    rectification.outcome = outcome
    rectification.outcome_note = note
    rectification.decided_on = beijing_today()
    rectification.decided_by_id = getattr(by, "id", None)
    if outcome == RectificationOutcome.PASSED:
        move_studio(studio, StudioState.NAMED, by=by, note=note or str(_l("整改合格")))
    else:
        _delist(studio, str(_l("整改不合格（第二次不合格）：%(note)s", note=note)), by=by)
    db.session.flush()
    audit.record("studio_rectification.decide", studio, by=by, changes={
        "outcome": [None, outcome], "note": [None, note[:500]]})


# Reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundProgress:
    expected: int
    states: Counter
    grades: Counter

    @property
    def not_started(self) -> int:
        return max(self.expected - sum(self.states.values()), 0)


def progress(assessment: AssessmentRound, condition=None) -> RoundProgress:
    """How many studios owe a report, and the reports by state and grade (three queries);
    ``condition`` limits the studios (e.g. a reviewer's unions; the query joins Enterprise)."""
    from core.organizations.models import Enterprise

    base = select(func.count()).select_from(Studio).join(Enterprise, Enterprise.id == Studio.enterprise_id)
    base = base.where(expected_condition(assessment))
    if condition is not None:
        base = base.where(condition)
    expected = db.session.scalar(base)
    reports = (select(AnnualReport.state, AnnualReport.grade, func.count())
               .join(Studio, Studio.id == AnnualReport.studio_id)
               .join(Enterprise, Enterprise.id == Studio.enterprise_id)
               .where(AnnualReport.round_id == assessment.id)
               .group_by(AnnualReport.state, AnnualReport.grade))
    if condition is not None:
        reports = reports.where(condition)
    states: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    for state, grade, count in db.session.execute(reports):
        states[state] += count
        if grade:
            grades[grade] += count
    return RoundProgress(expected=expected or 0, states=states, grades=grades)


@dataclass(frozen=True)
class StudioAssessmentStatus:
    """The studio page's assessment line: the latest graded report and an open rectification."""

    latest: AnnualReport | None
    rectification: Rectification | None


def studio_status(studio_id: int) -> StudioAssessmentStatus:
    latest = db.session.scalar(
        select(AnnualReport).join(AssessmentRound)
        .where(AnnualReport.studio_id == studio_id, AnnualReport.state == R.GRADED.value)
        .order_by(AssessmentRound.year.desc()).limit(1))
    rectification = db.session.scalar(select(Rectification).where(
        Rectification.studio_id == studio_id, Rectification.outcome.is_(None)))
    return StudioAssessmentStatus(latest=latest, rectification=rectification)


def studio_reports(studio_id: int) -> list[AnnualReport]:
    return list(db.session.scalars(
        select(AnnualReport).join(AssessmentRound).where(AnnualReport.studio_id == studio_id)
        .order_by(AssessmentRound.year.desc())))
