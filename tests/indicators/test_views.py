"""The pages: administrators see the dashboard, edit targets and report values in the
browser; everyone sees the public summary; every chart is well-formed, accessible SVG with
its numbers in a table beside it; the Excel exports carry the same figures."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from indicators.models import IndicatorReport
from tests.conftest import csrf_token
from tests.indicators.conftest import indicator, make_studio
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice

SVG = "{http://www.w3.org/2000/svg}"
ADMIN_PAGES = ["/indicators/", "/indicators/export.xlsx"]


def _ids(app, *keys):
    with app.app_context():
        return [indicator(k).id for k in keys]


def _svgs(html: str) -> list[ET.Element]:
    # Our own pages, not untrusted input.
    return [ET.fromstring(chunk) for chunk in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]  # noqa: S314


@pytest.mark.parametrize("identity", ["reviewer", "enterprise", "expert", "judge", "worker"])
def test_only_administrators_open_the_dashboard(client, login, plan, identity):
    login(getattr(plan.users, identity))
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_for_the_dashboard(client, plan):
    response = client.get("/indicators/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_administrators_report_values(app, client, login, plan):
    (homes,) = _ids(app, "worker_homes")
    login(plan.users.reviewer)
    response = client.post(f"/indicators/{homes}/reports", data={"year": 2023, "value": "1", "as_of": "2023-12-31",
                                                                  "source_note": "x"})
    assert response.status_code in (400, 403)
    with app.app_context():
        assert db.session.scalar(select(IndicatorReport)) is None


def test_dashboard_lists_the_18_indicators_with_progress_and_charts(app, client, login, plan):
    with app.app_context():
        make_studio(plan.ent_a, plan.worker_a)
        db.session.commit()
    login(plan.users.admin)
    html = client.get("/indicators/").get_data(as_text=True)
    assert html.count('data-indicator="') == 18
    assert "职工创新工作室" in html and "8,000家" in html
    assert 'data-testid="current-innovation_studios">1家' in html
    assert "规划指标" in html  # navigation entry


def test_admin_reports_a_value_in_the_browser_and_sees_it(app, client, login, plan):
    (homes,) = _ids(app, "worker_homes")
    login(plan.users.admin)
    token = csrf_token(client, f"/indicators/{homes}")
    response = client.post(f"/indicators/{homes}/reports", data={
        "csrf_token": token, "year": "2024", "value": "16700", "as_of": "2024-12-31",
        "source_note": "2024年度工会统计年报"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已记录 2024 年度的填报值" in html
    assert "16,700" in html and "2024年度工会统计年报" in html


def test_a_bad_report_keeps_what_was_typed_and_says_why(app, client, login, plan):
    (rate,) = _ids(app, "union_coverage")
    login(plan.users.admin)
    token = csrf_token(client, f"/indicators/{rate}")
    response = client.post(f"/indicators/{rate}/reports", data={
        "csrf_token": token, "year": "2024", "value": "120", "as_of": "2024-12-31",
        "source_note": "年报原文"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "百分比不能超过 100" in html and "年报原文" in html


def test_admin_corrects_a_value_and_the_old_one_stays_visible(app, client, login, plan):
    from indicators import services

    (homes,) = _ids(app, "worker_homes")
    with app.app_context():
        entry = services.report_value(indicator("worker_homes"), year=2023, value=Decimal(15200),
                                      as_of=date(2023, 12, 31), source_note="初报", by=None)
        db.session.commit()
        entry_id = entry.id
    login(plan.users.admin)
    path = f"/indicators/reports/{entry_id}/correct"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "value": "15400", "as_of": "2023-12-31",
                                       "source_note": "修订版", "reason": "补报遗漏"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "原记录保留在历史中" in html
    assert "<del>15,200</del>" in html and "15,400" in html and "补报遗漏" in html
    assert "已被更正" in html
    assert client.get(path).status_code == 200  # the superseded entry's page explains instead of failing


def test_admin_edits_a_target_and_a_stale_form_is_refused(app, client, login, plan):
    (studios,) = _ids(app, "innovation_studios")
    login(plan.users.admin)
    path = f"/indicators/{studios}/edit"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    token = csrf_token(client, path)
    form = {"csrf_token": token, "version": version, "target": "8500", "target_year": "2025", "baseline": "",
            "baseline_year": "2020", "definition": "口径", "basis": "依据"}
    assert client.post(path, data=form).status_code == 302
    with app.app_context():
        assert indicator("innovation_studios").target == 8500
    response = client.post(path, data={**form, "target": "9000"})  # the same, now stale, version
    assert "已被他人修改" in response.get_data(as_text=True)
    with app.app_context():
        assert indicator("innovation_studios").target == 8500


def test_public_summary_shows_charts_numbers_and_breakdowns_to_anyone(app, client, plan):
    with app.app_context():
        make_studio(plan.ent_a, plan.worker_a, level="city")
        make_studio(plan.ent_b, plan.worker_b, level="district")
        db.session.commit()
    response = client.get("/plan-indicators")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "规划指标进展" in html and "8,000家" in html
    assert 'data-testid="breakdown-innovation_studios-district"' in html
    assert "朝阳区总工会" in html and "北京市机械冶金建材工会" in html
    assert "修改目标" not in html and "/indicators/" not in html


def test_every_chart_is_well_formed_accessible_svg(app, client, plan):
    with app.app_context():
        make_studio(plan.ent_a, plan.worker_a)
        db.session.commit()
    html = client.get("/plan-indicators").get_data(as_text=True)
    charts = _svgs(html)
    assert len(charts) >= 18 * 3
    for svg in charts:
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        labelled = svg.get("aria-labelledby").split()
        assert labelled == [title.get("id"), desc.get("id")]
        assert svg.get("style") is None and all(e.get("style") is None for e in svg.iter())
    trend = next(s for s in charts if s.get("id") == "ind-innovation_studios-trend")
    assert "目标（2025年）：8,000家" in trend.find(f"{SVG}desc").text


def test_pages_load_nothing_from_elsewhere(client, plan):
    html = client.get("/plan-indicators").get_data(as_text=True)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "<script>" not in html and " style=" not in html


def test_excel_export_has_one_row_per_indicator_and_a_column_per_year(app, client, login, plan):
    from indicators import services

    with app.app_context():
        services.report_value(indicator("worker_homes"), year=2023, value=Decimal(15200), as_of=date(2023, 12, 31),
                              source_note="=HYPERLINK(\"x\")", by=None)
        db.session.commit()
    login(plan.users.admin)
    response = client.get("/indicators/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    assert len(rows) == 19 and "完成进度（%）" in headers and "2023年" in headers
    homes = next(r for r in rows if r[2] == "职工之家")
    assert homes[headers.index("当前值")] == 15200 and homes[headers.index("目标值")] == 18000
    assert homes[headers.index("2023年")] == 15200


def _homes_reported_with_a_formula_as_source(app) -> int:
    """The worker-homes indicator, its 2023 value reported with a source typed as a formula."""
    from indicators import services

    (homes,) = _ids(app, "worker_homes")
    with app.app_context():
        services.report_value(indicator("worker_homes"), year=2023, value=Decimal(15200), as_of=date(2023, 12, 31),
                              source_note="=cmd|' /C calc'!A0", by=None)
        db.session.commit()
    return homes


def test_one_indicator_exports_its_years_breakdowns_and_history(app, client, login, plan):
    homes = _homes_reported_with_a_formula_as_source(app)
    login(plan.users.admin)
    sheet = load_workbook(io.BytesIO(client.get(f"/indicators/{homes}/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    history = [r for r in rows if r[0] == "填报记录"]
    assert history and history[0][4].startswith("'=")  # a formula typed as a source stays text
    assert any(r[0] == "历年" and r[1] == "2023年" for r in rows)


@needs_libreoffice
def test_libreoffice_calc_shows_the_indicator_exports_as_written(app, client, login, plan):
    homes = _homes_reported_with_a_formula_as_source(app)
    login(plan.users.admin)
    overview = next(iter(assert_calc_reads_alike(client.get("/indicators/export.xlsx").data).values()))
    assert len(overview) == 19
    one = next(iter(assert_calc_reads_alike(client.get(f"/indicators/{homes}/export.xlsx").data).values()))
    assert any(row[0] == "填报记录" and row[4].startswith("'=") for row in one)


def test_unknown_records_answer_404(client, login, plan):
    login(plan.users.admin)
    assert client.get("/indicators/999999").status_code == 404
    assert client.get("/indicators/reports/999999/correct").status_code == 404


def test_a_live_indicator_takes_no_reports(app, client, login, plan):
    (studios,) = _ids(app, "innovation_studios")
    login(plan.users.admin)
    assert 'data-testid="report-form"' not in client.get(f"/indicators/{studios}").get_data(as_text=True)
    token = csrf_token(client, "/indicators/")
    assert client.post(f"/indicators/{studios}/reports", data={"csrf_token": token}).status_code == 404
