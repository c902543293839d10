"""Craftsman selection on the workbench: each role sees its own queue and nothing else."""

from __future__ import annotations

import re
from datetime import timedelta

from core.extensions import db
from core.roles import Role
from craftsmen.models import CycleOccupation, NominationState
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


def _two_panels_with_deadlines(world, first, second):
    """钳工 and 焊工 panels of a cycle in review, each with one nominee for the demo expert."""
    cycle = make_cycle(status="reviewing")
    make_nomination(cycle, world.worker_b)
    make_nomination(cycle, world.worker_c, "焊工")
    by_name = {o.name: o for o in cycle.occupations}
    for name, deadline in (("钳工", first), ("焊工", second)):
        panel = review.form_panel(by_name[name], [world.users.expert], world.users.expert, by=None)
        panel.deadline = deadline
    db.session.commit()


def test_experts_panel_items_carry_the_panel_deadline_overdue_first_and_highlighted(app, client, world, login):
    from core.timeutil import beijing_today

    today = beijing_today()
    with app.app_context():
        _two_panels_with_deadlines(world, today + timedelta(days=5), today - timedelta(days=2))
    login(world.users.expert)
    html = client.get("/home/expert").get_data(as_text=True)
    items = re.findall(r'<li class="list-group-item[^"]*" data-testid="work-item"( data-overdue="true")?>(.*?)</li>',
                       html, re.S)
    mine = [(overdue, body) for overdue, body in items if "待评分的推荐" in body]
    assert len(mine) == 2
    (late_flag, late), (soon_flag, soon) = mine  # the overdue panel comes first
    assert "焊工" in late and late_flag and "已逾期 2 天" in late and "已逾期</span>" in late
    assert "钳工" in soon and not soon_flag and "还剩 5 天" in soon


def test_the_experts_task_list_shows_each_panels_deadline(app, client, world, login):
    from core.timeutil import beijing_today

    today = beijing_today()
    with app.app_context():
        _two_panels_with_deadlines(world, today + timedelta(days=5), None)
    login(world.users.expert)
    html = client.get("/craftsmen/review/my").get_data(as_text=True)
    assert html.count('data-testid="panel-deadline"') == 1
    assert f"评分截止 {today.year}年" in html


def test_administrator_sets_and_changes_a_panels_deadline_on_the_panel_form(app, client, world, login):
    from core.audit.models import AuditEntry
    from core.review_panels.models import ReviewPanel
    from core.timeutil import beijing_today
    from tests.conftest import csrf_token

    with app.app_context():
        cycle = make_cycle()
        fitter_id = next(o for o in cycle.occupations if o.name == "钳工").id
        db.session.commit()
    login(world.users.admin)
    url = f"/craftsmen/review/occupations/{fitter_id}/panel"
    due = beijing_today() + timedelta(days=10)
    data = {"members": [str(world.users.expert)], "lead_user_id": str(world.users.expert),
            "deadline": due.isoformat()}
    assert client.post(url, data={**data, "csrf_token": csrf_token(client, url)}).status_code == 302
    assert due.isoformat() in client.get(url).get_data(as_text=True)  # the form shows it again
    past = {**data, "deadline": (beijing_today() - timedelta(days=1)).isoformat()}
    response = client.post(url, data={**past, "csrf_token": csrf_token(client, url)})
    assert response.status_code != 302 and "评分截止日期不能早于今天" in response.get_data(as_text=True)
    with app.app_context():
        panel = review.panel_of(db.session.get(CycleOccupation, fitter_id))
        assert isinstance(panel, ReviewPanel) and panel.deadline == due
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "panel.deadline")) == 1


def test_members_with_sheets_to_score_are_reminded_of_the_panels_deadline(app, world):
    from core.notifications import services as notifications
    from core.notifications.models import Notification
    from core.timeutil import beijing_today

    today = beijing_today()
    with app.app_context():
        cycle = make_cycle(status="reviewing")
        nomination = make_nomination(cycle, world.worker_b)
        done = factories.user("exp_done", [Role.EXPERT])
        fitter = next(o for o in cycle.occupations if o.name == "钳工")
        panel = review.form_panel(fitter, [done.id, world.users.expert], world.users.expert, by=None)
        panel.deadline = today + timedelta(days=3)
        marks = {c["key"]: "80" for c in panel.rubric["criteria"]}
        review.save_sheet(panel, nomination, done, marks, submit=True)
        db.session.commit()
        assert notifications.remind(today) == 1
        assert notifications.remind(today) == 0  # once however often it runs
        db.session.commit()
        (reminder,) = db.session.scalars(db.select(Notification).where(Notification.kind == "remind.panel_deadline"))
        assert reminder.user_id == world.users.expert
        assert notifications.title_of(reminder) == f"评分 3 天后截止：{panel.name}"  # not exp_done: all in
