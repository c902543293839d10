"""The competition road (竞赛选拔) walked in a browser, each step by the role that does it:
the administrator sets the occupation's route, its arbitration group and its seed-selection
committee; the committee's experts choose the seed players by majority on their own page; the
administrator creates the qualifier; the enterprise registers challengers; the qualifier's results are
published and the best advance; the final is created and published; the enterprise appeals and
an arbitration expert (not an administrator) rules; the proposed list comes from the final; the
notice, the naming, the certificate and the craftsman studio the title brings follow.

Setup that is not the point (the cycle, the nominees, the experts' accounts), the judges' marks
(the scoring screens have their own browser test) and the passing of time are done directly in
the database.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certificates.models import Certificate
from competitions.models import Event
from core.accounts.models import User
from core.extensions import db
from core.people.models import Worker
from core.roles import Role
from core.timeutil import BEIJING_OFFSET, beijing_today, utcnow
from craftsmen.models import CraftsmanTitle, CycleOccupation, PublicNotice, SelectionCycle
from craftsmen.selection_route import services as route
from innovation_studios.services import craftsman_studios
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.craftsmen.route_data import mark_and_publish
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.e2e

TITLE = "浏览器竞赛选拔测试·北京大工匠选树"
ARBITERS = ("e2e_arbiter_1", "e2e_arbiter_2")
COMMITTEE = ("e2e_committee_1", "e2e_committee_2", "e2e_committee_3")


@pytest.fixture
def road(app, demo_data) -> SimpleNamespace:
    """A cycle open for nominations (数控车工 quota 1, 焊工 by review); two qualified 数控车工
    nominees of other enterprises; two 数控车工 workers of the demo enterprise; two experts."""
    with app.app_context():
        enterprise_user = db.session.scalar(select(User).where(User.username == "enterprise"))
        other = db.session.scalar(select(Worker.enterprise_id).where(
            Worker.enterprise_id != enterprise_user.enterprise_id).limit(1))
        cycle = make_cycle(title=TITLE)
        cycle.studio_funding_per_year, cycle.studio_funding_years = 10, 3
        turning = cycle.occupations[0]
        turning.name, turning.quota = "数控车工", 1
        seeds = [factories.worker(other, name=n, occupation="数控车工") for n in ("种子甲", "种子乙")]
        nominations = [make_nomination(cycle, w.id, "数控车工") for w in seeds]
        for nomination in nominations:
            nomination.qualified_at = utcnow()
        challengers = [factories.worker(enterprise_user.enterprise_id, name=n, occupation="数控车工")
                       for n in ("挑战丙", "挑战丁")]
        arbiters = [factories.user(name, [Role.EXPERT]) for name in ARBITERS]
        for name in COMMITTEE:
            factories.user(name, [Role.EXPERT])
        db.session.commit()
        return SimpleNamespace(cycle=cycle.id, occupation=turning.id, seeds=[w.id for w in seeds],
                               seed_nominations=[n.id for n in nominations],
                               challengers=[w.id for w in challengers], arbiters=[u.id for u in arbiters])


def _submit(page, form: str, label: str | None = None) -> None:
    with page.expect_navigation():
        button = page.locator(f"{form} [type=submit]") if label is None else page.locator(form).get_by_role(
            "button", name=label)
        button.first.click()


def _beijing_now():
    return utcnow() + BEIJING_OFFSET


def _fill_stage(page) -> None:
    now = _beijing_now()
    stage = page.locator("[data-testid=stage-form]")
    stage.locator("#venue").fill("北京市工业技师学院")
    stage.locator("#held_on").fill((beijing_today() + timedelta(days=2)).isoformat())
    stage.locator("#registration_opens").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    stage.locator("#registration_closes").fill((now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    _submit(page, "[data-testid=stage-form]")


def _marked(app, event_id: int, theory: dict[int, int]) -> None:
    """The judges have marked and the chief judge locked and rechecked (done in the database)."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        mark_and_publish(db.session.get(Event, event_id), theory, by=admin, publish=False)
        db.session.commit()


