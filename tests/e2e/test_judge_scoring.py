"""Judges score a skills-competition event on a tablet, and the chief judge resolves a
discrepancy and locks the event, all through the real pages at a 768 x 1024 touch viewport.

Three judges each open the event from the navigation, tap the 0-3 buttons of the judgement
aspect and type the measured mark for every contestant, save and submit their sheet. One
judge's judgement score is two points away from the others' on one contestant, so submitting
flags a discrepancy. The chief judge (who does not score) confirms the marks with a note and
locks the event. Before the lock no page shows a contestant's name; the inputs are big enough
to tap and no page scrolls sideways. After the lock the chief judge sees the names.

Only the setup (competition, event, scheme, contestants checked in and drawn, judges) is done
directly in the database, through the services.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from competitions.models import Contestant, Discrepancy, Event, EventState
from competitions.services import competitions, judges, registration, schemes
from core.accounts.models import User
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.roles import Role
from core.timeutil import beijing_today, utcnow
from tests import factories
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import expect_flash, log_in

pytestmark = pytest.mark.e2e

TABLET = {"width": 768, "height": 1024}
#: Apple's and Google's smallest comfortable touch target, in CSS pixels.
MIN_TAP = 44
TITLE = "浏览器测试·职工职业技能大赛"
GROUP = "技能竞赛"  # the feature's menu in the navbar
MODULE = "技能操作"
JUDGED = "加工工艺"       # judgement aspect: each judge taps 0, 1, 2 or 3
MEASURED = "尺寸精度"     # measurement aspect: maximum 40, step 0.5
CONTESTANTS = 3
SCORERS = ("e2e_judge_1", "e2e_judge_2", "e2e_judge_3")
CHIEF = "e2e_chief"
#: Each judge's judgement score per contestant (in blind-number order). On the first
#: contestant the third judge is two points below the others: a discrepancy.
JUDGEMENT = {"e2e_judge_1": ("2", "3", "1"), "e2e_judge_2": ("2", "2", "1"),
             "e2e_judge_3": ("0", "2", "1")}
#: The measured mark per contestant: the same for every judge (it is measured, not judged).
MEASUREMENT = ("35.5", "30", "28")
OFF_STEP = "35.3"
NOTE = "现场复看工件，三位裁判的评价均有依据，维持原分。"


# --- the tablet ----------------------------------------------------------------------------

@pytest.fixture
def tablet(browser, live_server, demo_data):
    """A page in a fresh touch-screen context of a portrait tablet (768 x 1024), Chinese.

    Like the ``page`` fixture of conftest.py: uncaught script errors and Content-Security-Policy
    violations fail the test.
    """
    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=TABLET, has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    try:
        yield page
    finally:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


# --- setup in the database -------------------------------------------------------------------

def _pick_workers(count: int) -> list[Worker]:
    """``count`` demo workers of one occupation, each from another enterprise and with a name
    no other worker has (so that a name on a page can only be theirs)."""
    workers = db.session.scalars(select(Worker).order_by(Worker.id)).all()
    names = Counter(w.name for w in workers)
    by_occupation: dict[str, list[Worker]] = {}
    for worker in workers:
        chosen = by_occupation.setdefault(worker.occupation, [])
        if names[worker.name] == 1 and all(w.enterprise_id != worker.enterprise_id for w in chosen):
            chosen.append(worker)
    picked = next((ws[:count] for ws in by_occupation.values() if len(ws) >= count), None)
    assert picked, f"the demo data should have {count} workers of one occupation in different enterprises"
    return picked


@pytest.fixture
def prepared(app, demo_data) -> SimpleNamespace:
    """A scoring event (one practical module: a judgement and a measurement aspect) with three
    checked-in contestants who drew their blind numbers, three judges and a chief judge."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        workers = _pick_workers(CONTESTANTS)
        today, now = beijing_today(), utcnow()
        competition = competitions.create_competition(
            competitions.CompetitionData(title=TITLE, year=today.year), by=admin)
        event = competitions.create_event(competition, competitions.EventData(
            occupation=workers[0].occupation, venue="北京市工业技师学院", held_on=today,
            registration_opens=now - timedelta(days=20), registration_closes=now - timedelta(days=2)),
            by=admin)
        module = schemes.add_module(event, schemes.ModuleData(MODULE, "practical", Decimal(100)), by=admin)
        criterion = schemes.add_criterion(module, "零件加工", by=admin)
        schemes.add_aspect(criterion, schemes.AspectData(JUDGED, "judgement", Decimal(30)), by=admin)
        schemes.add_aspect(criterion, schemes.AspectData(MEASURED, "measurement", Decimal(40),
                                                         Decimal("0.5"), "mm"), by=admin)
        competitions.open_registration(event, by=admin)
        registration.import_contestants(event, [
            (row, {"姓名": w.name, "身份证号": w.id_number, "工种": w.occupation})
            for row, w in enumerate(workers, start=2)], by=admin)
        competitions.start_check_in(event, by=admin)
        registration.check_in_all(event, by=admin)
        registration.draw_lots(event, by=admin)
        for username in SCORERS:
            judges.assign_judge(event, factories.user(username, [Role.JUDGE]), by=admin)
        judges.assign_judge(event, factories.user(CHIEF, [Role.JUDGE]), chief=True, by=admin)
        competitions.start_scoring(event, by=admin)
        db.session.commit()
        contestants = db.session.scalars(select(Contestant).where(Contestant.event_id == event.id)
                                         .order_by(Contestant.blind_number)).all()
        assert [len(c.blind_number) for c in contestants] == [3] * CONTESTANTS, "3-digit numbers sort"
        result = SimpleNamespace(
            event_id=event.id, event=str(event),
            blind=[c.blind_number for c in contestants],
            names=[c.worker.name for c in contestants],
            enterprises=[db.session.get(Enterprise, c.enterprise_id).name for c in contestants])
        db.session.remove()
        return result


