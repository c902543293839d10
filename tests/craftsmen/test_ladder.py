"""The ladder: a published result as nomination evidence, the studio a Beijing Grand Craftsman's
title brings, and the worker's steps from result to certificate."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.timeutil import utcnow
from craftsmen.models import CraftsmanTitle, SelectionCycle
from craftsmen.selection_route import ladder
from craftsmen.selection_route import services as route
from craftsmen.services import naming, nominations, notice
from innovation_studios.achievements.models import FundingGrant
from innovation_studios.studios import craftsman_studios
from tests.conftest import csrf_token
from tests.craftsmen.conftest import make_cycle
from tests.craftsmen.test_selection_route import _user, _walk


def _named(world):
    """The road walked and the cycle named (赵强 and 王芳 named); a funding plan of 10 万元 × 3."""
    road = _walk(world)
    cycle = db.session.get(SelectionCycle, road.cycle)
    admin = _user(world.users.admin)
    route.set_funding_plan(cycle, Decimal("10.00"), 3, by=admin)
    today = utcnow().date()
    notice.publish_notice(cycle, today - timedelta(days=10), by=admin, today=today - timedelta(days=10))
    naming.name_cycle(cycle, by=admin, today=today)
    db.session.commit()
    return road


def _title_of(road, name) -> CraftsmanTitle:
    return db.session.scalar(select(CraftsmanTitle).where(CraftsmanTitle.worker_id == road.workers[name]))


def test_published_competition_result_becomes_an_achievement_of_a_new_nomination(app, world):
    with app.app_context():
        road = _walk(world, until="qualifier")
        cycle = make_cycle(title="第五届北京大工匠选树")
        wang = db.session.get(Worker, world.worker_b)
        nomination = nominations.create_draft(cycle, wang, cycle.occupations[0].id,
                                              by=_user(world.users.other_enterprise))
        [achievement] = nomination.achievements
        assert achievement.kind == "competition"
        assert "挑战者选拔赛·钳工 第 1 名" in achievement.title
        assert achievement.description == ladder.RESULT_MARK and achievement.attachment_id is None
        assert road.qualifier


def test_ladder_runs_from_result_to_pool_to_title_to_studio_to_certificate(app, world):
    with app.app_context():
        road = _named(world)
        title = _title_of(road, "赵强")
        craftsman_studios.set_up_for_title(craftsman_studios.TitleStudioData(
            name="赵强工匠创新工作室", leader_worker_id=title.worker_id, enterprise_id=world.ent_c, field="钳工",
            named_on=utcnow().date(), reason="北京大工匠命名", funding_per_year=Decimal(10), funding_years=3),
            by=_user(world.users.admin))
        steps = ladder.ladder(title.worker_id)
        kinds = [s.kind for s in steps]
        for kind in ("results", "pool", "title", "studio", "certificate"):
            assert kind in kinds
        assert kinds.index("pool") < kinds.index("title") < kinds.index("studio")
        public = ladder.ladder(title.worker_id, public=True)
        assert all(s.endpoint != "craftsmen_nomination.detail" for s in public)


def test_naming_a_grand_craftsman_offers_a_studio_prefilled_with_the_funding_plan(app, world, client, login):
    with app.app_context():
        road = _named(world)
        title_id = _title_of(road, "赵强").id
        [(offered, studio)] = [(t, s) for t, s in ladder.studio_offers(db.session.get(SelectionCycle, road.cycle))
                               if t.id == title_id]
        assert studio is None
    login(world.users.admin)
    page = client.get(f"/craftsmen/route/titles/{title_id}/studio").get_data(as_text=True)
    assert 'value="赵强工匠创新工作室"' in page and 'value="10.00"' in page and 'value="3"' in page
    token = csrf_token(client, f"/craftsmen/route/titles/{title_id}/studio")
    response = client.post(f"/craftsmen/route/titles/{title_id}/studio", data={
        "csrf_token": token, "name": "赵强工匠创新工作室", "field": "钳工",
        "named_on": utcnow().date().isoformat(), "funding_per_year": "10.00", "funding_years": "3",
        "funding_from": str(utcnow().year)})
    assert response.status_code == 302
    with app.app_context():
        studio = craftsman_studios.studio_led_since(world.worker_c)
        assert (studio.state, studio.kind, studio.level) == ("named", "craftsman", "city")
        grants = db.session.scalars(select(FundingGrant).where(FundingGrant.studio_id == studio.id)).all()
        assert sorted(g.amount for g in grants) == [Decimal("10.00")] * 3


def test_a_craftsman_already_leading_a_studio_is_not_given_a_second(app, world):
    with app.app_context():
        road = _named(world)
        title = _title_of(road, "王芳")
        data = craftsman_studios.TitleStudioData(name="王芳工匠创新工作室", leader_worker_id=title.worker_id,
                                                 enterprise_id=world.ent_b, field="钳工", named_on=None,
                                                 reason="北京大工匠命名")
        craftsman_studios.set_up_for_title(data, by=_user(world.users.admin))
        data.name = "另一个工作室"
        with pytest.raises(DomainError, match="不能重复设立"):
            craftsman_studios.set_up_for_title(data, by=_user(world.users.admin))


def test_registry_entry_shows_how_the_craftsman_was_selected_and_the_ladder(app, world, client):
    with app.app_context():
        road = _named(world)
        title_id = _title_of(road, "赵强").id
    page = client.get(f"/registry/{title_id}").get_data(as_text=True)
    assert "竞赛选拔·终极挑战赛第 1 名" in page
    assert 'data-step="results"' in page and 'data-step="title"' in page


def test_worker_sees_their_own_ladder(app, world, client, login):
    with app.app_context():
        _named(world)
    login(world.users.worker)  # worker_a 李明: a seed player who was not named
    page = client.get("/craftsmen/route/me/ladder").get_data(as_text=True)
    assert 'data-step="results"' in page and 'data-step="pool"' in page
