"""A competition day on a 768 x 1024 tablet, without dead ends.

* A contestant who never checked in is recorded 缺考 when scoring starts; the judges score the
  others, the chief judge locks, and the published results list the no-show as 缺考.
* Too few judges for a contestant is said on the judges page and stops scoring from starting.
* Marks typed offline stay in the browser: the judge moves to the next contestant offline,
  the tab is closed with marks unsent, and opening the sheet again online sends them.
* One judge on two tablets saving one mark: one row with the last value, and the tablet whose
  save replaced the other's says so; the other says so when its page is opened again.
* The judge lands on their events, with state and progress.

Setup is done through the services; everything the people do is done on the pages.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from competitions.models import Contestant, Event, EventState, Mark
from competitions.services import competitions, control, judges, registration, results, schemes
from core.accounts.models import User
from core.extensions import db
from core.roles import Role
from core.timeutil import beijing_today, utcnow
from tests import factories
from tests.e2e.helpers import log_in
from tests.e2e.test_judge_scoring import (
    _pick_workers,
    all_sent,
    check_tablet_page,
    click_and_wait,
    expect_flash,
    field_status,
    tablet,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.e2e

TITLE = "浏览器测试·比赛日"
MODULE = "实操"
MEASURED = "尺寸精度"   # measurement only: one scoring judge covers every contestant
SCORER = "day_judge"
CHIEF = "day_chief"


def _event(app, *, checked_in: int, scorers=(SCORER,), start: bool = True) -> SimpleNamespace:
    """An event of three registered contestants (different enterprises), the first
    ``checked_in`` of them checked in and drawn, the judges assigned, scoring started."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        workers = _pick_workers(3)
        today, now = beijing_today(), utcnow()
        competition = competitions.create_competition(competitions.CompetitionData(title=TITLE, year=today.year),
                                                      by=admin)
        event = competitions.create_event(competition, competitions.EventData(
            occupation=workers[0].occupation, venue="北京市工业技师学院", held_on=today,
            registration_opens=now - timedelta(days=20), registration_closes=now - timedelta(days=2)), by=admin)
        module = schemes.add_module(event, schemes.ModuleData(MODULE, "practical", Decimal(100)), by=admin)
        criterion = schemes.add_criterion(module, "零件加工", by=admin)
        schemes.add_aspect(criterion, schemes.AspectData(MEASURED, "measurement", Decimal(40)), by=admin)
        competitions.open_registration(event, by=admin)
        registration.import_contestants(event, [
            (row, {"姓名": w.name, "身份证号": w.id_number}) for row, w in enumerate(workers, start=2)], by=admin)
        competitions.start_check_in(event, by=admin)
        for contestant in registration.contestants(event)[:checked_in]:
            registration.check_in(contestant, by=admin)
        registration.draw_lots(event, by=admin)
        for username in scorers:
            user = factories.user(username, [Role.JUDGE])
            if username.endswith("_colleague"):
                user.employer_id = workers[0].enterprise_id
            judges.assign_judge(event, user, by=admin)
        judges.assign_judge(event, factories.user(CHIEF, [Role.JUDGE]), chief=True, by=admin)
        if start:
            competitions.start_scoring(event, by=admin)
        db.session.commit()
        drawn = db.session.scalars(select(Contestant).where(Contestant.event_id == event.id,
                                                            Contestant.blind_number.is_not(None))
                                   .order_by(Contestant.blind_number)).all()
        result = SimpleNamespace(event_id=event.id, event=str(event), module_id=module.id,
                                 blind=[c.blind_number for c in drawn], names=[c.worker.name for c in drawn],
                                 enterprises=[c.enterprise.name for c in drawn],
                                 absent=[c.worker.name for c in registration.contestants(event)
                                         if c.blind_number is None])
        db.session.remove()
        return result


def _sheet(s, index: int = 0) -> str:
    return f"/judging/events/{s.event_id}/modules/{s.module_id}/contestants/{s.blind[index]}"


