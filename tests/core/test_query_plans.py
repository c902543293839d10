"""On PostgreSQL, every query behind the main list pages can be answered from an index.

The tables here are small, so the planner is told that a sequential scan costs more than any
alternative (``enable_seqscan = off``): a query that still scans a large table has no index to
use, which is what a city-sized table would pay for on every view. Each page is requested as
its user would, every SELECT it sends is captured, and each is EXPLAINed with its parameters.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import event, text

from core.extensions import db

#: Tables that grow to city size; a list page must never scan them.
LARGE_TABLES = {"craftsman_titles", "nominations", "workers", "enterprises", "audit_entries",
                "studios", "studio_achievements", "marks", "competition_results", "contestants"}


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("query plans are checked on PostgreSQL (set TEST_DATABASE_URL); "
                    "SQLite plans say nothing about the production database")


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def plans_of(app, action, settings=("enable_seqscan",)) -> list[tuple[str, list[dict]]]:
    """(statement, plan nodes) of every SELECT that ``action()`` sends, planned with the
    planner ``settings`` turned off (priced out, so only a plan without them is a real choice)."""
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.connect() as connection:
        for setting in settings:
            connection.exec_driver_sql(f"SET {setting} = off")
        for statement, parameters in statements:
            explained = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plan = explained.scalar()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            plans.append((statement, list(_nodes(plan[0]["Plan"]))))
        connection.rollback()
    return plans


def page_plans(app, client, path: str, settings=("enable_seqscan",)) -> list[tuple[str, list[dict]]]:
    """(statement, plan nodes) of every SELECT that requesting ``path`` sends."""
    def request():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return plans_of(app, request, settings)


#: A list read in order from an index: neither a table scan nor a sort is needed.
IN_INDEX_ORDER = ("enable_seqscan", "enable_sort", "enable_incremental_sort")
#: Substring search: no table scan, and no B-tree walked end to end with a filter.
BY_SEARCH_INDEX = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


def assert_no_large_table_scan(plans) -> None:
    for statement, nodes in plans:
        scanned = {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}
        assert not scanned & LARGE_TABLES, f"sequential scan of {scanned & LARGE_TABLES} in:\n{statement}"


def indexes_used(plans, table: str) -> set[str]:
    """Indexes read by the statements that query ``table`` (bitmap index scans name no table)."""
    return {n["Index Name"] for statement, nodes in plans if f"FROM {table}" in statement
            for n in nodes if "Index Name" in n}


def list_plan(plans, table: str) -> list[dict]:
    """The nodes of the page's list query: the one statement with LIMIT/OFFSET on ``table``."""
    found = [nodes for statement, nodes in plans
             if f"FROM {table}" in statement and "LIMIT" in statement and "count(" not in statement]
    assert found, f"no list query on {table}"
    return found[0]


@pytest.mark.parametrize("path", [
    "/registry", "/registry?page=3", "/registry?year=2023&district=朝阳区&level=city",
    "/registry?occupation=钳工", "/registry?q=精工有限", "/registry?q=王", "/registry?q=精工",
    "/registry?status=revoked",
])
def test_registry_pages_read_only_indexes(app, client, world, path):
    plans = page_plans(app, client, path)
    assert_no_large_table_scan(plans)


def test_registry_first_page_is_read_in_order_from_its_listing_index(app, client, world):
    plans = page_plans(app, client, "/registry", IN_INDEX_ORDER)
    nodes = list_plan(plans, "craftsman_titles")
    assert "ix_craftsman_titles_listing_pinyin" in {n.get("Index Name") for n in nodes}
    assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes)


def test_registry_search_uses_the_trigram_indexes(app, client, world):
    nodes = list_plan(page_plans(app, client, "/registry?q=精工有限", BY_SEARCH_INDEX), "craftsman_titles")
    assert not any(n["Node Type"] == "Seq Scan" for n in nodes)
    used = {n.get("Index Name") for n in nodes}
    assert {"ix_craftsman_titles_name_trgm", "ix_craftsman_titles_enterprise_name_trgm",
            "ix_craftsman_titles_occupation_trgm"} <= used


