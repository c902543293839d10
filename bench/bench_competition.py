"""Computing a large event's results: 5 judges, 20 aspects, and 1,000 contestants (100,000
marks) or 10,000 (1,000,000 marks).

Loads the data with bulk inserts (not through the services, which audit every change), then
measures the results service (aspect marks, module scores, totals, tie-breaks, places,
awards, standardised scores, honours, stored as Result rows) beside a plain SQL GROUP BY
over the same marks (runs interleaved, medians), and saving one mark through the judges'
scoring route (time and SQL statements per save). Prints one figure a line as
``name: value unit``: ``results_compute_<size>_<database>`` and
``results_group_by_<size>_<database>`` in ms, ``results_ratio_<size>_<database>`` (goal:
at most 2.0). ``BENCH_COMPETITION_SIZES`` picks the sizes (default ``100k,1m``).

Runs on a temporary SQLite database by default; with ``BENCH_DATABASE_URL`` set, on that
PostgreSQL database inside a schema of its own that is dropped at the end (vacuumed and
analysed after the load, as autovacuum would).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.common import bulk_insert, database, log_in, median_ms  # noqa: E402
from bench.judging_data import load_people, mark_value  # noqa: E402
from competitions.models import Contestant, Event, JudgeAssignment, Mark  # noqa: E402
from competitions.services import competitions, results, schemes  # noqa: E402
from core import create_app  # noqa: E402
from core.accounts import services as accounts  # noqa: E402
from core.extensions import db  # noqa: E402
from core.roles import Role  # noqa: E402

#: Sizes by name: how many contestants (each with 20 aspects × 5 judges = 100 marks).
SIZES = {"100k": 1_000, "1m": 10_000}
JUDGES = 5
ENTERPRISES = 100
#: (module name, kind, weight, [(aspect kind, max mark)]): 4 + 16 = 20 aspects.
SCHEME = [
    ("理论知识", "theory", Decimal(30), [("measurement", Decimal(25))] * 4),
    ("技能操作", "practical", Decimal(70), [("measurement", Decimal(10))] * 8 + [("judgement", Decimal(5))] * 8),
]
REPEAT = 7


def load(rng: random.Random, contestants: int = SIZES["100k"]) -> dict:
    """Enterprises, workers, judges, a rechecked event with its scheme, contestants, marks."""
    enterprise_ids, worker_ids = load_people(contestants, ENTERPRISES)
    judges = [accounts.create_account(accounts.AccountData(
        username=f"judge{n}", display_name=f"裁判{n}", roles=[Role.JUDGE.value]), "Bench-password-1", by=None)
        for n in range(JUDGES)]

    now = datetime(2026, 5, 1)
    competition = competitions.create_competition(competitions.CompetitionData("基准测试竞赛", 2026), by=None)
    event = competitions.create_event(competition, competitions.EventData(
        occupation="钳工", venue="北京市工业技师学院", held_on=date(2026, 6, 1),
        registration_opens=now, registration_closes=now + timedelta(days=10)), by=None)
    aspects = []
    for module_name, kind, weight, aspect_specs in SCHEME:
        module = schemes.add_module(event, schemes.ModuleData(module_name, kind, weight), by=None)
        criterion = schemes.add_criterion(module, f"{module_name}评分", by=None)
        for n, (aspect_kind, max_mark) in enumerate(aspect_specs, start=1):
            aspects.append(schemes.add_aspect(criterion, schemes.AspectData(
                f"细项{n}", aspect_kind, max_mark, None), by=None))
    event.state = "rechecked"
    event.scheme_frozen = True
    db.session.add_all([JudgeAssignment(event_id=event.id, user_id=j.id, is_chief=n == 0)
                        for n, j in enumerate(judges)])
    db.session.flush()
    contestant_ids = bulk_insert(Contestant, [{
        "event_id": event.id, "worker_id": w, "enterprise_id": enterprise_ids[n % ENTERPRISES],
        "status": "checked_in", "source": "enterprise", "blind_number": f"B{n:04d}", "station": f"S{n:04d}",
        "version": 1} for n, w in enumerate(worker_ids)])
    mark_rows, marks = [], 0
    for contestant_id in contestant_ids:
        skill = rng.random()
        for aspect in aspects:
            for judge in judges:
                value = mark_value(rng, aspect, skill)
                mark_rows.append({"event_id": event.id, "aspect_id": aspect.id, "contestant_id": contestant_id,
                                  "judge_id": judge.id, "entry": 1, "value": value,
                                  "client_key": f"{contestant_id}-{aspect.id}-{judge.id}", "version": 1})
        if len(mark_rows) >= 50_000:  # in slices: a million dicts at once would not fit
            bulk_insert(Mark, mark_rows, returning=False)
            marks, mark_rows = marks + len(mark_rows), []
    bulk_insert(Mark, mark_rows, returning=False)
    marks += len(mark_rows)
    db.session.commit()
    return {"event_id": event.id, "judge_id": judges[1].id, "aspect_id": aspects[0].id,
            "contestant_id": contestant_ids[0], "marks": marks,
            "contestants": contestants}


def _compute(event_id: int, contestants: int) -> None:
    """The results service, as the administrator's button runs it; rolled back so that every
    run inserts the Result rows afresh."""
    stored = results.compute_results(db.session.get(Event, event_id), by=None, audited=False)
    assert len(stored) == contestants
    db.session.rollback()


def _plain_group_by(event_id: int, contestants: int) -> None:
    rows = db.session.execute(
        select(Mark.contestant_id, Mark.aspect_id, sa.func.avg(Mark.value), sa.func.count())
        .where(Mark.event_id == event_id).group_by(Mark.contestant_id, Mark.aspect_id)).all()
    assert len(rows) == contestants * 20
    db.session.rollback()


def _interleaved_ms(first, second, repeat: int) -> tuple[float, float]:
    """Median wall-clock ms of ``first`` and ``second``, run in turns after one warm-up each,
    so that both meet the same load of a shared machine."""
    first(), second()
    times: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for fn, out in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def _save_mark(app, sample: dict) -> str:
    """Saving one mark through the judges' scoring route, or why it was skipped."""
    if "competitions_judging.save_mark" not in app.view_functions:
        return "competition_save_mark: skipped (no judge scoring route in this build)"
    with app.app_context():
        event = db.session.get(Event, sample["event_id"])
        event.state = "scoring"  # marks are saved only while scoring
        db.session.commit()
        from core.accounts.models import User

        client = log_in(app.test_client(), db.session.get(User, sample["judge_id"]))
    app.config["WTF_CSRF_ENABLED"] = False
    counter = iter(range(10_000))
    url = f"/judging/events/{sample['event_id']}/marks"

    with app.app_context():
        blind = db.session.get(Contestant, sample["contestant_id"]).blind_number
    statements = []
    with app.app_context():
        engine = db.engine
    counting = [False]

    def count(*_args, **_kwargs):
        if counting[0]:
            statements[-1] += 1

    sa.event.listen(engine, "before_cursor_execute", count)

    def save():
        n = next(counter)
        statements.append(0)
        counting[0] = True
        response = client.post(url, data={"aspect_id": sample["aspect_id"], "blind_number": blind,
                                          "value": str(10 + n % 5), "client_key": f"bench-save-{n}", "entry": 1})
        counting[0] = False
        if response.status_code != 200 or not response.get_json().get("ok"):
            raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)[:200]}")

    try:
        timing = f"competition_save_mark: {median_ms(save, 20):.1f} ms"
    except RuntimeError as error:
        return f"competition_save_mark: skipped (the scoring route refused the bench's mark: {error})"
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return f"{timing}\ncompetition_save_mark_statements: {statistics.median(statements[1:]):.0f} statements"


