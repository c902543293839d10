"""Excel exports of the indicators: the overview (one row per indicator, a column per year)
and one indicator in full (its years, breakdowns and every reported entry). Files are Chinese
documents whatever the UI language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale

from core.excel import workbook
from core.timeutil import BEIJING_OFFSET
from indicators.models import Indicator, IndicatorSource
from indicators.services import IndicatorProgress, indicator_progress, list_indicators, report_history

OVERVIEW_COLUMNS = {
    "序号": 6, "类别": 10, "指标": 30, "单位": 8, "数据来源": 14, "基期年份": 10, "基期值": 12,
    "目标年份": 10, "目标值": 12, "当前值": 12, "截至日期": 12, "完成进度（%）": 14,
    "时序进度（%）": 14, "统计口径": 40, "目标依据": 40,
}
DETAIL_COLUMNS = {"表": 12, "项目": 30, "数值": 12, "截至日期": 12, "数据来源": 40, "状态": 16,
                  "更正原因": 30, "填报人": 14, "填报时间": 18}


def _percent(share: Decimal | None) -> Decimal | None:
    return None if share is None else (share * 100).quantize(Decimal("0.1"))


def _source_label(progress: IndicatorProgress) -> str:
    return str(IndicatorSource(progress.source).label)


def overview_workbook() -> bytes:
    with force_locale("zh"):
        items = list_indicators()
        years = sorted({year for p in items for year in p.series})
        headers = [*OVERVIEW_COLUMNS, *(f"{year}年" for year in years)]
        rows = [
            (index, p.category, p.name, p.unit, _source_label(p), p.baseline_year, p.baseline,
             p.target_year, p.target, p.value, p.as_of, _percent(p.progress), _percent(p.expected),
             p.definition, p.basis, *(p.series.get(year) for year in years))
            for index, p in enumerate(items, start=1)
        ]
    return workbook("规划指标", headers, rows, widths=OVERVIEW_COLUMNS)


def indicator_workbook(indicator: Indicator) -> bytes:
    with force_locale("zh"):
        p = indicator_progress(indicator)
        rows: list[tuple] = [("概况", "目标值", p.target, None, p.basis, f"{p.target_year}年目标"),
                             ("概况", "基期值", p.baseline, None, "", f"{p.baseline_year or ''}年基期"),
                             ("概况", "当前值", p.value, p.as_of, p.source_note or p.metric_label,
                              f"完成进度 {p.progress_text}")]
        rows += [("历年", f"{year}年", value) for year, value in p.series.items()]
        rows += [("分区", name, value) for name, value in p.by_district.items()]
        rows += [("分行业", name, value) for name, value in p.by_industry.items()]
        rows += [("分级别", name, value) for name, value in p.by_level.items()]
        history = report_history(indicator)
        replaced = {e.supersedes_id for e in history if e.supersedes_id}
        for entry in history:
            state = "已被更正" if entry.id in replaced else ("更正后有效" if entry.supersedes_id else "有效")
            rows.append(("填报记录", f"{entry.year}年", entry.value, entry.as_of, entry.source_note, state,
                         entry.correction_reason,
                         entry.recorded_by.display_name if entry.recorded_by else "",
                         entry.recorded_at + BEIJING_OFFSET))
    title = "".join(" " if ch in '\\/?*[]:' else ch for ch in indicator.name)[:31] or "指标"
    return workbook(title, list(DETAIL_COLUMNS), rows, widths=DETAIL_COLUMNS)
