"""Large lists: the audit log pages from the last entry shown, totals are bounded, and filter
options come from the index rather than from the whole table."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.distinct_values import distinct_values
from core.extensions import db
from core.pagination import BoundedPagination


def _add_entries(n: int, action: str = "scale.check") -> None:
    db.session.add_all(AuditEntry(action=action, actor_name="system", target_type="Probe",
                                  target_id=i, target_label=f"probe-{i}") for i in range(n))
    db.session.commit()


@pytest.mark.parametrize("dated", ["", "&since=2000-01-01&until=2100-01-01"])
def test_audit_log_pages_back_from_the_last_entry_shown_until_the_oldest(app, world, client, login, dated):
    with app.app_context():
        _add_entries(120)
        expected = list(db.session.scalars(select(AuditEntry.target_id).where(
            AuditEntry.action == "scale.check").order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())))
    login(world.users.admin)
    seen, path = [], "/admin/audit/?action=scale.check" + dated
    for _ in range(10):
        html = client.get(path).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r"probe-(\d+)", html)]
        older = re.search(r'rel="next" href="([^"]+)"', html)
        if not older:
            break
        path = older.group(1).replace("&amp;", "&")
        assert "action=scale.check" in path
    assert seen == expected


def test_audit_log_ignores_a_nonsense_starting_point(world, client, login):
    login(world.users.admin)
    for before in ("-5", "abc", "0"):
        response = client.get(f"/admin/audit/?before={before}")
        assert response.status_code == 200
        assert "account.create" in response.get_data(as_text=True)


def test_a_total_beyond_the_count_limit_is_shown_as_bounded(app, world):
    with app.app_context(), app.test_request_context("/?page=2"):
        _add_entries(30)
        query = select(AuditEntry).where(AuditEntry.action == "scale.check").order_by(AuditEntry.id)
        bounded = BoundedPagination(select=query, session=db.session(), page=2, per_page=10,
                                    count_limit=25)
        assert bounded.total_bounded and bounded.total == 25 and bounded.total_label == "25+"
        assert len(bounded.items) == 10
        exact = BoundedPagination(select=query, session=db.session(), page=1, per_page=10,
                                  count_limit=30)
        assert not exact.total_bounded and exact.total_label == "30"


def test_every_page_further_down_holds_the_rows_of_its_place_in_the_list_order(app, world):
    """Deeper pages are found by their keys first (a deferred join); they must hold exactly the
    rows an offset would give, in the list's order, also where the order has ties."""
    with app.app_context(), app.test_request_context("/"):
        _add_entries(47)
        query = (select(AuditEntry).where(AuditEntry.action == "scale.check")
                 .order_by((AuditEntry.target_id % 3).desc(), AuditEntry.target_label))
        expected = [e.target_id for e in db.session.scalars(query)]
        seen = []
        for page in range(1, 7):
            seen += [e.target_id for e in BoundedPagination(select=query, session=db.session(), page=page,
                                                            per_page=10, error_out=False).items]
        assert seen == expected and len(seen) == 47


def test_filter_options_are_every_distinct_value_once_in_order(app, world):
    with app.app_context():
        _add_entries(3, "zz.last")
        _add_entries(2, "aa.first")
        plain = list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
        assert distinct_values(AuditEntry.action) == plain
        assert distinct_values(AuditEntry.action, AuditEntry.action > "b") == [a for a in plain if a > "b"]
        assert distinct_values(AuditEntry.target_type, AuditEntry.target_type == "none") == []


def _add_workers(enterprise_id: int, n: int) -> list[int]:
    """``n`` workers of one enterprise, 李工1 … 李工n, all 钳工技师; their ids."""
    from datetime import date, datetime

    from sqlalchemy import insert

    from core.people.models import Worker

    now = datetime(2026, 1, 1)
    common = {"gender": "male", "id_number_encrypted": "x", "id_number_masked": "110105********0000",
              "birth_date": date(1980, 1, 1), "mobile": "13900000000", "enterprise_id": enterprise_id,
              "occupation": "钳工技师", "occupation_code": "", "skill_level": "level_3",
              "years_in_occupation": 10, "is_front_line": True, "in_post": True, "honors": "",
              "created_at": now, "updated_at": now, "version": 1}
    db.session.execute(insert(Worker), [{**common, "name": f"李工{i}", "id_number_hash": f"paging-{i}"}
                                        for i in range(1, n + 1)])
    db.session.commit()
    return list(db.session.scalars(select(Worker.id).where(Worker.occupation == "钳工技师")))


def _total(html: str) -> str:
    return re.search(r"(共 [\d,]+ 条|超过 [\d,+]+ 条)", html).group(1)


def test_a_search_of_one_or_two_characters_counts_its_matches_only_up_to_a_thousand(
        app, world, client, login):
    """A surname matches a large share of a city's workers; counting them all is work nobody
    reads. A longer search is counted exactly up to 10,000, as every other list."""
    with app.app_context():
        _add_workers(world.ent_a, 1_050)
    login(world.users.admin)
    assert _total(client.get("/workers/?q=李").get_data(as_text=True)) == "超过 1,000 条"
    assert _total(client.get("/workers/?q=李工").get_data(as_text=True)) == "超过 1,000 条"
    assert _total(client.get("/workers/?q=钳工技师").get_data(as_text=True)) == "共 1050 条"
    assert _total(client.get("/workers/?q=李工99").get_data(as_text=True)) == "共 11 条"


def test_a_talent_pool_search_of_one_or_two_characters_counts_its_matches_only_up_to_a_thousand(
        app, world, client, login):
    from datetime import datetime

    from sqlalchemy import insert

    from craftsmen.models import Nomination
    from tests.craftsmen.conftest import make_cycle

    with app.app_context():
        ids = _add_workers(world.ent_a, 1_050)
        cycle = make_cycle()
        db.session.commit()
        now = datetime(2026, 1, 1)
        common = {"cycle_id": cycle.id, "occupation_id": cycle.occupations[0].id,
                  "enterprise_id": world.ent_a, "state": "qualified", "statement": "",
                  "decision_note": "", "selection_basis": "", "qualified_at": now, "created_at": now,
                  "updated_at": now, "version": 1}
        db.session.execute(insert(Nomination), [{**common, "worker_id": worker_id} for worker_id in ids])
        db.session.commit()
    login(world.users.admin)
    pool = "/craftsmen/nominations/talent-pool"
    assert _total(client.get(pool + "?q=李").get_data(as_text=True)) == "超过 1,000 条"
    assert _total(client.get(pool + "?q=朝阳精工").get_data(as_text=True)) == "共 1050 条"