@pytest.mark.parametrize("query", ["王", "钳工", "海淀"])
def test_registry_search_of_one_or_two_characters_uses_the_grams_index(app, client, world, query):
    """Trigrams cannot answer a surname search; the stored grams' GIN index does, for the
    page's keys (which carry the total) and for its rows."""
    plans = page_plans(app, client, "/registry?q=" + query, BY_SEARCH_INDEX)
    searches = [nodes for statement, nodes in plans if "search_grams" in statement]
    assert len(searches) == 2  # the page's keys with the total, and its rows
    for nodes in searches:
        assert not any(n["Node Type"] == "Seq Scan" for n in nodes)
        assert "ix_craftsman_titles_search_grams" in {n.get("Index Name") for n in nodes}


def test_registry_surname_search_sorts_its_matches_instead_of_walking_the_name_order(app, client, world):
    """A surname that sorts late lies thousands of rows down the listing index: the page's ids
    are sorted out of the grams index's matches, with the page's limit, and its rows then read
    by id, so the work never depends on where the matches stand in the list."""
    _load_pool(app, world, 20_000)
    with app.app_context():  # every nominee named: 鑫 (xin) one in a thousand, after the 李s (li)
        db.session.execute(text(
            "INSERT INTO craftsman_titles (nomination_id, worker_id, cycle_id, name, name_pinyin,"
            " name_strokes, title, level, year, occupation, enterprise_name, district, named_on,"
            " selection_basis, revoke_reason)"
            " SELECT n.id, w.id, n.cycle_id, w.name, CASE WHEN w.name LIKE '鑫%' THEN 'xin' ELSE 'li'"
            " END || lpad(w.id::text, 6, '0'), '', '北京大工匠', 'city', 2025, w.occupation,"
            " '北京精工有限公司', '朝阳区', DATE '2025-09-01', '', ''"
            " FROM nominations n JOIN workers w ON w.id = n.worker_id"))
        db.session.commit()
        _settle()
    plans = page_plans(app, client, "/registry?q=鑫", settings=())
    assert_no_large_table_scan(plans)
    keys = [nodes for statement, nodes in plans if "matches" in statement and "LIMIT" in statement]
    assert len(keys) == 1
    assert not any("count(" in statement and "matches" not in statement for statement, _nodes in plans), \
        "the total comes with the page's keys, not from a second reading of the matches"
    used = {n.get("Index Name") for n in keys[0]}
    assert "ix_craftsman_titles_search_grams" in used
    assert not {"ix_craftsman_titles_listing_pinyin", "ix_craftsman_titles_listing_strokes"} & used
    assert any(n["Node Type"] == "Sort" and n.get("Parent Relationship") == "Outer"
               for n in keys[0])  # the matches' keys sorted under the page's limit
    rows = [nodes for statement, nodes in plans if "craftsman_titles.id IN" in statement]
    assert len(rows) == 1 and "pk_craftsman_titles" in {n.get("Index Name") for n in rows[0]}
    html = client.get("/registry?q=鑫").get_data(as_text=True)  # names, then occupations (鑫焊工)
    assert html.index("李工1001") < html.index("鑫工1000") < html.index("鑫工2000") < html.index("鑫工20000")
    assert "李工1002" not in html


DISTRICTS = ["东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区",
             "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区"]


@pytest.mark.parametrize("query", ["district=朝阳区", "district=朝阳区&year=2023",
                                   "district=朝阳区&year=2023&level=district"])
