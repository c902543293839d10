"""Saving one mark in process: the tablet's save-as-you-go request (POST /judging/events/<id>/marks)
through the whole app (sign-in, CSRF, authorisation, the save, its audit entry, the JSON answer).

Prints ``mark_save_statements_new`` and ``mark_save_statements_replay`` (SQL statements per
request, counted with SQLAlchemy's ``before_cursor_execute``), ``mark_save_ms`` (median wall
time of a new mark) and ``mark_save_cpu_ms`` (this process's CPU: the app, and SQLite's engine
when on SQLite). SQLite by default; ``BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.common import database  # noqa: E402
from bench.judging_data import load_scoring_event  # noqa: E402
from core import create_app  # noqa: E402
from core.extensions import db  # noqa: E402

SAVES = 200


def main() -> None:
    with database("bench_mark_save") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            data = load_scoring_event(judges=5, contestants=40, aspects=10)
            engine = db.engine
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = data.judges[0][1]
            session["_fresh"] = True
        page = client.get(f"/judging/events/{data.event_id}/modules/{data.module_id}"
                          f"/contestants/{data.blind_numbers[0]}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        url_path = f"/judging/events/{data.event_id}/marks"
        fields = [(b, a) for b in data.blind_numbers for a in data.aspect_ids]
        counted: list[int] = []

        def count(*_args):
            counted[-1] += 1

        def post(blind, aspect, value, key):
            counted.append(0)
            response = client.post(url_path, data={"csrf_token": token, "aspect_id": aspect, "blind_number": blind,
                                                   "value": value, "client_key": key, "entry": 1})
            body = response.get_json(silent=True) or {}
            if response.status_code != 200 or not body.get("ok"):
                raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
            return body

        post(*fields[0], "50", "warm-up")  # templates, caches, prepared statements
        sa.event.listen(engine, "before_cursor_execute", count)
        new_statements, replay_statements, wall, cpu = [], [], [], []
        try:
            for n, (blind, aspect) in enumerate(fields[1:SAVES + 1]):
                key = uuid.uuid4().hex
                start, start_cpu = time.perf_counter(), time.process_time()
                post(blind, aspect, str(50 + n % 40), key)
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                new_statements.append(counted[-1])
                assert post(blind, aspect, "1", key)["changed"] is False
                replay_statements.append(counted[-1])
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        print(f"# bench_mark_save on {backend}: {len(wall)} new marks, each replayed once", file=sys.stderr)
        print(f"mark_save_statements_new: {statistics.median(new_statements):.0f} statements")
        print(f"mark_save_statements_replay: {statistics.median(replay_statements):.0f} statements")
        print(f"mark_save_ms: {statistics.median(wall):.2f} ms")
        print(f"mark_save_cpu_ms: {statistics.median(cpu):.2f} ms")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
