"""The plan's indicators are data: a file with the 18 indicators, loaded by
``flask indicators load-plan`` (again and again without touching edited targets) and by the
demo; live metrics come from a registry the features fill, only for features that run."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from indicators import metrics, services
from indicators.models import Indicator, IndicatorReport
from tests.indicators.conftest import indicator

D = Decimal


def test_the_plan_file_holds_18_indicators_with_the_published_targets():
    plan = services.read_plan()
    assert len(plan) == 18 and len({i["key"] for i in plan}) == 18
    targets = {i["name"]: (i["target"], i["unit"]) for i in plan}
    assert targets["职工创新工作室"] == ("8000", "家")
    assert targets["北京市各级大工匠"] == ("2000", "名")
    assert targets["百人以上企业集体合同签订率"] == ("90", "%")
    assert targets["职工之家"] == ("18000", "个")
    assert targets["职工暖心驿站"] == ("30000", "个")
    assert targets["全市工会组织职工覆盖率"] == ("90", "%")
    assert all(i["target_year"] == 2025 and i["source"] in ("live", "reported") for i in plan)
    assert all(i["metric_key"] for i in plan if i["source"] == "live")


def test_every_live_indicator_of_the_plan_has_a_registered_metric(app):
    with app.app_context():
        missing = [i["metric_key"] for i in services.read_plan()
                   if i["source"] == "live" and metrics.get(i["metric_key"]) is None]
        assert missing == []


def test_load_plan_command_creates_the_indicators_once_and_keeps_edits(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["indicators", "load-plan"])
    assert result.exit_code == 0 and "已新建 18 项指标" in result.output
    with app.app_context():
        indicator("worker_homes").target = D(19000)
        db.session.commit()
    result = runner.invoke(args=["indicators", "load-plan"])
    assert "已新建 0 项指标，18 项已存在" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Indicator)) == 18
        assert indicator("worker_homes").target == 19000


def test_indicators_come_out_in_the_plans_order(app, plan):
    with app.app_context():
        keys = [p.key for p in services.list_indicators()]
        assert keys == [i["key"] for i in services.read_plan()]


def test_the_demo_loads_the_plan_and_reported_values_with_sources_and_one_correction(app, world):
    from indicators import demo

    with app.app_context():
        demo.load()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Indicator)) == 18
        notes = db.session.scalars(select(IndicatorReport.source_note)).all()
        assert notes and all(note.startswith("演示数据") for note in notes)
        corrected = db.session.scalar(select(IndicatorReport).where(IndicatorReport.supersedes_id.is_not(None)))
        assert corrected.correction_reason


def test_a_registered_metric_is_offered_and_replaced_by_key(app):
    def compute():
        return metrics.MetricResult(value=D(3), as_of=None)

    with app.app_context():
        metrics.register("test.sample", "样例", compute)
        try:
            assert metrics.get("test.sample").compute().value == 3
            assert "test.sample" in [m.key for m in metrics.available()]
        finally:
            metrics._REGISTRY.pop("test.sample")


def test_a_features_metrics_are_offered_only_when_the_feature_runs(app):
    from core import create_app

    alone = create_app("testing", {"DATABASE_URL": "sqlite://", "FEATURES": ("indicators",)})
    with alone.app_context():
        assert metrics.get("craftsmen.named") is None and metrics.available() == []
    with app.app_context():
        assert metrics.get("craftsmen.named") is not None


def test_the_indicators_package_imports_no_other_feature():
    code = ("import sys, indicators, indicators.services, indicators.views, indicators.public_views, "
            "indicators.metrics, indicators.charts, indicators.exports, indicators.demo\n"
            "others = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'craftsmen', 'competitions', 'innovation_studios', 'certificates'})\n"
            "assert not others, others")
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 - our own fixed code
