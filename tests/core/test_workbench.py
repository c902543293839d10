"""The workbench: every role's landing page lists what waits for that person, most urgent
first, within ten queries; an empty one says so."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from core import workbench
from core.accounts.models import User
from core.extensions import db
from core.roles import Role
from core.workbench import WorkItem

HOMES = {"admin": "/home/admin", "reviewer": "/home/reviewer", "enterprise": "/home/enterprise",
         "expert": "/home/expert", "judge": "/home/judge", "judge2": "/home/judge",
         "worker": "/home/worker"}


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {u.username: u.get_id() for u in db.session.scalars(select(User))}


def _as(client, cookie_id):
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True


def _text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_every_role_sees_what_waits_for_them_on_the_demo_within_ten_queries(app, client, demo):
    expected = {
        "admin": ["推荐中：截止后转入评审", "工种尚未组建评审组", "评审中的工作室申报：待命名决定",
                  "年度考核：报告待评定", "评分中：待裁判长处理分歧并锁定"],
        "reviewer": ["待资格审查的提名", "待审核的工作室申报"],
        "enterprise": ["未提交的提名草稿", "赛项报名", "年度考核报告待提交", "近 30 天新颁发的证书"],
        "expert": ["待评分的推荐", "待评分的工作室申报"],
        "judge": ["执裁赛项"],
        "judge2": ["执裁赛项（裁判长）", "待裁判长处理的评分分歧"],
        "worker": ["我的推荐：焊工", "我的比赛成绩", "我的证书"],
    }
    with app.app_context():
        engine = db.engine
    for username, path in HOMES.items():
        _as(client, demo[username])
        statements = []

        def count(_conn, _cursor, statement, *_args, found=statements):
            found.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        response = client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, username
        text = _text(response.get_data(as_text=True))
        for title in expected[username]:
            assert title in text, (username, title)
        assert len(statements) <= 10, (username, len(statements))


def test_deadlines_show_the_days_left_and_the_nearest_comes_first(app, client, demo):
    _as(client, demo["enterprise"])
    html = client.get("/home/enterprise").get_data(as_text=True)
    items = re.findall(r'data-testid="work-item">(.*?)</li>', html, re.S)
    days = [int(n) for item in items for n in re.findall(r"还剩 (\d+) 天", item)]
    assert days and days == sorted(days)


def test_items_are_ranked_overdue_then_nearest_deadline_then_undated_then_for_information(
        app, monkeypatch):
    today = date(2026, 12, 7)
    given = [WorkItem("info", "/i", actionable=False),
             WorkItem("undated", "/u"),
             WorkItem("in ten days", "/t", deadline=today + timedelta(days=10)),
             WorkItem("overdue", "/o", deadline=today - timedelta(days=2)),
             WorkItem("tomorrow", "/m", deadline=today + timedelta(days=1))]
    monkeypatch.setitem(workbench._SOURCES, Role.JUDGE, [("test", lambda user, day: given)])
    titles = [i.title for i in workbench.items_for(None, Role.JUDGE, today)]
    assert titles == ["overdue", "tomorrow", "in ten days", "undated", "info"]


def test_a_judge_with_no_event_is_told_so_plainly(client, world, login):
    login(world.users.judge)
    html = client.get("/home/judge").get_data(as_text=True)
    assert 'data-testid="workbench-empty"' in html
    assert "当前没有分配给您的赛项。" in html


def test_an_empty_workbench_says_nothing_waits(client, world, login):
    login(world.users.reviewer)
    html = client.get("/home/reviewer").get_data(as_text=True)
    assert "目前没有等您处理的事项。" in html


def test_studio_applications_under_review_without_a_panel_wait_for_the_administrator(app, client, world,
                                                                                    login):
    from innovation_studios.services.review import get_or_create_batch
    from tests.innovation_studios.factories import make_studio

    with app.app_context():
        studio = make_studio(world, "under_review")
        get_or_create_batch(studio.applied_year, studio.level_sought)
        db.session.commit()
    login(world.users.admin)
    html = client.get("/home/admin").get_data(as_text=True)
    assert re.search(r'工作室申报批次尚未组建评审组</a>\s*<span[^>]*data-testid="work-count">1<', html)
