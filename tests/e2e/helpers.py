"""Steps shared by the browser tests."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD


def path_of(page) -> str:
    return urlsplit(page.url).path


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and submit the real login form, and wait for the page that follows."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("form:has(#username) [type=submit]").click()


NAV_LINKS = "#nav ul.me-auto a.nav-link:not(.dropdown-toggle), #nav ul.me-auto a.dropdown-item"


def nav_labels(page) -> list[str]:
    """The texts of the main navigation links (left part of the navbar, menus included)."""
    return [label.strip() for label in page.locator(NAV_LINKS).all_text_contents()]


def click_and_wait(page, locator) -> None:
    """Click a link or submit button and wait for the page that follows."""
    with page.expect_navigation():
        locator.click()


def unfold_nav(page) -> None:
    """On a narrow screen the navbar is folded behind the menu button: unfold it, and wait
    until Bootstrap has finished (a click while the menu still grows can land on an item that
    is about to move). Nothing to do on a wide screen."""
    toggler = page.locator("button.navbar-toggler")
    if not toggler.is_visible():
        return
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#nav")).not_to_have_class(re.compile(r"\bcollapsing\b"))


def open_from_nav(page, item: str, group: str | None = None) -> None:
    """Follow a navbar item, as a person would: the navbar unfolded on a narrow screen, then
    ``group``'s drop-down opened where the user sees the item inside one."""
    unfold_nav(page)
    nav = page.locator("#nav")
    if group is not None:
        toggle = nav.locator("a.dropdown-toggle", has_text=group)
        if toggle.count():
            toggle.click()
    click_and_wait(page, nav.get_by_role("link", name=item, exact=True))


def log_out(page) -> None:
    unfold_nav(page)
    click_and_wait(page, page.locator("#nav").get_by_role("button", name="退出"))


def switch_to(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log out and in again as ``username``."""
    log_out(page)
    log_in(page, username, password)
    expect(page.locator("#nav"), f"{username} should be logged in").to_contain_text("退出")


def expect_flash(page, text: str, *, field_messages: str = ".invalid-feedback") -> None:
    """The page shows a message containing ``text``; on failure, says what it shows instead
    (its messages, heading and the field messages found by ``field_messages``)."""
    alerts = page.locator("main .alert")
    try:
        expect(alerts.filter(has_text=text)).to_have_count(1)
    except AssertionError:
        raise AssertionError(
            f"expected the message “{text}” on {page.url}; the page shows {alerts.all_inner_texts()}, "
            f"heading {page.locator('h1').all_inner_texts()}, field messages "
            f"{page.locator(field_messages).all_inner_texts()}") from None
