"""The competition road's pages: bad input is refused with a clear Chinese message, what was
typed is kept, and nothing changes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from core.timeutil import utcnow
from craftsmen.models import CycleOccupation
from craftsmen.selection_route import services as route
from craftsmen.selection_route.models import Challenger
from tests.conftest import csrf_token
from tests.craftsmen.conftest import make_cycle
from tests.craftsmen.route_data import competition_route, stage_data
from tests.craftsmen.test_selection_route import _user


def _fitter_id(app, **route_args) -> int:
    with app.app_context():
        fitter = make_cycle().occupations[0]
        if route_args:
            competition_route(fitter, **route_args)
        db.session.commit()
        return fitter.id


def test_weights_not_summing_to_100_are_refused_on_the_page_keeping_what_was_typed(app, world, client, login):
    fitter_id = _fitter_id(app)
    login(world.users.admin)
    page = f"/craftsmen/route/occupations/{fitter_id}"
    response = client.post(f"{page}/route", data={
        "csrf_token": csrf_token(client, page), "method": "combined", "competition_weight": "70",
        "panel_weight": "20", "advance_top_n": "6"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "权重之和应为 100" in html and 'value="70"' in html
    with app.app_context():
        assert db.session.get(CycleOccupation, fitter_id).method == "comprehensive"


def test_challenger_registered_after_the_deadline_gets_a_message_and_no_row(app, world, client, login):
    with app.app_context():
        fitter = make_cycle().occupations[0]
        competition_route(fitter)
        route.create_qualifier(fitter, stage_data(), by=_user(world.users.admin))
        route.route_of(fitter).challenger_deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
        fitter_id = fitter.id
    login(world.users.enterprise)
    page = f"/craftsmen/route/occupations/{fitter_id}/challengers/new"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "worker_id": world.worker_a})
    assert response.status_code == 200 and "挑战者报名已于" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Challenger.id)) is None


def test_enterprise_cannot_register_another_enterprises_worker(app, world, client, login):
    with app.app_context():
        fitter = make_cycle().occupations[0]
        competition_route(fitter)
        route.create_qualifier(fitter, stage_data(), by=_user(world.users.admin))
        db.session.commit()
        fitter_id = fitter.id
    login(world.users.enterprise)
    page = f"/craftsmen/route/occupations/{fitter_id}/challengers/new"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "worker_id": world.worker_b})
    assert response.status_code == 200  # not offered: the choice is refused
    with app.app_context():
        assert db.session.scalar(select(Challenger.id)) is None


def test_final_before_the_qualifiers_results_is_refused_on_the_page(app, world, client, login):
    with app.app_context():
        fitter = make_cycle().occupations[0]
        competition_route(fitter)
        route.create_qualifier(fitter, stage_data(), by=_user(world.users.admin))
        db.session.commit()
        fitter_id = fitter.id
    login(world.users.admin)
    page = f"/craftsmen/route/occupations/{fitter_id}"
    now = utcnow() + timedelta(hours=8)
    response = client.post(f"{page}/final", data={
        "csrf_token": csrf_token(client, page), "venue": "北京市工业技师学院",
        "held_on": (now + timedelta(days=3)).date().isoformat(),
        "registration_opens": now.strftime("%Y-%m-%dT%H:%M"),
        "registration_closes": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "quota_per_enterprise": "2"})
    assert response.status_code == 422
    assert "不能开始终极挑战赛" in response.get_data(as_text=True)
    with app.app_context():
        assert route.final_of(db.session.get(CycleOccupation, fitter_id)) is None


def test_funding_plan_needs_both_amount_and_years(app, world):
    import pytest

    from core.errors import DomainError

    with app.app_context():
        cycle = make_cycle()
        with pytest.raises(DomainError, match="同时填写"):
            route.set_funding_plan(cycle, None, 3, by=None)
        route.set_funding_plan(cycle, Decimal("10.00"), 3, by=None)
        assert (cycle.studio_funding_per_year, cycle.studio_funding_years) == (10, 3)


def test_enterprise_and_its_union_registering_one_challenger_at_once_make_one_registration(
        app, world, login):
    """The enterprise and its district union post the same challenger at the same moment (one
    thread, client and connection each): one registration, the other told it exists; no 500."""
    import threading

    from competitions.models import Contestant

    with app.app_context():
        fitter = make_cycle().occupations[0]
        competition_route(fitter)
        route.create_qualifier(fitter, stage_data(), by=_user(world.users.admin))
        db.session.commit()
        fitter_id = fitter.id
    page = f"/craftsmen/route/occupations/{fitter_id}/challengers/new"
    barrier = threading.Barrier(2)
    statuses: list = []

    def post(client, token):
        try:
            barrier.wait(timeout=10)
            response = client.post(page, data={"csrf_token": token, "worker_id": world.worker_a})
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - reported by the test
            statuses.append(error)

    threads = []
    for user_id in (world.users.enterprise, world.users.reviewer):
        client = login(user_id, as_client=app.test_client())
        threads.append(threading.Thread(target=post, args=(client, csrf_token(client, page))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 302], statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Challenger)) == 1
        assert db.session.scalar(select(func.count()).select_from(Contestant)) == 1


def test_administrator_is_refused_the_ruling_page_of_a_selection_appeal_its_arbitrator_is_not(
        app, world, client, login):
    from competitions.services import appeals as appeal_service
    from tests.craftsmen.test_selection_route import _file_appeal, _walk

    with app.app_context():
        road = _walk(world, until="final")
        appeal = _file_appeal(world, road, "李明")
        db.session.commit()
        appeal_id = appeal.id
        assert appeal_service.event_arbitrator_ids(appeal.contestant.event) == frozenset(road.arbiters)
    login(world.users.admin)
    assert client.get(f"/competitions/appeals/{appeal_id}").status_code == 403
    login(road.arbiters[0])
    assert client.get(f"/competitions/appeals/{appeal_id}").status_code == 200
