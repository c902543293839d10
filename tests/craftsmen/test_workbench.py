"""Craftsman selection on the workbench: each role sees its own queue and nothing else."""

from __future__ import annotations

import re

from core.extensions import db
from core.roles import Role
from craftsmen.models import NominationState
from craftsmen.services import review
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.craftsmen.test_review import rv  # noqa: F401,F811 - the review fixture


def _count_of(html: str, title: str) -> int | None:
    match = re.search(re.escape(title) + r'</a>\s*<span[^>]*data-testid="work-count">(\d+)<', html)
    return int(match.group(1)) if match else None


def test_reviewer_counts_only_nominations_from_enterprises_under_their_own_union(
        app, client, world, login):
    with app.app_context():
        cycle = make_cycle()
        make_nomination(cycle, world.worker_a, state=NominationState.SUBMITTED)  # 朝阳
        make_nomination(cycle, world.worker_b, state=NominationState.SUBMITTED)  # 海淀
        db.session.commit()
    login(world.users.reviewer)
    html = client.get("/home/reviewer").get_data(as_text=True)
    assert _count_of(html, "待资格审查的提名") == 1
    assert "/craftsmen/nominations/qualification" in html


def test_enterprise_sees_its_returned_nomination_with_the_cycle_deadline(app, client, world, login):
    with app.app_context():
        cycle = make_cycle()
        make_nomination(cycle, world.worker_a, state=NominationState.RETURNED)
        make_nomination(cycle, world.worker_b, state=NominationState.RETURNED)  # another enterprise's
        db.session.commit()
    login(world.users.enterprise)
    html = client.get("/home/enterprise").get_data(as_text=True)
    assert _count_of(html, "退回修改的提名") == 1
    assert re.search(r"还剩 (29|30) 天", html)


def test_expert_is_not_given_the_nominee_of_their_own_enterprise_to_score(app, client, world, login):
    with app.app_context():
        cycle = make_cycle(status="reviewing")
        make_nomination(cycle, world.worker_a)  # from ent_a, the expert's employer
        make_nomination(cycle, world.worker_b)
        own = factories.user("exp_own", [Role.EXPERT], employer_id=world.ent_a)
        fitter = next(o for o in cycle.occupations if o.name == "钳工")
        review.form_panel(fitter, [own.id, world.users.expert], world.users.expert, by=None)
        db.session.commit()
        own_id = own.id
    login(own_id)
    assert _count_of(client.get("/home/expert").get_data(as_text=True), "待评分的推荐") == 1
    login(world.users.expert)
    assert _count_of(client.get("/home/expert").get_data(as_text=True), "待评分的推荐") == 2


def test_worker_sees_where_their_nomination_stands(app, client, world, login):
    with app.app_context():
        make_nomination(make_cycle(), world.worker_a, state=NominationState.RETURNED)
        db.session.commit()
    login(world.users.worker)
    html = client.get("/home/worker").get_data(as_text=True)
    assert "我的推荐：钳工" in html and "退回修改" in html


def test_an_unresolved_disagreement_waits_for_the_administrator_and_the_panel_lead(
        app, client, login, rv):  # noqa: F811 - the fixture imported above
    from tests.craftsmen.test_review import _flag_b

    with app.app_context():
        _flag_b(rv)
    title = "推荐评分分歧待组长处理"
    login(rv.admin)
    html = client.get("/home/admin").get_data(as_text=True)
    assert _count_of(html, title) == 1 and f"/craftsmen/review/panels/{rv.panel}/flags" in html
    login(rv.lead)
    assert _count_of(client.get("/home/expert").get_data(as_text=True), title) == 1
    login(rv.others[1])  # a member, not the lead
    assert title not in client.get("/home/expert").get_data(as_text=True)
