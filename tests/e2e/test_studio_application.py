"""An innovation studio from application to naming, in a browser, each step by the role that
does it, through the real pages: the enterprise applies on a phone (a mistake is reported and
nothing typed is lost), adds its team and submits; the 朝阳 union reviewer accepts the
application; the administrator forms the expert panel; the expert scores; the administrator
names the studio, which gets its number and appears in the public directory without any ID
number.

Only what is not the point is set up in the database: one more expert account. The demo data
(core.demo) provides the enterprise, its workers and the other accounts.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios.studios.review import DEFAULT_STUDIO_RUBRIC
from tests import factories
from tests.e2e import helpers
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import click_and_wait, expect_flash, log_in, log_out, open_from_nav, path_of

pytestmark = pytest.mark.e2e

ENTERPRISE = "北京京城精工机床有限公司"  # the demo `enterprise` account's; 朝阳区, the `reviewer`'s
GROUP = "创新工作室"  # the feature's menu in the navbar
STUDIO = "精密数控加工创新工作室"
PHONE = {"width": 390, "height": 844}
EXPERTS = ("expert", "e2e_studio_expert")
#: Each expert's marks by criterion name.
MARKS = {
    "expert": {"领办人示范作用": "92", "创新成果与效益": "88", "团队建设与传帮带": "90",
               "场地设备与管理制度": "85", "工作计划与经费保障": "86"},
    "e2e_studio_expert": {"领办人示范作用": "90", "创新成果与效益": "86.5", "团队建设与传帮带": "88",
                          "场地设备与管理制度": "90", "工作计划与经费保障": "84"},
}


@pytest.fixture
def prepared(app, page) -> SimpleNamespace:
    """The demo enterprise's workers (a leader and three team members with names of their own)
    and a second expert. Depends on ``page`` so that the demo data is loaded first."""
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == ENTERPRISE))
        assert enterprise is not None, f"the demo data should contain {ENTERPRISE}"
        workers = db.session.scalars(select(Worker).where(Worker.enterprise_id == enterprise.id,
                                                          Worker.in_post.is_(True)).order_by(Worker.id)).all()
        names = Counter(w.name for w in workers)
        unique = [w for w in workers if names[w.name] == 1]
        assert len(unique) >= 4, f"{ENTERPRISE} should have four workers with names of their own"
        factories.user("e2e_studio_expert", [Role.EXPERT])
        db.session.commit()
        leader, *team = unique[:4]
        result = SimpleNamespace(leader_id=leader.id, leader=leader.name, masked=leader.id_number_masked,
                                 team=[(w.id, w.name) for w in team])
        db.session.remove()
        return result


def expected_score() -> str:
    weights = {c["name"]: Decimal(c["weight"]) for c in DEFAULT_STUDIO_RUBRIC["criteria"]}
    totals = [sum(Decimal(v) * weights[k] for k, v in marks.items()) / 100 for marks in MARKS.values()]
    return str((sum(totals) / len(totals)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- browser steps -----------------------------------------------------------------------------

def switch_to(page, username: str) -> None:
    """:func:`tests.e2e.helpers.switch_to`, with the password of the accounts made here."""
    helpers.switch_to(page, username, factories.PASSWORD if username.startswith("e2e_") else DEMO_PASSWORD)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone ({width}px)"


def enterprise_applies_on_a_phone(browser, live_server, s) -> None:
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    try:
        log_in(phone, "enterprise")
        open_from_nav(phone, "工作室", GROUP)
        click_and_wait(phone, phone.get_by_role("link", name="申报创新工作室"))
        no_sideways_scroll(phone)

        # A mistake: no studio name. The page says so and keeps everything typed.
        phone.get_by_label("工作室类别").select_option(label="职工创新工作室")
        phone.get_by_label("申报级别").select_option(label="市级")
        phone.get_by_label("领办人").select_option(value=str(s.leader_id))
        phone.get_by_label("专业领域").fill("数控加工")
        phone.get_by_label("所属行业").select_option(label="制造业")
        phone.get_by_label("场地与设备").fill("生产车间二楼，面积 180 平方米，配备五轴加工中心。")
        phone.get_by_label("管理制度").fill("每周技术例会；成果登记与奖励；名师带徒协议。")
        phone.get_by_label("工作计划").fill("三年内完成五项技术革新，培养高级技师三名。")
        phone.get_by_label("经费保障").fill("企业每年投入 20 万元，专款专用。")
        click_and_wait(phone, phone.get_by_role("button", name="保存草稿"))
        expect(phone.locator(".invalid-feedback")).to_contain_text(["请填写工作室名称"])
        expect(phone.get_by_label("场地与设备")).to_have_value("生产车间二楼，面积 180 平方米，配备五轴加工中心。")
        expect(phone.get_by_label("领办人")).to_have_value(str(s.leader_id))

        phone.get_by_label("工作室名称").fill(STUDIO)
        click_and_wait(phone, phone.get_by_role("button", name="保存草稿"))
        expect_flash(phone, "已保存申报草稿")
        assert re.fullmatch(r"/studios/\d+", path_of(phone)), phone.url
        expect(phone.get_by_test_id("studio-state")).to_have_text("草稿")
        expect(phone.get_by_test_id("submission-problems")).to_contain_text("至少 3 人")

        for worker_id, name in s.team:
            click_and_wait(phone, phone.get_by_role("link", name="添加成员"))
            no_sideways_scroll(phone)
            phone.get_by_label("职工").select_option(value=str(worker_id))
            phone.get_by_label("角色").select_option(label="技术骨干")
            click_and_wait(phone, phone.get_by_role("button", name="加入团队"))
            expect_flash(phone, f"{name} 已加入团队")
        no_sideways_scroll(phone)
        click_and_wait(phone, phone.get_by_role("button", name="提交申报"))
        expect_flash(phone, "已提交，等待工会审查")
        expect(phone.get_by_test_id("studio-state")).to_have_text("已申报")
    finally:
        context.close()


def reviewer_accepts(page) -> None:
    log_in(page, "reviewer")
    open_from_nav(page, "工作室申报审查", GROUP)
    click_and_wait(page, page.get_by_test_id("studio-list").get_by_role("link").filter(has_text=STUDIO))
    page.get_by_label("审查意见").fill("材料齐全，场地和团队情况属实。")
    click_and_wait(page, page.get_by_role("button", name="通过，报送专家评审"))
    expect_flash(page, "已通过审查，报送专家评审")


def admin_forms_the_panel(page) -> None:
    switch_to(page, "admin")
    open_from_nav(page, "工作室评审与命名", GROUP)
    batch = page.get_by_test_id("batches").locator(".list-group-item").filter(
        has_text=f"{beijing_today().year}年度 · 市级")
    expect(batch).to_contain_text("尚未组建评审组")
    click_and_wait(page, batch.get_by_role("link", name="组建评审组"))
    for label in ("评审专家", "e2e_studio_expert"):
        page.locator("fieldset").get_by_label(label, exact=True).check()
    page.get_by_label("评审组长").select_option(label="评审专家")
    click_and_wait(page, page.get_by_role("button", name="保存评审组"))
    expect_flash(page, "已保存评审组")


def experts_score(page) -> None:
    for username in EXPERTS:
        switch_to(page, username)
        open_from_nav(page, "工作室评审", GROUP)
        task = page.locator("tr").filter(has_text=STUDIO)
        click_and_wait(page, task.get_by_role("link", name="评分"))
        expect(page.get_by_test_id("others-hidden")).to_be_visible()
        for criterion, mark in MARKS[username].items():
            page.get_by_label(criterion).fill(mark)
        click_and_wait(page, page.get_by_role("button", name="提交评分"))
        expect_flash(page, "评分已提交")


def admin_names(page) -> str:
    switch_to(page, "admin")
    open_from_nav(page, "工作室评审与命名", GROUP)
    click_and_wait(page, page.get_by_role("link", name="评分与结论").first)
    row = page.get_by_test_id("standings").get_by_role("row").filter(has_text=STUDIO)
    expect(row).to_contain_text(expected_score())
    click_and_wait(page, row.get_by_role("link", name="作出结论"))
    expect(page.get_by_test_id("aggregate")).to_have_text(expected_score())
    page.get_by_label("命名级别").select_option(label="市级")
    click_and_wait(page, page.get_by_role("button", name="命名", exact=True))
    expect_flash(page, f"已命名“{STUDIO}”")
    number = page.get_by_test_id("studio-number").inner_text().split("：")[1]
    assert re.fullmatch(rf"BJCX-{beijing_today().year}-\d{{4}}", number), number
    expect(page.get_by_test_id("studio-state")).to_have_text("已命名")
    return number


def the_public_finds_it(page, s, number: str) -> None:
    log_out(page)
    open_from_nav(page, "创新工作室名录")
    page.get_by_placeholder("名称、编号或企业").fill(number)
    click_and_wait(page, page.get_by_role("button", name="筛选"))
    click_and_wait(page, page.get_by_test_id("studio-list").get_by_role("link").filter(has_text=STUDIO))
    expect(page.get_by_test_id("studio-number")).to_have_text(number)
    expect(page.get_by_test_id("leader-name")).to_have_text(s.leader)
    assert s.masked not in page.content()


def test_a_studio_goes_from_application_to_naming(page, browser, live_server, prepared):
    enterprise_applies_on_a_phone(browser, live_server, prepared)
    reviewer_accepts(page)
    admin_forms_the_panel(page)
    experts_score(page)
    number = admin_names(page)
    the_public_finds_it(page, prepared, number)
