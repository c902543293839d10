"""Excel exports for administrators: the registry, and a cycle's results. Files are Chinese
documents whatever the UI language; they carry no ID numbers, phones or attachments."""

from __future__ import annotations

from flask_babel import force_locale

from core.excel import workbook
from core.timeutil import BEIJING_OFFSET
from craftsmen import registry
from craftsmen.models import NominationState, ObjectionStatus, SelectionCycle

REGISTRY_COLUMNS = {  # header: width
    "姓名": 12, "称号": 14, "级别": 12, "选树周期": 30, "年度": 8, "工种": 18, "企业": 36,
    "所在区": 14, "命名日期": 14, "状态": 10, "撤销日期": 14, "撤销理由": 40,
}

RESULT_COLUMNS = {
    "工种": 18, "排名": 8, "姓名": 12, "企业": 36, "所在区": 14, "状态": 14, "综合得分": 12,
    "异议（件）": 12, "异议处理情况": 30, "提交时间": 18, "说明": 40,
}


def registry_workbook() -> bytes:
    """Every registry entry, revoked ones included and marked."""
    with force_locale("zh"):
        rows = [
            (t.name, t.title, str(t.level_enum.label), t.cycle.title, t.year, t.occupation,
             t.enterprise_name, t.district, t.named_on, "已撤销" if t.is_revoked else "有效",
             t.revoked_on, t.revoke_reason)
            for t in registry.all_titles()
        ]
    return workbook("工匠名录", list(REGISTRY_COLUMNS), rows, widths=REGISTRY_COLUMNS)


def _objection_summary(counts: dict[str, int]) -> str:
    parts = [f"{str(status.label)} {counts[status.value]}" for status in ObjectionStatus
             if counts.get(status.value)]
    return "；".join(parts)


def _beijing(moment):
    """Stored UTC timestamps are shown in Beijing time, as on screen."""
    return moment + BEIJING_OFFSET if moment else None


def results_workbook(cycle: SelectionCycle) -> bytes:
    """Every nomination of ``cycle`` past the draft stage with its state, score, rank and
    objections."""
    with force_locale("zh"):
        rows = [
            (r.occupation, r.nomination.rank, r.worker_name, r.enterprise, r.district,
             str(NominationState(r.nomination.state).label), r.nomination.aggregate_score,
             sum(r.objections.values()), _objection_summary(r.objections),
             _beijing(r.nomination.submitted_at), r.nomination.decision_note)
            for r in registry.cycle_results(cycle)
        ]
    return workbook("评选结果", list(RESULT_COLUMNS), rows, widths=RESULT_COLUMNS)