def test_registry_filtered_by_district_reads_its_page_and_count_from_the_district_listing_index(
        app, client, world, query):
    """20,000 titles over 16 districts, ten years and two levels: a district's page is the first
    rows of the district's listing index, in order, and its total is counted in that index
    alone, however many titles the district holds."""
    _load_pool(app, world, 20_000)
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO craftsman_titles (nomination_id, worker_id, cycle_id, name, name_pinyin,"
            " name_strokes, title, level, year, occupation, enterprise_name, district, named_on,"
            " selection_basis, revoke_reason)"
            " SELECT n.id, w.id, n.cycle_id, w.name, 'li' || lpad(w.id::text, 6, '0'), '', '区级工匠',"
            " CASE WHEN n.id / 160 % 4 = 0 THEN 'city' ELSE 'district' END, 2016 + n.id / 16 % 10,"
            " w.occupation, '北京精工有限公司', (CAST(:districts AS text[]))[n.id % 16 + 1], DATE '2025-09-01', '', ''"
            " FROM nominations n JOIN workers w ON w.id = n.worker_id"), {"districts": DISTRICTS})
        db.session.commit()
        _settle()
        conditions = {"district": "朝阳区", "year": 2023, "level": "district"}
        asked = dict(part.split("=") for part in query.split("&"))
        where = " AND ".join(f"{column} = :{column}" for column in asked)
        expected = db.session.scalar(text(f"SELECT count(*) FROM craftsman_titles WHERE {where}"),  # noqa: S608
                                     {column: conditions[column] for column in asked})
        assert 50 < expected < 10_000  # more than a page, counted exactly
    plans = page_plans(app, client, "/registry?" + query, settings=())
    assert_no_large_table_scan(plans)
    nodes = list_plan(plans, "craftsman_titles")
    assert "ix_craftsman_titles_district_listing_pinyin" in {n.get("Index Name") for n in nodes}
    assert not any(n["Node Type"] in ("Sort", "Incremental Sort", "Bitmap Heap Scan") for n in nodes)
    counts = [nodes for statement, nodes in plans
              if "FROM craftsman_titles" in statement and "count(" in statement]
    assert len(counts) == 1
    assert {n["Node Type"] for n in counts[0]} & {"Bitmap Heap Scan", "Index Scan"} == set()
    assert "Index Only Scan" in {n["Node Type"] for n in counts[0]}
    assert f"共 {expected} 条" in client.get("/registry?" + query).get_data(as_text=True)


def test_registry_filter_options_probe_indexes_instead_of_sorting_the_table(app, client, world):
    plans = page_plans(app, client, "/registry")
    for statement, nodes in plans:
        if "distinct_values" in statement:
            assert not any(n["Node Type"] in ("Sort", "HashAggregate", "Unique") for n in nodes), statement


@pytest.mark.parametrize("query", [
    "", "?action=account.create", "?target_type=Worker", "?actor=adm", "?before=5",
    "?since=2026-01-01&until=2026-02-01", "?action=account.create&before=3",
])
def test_audit_log_pages_read_only_indexes(app, client, world, login, query):
    login(world.users.admin)
    plans = page_plans(app, client, "/admin/audit/" + query)
    assert_no_large_table_scan(plans)


def _load_audit_entries(n: int, admin_id: int) -> int:
    """``n`` entries over 40 actions, 12 object types and 50 actor names, a minute apart, with
    one rare action and one rare object type (where walking the ids would read the whole log);
    one in a thousand recorded by the administrator's account, the others by the system.
    Returns the id before the first of them: ids go on from the earlier tests' (deleted) rows,
    so entry ``k`` of this load has the id ``returned + k``."""
    last_id = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM audit_entries"))
    db.session.execute(text(
        "INSERT INTO audit_entries (created_at, actor_id, actor_name, action, target_type, target_id,"
        " target_label, changes)"
        " SELECT TIMESTAMP '2020-01-01' + n * INTERVAL '1 minute',"
        " CASE WHEN n % 1000 = 3 THEN :admin END, CASE WHEN n % 1000 = 3 THEN 'admin'"
        " ELSE 'user' || (n % 50) END,"
        " CASE WHEN n % 5000 = 0 THEN 'scale.rare' ELSE 'scale.action' || (n % 40) END,"
        " CASE WHEN n % 5000 = 7 THEN 'RareType' ELSE 'Type' || (n % 12) END, n % 5000, '', '{}'"
        " FROM generate_series(1, :n) AS n ORDER BY n"), {"n": n, "admin": admin_id})
    db.session.commit()
    _settle()
    return last_id


