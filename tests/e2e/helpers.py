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


def nav_labels(page) -> list[str]:
    """The texts of the main navigation links (left part of the navbar)."""
    return [label.strip() for label in page.locator("#nav ul.me-auto a.nav-link").all_inner_texts()]
