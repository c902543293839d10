"""The dashboard stays fast with the plan's full 8,000 studios: live values are aggregate
queries, so the number of statements does not grow with the number of records."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import event, insert

from core.extensions import db
from innovation_studios.studios.models import Studio
from tests.indicators.conftest import progress_of

LEVELS = ("city_demo", "city", "district", "enterprise")


def _insert_studios(world, n: int) -> None:
    enterprises = (world.ent_a, world.ent_b, world.ent_c)
    leaders = (world.worker_a, world.worker_b, world.worker_c)
    rows = [{"name": f"规模测试工作室{i}", "kind": "worker", "level_sought": LEVELS[i % 4], "level": LEVELS[i % 4],
             "enterprise_id": enterprises[i % 3], "leader_worker_id": leaders[i % 3], "state": "named",
             "named_on": date(2021 + i % 5, 6, 1), "version": 1} for i in range(n)]
    db.session.execute(insert(Studio), rows)
    db.session.commit()


def _statements(app, client, path: str) -> tuple[int, float]:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    started = time.perf_counter()
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count, time.perf_counter() - started


def test_8000_studios_take_no_more_statements_and_render_quickly(app, client, plan):
    with app.app_context():
        _insert_studios(plan, 10)
    few, _ = _statements(app, client, "/plan-indicators")
    with app.app_context():
        _insert_studios(plan, 7990)
        assert progress_of("innovation_studios").value == 8000
        assert progress_of("innovation_studios").progress == 1
    many, seconds = _statements(app, client, "/plan-indicators")
    assert many == few
    assert seconds < 3
