"""The worker form in a browser: a wrong ID check digit keeps what was typed; tablets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.people.services import find_by_id_number
from core.validators import id_number_check_char
from tests.e2e.helpers import log_in, path_of

pytestmark = pytest.mark.e2e

# A man born 15 March 1988 in Chaoyang (the 17th digit, 3, is odd: male).
FIRST17 = "11010519880315003"
VALID_ID = FIRST17 + id_number_check_char(FIRST17)
WRONG_ID = FIRST17 + next(c for c in "0123456789X" if c != VALID_ID[-1])
TYPED = {
    "#name": "王建国",
    "#mobile": "13912345678",
    "#occupation": "数控车工",
    "#years_in_occupation": "12",
    "#honors": "2023年 北京市技术能手\n2024年 首都劳动奖章",
}


def test_enterprise_fixes_a_wrong_id_check_digit_without_retyping_and_saves(app, page):
    with app.app_context():
        assert find_by_id_number(VALID_ID) is None, "pick an ID number the demo does not use"
    log_in(page, "enterprise")
    page.locator("#nav").get_by_role("link", name="职工", exact=True).click()
    page.get_by_role("link", name="登记职工").click()
    assert path_of(page) == "/workers/new"

    for selector, value in TYPED.items():
        page.locator(selector).fill(value)
    page.locator("#id_number").fill(WRONG_ID)
    page.locator("#gender").select_option("male")
    page.locator("#skill_level").select_option("level_3")
    with page.expect_navigation():
        page.locator("#submit").click()

    assert path_of(page) == "/workers/new"
    expect(page.get_by_role("alert")).to_contain_text("请修改标出的内容后再提交")
    id_input = page.locator("#id_number")
    expect(id_input).to_have_class(re.compile(r"\bis-invalid\b"))
    error = page.locator("#id_number ~ .invalid-feedback")
    expect(error).to_be_visible()
    expect(error).to_contain_text("身份证号校验位错误")
    expect(id_input).to_have_value(WRONG_ID)
    for selector, value in TYPED.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("#gender")).to_have_value("male")
    expect(page.locator("#skill_level")).to_have_value("level_3")

    id_input.fill(VALID_ID)
    with page.expect_navigation():
        page.locator("#submit").click()

    assert re.fullmatch(r"/workers/\d+", path_of(page)), page.url
    expect(page.get_by_role("alert")).to_contain_text("已登记职工 王建国")
    expect(page.locator("[data-testid=id-number]")).to_have_text(VALID_ID)
    expect(page.locator("main")).to_contain_text("首都劳动奖章")


def test_worker_form_fits_a_768px_tablet_without_sideways_scrolling_and_with_large_inputs(page):
    page.set_viewport_size({"width": 768, "height": 1024})
    log_in(page, "enterprise")
    page.goto("/workers/new")
    expect(page.locator("#name")).to_be_visible()

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 768, f"the page is {scroll_width}px wide: it scrolls sideways"
    fields = page.locator("main form input.form-control, main form select.form-select, "
                          "main form textarea")
    assert fields.count() >= 8
    for field in fields.all():
        box = field.bounding_box()
        assert box is not None, f"#{field.get_attribute('id')} is not displayed"
        assert box["height"] >= 40, f"#{field.get_attribute('id')} is {box['height']}px tall"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 768
