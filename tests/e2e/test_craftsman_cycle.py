"""The whole craftsman selection cycle walked in a browser, each step by the role that does it,
through the real pages: the enterprise nominates, the union reviewer approves, experts score,
the administrator generates the proposed list and publishes the notice, a visitor objects, the
objection is dismissed, the notice period runs out, the cycle is named and the new craftsman
appears in the public registry without any ID number.

Only setup that is not the point (the cycle, the expert accounts) and the passing of time (the
notice period moved into the past) are done directly in the database.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.review_panels.scoring import DEFAULT_CRAFTSMAN_RUBRIC
from core.roles import Role
from core.timeutil import beijing_today, utcnow
from craftsmen.models import CycleStatus, PublicNotice, SelectionCycle
from craftsmen.services import cycles as cycle_services
from tests import factories
from tests.e2e.helpers import click_and_wait, expect_flash, log_in, log_out, open_from_nav, path_of, switch_to

pytestmark = pytest.mark.e2e

ENTERPRISE = "北京京城精工机床有限公司"  # the demo `enterprise` account's; 朝阳区, the `reviewer`'s
TITLE = "浏览器全流程测试·北京大工匠选树"
GROUP = "北京大工匠"  # the feature's menu in the navbar
NOTICE_DAYS = 5
EXPERTS = ("e2e_expert_1", "e2e_expert_2", "e2e_expert_3")
#: Each expert's marks by criterion of the default rubric (技艺技能 40, 创新成果 30, 贡献价值 20,
#: 精神传承 10): close enough together that no disagreement goes to the panel lead.
MARKS = {
    "e2e_expert_1": {"技艺技能": "92", "创新成果": "88", "贡献价值": "90", "精神传承": "85"},
    "e2e_expert_2": {"技艺技能": "90", "创新成果": "86.5", "贡献价值": "88", "精神传承": "90"},
    "e2e_expert_3": {"技艺技能": "88", "创新成果": "90", "贡献价值": "86", "精神传承": "84"},
}
STATEMENT = ("扎根数控加工一线二十年，主持攻克大型龙门机床导轨精密加工难题，"
             "带出高级技师三名，技术革新累计为企业节约成本三百余万元。")
ACHIEVEMENT = "2023年北京市职工职业技能大赛决赛一等奖"
EVIDENCE_NAME = "技能大赛获奖证书.pdf"
OBJECTOR = {"您的姓名": "张明远", "联系方式": "13912345678",
            "事实和理由": "据了解，该同志的获奖证书年份与比赛实际举办年份不一致，请核实证书真伪。"}
DISMISSAL = "经核实，该证书由北京市总工会于2023年10月颁发，与比赛举办年份一致，异议不成立。"


# --- setup in the database ---------------------------------------------------------------

@pytest.fixture
def uploads(app, tmp_path):
    """Evidence files go to a temporary folder, not the project's instance folder."""
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = saved


@pytest.fixture
def evidence(tmp_path):
    """A small file the upload check accepts as a PDF (it looks at the first bytes)."""
    path = tmp_path / EVIDENCE_NAME
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
                     b"%%EOF\n")
    return path


@pytest.fixture
def prepared(app, page, uploads) -> SimpleNamespace:
    """A city-level cycle open for nominations whose one occupation and rules fit a worker of
    the demo enterprise (a worker whose name is unique there), and three expert accounts.

    Depends on ``page`` so that the demo data is loaded first.
    """
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == ENTERPRISE))
        assert enterprise is not None, f"the demo data should contain {ENTERPRISE}"
        workers = db.session.scalars(select(Worker).where(Worker.enterprise_id == enterprise.id,
                                                          Worker.in_post.is_(True))
                                     .order_by(Worker.id)).all()
        names = Counter(w.name for w in workers)
        worker = next((w for w in workers if names[w.name] == 1), None)
        assert worker is not None, f"no worker of {ENTERPRISE} with a name of their own"
        now = utcnow()
        cycle = cycle_services.create_cycle(cycle_services.CycleData(
            title=TITLE, level="city", year=beijing_today().year,
            nomination_opens=now - timedelta(days=1), nomination_closes=now + timedelta(days=30),
            occupations=[cycle_services.OccupationData(worker.occupation, 1)],
            notice_days=NOTICE_DAYS,
            # The rules the chosen worker just meets.
            min_years=worker.years_in_occupation, min_skill_level=worker.skill_level,
            front_line_required=worker.is_front_line, in_post_required=True,
            max_per_enterprise=3,
        ), by=admin)
        cycle_services.open_nominations(cycle, by=admin)
        for username in EXPERTS:
            factories.user(username, [Role.EXPERT])
        db.session.commit()
        result = SimpleNamespace(
            cycle_id=cycle.id, year=cycle.year, occupation=worker.occupation,
            occupation_id=cycle.occupations[0].id, worker=worker.name,
            id_number=worker.id_number, id_number_masked=worker.id_number_masked,
            mobile=worker.mobile)
        db.session.remove()
        return result


