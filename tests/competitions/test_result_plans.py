"""On PostgreSQL, an event's results and judge analytics are read from indexes, whatever the
size of the series of events around it (the method of tests/core/test_query_plans.py: a
sequential scan priced out, and every SELECT a page or service sends EXPLAINed)."""

from __future__ import annotations

import pytest

from competitions.models import Event
from competitions.services import results
from core.extensions import db
from tests.competitions import results_data
from tests.core.test_query_plans import IN_INDEX_ORDER, assert_no_large_table_scan, page_plans, plans_of


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("query plans are checked on PostgreSQL (set TEST_DATABASE_URL)")


def _published_event(app, world) -> int:
    with app.app_context():
        data = results_data.build(world)
        event = db.session.get(Event, data.event_id)
        results.compute_results(event, by=None)
        event.state = "published"
        event.published_at = event.created_at
        db.session.commit()
        return data.event_id


def _nodes_on(plans, table: str) -> list[dict]:
    return [n for _, nodes in plans for n in nodes if n.get("Relation Name") == table]


@pytest.mark.parametrize("path", ["/competition-results/{id}", "/competitions/events/{id}/results",
                                  "/competitions/events/{id}/judge-analytics"])
def test_results_and_judge_analytics_pages_read_only_indexes(app, client, world, login, path):
    event_id = _published_event(app, world)
    login(world.users.admin)
    assert_no_large_table_scan(page_plans(app, client, path.format(id=event_id)))


def test_judge_analytics_read_an_events_marks_in_panel_order_from_its_covering_index(app, client, world, login):
    event_id = _published_event(app, world)
    login(world.users.admin)
    plans = page_plans(app, client, f"/competitions/events/{event_id}/judge-analytics", IN_INDEX_ORDER)
    marks = _nodes_on(plans, "marks")
    assert marks and {n["Node Type"] for n in marks} == {"Index Only Scan"}
    assert {n["Index Name"] for n in marks} == {"ix_marks_event_marks"}
    assert not [n for _, nodes in plans for n in nodes if n["Node Type"] == "Sort"]


def test_computing_results_reads_an_events_marks_in_group_order_from_its_covering_index(app, world):
    event_id = _published_event(app, world)

    def compute():
        with app.app_context():
            event = db.session.get(Event, event_id)
            event.state = "rechecked"
            results.compute(event)
            db.session.rollback()

    # results_sql runs its query with hashing off, so the groups stream from the index in order
    plans = plans_of(app, compute, (*IN_INDEX_ORDER, "enable_hashagg"))
    assert_no_large_table_scan(plans)
    marks = _nodes_on(plans, "marks")
    assert marks and {(n["Node Type"], n["Index Name"]) for n in marks} == {("Index Only Scan", "ix_marks_event_marks")}
