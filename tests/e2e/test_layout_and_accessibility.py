"""What every role reads fits and is accessible: the top bar on one line at 1280 px in
Chinese and English, phone pages without sideways scrolling at 375 px (nor an action hidden to
the right of a table), and no serious or
critical axe-core (WCAG 2.1 A/AA) violation on any main page of any role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import NAV_LINKS, log_in

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
ROLES = ["admin", "reviewer", "enterprise", "expert", "judge", "worker"]
PUBLIC_PAGES = ["/", "/registry", "/notices", "/competition-results", "/verify", "/studio-directory/",
                "/login"]
PHONE_PAGES = {
    "worker": ["/home/worker", "/my/certificates", "/me/competition-results",
               "/craftsmen/nominations/mine", "/studios/mine", "/notifications"],
    None: ["/registry", "/notices", "/competition-results", "/verify"],
}


def _context(browser, live_server, *, width=1280, height=800, locale="zh-CN", bypass_csp=False):
    context = browser.new_context(base_url=live_server, locale=locale, timezone_id="Asia/Shanghai",
                                  viewport={"width": width, "height": height}, bypass_csp=bypass_csp)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _switch_to_english(page) -> None:
    with page.expect_navigation():
        page.locator("#nav button[name=lang][value=en]").click()


def _bar_rows(page) -> int:
    """How many rows the top bar's items take: vertical centres more than 12 px apart start a
    new row."""
    return page.evaluate("""() => {
        const items = [...document.querySelectorAll(
            '.navbar-brand, #nav .navbar-nav > .nav-item, #nav > form')]
            .filter(e => e.offsetParent !== null);
        const centres = items.map(e => { const r = e.getBoundingClientRect();
                                         return (r.top + r.bottom) / 2; }).sort((a, b) => a - b);
        let rows = centres.length ? 1 : 0;
        for (let i = 1; i < centres.length; i++) if (centres[i] - centres[i - 1] > 12) rows++;
        return rows;
    }""")


@pytest.mark.parametrize("username", ROLES)
def test_the_top_bar_fits_one_line_at_1280_px_in_chinese_and_english(browser, live_server, demo_data,
                                                                       username):
    context = _context(browser, live_server)
    try:
        page = context.new_page()
        log_in(page, username)
        assert page.locator("#nav").is_visible()  # expanded, not behind the toggler
        assert _bar_rows(page) == 1, f"{username}: the Chinese top bar wraps"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        _switch_to_english(page)
        assert page.locator("html").get_attribute("lang") == "en"
        assert _bar_rows(page) == 1, f"{username}: the English top bar wraps"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        height = page.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height")
        assert height < 80, f"{username}: the English top bar is {height}px high"
    finally:
        context.close()


@pytest.mark.parametrize("who", list(PHONE_PAGES))
def test_phone_pages_need_no_sideways_scrolling_at_375_px(browser, live_server, demo_data, who):
    context = _context(browser, live_server, width=375, height=740)
    try:
        page = context.new_page()
        if who:
            log_in(page, who)
        for path in PHONE_PAGES[who]:
            response = page.goto(path)
            assert response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width}px wide at 375 px"
            assert _actions_off_screen(page, 375) == [], path
    finally:
        context.close()


def _actions_off_screen(page, width: int) -> list[str]:
    """The visible links and buttons of the page's content that end beyond ``width``: hidden to
    the right in a table that scrolls sideways, where a phone user would not look for them."""
    return page.evaluate("""width => [...document.querySelectorAll('main a, main button')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1)
        .map(e => (e.innerText || e.getAttribute('aria-label') || e.tagName).trim().slice(0, 30))""", width)


def _violations(page) -> list[str]:
    """Serious and critical axe-core violations (WCAG 2.1 A/AA, and the accessible name that
    must contain the visible label), plus aria-describedby pointing at nothing."""
    page.add_script_tag(content=AXE)
    return page.evaluate("""async () => {
        const serious = r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        const wcag = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        const names = await axe.run(document, {runOnly: {type: 'rule',
            values: ['label-content-name-mismatch']}});
        const dangling = [...document.querySelectorAll('[aria-describedby]')].flatMap(e =>
            e.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id))
             .map(id => 'aria-describedby points at missing #' + id));
        const mismatched = names.violations.map(v => v.id + ': ' +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        return [...new Set([...serious(wcag), ...mismatched, ...dangling])];
    }""")


#: Main pages reached from the workbench rather than the navigation.
WORKBENCH_PAGES = {"expert": ["/craftsmen/route/committee"]}


def _main_pages(page, username: str) -> list[str]:
    """The role's landing page, every page its navigation links to, the pages its workbench
    leads to, and the notification pages."""
    links = [link.get_attribute("href") for link in page.locator(NAV_LINKS).all()]
    return list(dict.fromkeys([page.url.split(page.url.split("/")[2], 1)[1], *links,
                               *WORKBENCH_PAGES.get(username, []), "/notifications", "/account/notifications"]))


@pytest.mark.parametrize("username", [*ROLES, None])
def test_no_serious_or_critical_accessibility_violation_on_any_main_page(browser, live_server,
                                                                         demo_data, username):
    context = _context(browser, live_server, bypass_csp=True)  # to inject axe-core
    try:
        page = context.new_page()
        if username:
            log_in(page, username)
            pages = _main_pages(page, username)
        else:
            pages = PUBLIC_PAGES
        problems = {}
        for path in pages:
            response = page.goto(path)
            assert response.status == 200, path
            found = _violations(page)
            if found:
                problems[path] = found
        assert not problems, f"{username or 'visitor'}: {problems}"
    finally:
        context.close()
