"""Steps shared by the browser tests."""

from __future__ import annotations

from urllib.parse import urlsplit

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
