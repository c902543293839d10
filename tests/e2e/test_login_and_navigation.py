"""Logging in through the form, each role's home page and navigation, logging out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import NAV_LINKS, log_in, nav_labels, path_of

pytestmark = pytest.mark.e2e

#: The navigation items of the core platform. Feature packages may add more; those are
#: neither required nor forbidden here.
CORE_NAV = {"工作台", "审核工作台", "企业工作台", "评审任务", "裁判任务", "我的",
            "职工", "企业", "工会", "账号", "审计日志"}

ROLES = {
    # username: (home path, navigation items it must show; the rest of CORE_NAV it must not)
    "admin": ("/home/admin", {"工作台", "职工", "企业", "工会", "账号", "审计日志"}),
    "reviewer": ("/home/reviewer", {"审核工作台", "职工", "企业"}),
    "enterprise": ("/home/enterprise", {"企业工作台", "职工"}),
    "expert": ("/home/expert", {"评审任务"}),
    "judge": ("/home/judge", {"裁判任务"}),
    "worker": ("/home/worker", {"我的"}),
}


@pytest.mark.parametrize("username", list(ROLES))
def test_each_demo_role_logs_in_to_its_own_home_and_sees_only_its_navigation(page, username):
    home, expected = ROLES[username]

    log_in(page, username)

    assert path_of(page) == home
    expect(page.locator("[data-testid=home-title]")).to_be_visible()
    shown = nav_labels(page)
    assert expected <= set(shown), f"{username} misses {expected - set(shown)} in {shown}"
    forbidden = (CORE_NAV - expected) & set(shown)
    assert not forbidden, f"{username} must not see {forbidden}"
    assert len(shown) == len(set(shown)), f"duplicate navigation items: {shown}"
    # Every link the role is shown also opens for it.
    for link in page.locator(NAV_LINKS).all():
        href = link.get_attribute("href")
        response = page.request.get(href, max_redirects=0)
        assert response.status == 200, f"{username}: {href} answered {response.status}"


def test_logging_out_via_the_navbar_ends_the_session(page):
    log_in(page, "admin")
    assert path_of(page) == "/home/admin"

    with page.expect_navigation():
        page.locator("#nav").get_by_role("button", name="退出").click()

    assert path_of(page) == "/login"
    expect(page.get_by_role("alert")).to_contain_text("已退出登录")
    assert "账号" not in nav_labels(page)
    page.goto("/home/admin")
    assert path_of(page) == "/login"
    expect(page.locator("[data-testid=home-title]")).to_have_count(0)
