"""Excel exports of skills competitions for administrators: an event's results. Files are
Chinese documents whatever the UI language; they carry no ID numbers or phones."""

from __future__ import annotations

from flask_babel import force_locale

from competitions import scoring
from competitions.models import Event
from competitions.services import results as results_service
from core.excel import workbook


def results_workbook(event: Event) -> bytes:
    """Every stored result of ``event``, best first, with the module scores."""
    modules = results_service.module_columns(event)
    headers = (["名次", "并列", "加密号", "姓名", "企业"] + [name for _, name in modules]
               + ["总分", "标准分", "奖项", "推荐晋升", "推荐称号"])
    with force_locale("zh"):
        rows = [
            [r.rank, "是" if r.rank_shared else "", r.contestant.blind_number or "",
             r.contestant.worker.name, r.contestant.enterprise.name]
            + [scoring.display(r.module_totals.get(key)) for key, _ in modules]
            + [scoring.official(r.total), r.standardised, str(r.award_enum.label) if r.award else "",
               "是" if r.recommend_promotion else "", "是" if r.recommend_title else ""]
            for r in results_service.event_results(event)
        ]
    widths = {"企业": 36, "姓名": 12}
    return workbook("成绩", headers, rows, widths=widths)
