"""The annual assessment of an innovation studio walked in a browser, each step by the role that
does it, through the real pages:

1. the enterprise records the year's patent on its studio's page (a mistyped check digit is
   refused with a clear message and the form keeps what was typed);
2. the administrator opens the year's assessment;
3. the enterprise writes the annual report — the patent is listed in advance — and submits it;
4. the union reviewer finds it in the grading queue and grades it 不合格 with a deadline: the
   studio is in rectification;
5. the enterprise explains what it has done;
6. the administrator decides: the rectification passed (the studio is named again) — or, in
   the second test, failed: the studio is delisted with the reason and the date, and its page
   no longer offers to record achievements.

Only the setup that is not the point (a studio of the demo enterprise named two years ago, and
for the second test the steps up to the rectification) is done directly in the database.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.timeutil import beijing_today
from innovation_studios.achievements.patents import check_digit
from innovation_studios.assessments import services as assessments
from tests.e2e.helpers import click_and_wait, expect_flash, log_in, open_from_nav, path_of, switch_to
from tests.innovation_studios.factories import make_studio

pytestmark = pytest.mark.e2e

ENTERPRISE = "北京京城精工机床有限公司"  # the demo `enterprise` account's; 朝阳区, the `reviewer`'s
GROUP = "创新工作室"                    # the feature's menu in the navbar
STUDIO = "浏览器测试数控精加工创新工作室"
YEAR = beijing_today().year - 1         # the year assessed
PATENT_DIGITS = f"{YEAR}1" + "0601862"
PATENT = f"ZL{PATENT_DIGITS}.{check_digit(PATENT_DIGITS)}"
MISTYPED = f"ZL {YEAR} 1 0601862.{'1' if check_digit(PATENT_DIGITS) != '1' else '2'}"
TITLE = "一种数控车床主轴快速找正装置"
SUMMARY = "全年围绕主轴精度难题开展攻关，完成技术革新 3 项、授权发明专利 1 项，培养徒弟 4 名。"
PLAN = "明年重点攻关导轨热变形补偿，推广找正装置至全厂 12 台车床。"
PROBLEMS = "成果转化不足，活动记录不全，经费使用台账不规范。"
STATEMENT = "已建立月度活动记录和经费台账，找正装置已在两个车间推广。"
FAILURE = "整改期满，经费台账仍不规范，活动记录缺失。"


# --- setup in the database ---------------------------------------------------------------

@pytest.fixture
def studio(app, page) -> SimpleNamespace:
    """A named studio of the demo enterprise, led by one of its workers, named two years ago.

    Depends on ``page`` so that the demo data is loaded first.
    """
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == ENTERPRISE))
        assert enterprise is not None, f"the demo data should contain {ENTERPRISE}"
        leader = db.session.scalar(select(Worker).where(Worker.enterprise_id == enterprise.id).order_by(Worker.id))
        named = make_studio(SimpleNamespace(), "named", enterprise=enterprise.id, leader=leader.id, name=STUDIO,
                            named_on=date(YEAR - 1, 6, 1), members=2)
        db.session.commit()
        result = SimpleNamespace(id=named.id, leader=leader.name)
        db.session.remove()
        return result


def in_rectification(app, studio_id: int) -> None:
    """What the first test does in the browser, done through the services: the year's round,
    the report submitted, graded 不合格 by the reviewer."""
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        from innovation_studios.studios.models import Studio

        owner = db.session.get(Studio, studio_id)
        assessments.open_round(YEAR, beijing_today() + timedelta(days=20), by=users["admin"])
        report = assessments.start_report(owner, YEAR, by=users["enterprise"])
        assessments.save_report(report, assessments.ReportData(summary=SUMMARY, next_plan=PLAN),
                                expected_version=report.version, by=users["enterprise"])
        assessments.submit_report(report, expected_version=report.version, by=users["enterprise"])
        assessments.grade_report(report, "fail", PROBLEMS, rectification_deadline=beijing_today() + timedelta(days=60),
                                 expected_version=report.version, by=users["reviewer"])
        db.session.commit()
        db.session.remove()


# --- browser helpers ---------------------------------------------------------------------

def open_studio(page, studio_id: int) -> None:
    page.goto(f"/studios/{studio_id}")
    expect(page.locator("h1")).to_have_text(STUDIO)


# --- the steps ---------------------------------------------------------------------------

def enterprise_records_the_patent(page, s) -> None:
    log_in(page, "enterprise")
    open_studio(page, s.id)
    section = page.get_by_test_id("studio-achievements")
    expect(section).to_contain_text("尚未登记成果")
    click_and_wait(page, section.get_by_role("link", name="登记成果"))

    form = page.get_by_test_id("achievement-form")
    form.get_by_label("成果类别").select_option(label="专利")
    form.get_by_label("成果名称").fill(TITLE)
    form.get_by_label("取得日期").fill(f"{YEAR}-05-10")
    form.get_by_label("专利号（仅专利填写）").fill(MISTYPED)
    form.get_by_label("专利状态（仅专利填写）").select_option(label="已授权")
    form.get_by_label("经济效益（万元）").fill("18.6")
    expect(form.get_by_label(s.leader, exact=True), "the leader is ticked in advance").to_be_checked()
    click_and_wait(page, form.get_by_role("button", name="保存"))

    expect(page.locator(".invalid-feedback")).to_contain_text("专利号校验位错误")
    expect(form.get_by_label("成果名称"), "the form keeps what was typed").to_have_value(TITLE)
    expect(form.get_by_label("专利号（仅专利填写）")).to_have_value(MISTYPED)
    expect(form.get_by_label("经济效益（万元）")).to_have_value("18.6")
    form.get_by_label("专利号（仅专利填写）").fill(PATENT.lower().replace("zl", "zl "))
    click_and_wait(page, form.get_by_role("button", name="保存"))
    expect_flash(page, f"已登记成果“{TITLE}”")
    expect(page.get_by_test_id("patent-number"), "stored in its normal form").to_contain_text(PATENT)
    expect(page.get_by_test_id("economic-benefit")).to_have_text("18.60 万元")


def admin_opens_the_round(page) -> None:
    switch_to(page, "admin")
    open_from_nav(page, "年度考核", GROUP)
    form = page.get_by_test_id("round-form")
    form.get_by_label("考核年度").fill(str(YEAR))
    form.get_by_label("报告提交截止日期").fill((beijing_today() + timedelta(days=20)).isoformat())
    click_and_wait(page, form.get_by_role("button", name="开启年度考核"))
    expect_flash(page, f"已开启{YEAR}年度考核")
    expect(page.get_by_test_id("round-status")).to_have_text("接收报告中")


def enterprise_reports(page, s) -> None:
    switch_to(page, "enterprise")
    open_from_nav(page, "年度考核", GROUP)
    row = page.get_by_test_id("open-round").get_by_role("listitem").filter(has_text=STUDIO)
    click_and_wait(page, row.get_by_role("button", name="填写考核报告"))

    form = page.get_by_test_id("report-form")
    expect(form.get_by_label(re.compile(TITLE)), "the year's patent is listed in advance").to_be_checked()
    form.get_by_label("年度工作总结").fill(SUMMARY)
    form.get_by_label("下一年度计划").fill(PLAN)
    form.get_by_label("培养徒弟（人）").fill("4")
    form.get_by_label("开展培训（场次）").fill("6")
    click_and_wait(page, form.get_by_role("button", name="保存报告"))
    expect_flash(page, "考核报告已保存")
    expect(page.get_by_test_id("report-achievements")).to_contain_text(TITLE)
    click_and_wait(page, page.get_by_role("button", name="提交报告"))
    expect_flash(page, "考核报告已提交，等待工会评定")
    expect(page.get_by_test_id("report-state")).to_have_text("待评定")


def reviewer_grades_it_unqualified(page) -> None:
    switch_to(page, "reviewer")
    open_from_nav(page, "考核评定", GROUP)
    click_and_wait(page, page.get_by_test_id("grading-queue").get_by_role("link", name=STUDIO))
    form = page.get_by_test_id("grade-form")
    form.get_by_label("不合格", exact=True).check()
    click_and_wait(page, form.get_by_role("button", name="确认评定"))
    expect(page.locator(".invalid-feedback")).to_contain_text("评为不合格时请写明存在的问题和整改要求")
    form.get_by_label("不合格", exact=True).check()
    form.get_by_label("评定意见").fill(PROBLEMS)
    expect(form.get_by_label("整改期限"), "a deadline is offered").not_to_have_value("")
    click_and_wait(page, form.get_by_role("button", name="确认评定"))
    expect_flash(page, f"已评定为不合格：{STUDIO} 进入整改")
    expect(page.get_by_test_id("grade-result")).to_contain_text("考核结果：不合格")


def enterprise_explains(page, s) -> None:
    switch_to(page, "enterprise")
    open_studio(page, s.id)
    expect(page.get_by_test_id("studio-state")).to_have_text("整改中")
    click_and_wait(page, page.get_by_test_id("studio-assessment").get_by_role("link", name="查看整改"))
    page.get_by_label("整改情况说明", exact=True).fill(STATEMENT)
    click_and_wait(page, page.get_by_role("button", name="保存整改情况说明"))
    expect_flash(page, "整改情况说明已保存")


def admin_finds_the_rectification(page) -> None:
    switch_to(page, "admin")
    open_from_nav(page, "整改与摘牌", GROUP)
    click_and_wait(page, page.get_by_test_id("rectifications").get_by_role("link", name=STUDIO))
    assert re.fullmatch(r"/studios/assessments/rectifications/\d+", path_of(page)), page.url


def test_unqualified_then_rectification_passed(page, studio):
    enterprise_records_the_patent(page, studio)
    admin_opens_the_round(page)
    enterprise_reports(page, studio)
    reviewer_grades_it_unqualified(page)
    enterprise_explains(page, studio)

    admin_finds_the_rectification(page)
    expect(page.locator("main")).to_contain_text(STATEMENT)
    form = page.get_by_test_id("decision-form")
    form.get_by_label("整改合格", exact=True).check()
    click_and_wait(page, form.get_by_role("button", name="确认结论"))
    expect(page.locator(".invalid-feedback"), "an irreversible verdict needs the box ticked").to_contain_text(
        "请先勾选确认")
    form.get_by_label("整改合格", exact=True).check()
    form.get_by_label(re.compile("我已核对，确认执行")).check()
    click_and_wait(page, form.get_by_role("button", name="确认结论"))
    expect_flash(page, f"{STUDIO} 整改合格，恢复为已命名")
    expect(page.get_by_test_id("rectification-outcome")).to_contain_text("整改合格")

    open_studio(page, studio.id)
    expect(page.get_by_test_id("studio-state")).to_have_text("已命名")
    expect(page.get_by_test_id("studio-assessment")).to_contain_text(f"最近一次：{YEAR}年度")
    expect(page.get_by_test_id("studio-assessment")).to_contain_text("不合格")


def test_rectification_failed_delists_the_studio(app, page, studio):
    in_rectification(app, studio.id)
    log_in(page, "admin")
    admin_finds_the_rectification(page)
    form = page.get_by_test_id("decision-form")
    form.get_by_label("整改不合格", exact=True).check()
    form.get_by_label(re.compile("我已核对，确认执行")).check()
    click_and_wait(page, form.get_by_role("button", name="确认结论"))
    expect(page.locator(".invalid-feedback"), "delisting needs its reason").to_contain_text("请写明原因")
    form.get_by_label("整改不合格", exact=True).check()
    form.get_by_label("意见").fill(FAILURE)
    form.get_by_label(re.compile("我已核对，确认执行")).check()
    click_and_wait(page, form.get_by_role("button", name="确认结论"))
    expect_flash(page, f"{STUDIO} 整改不合格，已摘牌")
    today = beijing_today()
    expect(page.get_by_test_id("delisting")).to_contain_text(f"{today.year}年{today.month}月{today.day}日摘牌")
    expect(page.get_by_test_id("delisting")).to_contain_text(FAILURE)

    open_studio(page, studio.id)
    expect(page.get_by_test_id("studio-state")).to_have_text("已摘牌")
    expect(page.locator("main")).to_contain_text(FAILURE)

    switch_to(page, "enterprise")
    open_studio(page, studio.id)
    expect(page.get_by_test_id("studio-achievements").get_by_role("link", name="登记成果"),
           "a delisted studio records no more achievements").to_have_count(0)