# --- browser steps ---------------------------------------------------------------------------

def click_and_wait(page, locator) -> None:
    """Tap a link or submit button and wait for the page that follows; when none comes, say
    where the page stood and what the tapped element looked like."""
    try:
        with page.expect_navigation():
            locator.tap()
    except PlaywrightTimeoutError:
        state = page.evaluate("""() => ({nav: document.getElementById('nav')?.className,
                                          scrollY: window.scrollY, ready: document.readyState})""")
        raise AssertionError(f"no page followed the tap on {locator} at {page.url}: {state}, "
                             f"element box {locator.bounding_box()}") from None


def open_menu(page) -> None:
    """On a tablet the navbar is folded behind the menu button: unfold it."""
    toggler = page.get_by_role("button", name="菜单")
    expect(toggler, "at 768 px the navbar should be folded").to_be_visible()
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.tap()
    # Bootstrap marks the menu "show" once it has finished unfolding: a tap while it is still
    # growing can land on an item that is about to move under the finger.
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#nav")).not_to_have_class(re.compile(r"\bcollapsing\b"))


def open_judging(page) -> None:
    """The judge's way in: menu → 技能竞赛 → 裁判评分."""
    open_menu(page)
    nav = page.locator("#nav")
    nav.locator("a.dropdown-toggle", has_text=GROUP).tap()
    click_and_wait(page, nav.get_by_role("link", name="裁判评分", exact=True))


def log_out(page) -> None:
    open_menu(page)
    click_and_wait(page, page.locator("#nav").get_by_role("button", name="退出"))


