"""Computing a large event's results: 1,000 contestants, 5 judges, 20 aspects (100,000 marks).

Loads the data with bulk inserts (not through the services, which audit every change), then
measures the results service (aspect marks, module scores, totals, tie-breaks, places,
awards, standardised scores, honours, stored as Result rows) beside a plain SQL GROUP BY
over the same marks, and saving one mark through the judges' scoring route (time and SQL
statements per save). Prints one figure a line as ``name: value unit``. Runs on a temporary
SQLite database by default; with ``BENCH_DATABASE_URL`` set, on that PostgreSQL database inside
a schema of its own that is dropped at the end.
"""

from __future__ import annotations

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
from competitions.models import Contestant, Event, JudgeAssignment, Mark  # noqa: E402
from competitions.services import competitions, results, schemes  # noqa: E402
from core import create_app  # noqa: E402
from core.accounts import services as accounts  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise, Union, UnionKind  # noqa: E402
from core.people.models import SkillLevel, Worker  # noqa: E402
from core.roles import Role  # noqa: E402

CONTESTANTS = 1_000
JUDGES = 5
ENTERPRISES = 100
#: (module name, kind, weight, [(aspect kind, max mark)]): 4 + 16 = 20 aspects.
SCHEME = [
    ("理论知识", "theory", Decimal(30), [("measurement", Decimal(25))] * 4),
    ("技能操作", "practical", Decimal(70), [("measurement", Decimal(10))] * 8 + [("judgement", Decimal(5))] * 8),
]
REPEAT = 5


def load(rng: random.Random) -> dict:
    """Enterprises, workers, judges, a rechecked event with its scheme, contestants, marks."""
    district = Union(kind=UnionKind.DISTRICT.value, name="朝阳区总工会", region_code="110105")
    db.session.add(district)
    db.session.flush()
    enterprise_ids = bulk_insert(Enterprise, [{"name": f"北京第{n}精密制造有限公司", "uscc": f"BENCH{n:013d}",
                                         "district_union_id": district.id, "version": 1}
                                        for n in range(ENTERPRISES)])
    worker_ids = bulk_insert(Worker, [{
        "name": f"选手{n}", "gender": "male", "id_number_encrypted": "-", "id_number_hash": f"bench-{n}",
        "id_number_masked": "110105********0000", "birth_date": date(1985, 1, 1), "mobile": "13900000000",
        "enterprise_id": enterprise_ids[n % ENTERPRISES], "occupation": "钳工",
        "skill_level": SkillLevel.LEVEL_2.value, "years_in_occupation": 10, "version": 1}
        for n in range(CONTESTANTS)])
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
    mark_rows = []
    for contestant_id in contestant_ids:
        skill = rng.random()
        for aspect in aspects:
            for judge in judges:
                if aspect.kind == "judgement":
                    value = Decimal(max(0, min(3, round(skill * 3 + rng.choice((-1, 0, 0, 1))))))
                else:
                    share = min(1, max(0, skill + rng.uniform(-.1, .1)))
                    value = Decimal(int(int(aspect.max_mark) * 100 * share)) / 100
                mark_rows.append({"event_id": event.id, "aspect_id": aspect.id, "contestant_id": contestant_id,
                                  "judge_id": judge.id, "entry": 1, "value": value,
                                  "client_key": f"{contestant_id}-{aspect.id}-{judge.id}", "version": 1})
    bulk_insert(Mark, mark_rows, returning=False)
    db.session.commit()
    return {"event_id": event.id, "judge_id": judges[1].id, "aspect_id": aspects[0].id,
            "contestant_id": contestant_ids[0], "marks": len(mark_rows)}


def _compute(event_id: int) -> None:
    """The results service, as the administrator's button runs it; rolled back so that every
    run inserts the 1,000 Result rows afresh."""
    stored = results.compute_results(db.session.get(Event, event_id), by=None, audited=False)
    assert len(stored) == CONTESTANTS
    db.session.rollback()


def _plain_group_by(event_id: int) -> None:
    rows = db.session.execute(
        select(Mark.contestant_id, Mark.aspect_id, sa.func.avg(Mark.value), sa.func.count())
        .where(Mark.event_id == event_id).group_by(Mark.contestant_id, Mark.aspect_id)).all()
    assert len(rows) == CONTESTANTS * 20
    db.session.rollback()


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


def main() -> None:
    with database("bench_competition") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            sample = load(random.Random(7))
            load_s = time.perf_counter() - start
            if backend == "postgresql":
                db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            print(f"# bench_competition on {backend}", file=sys.stderr)
            print(f"competition_marks_loaded: {sample['marks']} marks")
            print(f"competition_bulk_load_time: {load_s:.1f} s")
            compute_ms = median_ms(lambda: _compute(sample["event_id"]), REPEAT)
            plain_ms = median_ms(lambda: _plain_group_by(sample["event_id"]), REPEAT)
            print(f"competition_results_compute: {compute_ms:.1f} ms")
            print(f"competition_plain_group_by: {plain_ms:.1f} ms")
            print(f"competition_results_ratio: {compute_ms / plain_ms:.2f} x")
        print(_save_mark(app, sample))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