def _vacuum_analyze() -> None:
    """PostgreSQL: what autovacuum does to freshly loaded tables (statistics, visibility map)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def run_size(size: str) -> None:
    """Load one size into a throwaway database and print its figures."""
    contestants = SIZES[size]
    with database(f"bench_competition_{size}") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            sample = load(random.Random(7), contestants)
            db.session.commit()
            if backend == "postgresql":
                _vacuum_analyze()
            load_s = time.perf_counter() - start
            print(f"# bench_competition {size} on {backend}", file=sys.stderr)
            name = f"{size}_{'pg' if backend == 'postgresql' else backend}"
            print(f"competition_marks_loaded_{name}: {sample['marks']} marks")
            print(f"competition_bulk_load_time_{name}: {load_s:.1f} s")
            compute_ms, plain_ms = _interleaved_ms(lambda: _compute(sample["event_id"], contestants),
                                                   lambda: _plain_group_by(sample["event_id"], contestants),
                                                   REPEAT if contestants <= SIZES["100k"] else 3)
            print(f"results_compute_{name}: {compute_ms:.1f} ms")
            print(f"results_group_by_{name}: {plain_ms:.1f} ms")
            print(f"results_ratio_{name}: {compute_ms / plain_ms:.2f} x")
        if size == "100k":
            print(_save_mark(app, sample))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    for size in os.environ.get("BENCH_COMPETITION_SIZES", ",".join(SIZES)).split(","):
        run_size(size.strip())


if __name__ == "__main__":
    main()