def _marks(app) -> list[tuple[str, Decimal]]:
    with app.app_context():
        rows = db.session.execute(select(Contestant.blind_number, Mark.value).join(
            Contestant, Contestant.id == Mark.contestant_id).order_by(Contestant.blind_number)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def _type(page, value: str) -> None:
    field = page.get_by_role("textbox", name=MEASURED, exact=True)
    field.fill(value)
    field.blur()


# 1 -------------------------------------------------------------------------------------------------

def test_a_no_show_does_not_stop_the_event_and_is_listed_as_absent_in_the_results(app, tablet):  # noqa: F811
    s = _event(app, checked_in=2)
    log_in(tablet, SCORER, factories.PASSWORD)
    tablet.goto("/judging/")
    click_and_wait(tablet, tablet.get_by_role("link").filter(has_text=s.event))
    tiles = tablet.locator("a.judge-tile .tile-blind")
    expect(tiles, "only the two who turned up are on the sheet").to_have_text(s.blind)
    click_and_wait(tablet, tablet.locator("a.judge-tile").first)
    for index, mark in enumerate(("35", "30")):
        _type(tablet, mark)
        expect(field_status(tablet, MEASURED)).to_have_text("已保存")
        if index == 0:
            tablet.get_by_role("button", name=f"保存并评下一位（{s.blind[1]}）").tap()
    click_and_wait(tablet, tablet.locator(".breadcrumb").get_by_role("link"))
    tablet.get_by_label("我已核对，提交后本模块分数不能再修改").check()
    click_and_wait(tablet, tablet.get_by_role("button", name="提交评分表"))
    expect_flash(tablet, "评分表已提交")
    tablet.context.clear_cookies()

    log_in(tablet, CHIEF, factories.PASSWORD)
    tablet.goto(f"/judging/events/{s.event_id}/control")
    expect(tablet.get_by_test_id("out-list")).to_contain_text("缺考")
    expect(tablet.get_by_test_id("out-list")).to_contain_text("评分开始时未检录")
    check_tablet_page(tablet, SimpleNamespace(names=s.names + s.absent, enterprises=[]))
    tablet.get_by_label("我已核对，确认执行（此操作不可撤回）").check()
    click_and_wait(tablet, tablet.get_by_role("button", name="锁定成绩并抽取复核名单"))
    expect_flash(tablet, "成绩已锁定")

    with app.app_context():
        event = db.session.get(Event, s.event_id)
        chief = db.session.scalar(select(User).where(User.username == CHIEF))
        for item in control.recheck_items(event):
            control.record_recheck(item, "correct", by=chief)
        control.complete_recheck(event, by=chief)
        results.publish(event, by=None)
        db.session.commit()
        db.session.remove()
    tablet.context.clear_cookies()
    tablet.goto(f"/competition-results/{s.event_id}")
    absent = tablet.get_by_test_id("not-ranked")
    expect(absent).to_have_count(1)
    expect(absent).to_contain_text("缺考")
    expect(absent).to_contain_text(s.absent[0])
    table = tablet.get_by_test_id("results-table")
    expect(table).to_contain_text(s.names[0])
    # Names and award words keep to one line at 768 px.
    for cell in tablet.locator("[data-testid=results-table] td.text-nowrap").all():
        box = cell.bounding_box()
        assert box["height"] < 60, f"{cell.inner_text()} breaks across lines"


# 2 -------------------------------------------------------------------------------------------------

def test_too_few_judges_is_said_on_the_judges_page_and_scoring_does_not_start(app, tablet):  # noqa: F811
    s = _event(app, checked_in=3, scorers=("day_colleague",), start=False)
    log_in(tablet, "admin")
    tablet.goto(f"/competitions/events/{s.event_id}/judges")
    coverage = tablet.get_by_test_id("coverage")
    expect(coverage).to_contain_text("可评分裁判不足")
    expect(coverage).to_contain_text("（0/1）")
    tablet.goto(f"/competitions/events/{s.event_id}")
    click_and_wait(tablet, tablet.get_by_role("button", name="开始评分（冻结评分标准）"))
    expect_flash(tablet, "可评分裁判不足")
    expect_flash(tablet, "请增派")
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
    with app.app_context():
        assert db.session.get(Event, s.event_id).state == EventState.CHECK_IN
        db.session.remove()


# 3 -------------------------------------------------------------------------------------------------

def test_marks_typed_offline_survive_moving_on_and_closing_the_tab(app, tablet):  # noqa: F811
    s = _event(app, checked_in=3)
    log_in(tablet, SCORER, factories.PASSWORD)
    tablet.goto(_sheet(s))
    context = tablet.context
    context.set_offline(True)
    expect(tablet.locator(".offline-note")).to_be_visible()
    _type(tablet, "31")
    expect(tablet.get_by_test_id("pending-count")).to_have_text("待发送 1 项")
    # The arrow to the next contestant works without the network.
    tablet.locator(".sheet-panel:not([hidden]) a.sheet-nav", has_text=s.blind[1]).tap()
    expect(tablet.get_by_role("heading", level=1)).to_contain_text(s.blind[1])
    assert tablet.url.endswith(_sheet(s, 1))
    _type(tablet, "32")
    tablet.get_by_role("button", name=f"保存并评下一位（{s.blind[2]}）").tap()
    expect(tablet.get_by_role("heading", level=1)).to_contain_text(s.blind[2])
    _type(tablet, "33")
    expect(tablet.get_by_test_id("pending-count")).to_have_text("待发送 3 项")
    assert _marks(app) == []

    # Leaving with unsent marks asks first.
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    tablet.on("dialog", answer)
    tablet.close(run_before_unload=True)
    for _ in range(100):  # the question comes from the page: wait for it (up to 10 s)
        if dialogs:
            break
        tablet.wait_for_timeout(100)
    assert dialogs == ["beforeunload"]
    assert not tablet.is_closed(), "the judge chose to stay"
    tablet.remove_listener("dialog", answer)
    tablet.close()  # the browser is closed for good, marks unsent

    context.set_offline(False)
    again = context.new_page()
    again.goto(_sheet(s, 1))
    all_sent(again)
    assert _marks(app) == [(s.blind[0], 31), (s.blind[1], 32), (s.blind[2], 33)]
    expect(again.get_by_role("textbox", name=MEASURED, exact=True)).to_have_value("32")


# 4 -------------------------------------------------------------------------------------------------

def test_two_tablets_saving_one_mark_keep_the_last_value_and_say_so(app, browser, live_server, tablet):  # noqa: F811
    s = _event(app, checked_in=3)
    first = tablet
    second_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 768, "height": 1024},
                                         has_touch=True, is_mobile=True)
    second = second_context.new_page()
    try:
        for page in (first, second):
            log_in(page, SCORER, factories.PASSWORD)
            page.goto(_sheet(s))
        _type(first, "31")
        expect(field_status(first, MEASURED)).to_have_text("已保存")
        _type(second, "32")  # this tablet still shows the field empty
        expect(field_status(second, MEASURED)).to_have_text("此分数此前已在另一设备上保存为 31，现已改为您输入的 32")
        assert _marks(app) == [(s.blind[0], 32)]
        first.reload()
        expect(field_status(first, MEASURED)).to_have_text("此分数已在另一设备上改为 32（本机曾保存为 31）")
        expect(first.get_by_role("textbox", name=MEASURED, exact=True)).to_have_value("32")
    finally:
        second_context.close()


# 5 -------------------------------------------------------------------------------------------------

def test_the_judge_lands_on_their_events_with_state_and_progress(app, tablet):  # noqa: F811
    s = _event(app, checked_in=3)
    log_in(tablet, SCORER, factories.PASSWORD)
    expect(tablet.locator("main")).to_contain_text(s.event)  # the workbench lists the event
    tablet.goto("/judging/")
    events = tablet.get_by_test_id("judge-events")
    expect(events).to_contain_text(s.event)
    expect(events).to_contain_text("评分中")
    expect(events).to_contain_text("已录入 0 / 3 项")
    expect(tablet.locator("main")).not_to_contain_text("当前没有分配给您的赛项")
    tablet.goto(_sheet(s))
    _type(tablet, "30")
    all_sent(tablet)
    tablet.goto("/judging/")
    expect(tablet.get_by_test_id("judge-events")).to_contain_text("已录入 1 / 3 项")
