"""How plan indicators read in the audit log (see :mod:`core.audit.describe`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core.audit.describe import register_object


def register() -> None:
    register_object(
        "indicator", lazy_pgettext("audit", "规划指标"), target_type="Indicator", endpoint="indicators.detail",
        id_arg="indicator_id",
        fields={"as_of": _l("统计截至"), "baseline_year": _l("基期年份"), "basis": _l("口径"),
                "definition": _l("指标定义"), "key": _l("指标代码"), "metric_key": _l("计算方式"),
                "source": _l("数据来源"), "source_note": _l("来源说明"), "target": _l("目标值"),
                "target_year": _l("目标年份"), "unit": _l("单位"), "report_id": _l("填报记录")})
