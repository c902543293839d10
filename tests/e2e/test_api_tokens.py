"""A user creates an API token on the "API 令牌" page, sees it once, and uses it in the
interactive API documentation (Swagger UI served by the app, under its CSP); revoking it
stops it at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in

pytestmark = pytest.mark.e2e


def _create_token(page, name: str) -> str:
    page.goto("/")
    page.locator("#nav a.dropdown-toggle").last.click()  # the user's own menu, under their name
    page.locator("#nav").get_by_role("link", name="API 令牌").click()
    expect(page.get_by_role("heading", name="API 令牌", exact=True)).to_be_visible()
    page.get_by_label("令牌名称").fill(name)
    page.get_by_label("有效期").select_option("30")
    with page.expect_navigation():
        page.get_by_role("button", name="创建令牌").click()
    token = page.locator("#new-token-value").input_value()
    assert token.startswith("bjgh_")
    expect(page.get_by_test_id("token-list")).to_contain_text(name)
    return token


def test_a_token_created_on_the_page_works_in_the_interactive_docs_until_revoked(page):
    log_in(page, "enterprise")
    token = _create_token(page, "人事系统同步")
    page.reload()  # shown once: gone on the next visit
    expect(page.locator("#new-token-value")).to_have_count(0)

    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("北京市职工技能人才服务平台 API")
    expect(page.get_by_text("listCraftsmen", exact=True)).to_be_visible()

    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input[type=text], .modal-ux input[type=password]").first.fill(token)
    page.locator(".modal-ux").get_by_role("button", name="Authorize", exact=True).click()
    page.locator(".modal-ux").get_by_role("button", name="Close").click()

    operation = page.locator("#operations-craftsmen-listNominations")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")

    # Revoked on the page: the same call is refused.
    page.goto("/account/api-tokens/")
    with page.expect_navigation():
        page.get_by_role("button", name="吊销令牌 人事系统同步").click()
    expect(page.get_by_role("alert").first).to_contain_text("已吊销")
    answer = page.request.get("/api/v1/nominations", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 401 and answer.json()["error"]["code"] == "invalid_token"
