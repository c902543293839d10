"""Studio lists: each role sees what it may (administrators everything, reviewers their unions'
enterprises without drafts, enterprises their own), filtered by kind, level, district,
industry, state and year (named or applied); administrators export the selection to Excel;
the public directory lists named studios with the leader's name and distinctions only. Pages
cost a constant number of queries however many studios they show."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from core.extensions import db
from core.people.models import Worker
from innovation_studios.studios import leaders
from tests.innovation_studios.factories import make_studio, worker_of
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice


@pytest.fixture
def studios(app, world) -> dict:
    """A spread of studios over enterprises, kinds, levels, states and years."""
    with app.app_context():
        made = {
            "a_named": make_studio(world, "named", name="朝阳数控创新工作室", kind="model_worker", level="city",
                                   named_on=date(2024, 9, 1), industry="制造业"),
            "a_draft": make_studio(world, "draft", name="朝阳草稿工作室"),
            "a_applied": make_studio(world, "applied", name="朝阳待审工作室", level="district", year=2026,
                                     industry="建筑业"),
            "b_named": make_studio(world, "named", name="海淀机械创新工作室", enterprise=world.ent_b,
                                   kind="craftsman", level="district", named_on=date(2025, 3, 1),
                                   industry="建筑业"),
            "c_delisted": make_studio(world, "delisted", name="海淀软件创新工作室", enterprise=world.ent_c,
                                      named_on=date(2023, 5, 1)),
        }
        db.session.commit()
        return {key: s.id for key, s in made.items()}


def _names(html: str, candidates) -> set[str]:
    return {name for name in candidates if name in html}


ALL = ["朝阳数控创新工作室", "朝阳草稿工作室", "朝阳待审工作室", "海淀机械创新工作室", "海淀软件创新工作室"]


def test_each_role_lists_what_it_may_see(app, world, client, login, studios):
    login(world.users.admin)
    assert _names(client.get("/studios/").get_data(as_text=True), ALL) == set(ALL)
    login(world.users.reviewer)  # 朝阳区总工会: 朝阳精工, no drafts
    assert _names(client.get("/studios/").get_data(as_text=True), ALL) == {"朝阳数控创新工作室", "朝阳待审工作室"}
    login(world.users.industry_reviewer)  # 机械冶金建材工会: 海淀机械
    assert _names(client.get("/studios/").get_data(as_text=True), ALL) == {"海淀机械创新工作室"}
    login(world.users.enterprise)
    assert _names(client.get("/studios/").get_data(as_text=True), ALL) == {
        "朝阳数控创新工作室", "朝阳草稿工作室", "朝阳待审工作室"}


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=craftsman", {"海淀机械创新工作室"}),
    ("level=district", {"朝阳待审工作室", "海淀机械创新工作室"}),  # named level, or level sought
    ("industry=建筑业", {"朝阳待审工作室", "海淀机械创新工作室"}),
    ("state=named", {"朝阳数控创新工作室", "海淀机械创新工作室"}),
    ("year=2025", {"海淀机械创新工作室"}),
    ("year=2026&year_kind=applied", {"朝阳待审工作室"}),
    ("q=机械", {"海淀机械创新工作室"}),
])
def test_the_administrator_filters_the_list(app, world, client, login, studios, query, expected):
    login(world.users.admin)
    assert _names(client.get(f"/studios/?{query}").get_data(as_text=True), ALL) == expected


def test_the_administrator_filters_by_district(app, world, client, login, studios):
    login(world.users.admin)
    html = client.get(f"/studios/?district_id={world.haidian}").get_data(as_text=True)
    assert _names(html, ALL) == {"海淀机械创新工作室", "海淀软件创新工作室"}


def test_unknown_filter_values_are_ignored(app, world, client, login, studios):
    login(world.users.admin)
    response = client.get("/studios/?kind=x&level=y&state=z&year=abc&district_id=q&industry=none")
    assert response.status_code == 200 and _names(response.get_data(as_text=True), ALL) == set(ALL)


def test_the_reviewers_queue_shows_applications_waiting_for_the_check(app, world, client, login, studios):
    login(world.users.reviewer)
    assert _names(client.get("/studios/check").get_data(as_text=True), ALL) == {"朝阳待审工作室"}
    assert _names(client.get("/studios/check?state=all").get_data(as_text=True), ALL) == {
        "朝阳数控创新工作室", "朝阳待审工作室"}


def test_the_administrator_exports_the_filtered_studios_without_personal_data(app, world, client, login, studios):
    login(world.users.admin)
    response = client.get("/studios/export.xlsx?state=named")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "工作室名称", "类别")
    assert sorted(r[1] for r in rows[1:]) == ["朝阳数控创新工作室", "海淀机械创新工作室"]
    with app.app_context():
        numbers = {w.id_number_masked[:6] for w in db.session.scalars(db.select(Worker))}
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "********" not in text and all(f"{n}********" not in text for n in numbers)


@needs_libreoffice
def test_libreoffice_calc_shows_the_studio_export_as_written(world, client, login, studios):
    login(world.users.admin)
    shown = next(iter(assert_calc_reads_alike(client.get("/studios/export.xlsx?state=named").data).values()))
    assert sorted(row[1] for row in shown[1:]) == ["朝阳数控创新工作室", "海淀机械创新工作室"]


def test_only_administrators_export(app, world, client, login, studios):
    for who in (world.users.reviewer, world.users.enterprise):
        login(who)
        assert client.get("/studios/export.xlsx").status_code == 403


# The public directory ----------------------------------------------------------------------------------

def test_the_public_directory_lists_named_studios_only(client, studios):
    html = client.get("/studio-directory/").get_data(as_text=True)
    assert _names(html, ALL) == {"朝阳数控创新工作室", "海淀机械创新工作室"}
    assert client.get(f"/studio-directory/{studios['a_applied']}").status_code == 404
    assert client.get(f"/studio-directory/{studios['c_delisted']}").status_code == 404


def test_the_public_studio_page_shows_the_leaders_name_and_title_but_no_personal_data(app, world, client):
    with app.app_context():
        leader = worker_of(world.ent_a, name="陈劳模", honors="2015年 北京市劳动模范\n2019年 首都劳动奖章")
        studio = make_studio(world, "named", leader=leader.id, named_on=date(2024, 9, 1))
        db.session.commit()
        studio_id, masked, mobile = studio.id, leader.id_number_masked, leader.mobile
        member_names = [m.worker.name for m in studio.members]
    html = client.get(f"/studio-directory/{studio_id}").get_data(as_text=True)
    assert "陈劳模" in html and "北京市劳动模范" in html
    assert masked not in html and mobile not in html and masked[:6] + "****" not in html
    assert not any(name in html for name in member_names)


def test_a_registered_craftsman_leader_links_to_the_craftsman_registry(app, world, client):
    from craftsmen.models import CraftsmanTitle, NominationState
    from tests.craftsmen.conftest import make_cycle, make_nomination

    with app.app_context():
        cycle = make_cycle(status="closed")
        nomination = make_nomination(cycle, world.worker_a, state=NominationState.NAMED)
        title = CraftsmanTitle(nomination_id=nomination.id, worker_id=world.worker_a, cycle_id=cycle.id,
                               name="李明", title="北京大工匠", level="city", year=2025, occupation="钳工",
                               enterprise_name="朝阳精工有限公司", district="朝阳区总工会",
                               named_on=date(2025, 10, 1))
        db.session.add(title)
        studio = make_studio(world, "named", kind="craftsman", named_on=date(2025, 11, 1))
        db.session.commit()
        studio_id, title_id = studio.id, title.id
    html = client.get(f"/studio-directory/{studio_id}").get_data(as_text=True)
    assert "北京大工匠" in html and f"/registry/{title_id}" in html


def test_leader_flags_read_honours_and_ignore_other_medals(app, world):
    assert leaders.model_worker_titles("2015年 北京市劳动模范\n2019年 首都劳动奖章\n全国劳动模范") == [
        "北京市劳动模范", "全国劳动模范"]
    assert leaders.model_worker_titles("") == []


# Constant number of queries ----------------------------------------------------------------------------

@contextmanager
def _counting(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries(app, client, url) -> int:
    with _counting(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_list_and_studio_pages_cost_the_same_number_of_queries_for_few_or_many_studios(app, world, client, login):
    with app.app_context():
        first = make_studio(world, "named", members=2)
        db.session.commit()
        first_id = first.id
    login(world.users.admin)
    few = {url: _queries(app, client, url) for url in ("/studios/", "/studio-directory/", f"/studios/{first_id}")}
    with app.app_context():
        for n in range(12):
            make_studio(world, "named", enterprise=(world.ent_a, world.ent_b, world.ent_c)[n % 3], members=2)
        studio = db.session.get(type(first), first_id)
        for _ in range(6):
            studio.members.append(type(studio.members[0])(worker_id=worker_of(world.ent_a).id, role="member",
                                                          joined_on=date(2025, 1, 1)))
        db.session.commit()
    many = {url: _queries(app, client, url) for url in few}
    assert many == few