def notice_period_passes(app, cycle_id: int) -> None:
    """Time passes: the notice ran from NOTICE_DAYS days ago until yesterday."""
    with app.app_context():
        notice = db.session.scalar(select(PublicNotice).where(PublicNotice.cycle_id == cycle_id))
        today = beijing_today()
        notice.starts_on = today - timedelta(days=NOTICE_DAYS)
        notice.ends_on = today - timedelta(days=1)
        db.session.commit()
        db.session.remove()


def expected_score() -> str:
    """The panel's score as the pages show it: mean of the weighted totals (fewer than five
    sheets, nothing dropped), half-up to two decimals."""
    weights = {c["name"]: Decimal(c["weight"]) for c in DEFAULT_CRAFTSMAN_RUBRIC["criteria"]}
    totals = [sum(Decimal(v) * weights[k] for k, v in marks.items()) / 100
              for marks in MARKS.values()]
    return str((sum(totals) / len(totals)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- browser steps -----------------------------------------------------------------------

def row_of(scope, page, name: str):
    """The table row with a link named exactly ``name``."""
    return scope.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def enterprise_nominates(page, s, evidence) -> None:
    log_in(page, "enterprise")
    open_from_nav(page, "推荐", GROUP)
    card = page.locator(".card").filter(has=page.get_by_role("heading", name=TITLE, exact=True))
    click_and_wait(page, card.get_by_role("link", name="在本周期推荐"))

    page.get_by_label("查找职工").fill(s.worker)
    click_and_wait(page, page.get_by_role("button", name="检查参评条件"))
    row = row_of(page, page, s.worker)
    expect(row, f"{s.worker} should be listed once among the enterprise's workers").to_have_count(1)
    expect(row, "the chosen worker meets the cycle's rules").to_contain_text("符合条件")
    row.get_by_label("推荐工种").select_option(label=s.occupation)
    click_and_wait(page, row.get_by_role("button", name="建推荐草稿"))
    expect_flash(page, f"已为 {s.worker} 创建推荐草稿")
    assert re.fullmatch(r"/craftsmen/nominations/\d+", path_of(page)), page.url
    expect(page.get_by_test_id("nomination-state")).to_have_text("草稿")

    click_and_wait(page, page.get_by_role("link", name="修改工种和个人陈述"))
    page.get_by_label("个人陈述").fill(STATEMENT)
    click_and_wait(page, page.get_by_role("button", name="保存草稿"))
    expect_flash(page, "已保存")
    expect(page.locator("main")).to_contain_text(STATEMENT[:20])

    form = page.locator("form").filter(has=page.get_by_role("button", name="添加成果"))
    form.get_by_label("成果类别").select_option(label="竞赛成绩")
    form.get_by_label("成果名称").fill(ACHIEVEMENT)
    form.get_by_label("取得日期").fill("2023-10-18")
    form.get_by_label("说明", exact=True).fill("个人赛项第一名")
    form.get_by_label("或上传新的证明材料").set_input_files(evidence)
    click_and_wait(page, form.get_by_role("button", name="添加成果"))
    expect_flash(page, f"已添加成果“{ACHIEVEMENT}”")
    achievement = page.locator("#achievements").get_by_role("row").filter(has_text=ACHIEVEMENT)
    expect(achievement.get_by_role("link", name=EVIDENCE_NAME),
           "the uploaded PDF is the achievement's evidence").to_be_visible()
    expect(page.locator("#attachments")).to_contain_text(EVIDENCE_NAME)
    expect(page.get_by_text("材料齐全，符合全部参评条件，可以提交。"),
           "nothing should stand in the way of submitting").to_be_visible()

    click_and_wait(page, page.get_by_role("button", name="提交推荐"))
    expect_flash(page, "已提交，等待工会资格审查")
    expect(page.get_by_test_id("nomination-state")).to_have_text("待资格审查")


def reviewer_approves(page, s) -> None:
    switch_to(page, "reviewer")
    open_from_nav(page, "资格审查", GROUP)
    row = row_of(page, page, s.worker).filter(has_text=TITLE)
    expect(row, "the submitted nomination waits in the 朝阳区 queue").to_have_count(1)
    click_and_wait(page, row.get_by_role("link", name="审查", exact=True))
    expect(page.get_by_text("系统按参评条件检查：符合全部条件")).to_be_visible()
    page.get_by_label("审查意见").fill("材料齐全，证书真实有效。")
    click_and_wait(page, page.get_by_role("button", name="通过，入人才库"))
    expect_flash(page, f"{s.worker} 已通过资格审查，进入人才库")


def admin_starts_review_and_forms_panel(page, s) -> None:
    switch_to(page, "admin")
    open_from_nav(page, "选树周期", GROUP)
    click_and_wait(page, page.get_by_role("link", name=TITLE, exact=True))
    status = page.get_by_test_id("cycle-status")
    expect(status).to_have_text("推荐中")
    page.get_by_label("我已核对，确认执行（此操作不可撤回）").check()
    click_and_wait(page, page.get_by_role("button", name="截止推荐，进入评审"))
    expect_flash(page, "推荐已截止，进入评审阶段")
    expect(status).to_have_text("评审中")

    click_and_wait(page, page.get_by_role("link", name="专家评审与建议名单"))
    card = page.get_by_test_id(f"occupation-{s.occupation_id}")
    expect(card, "the qualified nomination is counted").to_contain_text(re.compile(r"入库提名\s*1\b"))
    click_and_wait(page, card.get_by_role("link", name="组建评审组"))
    for username in EXPERTS:
        page.get_by_label(username, exact=True).check()
    page.get_by_label("评审组长").select_option(label=EXPERTS[0])
    page.get_by_label("评分截止日期").fill((beijing_today() + timedelta(days=7)).isoformat())
    click_and_wait(page, page.get_by_role("button", name="保存评审组"))
    expect_flash(page, f"已保存“{s.occupation}”评审组")
    expect(card).to_contain_text(f"{len(EXPERTS)} 位专家")


def expert_scores(page, s, username: str) -> None:
    switch_to(page, username, factories.PASSWORD)
    page.goto("/home/expert")
    work = page.get_by_test_id("work-item").filter(has_text="待评分的推荐")
    expect(work, "the panel's deadline is on the expert's workbench").to_contain_text("还剩 7 天")
    open_from_nav(page, "大工匠评审", GROUP)
    panel = page.locator("section").filter(
        has=page.get_by_role("heading", name=f"{TITLE} · {s.occupation}"))
    expect(panel.get_by_test_id("panel-deadline")).to_contain_text("评分截止")
    row = panel.get_by_role("row").filter(has_text=s.worker)
    click_and_wait(page, row.get_by_role("link", name="评分", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"评分：{s.worker}")
    for criterion, mark in MARKS[username].items():
        field = page.get_by_label(criterion, exact=True)
        box = field.bounding_box()
        assert box and box["height"] >= 44, f"the {criterion} input is too small to tap: {box}"
        field.fill(mark)
    click_and_wait(page, page.get_by_role("button", name="提交评分"))
    expect_flash(page, "评分已提交")
    expect(page.locator("main")).to_contain_text("提交后不能修改")


def admin_generates_proposed_list(page, s) -> None:
    switch_to(page, "admin")
    open_from_nav(page, "专家评审", GROUP)
    row = page.get_by_role("row").filter(has_text=TITLE)
    click_and_wait(page, row.get_by_role("link", name="评审组与名单"))
    card = page.get_by_test_id(f"occupation-{s.occupation_id}")
    expect(card, "every expert's sheet is in").to_contain_text(f"{len(EXPERTS)} / {len(EXPERTS)} 份")
    click_and_wait(page, card.get_by_role("link", name="建议名单"))
    expect(page.get_by_test_id("problems"), "nothing should block the list").to_have_count(0)
    click_and_wait(page, page.get_by_role("button", name="生成建议名单"))
    expect_flash(page, f"已生成“{s.occupation}”建议名单")
    nominee = page.get_by_role("row").filter(has_text=s.worker)
    expect(nominee).to_contain_text("拟命名")
    score_column = page.get_by_role("columnheader").all_inner_texts().index("综合得分")
    expect(nominee.get_by_role("cell").nth(score_column),
           "the panel's score: the mean of the three weighted totals").to_have_text(expected_score())


def admin_publishes_notice(page, s) -> None:
    open_from_nav(page, "公示与命名", GROUP)
    click_and_wait(page, page.get_by_role("link", name=TITLE, exact=True))
    expect(page.get_by_label("公示开始日期"), "the start date is filled in (today)").to_have_value(
        re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    page.get_by_label("公示说明").fill("公示期间，如有异议，请在本页提出，或致电 010-12345678。")
    click_and_wait(page, page.get_by_role("button", name="发布公示"))
    expect_flash(page, "公示已发布")
    expect(page.get_by_role("heading", level=1)).to_contain_text("公示中")


def visitor_objects(page, s) -> None:
    log_out(page)
    open_from_nav(page, "公示")
    click_and_wait(page, page.get_by_role("link").filter(has_text=f"关于{TITLE}拟命名人选的公示"))
    nominee = page.get_by_role("row").filter(has_text=s.worker)
    expect(nominee).to_contain_text(ENTERPRISE)
    click_and_wait(page, nominee.get_by_role("link", name="提出异议"))
    target = page.get_by_label("异议对象")
    expect(target.locator("option:checked"), "the nominee is chosen already").to_contain_text(
        s.worker)
    for label, value in OBJECTOR.items():
        page.get_by_label(label).fill(value)
    click_and_wait(page, page.get_by_role("button", name="提交异议"))
    expect_flash(page, "异议已收到")


def admin_dismisses_objection(page, s) -> None:
    log_in(page, "admin")
    open_from_nav(page, "公示与命名", GROUP)
    click_and_wait(page, page.get_by_role("link", name=TITLE, exact=True))
    expect(page.locator("main")).to_contain_text("待处理 1 条")
    click_and_wait(page, page.get_by_role("link", name="查看并处理异议"))
    objection = page.locator(".card").filter(has_text=OBJECTOR["事实和理由"])
    expect(objection).to_contain_text(f"对 {s.worker}")
    expect(objection).to_contain_text(OBJECTOR["联系方式"])
    objection.get_by_label("处理结果").select_option(label="异议不成立：维持公示名单")
    objection.get_by_label("处理意见").fill(DISMISSAL)
    click_and_wait(page, objection.get_by_role("button", name="保存处理结果"))
    expect_flash(page, "已处理：异议不成立")
    expect(objection).to_contain_text(DISMISSAL)

    click_and_wait(page, page.locator(".breadcrumb").get_by_role("link", name=TITLE))
    name_button = page.get_by_role("button", name="确认命名名单中的全部人选")
    expect(name_button, "naming waits for the end of the notice period").to_be_disabled()
    expect(page.get_by_role("status")).to_contain_text("期满后才能命名")


def admin_names_cycle(page, s) -> None:
    page.reload()
    name_button = page.get_by_role("button", name="确认命名名单中的全部人选")
    expect(name_button, "the notice period is over and no objection is open").to_be_enabled()
    page.get_by_label("我已核对，确认执行（此操作不可撤回）").check()
    click_and_wait(page, name_button)
    expect_flash(page, "已命名 1 人，已列入工匠名录")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已命名")


def visitor_finds_craftsman(page, s) -> None:
    log_out(page)
    open_from_nav(page, "工匠名录")
    page.get_by_role("searchbox", name="搜索").fill(s.worker)
    click_and_wait(page, page.get_by_role("button", name="查询"))
    entry = row_of(page, page, s.worker).filter(has_text=TITLE)
    expect(entry, "the new craftsman is in the registry").to_have_count(1)
    expect(entry).to_contain_text(f"北京大工匠 · {s.year}")
    expect(entry).to_contain_text(ENTERPRISE)
    click_and_wait(page, entry.get_by_role("link", name=s.worker, exact=True))

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(s.worker)
    expect(heading).to_contain_text("北京大工匠")
    main = page.locator("main")
    expect(main).to_contain_text(s.occupation)
    expect(main).to_contain_text(ACHIEVEMENT)
    html = page.content()
    text = main.inner_text()
    assert s.id_number not in html, "the public page must not show the ID number"
    assert s.id_number_masked not in html, "the public page must not show even the masked ID"
    assert not re.search(r"\d{6}(19|20)\d{2}[\dX*]{8}", text), "something like an ID number"
    assert s.mobile not in html, "the public page must not show the mobile number"
    assert EVIDENCE_NAME not in html, "evidence files are never public"


def test_enterprise_nomination_goes_through_review_notice_and_naming_into_the_registry(
        app, page, prepared, evidence):
    s = prepared
    enterprise_nominates(page, s, evidence)
    reviewer_approves(page, s)
    admin_starts_review_and_forms_panel(page, s)
    for username in EXPERTS:
        expert_scores(page, s, username)
    admin_generates_proposed_list(page, s)
    admin_publishes_notice(page, s)
    visitor_objects(page, s)
    admin_dismisses_objection(page, s)
    notice_period_passes(app, s.cycle_id)
    admin_names_cycle(page, s)
    visitor_finds_craftsman(page, s)

    with app.app_context():
        assert db.session.get(SelectionCycle, s.cycle_id).status == CycleStatus.CLOSED
