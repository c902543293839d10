"""Reminders of innovation-studio deadlines: annual reports due and rectifications due."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from core.extensions import db
from core.notifications import services as notifications
from core.notifications.services import Reminder
from innovation_studios.assessments.models import AnnualReport, AssessmentRound, Rectification, ReportState, RoundStatus
from innovation_studios.studios.models import Studio
from innovation_studios.studios.states import NAMED_STATES

KINDS = {
    "remind.report_deadline": (_l("年度考核报告 %(days)s 天后截止：%(round)s"),
                               _l("截止日期 %(deadline)s。本单位还有工作室未提交年度考核报告。")),
    "remind.rectification_deadline": (_l("整改 %(days)s 天后到期：%(studio)s"),
                                      _l("整改期限 %(deadline)s。请及时提交整改情况说明。")),
}


def report_reminders(day: date) -> list[Reminder]:
    """Open rounds closing on ``day``: enterprises with a named studio whose report is not in."""
    rows = db.session.execute(
        select(AssessmentRound.id, AssessmentRound.year, Studio.enterprise_id)
        .join(Studio, Studio.state.in_([s.value for s in NAMED_STATES]))
        .where(AssessmentRound.status == RoundStatus.OPEN.value, AssessmentRound.deadline == day,
               ~exists().where(AnnualReport.round_id == AssessmentRound.id,
                               AnnualReport.studio_id == Studio.id,
                               AnnualReport.state.in_([ReportState.SUBMITTED.value,
                                                       ReportState.GRADED.value])))
        .distinct()).all()
    by_round: dict[tuple[int, int], set[int]] = {}
    for round_id, year, enterprise_id in rows:
        by_round.setdefault((round_id, year), set()).add(enterprise_id)
    return [Reminder(frozenset(notifications.recipients(enterprise_ids=enterprises)),
                     "remind.report_deadline", f"studio_round:{round_id}:deadline",
                     notifications.path_for("studio_assessments.index"),
                     {"round": str(_l("%(year)s年度考核", year=year))})
            for (round_id, year), enterprises in by_round.items()]


def rectification_reminders(day: date) -> list[Reminder]:
    """Open rectifications due on ``day``: the studio's enterprise."""
    rows = db.session.execute(
        select(Rectification.id, Studio.name, Studio.enterprise_id)
        .join(Studio, Studio.id == Rectification.studio_id)
        .where(Rectification.outcome.is_(None), Rectification.deadline == day)).all()
    return [Reminder(frozenset(notifications.recipients(enterprise_ids=(enterprise_id,))),
                     "remind.rectification_deadline", f"rectification:{rid}:deadline",
                     notifications.path_for("studio_assessments.rectification",
                                            rectification_id=rid),
                     {"studio": name})
            for rid, name, enterprise_id in rows]


def register() -> None:
    for key, (title, body) in KINDS.items():
        notifications.register_kind(key, title, body)
    notifications.add_reminder_source("innovation_studios.reports", report_reminders)
    notifications.add_reminder_source("innovation_studios.rectifications", rectification_reminders)