def check_tablet_page(page, s, *, names_hidden: bool = True) -> None:
    """No sideways scrolling at 768 px; before the lock, no contestant's name or enterprise."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], f"{page.url} scrolls sideways: {width} px wide"
    if names_hidden:
        html = page.content()
        shown = [n for n in (*s.names, *s.enterprises) if n in html]
        assert not shown, f"{page.url} shows who stands behind the blind numbers: {shown}"


def assert_tappable(locator, what: str) -> None:
    """Every element of ``locator`` is at least MIN_TAP px tall."""
    count = locator.count()
    assert count, f"no {what} found"
    for index in range(count):
        box = locator.nth(index).bounding_box()
        assert box and box["height"] >= MIN_TAP, f"{what} #{index + 1} is too small to tap: {box}"


def open_event(page, s) -> None:
    """From the judging list, the event (listed with its state)."""
    entry = page.get_by_role("link").filter(has_text=s.event)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("评分中")
    assert_tappable(entry, "event entry")
    check_tablet_page(page, s)
    click_and_wait(page, entry)
    expect(page.get_by_role("heading", level=1)).to_contain_text(s.event)


def field_status(page, aspect: str):
    """The save-as-you-go message under an aspect's input (of the contestant shown: every
    contestant of the module is on the page, the others hidden)."""
    return page.locator(".sheet-panel:not([hidden]) fieldset").filter(has_text=aspect).locator(".mark-error")


def all_sent(page) -> None:
    """Nothing is waiting in the browser: the pending count is hidden."""
    expect(page.get_by_test_id("pending-count")).to_be_hidden()


def off_step_mark_is_refused_and_kept(page, s) -> None:
    """An off-step measured mark: refused in Chinese as it is typed, and again when the form
    is saved, and what was typed stays in the field both times."""
    field = page.get_by_role("textbox", name=MEASURED, exact=True)
    measured = page.locator(".sheet-panel:not([hidden]) fieldset").filter(has=field)
    expect(measured.get_by_test_id("unit"), "the judge sees what is measured in").to_have_text("单位 mm")
    field.fill(OFF_STEP)
    field.blur()  # the mark is saved as soon as the field is left
    expect(field_status(page, MEASURED)).to_contain_text(f"“{MEASURED}”的分数应为")
    expect(field_status(page, MEASURED)).to_contain_text("的整数倍")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(field).to_have_value(OFF_STEP)

    page.get_by_role("button", name="保存", exact=True).tap()  # sent again, refused again
    all_sent(page)
    field = page.get_by_role("textbox", name=MEASURED, exact=True)
    expect(field, "the typed mark is kept after the refused save").to_have_value(OFF_STEP)
    expect(field_status(page, MEASURED)).to_contain_text("的整数倍")
    check_tablet_page(page, s)


def score_contestant(page, s, index: int, judgement: str, measurement: str) -> None:
    """On one contestant's sheet: tap the judgement score, type the measured mark, each saved
    at once; then save and go on to the next contestant (or stay, for the last one)."""
    blind = s.blind[index]
    expect(page.get_by_role("heading", level=1)).to_contain_text(blind)
    check_tablet_page(page, s)
    scores = page.get_by_role("radiogroup", name=JUDGED).locator("label")
    expect(scores).to_have_text(["0", "1", "2", "3"])
    assert_tappable(scores, "judgement score button")
    field = page.get_by_role("textbox", name=MEASURED, exact=True)
    assert_tappable(field, "measurement input")
    assert_tappable(page.locator(".sheet-panel:not([hidden]) form.judge-sheet button[type=submit]"), "save button")

    scores.filter(has_text=judgement).tap()
    expect(page.get_by_role("radio", name=judgement, exact=True)).to_be_checked()
    expect(field_status(page, JUDGED)).to_have_text("已保存")
    field.fill(measurement)
    field.blur()
    expect(field_status(page, MEASURED)).to_have_text("已保存")

    # The next contestant is already on the page: moving on needs no network.
    if index + 1 < len(s.blind):
        page.get_by_role("button", name=f"保存并评下一位（{s.blind[index + 1]}）").tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text(s.blind[index + 1])
        assert page.url.endswith(f"/contestants/{s.blind[index + 1]}")
    else:
        page.get_by_role("button", name="保存", exact=True).tap()
    all_sent(page)


def judge_scores(page, s, username: str, *, first: bool = False) -> None:
    log_in(page, username, factories.PASSWORD)
    expect(page.get_by_role("button", name="菜单")).to_be_visible()
    open_judging(page)
    open_event(page, s)
    check_tablet_page(page, s)
    section = page.locator("section").filter(has=page.get_by_role("heading", name=MODULE))
    tiles = section.locator("a.judge-tile")
    expect(tiles.locator(".tile-blind"), "every contestant, by blind number only").to_have_text(s.blind)
    expect(tiles.locator(".tile-progress"), "nothing marked yet").to_have_text(["0/2"] * len(s.blind))
    assert_tappable(tiles, "contestant tile")
    click_and_wait(page, tiles.first)

    if first:
        off_step_mark_is_refused_and_kept(page, s)
    for index in range(len(s.blind)):
        score_contestant(page, s, index, JUDGEMENT[username][index], MEASUREMENT[index])

    click_and_wait(page, page.locator(".breadcrumb").get_by_role("link"))
    submit = page.get_by_role("button", name="提交评分表")
    assert_tappable(submit, "submit button")
    page.get_by_label("我已核对，提交后本模块分数不能再修改").check()
    click_and_wait(page, submit)
    expect_flash(page, f"“{MODULE}”评分表已提交", field_messages=".mark-error")
    expect(section.get_by_role("heading", name=MODULE)).to_contain_text("已提交")
    expect(page.get_by_role("button", name="提交评分表")).to_have_count(0)
    check_tablet_page(page, s)
    log_out(page)


def chief_resolves_and_locks(page, s) -> None:
    log_in(page, CHIEF, factories.PASSWORD)
    open_judging(page)
    check_tablet_page(page, s)
    expect(page.get_by_role("link").filter(has_text=s.event)).to_contain_text("裁判长")
    open_event(page, s)
    click_and_wait(page, page.get_by_role("link", name="裁判长控制台"))
    check_tablet_page(page, s)

    flagged = page.locator(".card").filter(has_text=f"{s.blind[0]} · {JUDGED}")
    expect(flagged, "the 2-0 split on the first contestant is flagged").to_have_count(1)
    expect(flagged).to_contain_text("评价分差过大")
    expect(page.locator(".card").filter(has_text="评价分差过大"), "nothing else is flagged").to_have_count(1)
    lock = page.get_by_role("button", name="锁定成绩并抽取复核名单")
    expect(lock, "no lock while a discrepancy is open").to_be_disabled()
    expect(page.locator("main")).to_contain_text("还有 1 处评分分歧未处理")

    assert_tappable(flagged.locator("select, input:not([type=hidden]), button"), "discrepancy control")
    flagged.get_by_label("处理方式").select_option(label="确认原分")
    flagged.get_by_label("说明").fill(NOTE)
    click_and_wait(page, flagged.get_by_role("button", name="处理"))
    expect_flash(page, "分歧已处理", field_messages=".mark-error")
    expect(flagged).to_contain_text("确认原分")
    expect(flagged).to_contain_text(NOTE)
    check_tablet_page(page, s)

    expect(lock, "every sheet is in and the discrepancy is resolved").to_be_enabled()
    assert_tappable(lock, "lock button")
    page.get_by_label("我已核对，确认执行（此操作不可撤回）").check()
    click_and_wait(page, lock)
    expect_flash(page, "成绩已锁定，复核名单已抽取", field_messages=".mark-error")
    expect(page.get_by_role("heading", level=1)).to_contain_text("成绩已锁定")
    main = page.locator("main")
    for blind, name, enterprise in zip(s.blind, s.names, s.enterprises, strict=True):
        expect(main, "after the lock the chief judge sees who is who").to_contain_text(
            f"{blind} · {name}（{enterprise}）")
    check_tablet_page(page, s, names_hidden=False)


def test_judges_score_on_a_tablet_and_chief_judge_resolves_discrepancy_and_locks(app, tablet, prepared):
    s = prepared
    for number, username in enumerate(SCORERS):
        judge_scores(tablet, s, username, first=number == 0)
    chief_resolves_and_locks(tablet, s)

    with app.app_context():
        event = db.session.get(Event, s.event_id)
        assert event.state == EventState.LOCKED and event.locked_by.username == CHIEF
        (discrepancy,) = db.session.scalars(select(Discrepancy).where(Discrepancy.event_id == s.event_id))
        assert (discrepancy.resolution, discrepancy.note) == ("confirmed", NOTE)
        assert sorted(Decimal(v) for v in discrepancy.detail.values()) == [0, 2, 2]