@pytest.mark.parametrize(("query", "index"), [
    ("?action=scale.rare", "ix_audit_entries_action_listing"),
    ("?action=scale.rare&before=150000", "ix_audit_entries_action_listing"),
    ("?target_type=RareType", "ix_audit_entries_target_listing"),
    ("?target_type=Type3&target_id=39", "ix_audit_entries_target_listing"),
    ("?before=5000", "pk_audit_entries"),
    ("?since=2020-02-01&until=2020-02-03", "ix_audit_entries_time_listing"),
    ("?since=2020-02-01&until=2020-02-03&before=50000", "ix_audit_entries_time_listing"),
    ("?actor=admin", "ix_audit_entries_actor_listing"),  # an account: its entries by actor id
    ("?actor=admin&before=150000", "ix_audit_entries_actor_listing"),
])
def test_audit_log_page_of_200000_entries_is_read_from_its_index(app, client, world, login, query, index):
    """``before=k`` is the k-th entry loaded: a page from the middle of the log."""
    with app.app_context():
        last_id = _load_audit_entries(200_000, world.users.admin)
    login(world.users.admin)
    query = re.sub(r"before=(\d+)", lambda before: f"before={last_id + int(before[1])}", query)
    plans = page_plans(app, client, "/admin/audit/" + query, settings=())
    assert_no_large_table_scan(plans)
    nodes = list_plan(plans, "audit_entries")
    assert index in {n.get("Index Name") for n in nodes}
    if index in ("pk_audit_entries", "ix_audit_entries_time_listing",  # long ranges: in order
                 "ix_audit_entries_actor_listing"):
        assert not any(n["Node Type"] == "Sort" for n in nodes)
    options = [nodes for statement, nodes in plans if "distinct_values" in statement]
    assert "没有符合条件的记录" not in client.get("/admin/audit/" + query).get_data(as_text=True)
    assert len(options) == 2 and not any(n["Node Type"] in ("Sort", "HashAggregate", "Unique")
                                         for nodes in options for n in nodes)


@pytest.mark.parametrize(("user", "query"), [
    ("admin", ""), ("admin", "?q=李明"), ("admin", "?q=朝阳精工"), ("enterprise", ""),
    ("enterprise", "?q=李"), ("reviewer", ""),
])
def test_worker_list_reads_only_indexes(app, client, world, login, user, query):
    login(getattr(world.users, user))
    assert_no_large_table_scan(page_plans(app, client, "/workers/" + query))


def test_enterprise_worker_list_is_read_in_name_order_from_its_index(app, client, world, login):
    login(world.users.enterprise)
    nodes = list_plan(page_plans(app, client, "/workers/", IN_INDEX_ORDER), "workers")
    assert "ix_workers_enterprise_name" in {n.get("Index Name") for n in nodes}


def test_worker_look_up_by_id_number_uses_its_hash_index(app, world):
    from core.people.services import find_by_id_number

    with app.app_context():  # enough workers, with statistics, for a table scan to show
        db.session.execute(text(
            "INSERT INTO workers (name, gender, id_number_encrypted, id_number_hash, id_number_masked,"
            " birth_date, mobile, enterprise_id, occupation, occupation_code, skill_level,"
            " years_in_occupation, is_front_line, in_post, honors, created_at, updated_at, version)"
            " SELECT '职工' || n, 'male', 'x', md5(n::text), '110105********0000', DATE '1980-01-01',"
            " '13900000000', :enterprise, '钳工', '', 'level_3', 10, true, true, '', now(), now(), 1"
            " FROM generate_series(1, 20000) AS n"), {"enterprise": world.ent_a})
        db.session.commit()
        _settle()

    def look_up():
        with app.app_context():
            assert find_by_id_number("11010519491231002X") is None

    plans = plans_of(app, look_up, settings=())
    assert_no_large_table_scan(plans)
    assert "uq_workers_id_number_hash" in indexes_used(plans, "workers")


