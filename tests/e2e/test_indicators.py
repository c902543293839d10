"""Plan indicators in the browser: an administrator opens the dashboard from the navigation,
enters a reported value for 职工之家 with its source and sees it on the indicator's page and
the dashboard; a visitor who is not logged in opens the public summary and finds the charts
with the same numbers in tables beside them."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from core.extensions import db
from indicators import services
from tests.e2e.helpers import log_in, nav_labels

pytestmark = pytest.mark.e2e

SOURCE = "2024年度工会统计年报（市总工会组织部）"


@pytest.fixture
def plan(app, demo_data):
    with app.app_context():
        services.load_plan()
        db.session.commit()


def test_admin_reports_a_value_and_the_public_sees_it(page, plan, browser, live_server):
    log_in(page, "admin")
    assert "规划指标" in nav_labels(page)
    page.get_by_role("link", name="规划指标", exact=True).click()
    expect(page.get_by_role("heading", name="“十四五”职工发展规划指标")).to_be_visible()
    expect(page.locator("[data-indicator]")).to_have_count(18)

    page.get_by_role("link", name="职工之家", exact=True).first.click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("年度").fill("2024")
    form.get_by_label("数值").fill("16700")
    form.get_by_label("截至日期").fill(date(2024, 12, 31).isoformat())
    form.get_by_label("数据来源").fill(SOURCE)
    form.get_by_role("button", name="提交填报").click()

    expect(page.get_by_role("alert").filter(has_text="已记录 2024 年度的填报值")).to_be_visible()
    history = page.get_by_test_id("report-history")
    expect(history).to_contain_text("16,700")
    expect(history).to_contain_text(SOURCE)
    page.get_by_role("link", name="规划指标", exact=True).first.click()
    expect(page.get_by_test_id("current-worker_homes")).to_have_text("16,700个")

    visitor = browser.new_context(base_url=live_server, locale="zh-CN")
    public = visitor.new_page()
    try:
        public.goto("/")
        public.get_by_role("link", name="规划指标进展").click()
        expect(public.get_by_role("heading", name="“十四五”职工发展规划指标进展")).to_be_visible()
        expect(public.get_by_test_id("current-worker_homes")).to_have_text("16,700个")
        card = public.locator("#indicator-worker_homes")
        expect(card.locator("svg[role=img]")).to_have_count(2)  # progress bar and trend
        expect(card.locator("svg title").first).to_contain_text("职工之家")
        expect(card.locator("table")).to_contain_text("16,700")
        expect(card.locator("table")).to_contain_text("18,000")
        assert public.locator("svg[role=img]").count() >= 18 * 3
        assert public.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        visitor.close()
