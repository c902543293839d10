"""Switching the interface language with the navbar buttons."""

from __future__ import annotations

import gettext

import pytest
from playwright.sync_api import expect

from core.config import BaseConfig
from tests.e2e.helpers import log_in, path_of

pytestmark = pytest.mark.e2e


def english(message: str) -> str:
    """``message`` as the English catalog has it (itself while it is not translated yet)."""
    catalog = gettext.translation("messages", BaseConfig.BABEL_TRANSLATION_DIRECTORIES,
                                  languages=["en"], fallback=True)
    return catalog.gettext(message)


def language_button(page, name: str):
    return page.locator("#nav form").get_by_role("button", name=name, exact=True)


def test_switching_to_english_and_back_to_chinese_changes_the_interface(page):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(language_button(page, "简体中文")).to_have_attribute("aria-current", "true")
    expect(page.locator("#submit")).to_have_value("登录")

    with page.expect_navigation():
        language_button(page, "English").click()

    assert path_of(page) == "/login", "the switch returns to the page it was made on"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(language_button(page, "English")).to_have_attribute("aria-current", "true")
    expect(language_button(page, "简体中文")).not_to_have_attribute("aria-current", "true")
    expect(page.locator("#submit")).to_have_value(english("登录"))

    with page.expect_navigation():
        language_button(page, "简体中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(language_button(page, "简体中文")).to_have_attribute("aria-current", "true")
    expect(language_button(page, "English")).not_to_have_attribute("aria-current", "true")
    expect(page.locator("#submit")).to_have_value("登录")


def test_the_chosen_language_is_kept_through_login(page):
    page.goto("/login")
    with page.expect_navigation():
        language_button(page, "English").click()

    log_in(page, "admin")

    assert path_of(page) == "/home/admin"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(language_button(page, "English")).to_have_attribute("aria-current", "true")