@pytest.fixture(autouse=True)
def _autovacuum_restored(app, database_url):
    """Tables :func:`_settle` took out of autovacuum's hands get it back after the test."""
    yield
    if _settled:
        with app.app_context(), db.engine.begin() as connection:
            for table in _settled:
                connection.exec_driver_sql(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        _settled.clear()


_settled: set[str] = set()


def _settle() -> None:
    """Statistics of every table as it is now (a bulk load just done), gathered here, and the
    GIN indexes' pending entries merged, as autovacuum leaves a table after a bulk load (a
    long pending list is priced into every GIN scan). Every test empties the tables it used,
    so autovacuum would otherwise be catching up with the earlier tests' rows while this test
    plans its queries: a joined table (the world's enterprises) left with another moment's
    statistics, or none, and a large table ANALYZEd again from another sample make the plan
    depend on timing. For the rest of the test only these statistics count."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in db.metadata.tables:
            connection.exec_driver_sql(f"ALTER TABLE {name} SET (autovacuum_enabled = off)")
            _settled.add(name)
            connection.exec_driver_sql(f"VACUUM ANALYZE {name}")


def _load_workers(app, enterprise_id: int, n: int) -> None:
    """``n`` workers of one enterprise, a common surname (李) and a rare one (鑫, one in a
    thousand), with statistics: enough for a table scan to show."""
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO workers (name, gender, id_number_encrypted, id_number_hash, id_number_masked,"
            " birth_date, mobile, enterprise_id, occupation, occupation_code, skill_level,"
            " years_in_occupation, is_front_line, in_post, honors, created_at, updated_at, version)"
            " SELECT CASE WHEN n % 1000 = 0 THEN '鑫' ELSE '李' END || '工' || n, 'male', 'x',"
            " md5(n::text), '110105********0000', DATE '1980-01-01', '13900000000', :enterprise,"
            " CASE WHEN n % 1000 = 1 THEN '鑫焊工' ELSE '钳工' END, '', 'level_3', 10, true, true, '',"
            " now(), now(), 1 FROM generate_series(1, :n) AS n"), {"enterprise": enterprise_id, "n": n})
        db.session.commit()
        _settle()


@pytest.mark.parametrize("user", ["admin", "enterprise"])
@pytest.mark.parametrize("query", ["鑫", "鑫焊"])
def test_worker_search_of_one_or_two_characters_uses_the_grams_index(app, client, world, login,
                                                                     user, query):
    """A surname (or a name's two characters, or an occupation's) is looked up in the workers'
    grams, for the page and for its count, not by reading every worker."""
    _load_workers(app, world.ent_a, 20_000)
    login(getattr(world.users, user))
    plans = page_plans(app, client, "/workers/?q=" + query, settings=())
    assert not any(n["Node Type"] == "Seq Scan" and n["Relation Name"] == "workers"
                   for _statement, nodes in plans for n in nodes)  # (the world's 3 enterprises are)
    searches = [nodes for statement, nodes in plans
                if "FROM workers" in statement and "search_grams" in statement]
    assert len(searches) == 2  # the page and its count
    for nodes in searches:
        assert "ix_workers_search_grams" in {n.get("Index Name") for n in nodes}
    html = client.get("/workers/?q=" + query).get_data(as_text=True)
    assert ("鑫工1000" in html) == (query == "鑫") and "鑫焊工" in html


def test_enterprise_name_of_one_or_two_characters_is_looked_up_in_the_grams_index(app, world):
    from core.organizations.services import enterprise_ids_named_like

    with app.app_context():  # enough enterprises for a table scan to show
        db.session.execute(text(
            "INSERT INTO enterprises (name, uscc, district_union_id, address, contact_name,"
            " contact_phone, created_at, updated_at, version)"
            " SELECT CASE WHEN n % 1000 = 0 THEN '鑫达' ELSE '精工' END || n || '有限公司',"
            " '91110' || lpad(n::text, 13, '0'), :district, '', '', '', now(), now(), 1"
            " FROM generate_series(1, 20000) AS n"), {"district": world.chaoyang})
        db.session.commit()
        _settle()

    def look_up():
        with app.app_context():
            assert len(enterprise_ids_named_like("鑫达")) == 20

    plans = plans_of(app, look_up, settings=())
    assert_no_large_table_scan(plans)
    assert "ix_enterprises_search_grams" in indexes_used(plans, "enterprises")


def _load_pool(app, world, n: int, cycles: int = 1) -> None:
    """``n`` workers (see :func:`_load_workers`), every one of them in the talent pool of one of
    ``cycles`` cycles in turn: the 鑫s as 焊工, the others as 钳工."""
    from tests.craftsmen.conftest import make_cycle

    _load_workers(app, world.ent_a, n)
    with app.app_context():
        made = [make_cycle(title=f"第{k + 1}届北京大工匠选树") for k in range(cycles)]
        db.session.commit()
        for k, cycle in enumerate(made):
            db.session.execute(text(
                "INSERT INTO nominations (cycle_id, occupation_id, worker_id, enterprise_id, state,"
                " statement, decision_note, selection_basis, qualified_at, created_at, updated_at, version)"
                " SELECT :cycle, CASE WHEN name LIKE '鑫%' THEN :welder ELSE :fitter END, id, enterprise_id,"
                " 'qualified', '', '', '', now() - id * interval '1 minute', now(), now(), 1 FROM workers"
                " WHERE id % :cycles = :k"),
                {"cycle": cycle.id, "fitter": cycle.occupations[0].id, "welder": cycle.occupations[1].id,
                 "cycles": cycles, "k": k})
        db.session.commit()
        _settle()


@pytest.mark.parametrize("query", ["鑫", "鑫工", "焊"])
def test_talent_pool_search_of_one_or_two_characters_finds_each_cycles_matches_in_the_pool_grams_index(
        app, client, world, login, query):
    """Nominees' names (鑫工1000) and occupations (焊工) are among the pool's own grams, kept by
    cycle: a short search's page is looked up cycle by cycle, newest first, in that index, and
    only the matches of the cycles the page reaches are sorted; never the pool's listing walked
    with a filter, nor a table scan. The total is counted in the same index."""
    _load_pool(app, world, 20_000, cycles=4)
    login(world.users.admin)
    plans = page_plans(app, client, "/craftsmen/nominations/talent-pool?q=" + query, settings=())
    assert not any(n["Node Type"] == "Seq Scan" and n["Relation Name"] in ("workers", "nominations")
                   for _statement, nodes in plans for n in nodes)
    searches = [nodes for statement, nodes in plans if "FROM nominations" in statement
                and "search_grams" in statement and "nominations.id IN" not in statement]
    assert len(searches) == 2  # the page's keys (LATERAL, per cycle) and the bounded total
    for nodes in searches:
        assert "ix_nominations_pool_grams" in {n.get("Index Name") for n in nodes}
        assert "ix_nominations_pool_listing" not in {n.get("Index Name") for n in nodes}


def test_a_short_pool_search_pages_through_the_cycles_in_the_pools_own_order(app, world):
    """The pages found cycle by cycle are the pages of the list itself: newest cycle first, then
    occupation, qualification time and id, across cycle boundaries and deep pages; and the total."""
    from sqlalchemy import select

    from core.accounts.models import User
    from core.pagination import paginate
    from craftsmen import queries
    from craftsmen.models import Nomination

    _load_pool(app, world, 20_000, cycles=4)
    with app.app_context():
        admin = db.session.get(User, world.users.admin)
        for q, pages in (("李", (1, 2, 20)), ("焊", (1, 2)), ("鑫工", (1,))):
            query = queries.talent_pool(admin, q=q)
            expected = list(db.session.scalars(select(Nomination.id).where(query.whereclause).order_by(
                Nomination.cycle_id.desc(), Nomination.occupation_id, Nomination.qualified_at, Nomination.id)))
            for number in pages:
                with app.test_request_context(f"/?page={number}"):
                    page = paginate(query, count_limit=1_000)
                    assert [n.id for n in page.items] == expected[(number - 1) * 50:number * 50], (q, number)
                    assert page.total == min(len(expected), 1_000), q


@pytest.mark.parametrize("path", [
    "/studio-directory/", "/studio-directory/?q=创新工作室", "/notices", "/competition-results",
])
def test_public_lists_read_only_indexes(app, client, world, path):
    assert_no_large_table_scan(page_plans(app, client, path))


@pytest.mark.parametrize(("user", "query"), [
    ("admin", ""), ("admin", "?q=朝阳精工"), ("admin", "?cycle_id=1&occupation=钳工"), ("reviewer", ""),
])
def test_talent_pool_reads_only_indexes(app, client, world, login, user, query):
    login(getattr(world.users, user))
    assert_no_large_table_scan(page_plans(app, client, "/craftsmen/nominations/talent-pool" + query))


def test_talent_pool_is_read_in_order_from_its_listing_index(app, client, world, login):
    login(world.users.admin)
    nodes = list_plan(page_plans(app, client, "/craftsmen/nominations/talent-pool", IN_INDEX_ORDER),
                      "nominations")
    assert "ix_nominations_pool_listing" in {n.get("Index Name") for n in nodes}
