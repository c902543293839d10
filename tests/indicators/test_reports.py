"""Reported indicators: administrators enter a value per year with a source note; nothing is
ever overwritten: a correction is a new entry that supersedes the old one, which stays in the
history. Target and baseline edits are audited and refuse a stale form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import ConcurrentEditError, DomainError
from core.extensions import db
from indicators import services
from indicators.models import IndicatorReport
from tests.indicators.conftest import indicator, progress_of

D = Decimal


def _admin(world):
    return db.session.get(User, world.users.admin)


def _report(world, key="worker_homes", year=2023, value="15200", note="2023年度工会统计年报"):
    return services.report_value(indicator(key), year=year, value=D(value), as_of=date(year, 12, 31),
                                 source_note=note, by=_admin(world))


def test_the_latest_year_reported_is_the_current_value_with_its_source(app, plan):
    with app.app_context():
        _report(plan, year=2022, value="14100", note="2022年报")
        _report(plan, year=2023, value="15200", note="2023年报")
        db.session.commit()
        p = progress_of("worker_homes")
        assert p.value == 15200 and p.as_of == date(2023, 12, 31) and p.source_note == "2023年报"
        assert p.series == {2022: 14100, 2023: 15200}
        assert p.progress == D("0.8444")  # 15200 / 18000, no baseline entered


def test_a_year_already_reported_is_not_overwritten(app, plan):
    with app.app_context():
        _report(plan)
        db.session.commit()
        with pytest.raises(DomainError, match="已有填报值"):
            _report(plan, value="99999")
        db.session.rollback()
        assert progress_of("worker_homes").value == 15200


def test_a_correction_supersedes_the_entry_and_both_stay_in_the_history(app, plan):
    with app.app_context():
        first = _report(plan)
        db.session.commit()
        correction = services.correct_report(first, value=D("15400"), as_of=date(2023, 12, 31),
                                             source_note="2023年报（修订）", reason="补报遗漏", by=_admin(plan))
        db.session.commit()
        history = services.report_history(indicator("worker_homes"))
        assert [e.id for e in history] == [correction.id, first.id]
        assert first.value == 15200  # unchanged
        assert correction.supersedes_id == first.id and correction.correction_reason == "补报遗漏"
        assert services.superseded_ids(history) == {first.id}
        assert progress_of("worker_homes").value == 15400
        with pytest.raises(DomainError, match="已被更正"):
            services.correct_report(first, value=D(1), as_of=date(2023, 12, 31), source_note="x", reason="y",
                                    by=_admin(plan))


def test_a_correction_needs_a_reason(app, plan):
    with app.app_context():
        entry = _report(plan)
        with pytest.raises(DomainError, match="更正原因") as refused:
            services.correct_report(entry, value=D(1), as_of=date(2023, 12, 31), source_note="x", reason=" ",
                                    by=_admin(plan))
        assert refused.value.field == "reason"


@pytest.mark.parametrize(("key", "year", "value", "as_of", "note", "message"), [
    ("worker_homes", 2023, "-1", date(2023, 12, 31), "年报", "负数"),
    ("union_coverage", 2023, "100.5", date(2023, 12, 31), "年报", "百分比"),
    ("worker_homes", 2023, "10", date(2024, 1, 31), "年报", "截至日期应在所填年度之内"),
    ("worker_homes", 2999, "10", date(2999, 12, 31), "年报", "年份"),
    ("worker_homes", 2023, "10", date(2023, 12, 31), "  ", "数据来源"),
    ("innovation_studios", 2023, "10", date(2023, 12, 31), "年报", "实时统计"),
])
def test_bad_reports_are_refused_in_chinese(app, plan, key, year, value, as_of, note, message):
    with app.app_context(), pytest.raises(DomainError, match=message):
        services.report_value(indicator(key), year=year, value=D(value), as_of=as_of, source_note=note,
                              by=_admin(plan))


def test_no_value_for_a_future_year(app, plan):
    from core.timeutil import beijing_today

    year = beijing_today().year + 1
    with app.app_context(), pytest.raises(DomainError, match="未来"):
        services.report_value(indicator("worker_homes"), year=year, value=D(1), as_of=date(year, 1, 1),
                              source_note="x", by=_admin(plan))


def test_reports_and_corrections_are_audited(app, plan):
    with app.app_context():
        entry = _report(plan)
        services.correct_report(entry, value=D("15400"), as_of=date(2023, 12, 31), source_note="修订",
                                reason="补报", by=_admin(plan))
        db.session.commit()
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("indicator.%")
                                                                     & (AuditEntry.action != "indicator.create")))
        assert sorted(actions) == ["indicator.correct", "indicator.report"]


def test_editing_target_and_baseline_is_audited_and_moves_progress(app, plan):
    with app.app_context():
        _report(plan)
        item = indicator("worker_homes")
        services.update_indicator(item, services.IndicatorData(
            target=D(18000), target_year=2025, baseline=D(12000), baseline_year=2020,
            definition=item.definition, basis=item.basis), expected_version=item.version, by=_admin(plan))
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "indicator.update"))
        assert entry.changes == {"baseline": [None, "12000.00"]}  # unchanged fields are not listed
        assert progress_of("worker_homes").progress == D("0.5333")  # (15200-12000)/(18000-12000)


def test_a_stale_edit_is_refused(app, plan):
    with app.app_context():
        item = indicator("worker_homes")
        with pytest.raises(ConcurrentEditError):
            services.update_indicator(item, services.IndicatorData(
                target=D(1), target_year=2025, baseline=None, baseline_year=2020),
                expected_version=item.version + 1, by=_admin(plan))


@pytest.mark.parametrize(("data", "field"), [
    ({"baseline": D(5), "baseline_year": None}, "baseline_year"),
    ({"baseline_year": 2026}, "baseline_year"),
    ({"target": D(120)}, "target"),
    ({"target": D("89.555")}, "target"),
])
def test_inconsistent_targets_are_refused_on_their_field(app, plan, data, field):
    with app.app_context():
        item = indicator("union_coverage")
        values = {"target": D(90), "target_year": 2025, "baseline": None, "baseline_year": 2020, **data}
        with pytest.raises(DomainError) as refused:
            services.update_indicator(item, services.IndicatorData(**values), expected_version=item.version,
                                      by=_admin(plan))
        assert refused.value.field == field


def test_reports_are_never_deleted_by_loading_the_plan_again(app, plan):
    with app.app_context():
        _report(plan)
        db.session.commit()
        assert services.load_plan() == (0, 18)
        assert db.session.scalar(select(func.count()).select_from(IndicatorReport)) == 1
