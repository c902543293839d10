"""Competition results and judge analytics at two sizes of an event series, on PostgreSQL.

A series of events, each of 100 contestants marked on 20 aspects by 5 judges (10,000 marks):
1 event at the small size, 100 events (1,000,000 marks) at the large one. The pages people
open for one event of the series are timed at both sizes: the public results page, the
administrators' results page and the judge analytics page (goal: median under 50 ms at the
large size, growth under 2x). Marks are loaded with COPY into a table whose secondary indexes
are built after the load; every event's results are computed by the results service and
published; the tables are vacuumed and analysed as autovacuum would.

Prints ``name: value unit`` lines. Needs ``BENCH_DATABASE_URL`` (PostgreSQL); each size is
loaded into a schema of its own, dropped at the end.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.schema import CreateIndex, DropIndex  # noqa: E402

from bench.common import bulk_insert, database, log_in, medians_ms  # noqa: E402
from bench.judging_data import mark_value  # noqa: E402
from competitions.models import Contestant, Event, JudgeAssignment, Mark  # noqa: E402
from competitions.services import competitions, results, schemes  # noqa: E402
from core import create_app  # noqa: E402
from core.accounts import services as accounts  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise, Union, UnionKind  # noqa: E402
from core.people.models import SkillLevel, Worker  # noqa: E402
from core.roles import Role  # noqa: E402

CONTESTANTS = 100
JUDGES = 5
ENTERPRISES = 50
SIZES = {"small": 1, "large": int(os.environ.get("BENCH_COMPETITION_SCALE_EVENTS", 100))}  # events in the series
REPEAT = 15
SCHEME = [
    ("理论知识", "theory", Decimal(30), [("measurement", Decimal(25))] * 4),
    ("技能操作", "practical", Decimal(70), [("measurement", Decimal(10))] * 8 + [("judgement", Decimal(5))] * 8),
]
PAGES = {"public_results": "/competition-results/{id}", "admin_results": "/competitions/events/{id}/results",
         "judge_analytics": "/competitions/events/{id}/judge-analytics"}


def _people() -> tuple[list[int], list[int], list, User]:
    district = Union(kind=UnionKind.DISTRICT.value, name="朝阳区总工会", region_code="110105")
    db.session.add(district)
    db.session.flush()
    enterprises = bulk_insert(Enterprise, [{"name": f"北京第{n}精密制造有限公司", "uscc": f"BENCH{n:013d}",
                                            "district_union_id": district.id, "version": 1}
                                           for n in range(ENTERPRISES)])
    judges = [accounts.create_account(accounts.AccountData(
        username=f"judge{n}", display_name=f"裁判{n}", roles=[Role.JUDGE.value]), "Bench-password-1", by=None)
        for n in range(JUDGES)]
    admin = accounts.create_account(accounts.AccountData(
        username="admin", display_name="管理员", roles=[Role.ADMIN.value]), "Bench-password-1", by=None)
    return enterprises, judges, admin


def _event(competition, n: int, enterprises: list[int], judges: list) -> tuple[int, list, list[int]]:
    """One event with its scheme, judges and checked-in contestants: (id, aspects, contestants)."""
    now = datetime(2026, 5, 1)
    event = competitions.create_event(competition, competitions.EventData(
        occupation=f"钳工{n}", venue="北京市工业技师学院", held_on=date(2026, 6, 1),
        registration_opens=now, registration_closes=now + timedelta(days=10)), by=None)
    aspects = []
    for module_name, kind, weight, specs in SCHEME:
        module = schemes.add_module(event, schemes.ModuleData(module_name, kind, weight), by=None)
        criterion = schemes.add_criterion(module, f"{module_name}评分", by=None)
        for k, (aspect_kind, max_mark) in enumerate(specs, start=1):
            aspects.append(schemes.add_aspect(criterion, schemes.AspectData(f"细项{k}", aspect_kind, max_mark, None),
                                              by=None))
    event.state = "rechecked"
    event.scheme_frozen = True
    db.session.add_all([JudgeAssignment(event_id=event.id, user_id=j.id, is_chief=k == 0)
                        for k, j in enumerate(judges)])
    workers = bulk_insert(Worker, [{
        "name": f"选手{n}-{k}", "gender": "male", "id_number_encrypted": "-", "id_number_hash": f"bench-{n}-{k}",
        "id_number_masked": "110105********0000", "birth_date": date(1985, 1, 1), "mobile": "13900000000",
        "enterprise_id": enterprises[k % ENTERPRISES], "occupation": "钳工",
        "skill_level": SkillLevel.LEVEL_2.value, "years_in_occupation": 10, "version": 1}
        for k in range(CONTESTANTS)])
    contestants = bulk_insert(Contestant, [{
        "event_id": event.id, "worker_id": w, "enterprise_id": enterprises[k % ENTERPRISES],
        "status": "checked_in", "source": "enterprise", "blind_number": f"B{k:04d}", "station": f"S{k:04d}",
        "version": 1} for k, w in enumerate(workers)])
    return event.id, aspects, contestants


def _copy_marks(rows) -> int:
    """COPY the marks (event, aspect, contestant, judge, value) into their table; returns how many."""
    connection = db.session.connection().connection.driver_connection
    count = 0
    now = datetime(2026, 6, 1, 12)
    with connection.cursor() as cursor, cursor.copy(
            "COPY marks (event_id, aspect_id, contestant_id, judge_id, entry, value, client_key, saved_at, version)"
            " FROM STDIN") as copy:
        for event_id, aspect_id, contestant_id, judge_id, value in rows:
            copy.write_row((event_id, aspect_id, contestant_id, judge_id, 1, value,
                            f"{contestant_id}-{aspect_id}-{judge_id}", now, 1))
            count += 1
    return count


def _marks(rng: random.Random, events: list[tuple[int, list, list[int]]], judges: list):
    for event_id, aspects, contestants in events:
        for contestant_id in contestants:
            skill = rng.random()
            for aspect in aspects:
                for judge in judges:
                    yield event_id, aspect.id, contestant_id, judge.id, mark_value(rng, aspect, skill)


def load(events_in_series: int) -> dict:
    rng = random.Random(7)
    enterprises, judges, admin = _people()
    competition = competitions.create_competition(competitions.CompetitionData("基准测试竞赛系列", 2026), by=None)
    events = [_event(competition, n, enterprises, judges) for n in range(events_in_series)]
    db.session.flush()
    secondary = list(Mark.__table__.indexes)
    for index in secondary:
        db.session.execute(DropIndex(index))
    marks = _copy_marks(_marks(rng, events, judges))
    for index in secondary:
        db.session.execute(CreateIndex(index))
    for event_id, _, _ in events:
        event = db.session.get(Event, event_id)
        results.compute_results(event, by=None, audited=False)
        event.state = "published"
        event.published_at = datetime(2026, 6, 2)
    db.session.commit()
    return {"marks": marks, "event_id": events[len(events) // 2][0], "admin_id": admin.id}


def _time_pages(app, sample: dict) -> dict[str, tuple[float, float]]:
    """Median wall-clock and app CPU ms of each page (the CPU time shows the page's own cost
    when other processes share the machine)."""
    with app.app_context():
        client = log_in(app.test_client(), db.session.get(User, sample["admin_id"]))
    timings = {}
    for name, path in PAGES.items():
        url = path.format(id=sample["event_id"])

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        timings[name] = medians_ms(get, REPEAT)
    return timings


def run_size(size: str) -> tuple[int, dict[str, tuple[float, float]]]:
    with database(f"bench_competition_scale_{size}") as (_backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            sample = load(SIZES[size])
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
            print(f"competition_scale_load_{size}: {time.perf_counter() - start:.1f} s")
        timings = _time_pages(app, sample)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return sample["marks"], timings


def main() -> None:
    if not os.environ.get("BENCH_DATABASE_URL"):
        print("competition_scale: skipped (needs BENCH_DATABASE_URL, a PostgreSQL database)")
        return
    measured = {size: run_size(size) for size in SIZES}
    for size, (marks, _) in measured.items():
        print(f"competition_scale_marks_{size}: {marks} marks")
    for page in PAGES:
        (small, small_cpu), (large, large_cpu) = measured["small"][1][page], measured["large"][1][page]
        print(f"competition_scale_{page}_small: {small:.1f} ms")
        print(f"competition_scale_{page}_large: {large:.1f} ms")
        print(f"competition_scale_{page}_growth: {large / small:.2f} x")
        print(f"competition_scale_{page}_app_cpu_small: {small_cpu:.1f} ms")
        print(f"competition_scale_{page}_app_cpu_large: {large_cpu:.1f} ms")


if __name__ == "__main__":
    main()