def _publish_results(page, event_id: int) -> None:
    page.goto(f"/competitions/events/{event_id}/results")
    page.locator("#confirmed").check()
    _submit(page, "form:has(#confirmed)")
    expect(page.locator(".alert-success")).to_be_visible()


def test_competition_route_from_setup_to_title_and_studio(app, road, page, live_server):
    # 1. The administrator sets the route, the arbitration group and the seed-selection committee.
    log_in(page, "admin")
    page.goto(f"/craftsmen/route/cycles/{road.cycle}")
    page.locator(f"[data-testid=route-{road.occupation}] a").click()
    form = page.locator("[data-testid=route-form]")
    form.locator("#method").select_option("competition")
    form.locator("#advance_top_n").fill("1")
    _submit(page, "[data-testid=route-form]")
    expect(page.locator("[data-testid=method]")).to_have_text("竞赛选拔")
    for name in ARBITERS:
        page.locator("[data-testid=arbitrators-form]").get_by_label(name).check()
    _submit(page, "[data-testid=arbitrators-form]")
    for name in COMMITTEE:
        page.locator("[data-testid=committee-form]").get_by_label(name).check()
    _submit(page, "[data-testid=committee-form]")
    expect(page.locator("[data-testid=committee-form]").get_by_label(COMMITTEE[2])).to_be_checked()
    expect(page.locator("[data-testid=seed-form]")).to_have_count(0)  # no recording on their behalf

    # 1b. The committee chooses the seed players on its own page: the first member proposes
    # both with reasons, the second supports them, which makes a majority of three.
    for member, reasons in ((COMMITTEE[0], ("上届技能大赛一等奖", "全国技术能手")), (COMMITTEE[1], ("", ""))):
        page.context.clear_cookies()
        log_in(page, member, factories.PASSWORD)
        page.get_by_role("link", name="种子选手待投票").click()
        for nomination_id, reason in zip(road.seed_nominations, reasons, strict=True):
            vote = f"[data-testid=vote-{nomination_id}]"
            page.locator(f"{vote} textarea").fill(reason)
            _submit(page, vote)
            expect(page.locator(".alert-success")).to_be_visible()
    for nomination_id in road.seed_nominations:
        expect(page.locator(f"[data-testid=candidate-{nomination_id}] .badge")).to_have_text("种子选手")
    expect(page.locator(f"[data-testid=candidate-{road.seed_nominations[0]}]")).to_contain_text(
        "推荐理由：上届技能大赛一等奖")
    page.context.clear_cookies()
    log_in(page, "admin")
    page.goto(f"/craftsmen/route/occupations/{road.occupation}")
    expect(page.locator("[data-testid=seeds] li")).to_have_count(2)
    _fill_stage(page)
    expect(page.locator("[data-testid=stages]")).to_contain_text("报名中")

    # 2. The enterprise registers two challengers without a nomination.
    page.context.clear_cookies()
    log_in(page, "enterprise")
    for name in ("挑战丙", "挑战丁"):
        page.goto("/craftsmen/route/challengers")
        page.get_by_role("link", name="报名挑战者").click()
        page.locator("#worker_id").select_option(label=next(o for o in page.locator("#worker_id option")
                                                            .all_text_contents() if o.startswith(name)))
        _submit(page, "form:has(#worker_id)")
        expect(page.locator(".alert-success")).to_contain_text(name)

    # 3. The qualifier is marked; the administrator publishes it and decides who advances.
    with app.app_context():
        occupation = db.session.get(CycleOccupation, road.occupation)
        qualifier_id, = [route.qualifier_of(occupation).id]
    _marked(app, qualifier_id, {road.challengers[0]: 90, road.challengers[1]: 60})
    page.context.clear_cookies()
    log_in(page, "admin")
    _publish_results(page, qualifier_id)
    page.goto(f"/craftsmen/route/occupations/{road.occupation}")
    with page.expect_navigation():
        page.locator("[data-testid=advance]").click()
    expect(page.locator("[data-testid=challengers]")).to_contain_text("晋级")

    # 4. The final: seed players and the advancing challenger, marked and published.
    _fill_stage(page)
    with app.app_context():
        final_id = route.final_of(db.session.get(CycleOccupation, road.occupation)).id
    _marked(app, final_id, {road.seeds[0]: 70, road.seeds[1]: 95, road.challengers[0]: 80})
    _publish_results(page, final_id)

    # 5. The enterprise appeals; an arbitration expert dismisses it (administrators may not rule).
    page.context.clear_cookies()
    log_in(page, "enterprise")
    page.goto("/competitions/my-enterprise/results")
    page.locator("tr", has_text="终极挑战赛").get_by_role("link", name="申诉").click()
    page.locator("#reason").fill("尺寸精度复测值应高于记录值，申请复核。")
    _submit(page, "form:has(#reason)")
    page.context.clear_cookies()
    log_in(page, ARBITERS[0], factories.PASSWORD)
    page.goto("/craftsmen/route/arbitration")
    page.get_by_role("link", name="查看与裁决").click()
    page.get_by_label("驳回申诉").check()
    page.locator("#ruling").fill("仲裁组调阅测量记录并复测，记录无误，维持原成绩。")
    _submit(page, "form:has(#ruling)")
    expect(page.locator(".alert-success")).to_contain_text("申诉驳回")

    # 6. Review phase (time passes); the administrator generates the list from the final.
    with app.app_context():
        db.session.get(SelectionCycle, road.cycle).status = "reviewing"
        db.session.commit()
    page.context.clear_cookies()
    log_in(page, "admin")
    page.goto(f"/craftsmen/route/occupations/{road.occupation}")
    _submit(page, "form:has(#accept_boundary_tie), [data-testid=route-list] form")
    list_rows = page.locator("[data-testid=route-list] tbody tr")
    expect(list_rows.first).to_contain_text("种子乙")
    expect(list_rows.first).to_contain_text("竞赛选拔·终极挑战赛第 1 名")

    # 7. Notice, naming (the notice period has run out), certificate, and the studio offered.
    page.goto(f"/craftsmen/cycles/{road.cycle}/publication")
    page.locator("#days").fill("5")
    _submit(page, "form:has(#days)")
    with app.app_context():
        notice = db.session.scalar(select(PublicNotice).where(PublicNotice.cycle_id == road.cycle))
        notice.starts_on, notice.ends_on = beijing_today() - timedelta(days=7), beijing_today() - timedelta(days=2)
        db.session.commit()
    page.goto(f"/craftsmen/cycles/{road.cycle}/publication")
    page.locator("#confirmed").first.check()
    _submit(page, "form:has(#confirmed)", "确认命名名单中的全部人选")
    offers = page.locator("[data-testid=studio-offers]")
    expect(offers).to_contain_text("种子乙")
    offers.get_by_role("link", name="设立工匠创新工作室").click()
    expect(page.locator("#name")).to_have_value("种子乙工匠创新工作室")
    expect(page.locator("#funding_per_year")).to_have_value("10.00")
    _submit(page, "[data-testid=studio-form]")
    expect(page.locator("[data-testid=selection-basis]")).to_contain_text("竞赛选拔·终极挑战赛第 1 名")
    expect(page.locator("[data-testid=ladder] [data-step=studio]")).to_be_visible()
    with app.app_context():
        title = db.session.scalar(select(CraftsmanTitle).where(CraftsmanTitle.cycle_id == road.cycle))
        assert title.worker_id == road.seeds[1]
        assert db.session.scalar(select(Certificate.id).where(Certificate.worker_id == title.worker_id))
        assert craftsman_studios.studio_led_since(title.worker_id).state == "named"
