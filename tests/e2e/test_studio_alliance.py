"""A studio alliance formed and its joint project recorded in a browser, each step by the role
that does it: the administrator finds studio numbers with the lookup, is refused a delisted
studio (the form keeps what was typed), founds a 异型 alliance; the alliance is flagged for a
year without a joint project; the lead studio's enterprise records a joint project (a due date
before the start is refused first); the flag goes; the public directory shows the alliance and
the project's title.

Only the named studios (and one delisted) are set up directly in the database.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.timeutil import beijing_today
from innovation_studios.studios.models import StudioKind
from tests.e2e.helpers import click_and_wait, expect_flash, log_in, open_from_nav, switch_to
from tests.innovation_studios.factories import make_studio

pytestmark = pytest.mark.e2e

GROUP = "创新工作室"  # the feature's menu in the navbar
ALLIANCE = "浏览器测试·首都精密制造创新工作室联盟"
CHARTER = "第一条 本联盟由精密制造领域的创新工作室自愿组成。\n第二条 盟主每两年轮值一次。"
PROJECT = "大型构件焊接变形控制联合攻关"
#: (key, enterprise, studio name, kind, number, state)
STUDIOS = [
    ("lead", "北京京城精工机床有限公司", "京城精工数控创新工作室", StudioKind.WORKER, "BJCX-2024-E001", "named"),
    ("welding", "北京燕京重型装备制造有限公司", "燕京重装焊接工匠创新工作室", StudioKind.CRAFTSMAN, "BJCX-2024-E002",
     "named"),
    ("space", "北京星河航天精密制造有限公司", "星河航天精密劳模创新工作室", StudioKind.MODEL_WORKER, "BJCX-2024-E003",
     "named"),
    ("delisted", "北京顺畅公共交通有限公司", "顺畅公交维修创新工作室", StudioKind.WORKER, "BJCX-2022-E004",
     "delisted"),
]


@pytest.fixture
def studios(app, page) -> SimpleNamespace:
    """Named studios of three demo enterprises (the demo ``enterprise`` account's leads) and a
    delisted one. Depends on ``page`` so that the demo data is loaded first."""
    with app.app_context():
        found = {}
        for key, enterprise_name, name, kind, number, state in STUDIOS:
            enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == enterprise_name))
            assert enterprise is not None, f"the demo data should contain {enterprise_name}"
            leader = db.session.scalars(select(Worker).where(Worker.enterprise_id == enterprise.id)
                                        .order_by(Worker.id)).first()
            named_on = date(2022, 5, 1) if state == "delisted" else date(2024, 1, 10)
            found[key] = make_studio(SimpleNamespace(), state, enterprise=enterprise.id, leader=leader.id,
                                     name=name, kind=kind, number=number, named_on=named_on)
        db.session.commit()
        result = SimpleNamespace(**{key: (s.name, s.number) for key, s in found.items()})
        db.session.remove()
        return result


# --- browser steps -----------------------------------------------------------------------

def admin_founds_the_alliance(page, s) -> None:
    log_in(page, "admin")
    open_from_nav(page, "联盟管理", GROUP)
    click_and_wait(page, page.get_by_role("link", name="成立联盟"))
    expect(page.get_by_text("异型：成员工作室须包含两种及以上类型")).to_be_visible()

    page.get_by_label("联盟名称").fill(ALLIANCE)
    page.get_by_label("联盟类型").select_option(label="异型")
    page.get_by_label("成立日期").fill("2025-03-01")
    page.get_by_label("联盟章程").fill(CHARTER)
    page.get_by_label("盟主工作室").fill(s.lead[1])
    # The lookup finds the numbers to type, and keeps everything typed so far.
    page.get_by_label("查找已命名的工作室").fill("星河航天")
    click_and_wait(page, page.get_by_role("button", name="查找"))
    results = page.get_by_test_id("lookup-results")
    expect(results).to_contain_text(s.space[1])
    expect(page.get_by_label("联盟名称")).to_have_value(ALLIANCE)

    page.get_by_label("其他成员工作室").fill(f"{s.welding[0]}\n{s.delisted[1]}")
    click_and_wait(page, page.get_by_role("button", name="保存"))
    expect(page.locator(".invalid-feedback")).to_contain_text(f"“{s.delisted[0]}”已摘牌，不能加入联盟")
    expect(page.get_by_label("联盟名称"), "the refused form keeps what was typed").to_have_value(ALLIANCE)
    expect(page.get_by_label("联盟章程")).to_have_value(CHARTER)

    page.get_by_label("其他成员工作室").fill(f"{s.welding[0]}\n{s.space[1]}")
    click_and_wait(page, page.get_by_role("button", name="保存"))
    expect_flash(page, f"已成立联盟“{ALLIANCE}”")
    expect(page.get_by_test_id("lead")).to_contain_text(s.lead[0])
    for name, _ in (s.lead, s.welding, s.space):
        expect(page.locator(f"tr[data-member='{name}']")).to_be_visible()
    year = beijing_today().year
    expect(page.locator("main")).to_contain_text(f"{year}年无联合项目")


def enterprise_records_a_project(page, s) -> None:
    switch_to(page, "enterprise")
    open_from_nav(page, "我的联盟", GROUP)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ALLIANCE, exact=True))
    expect(row).to_contain_text("本企业为盟主")
    click_and_wait(page, row.get_by_role("link", name=ALLIANCE, exact=True))
    click_and_wait(page, page.get_by_role("link", name="登记联合项目"))

    year = beijing_today().year
    page.get_by_label("项目名称").fill(PROJECT)
    page.get_by_label("项目目标").fill("焊接变形量控制在 1 毫米以内，形成联盟共享工艺规程。")
    page.get_by_label(f"{s.lead[0]}（北京京城精工机床有限公司）").check()
    page.get_by_label(f"{s.welding[0]}（北京燕京重型装备制造有限公司）").check()
    page.get_by_label("牵头工作室").select_option(label=s.welding[0])
    page.get_by_label("项目状态").select_option(label="进行中")
    page.get_by_label("开始日期").fill(f"{year}-01-10")
    page.get_by_label("完成期限").fill(f"{year - 1}-12-31")
    click_and_wait(page, page.get_by_role("button", name="保存"))
    expect(page.locator(".invalid-feedback")).to_contain_text("完成期限不能早于开始日期")
    expect(page.get_by_label("项目名称")).to_have_value(PROJECT)

    page.get_by_label("完成期限").fill(f"{year}-12-31")
    click_and_wait(page, page.get_by_role("button", name="保存"))
    expect_flash(page, f"已登记联合项目“{PROJECT}”")
    expect(page.get_by_test_id("project-status")).to_have_text("进行中")
    expect(page.locator(f"tr[data-participant='{s.welding[0]}']")).to_contain_text("牵头")


def admin_sees_the_flag_gone(page) -> None:
    switch_to(page, "admin")
    open_from_nav(page, "联盟管理", GROUP)
    year = beijing_today().year
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ALLIANCE, exact=True))
    expect(row).to_contain_text("1 项")
    expect(row).not_to_contain_text(f"{year}年无联合项目")
    page.get_by_label("年度").select_option(label=f"{year - 1}年")
    click_and_wait(page, page.get_by_role("button", name="查询"))
    expect(row, "founded in March last year, no project then").to_contain_text(f"{year - 1}年无联合项目")


def the_public_sees_the_alliance(page, s) -> None:
    click_and_wait(page, page.locator("#nav").get_by_role("button", name="退出"))
    open_from_nav(page, "工作室联盟")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ALLIANCE, exact=True))
    expect(row).to_contain_text("异型")
    expect(row).to_contain_text(s.lead[0])
    click_and_wait(page, row.get_by_role("link", name=ALLIANCE, exact=True))
    expect(page.locator("main")).to_contain_text(PROJECT)
    expect(page.locator("main")).not_to_contain_text("第一条")


def test_admin_forms_an_alliance_and_the_lead_enterprise_records_a_joint_project(page, studios):
    admin_founds_the_alliance(page, studios)
    enterprise_records_a_project(page, studios)
    admin_sees_the_flag_gone(page)
    the_public_sees_the_alliance(page, studios)
