"""Every list page at two sizes on PostgreSQL: a small city and Beijing.

The large size is the one the product is built for: 100,000 craftsman titles beside a talent
pool of 500,000 nominations, 1,000,000 worker records, 10,000 studios with 200,000
achievements, ten years of selection cycles with their notices and of competitions with their
published events, and an audit log of
10,000,000 entries (``BENCH_SCALE_AUDIT_ENTRIES`` sets a smaller log on a slow machine;
``BENCH_SCALE_FRACTION`` scales every size down, for a quick look). The small size is a
hundredth of it. ``BENCH_SCALE_PAGES`` (names separated by commas, e.g.
``registry_filtered,registry_first_page``) times only those pages. Rows are bulk-loaded with
COPY into tables whose secondary indexes are built after the load, then analysed as
autovacuum would.

For each page it prints the median of ``REPEAT`` requests at each size and the growth factor,
and the app's own CPU time at the large size (the rest is the database and waiting), as
``name: value unit`` lines; the goal is under 50 ms at the large size and under 2x growth.
Needs ``BENCH_DATABASE_URL`` (PostgreSQL): without it it says so and does nothing. Each size
is loaded into a schema of its own, dropped at the end.
"""

from __future__ import annotations

import functools
import io
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.schema import CreateIndex, DropIndex  # noqa: E402

from bench.common import database, log_in, medians_ms  # noqa: E402
from competitions.models import Competition, Event, EventState  # noqa: E402
from core import collation, create_app, crypto, demo  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.audit.models import AuditEntry  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise, Union, UnionKind  # noqa: E402
from core.people.models import Worker  # noqa: E402
from core.people.services import find_by_id_number  # noqa: E402
from core.search_indexes import GRAMS_COLUMN  # noqa: E402
from craftsmen.models import (  # noqa: E402
    CraftsmanTitle,
    CycleOccupation,
    Nomination,
    NominationState,
    PublicNotice,
    SelectionCycle,
)
from innovation_studios.achievements.models import Achievement  # noqa: E402
from innovation_studios.studios.models import Studio  # noqa: E402

REPEAT = 15
#: Every large size times this (``BENCH_SCALE_FRACTION=0.1``: a tenth, loaded in a minute).
FRACTION = float(os.environ.get("BENCH_SCALE_FRACTION", 1))
LARGE = {name: int(n * FRACTION) for name, n in {
    "titles": 100_000, "pool": 500_000, "workers": 1_000_000, "enterprises": 20_000,
    "studios": 10_000, "achievements": 200_000,
    "audit": int(os.environ.get("BENCH_SCALE_AUDIT_ENTRIES", 10_000_000))}.items()}
SMALL = {name: max(n // 100, 10) for name, n in LARGE.items()}
YEARS = range(2016, 2026)  # ten years of cycles: the city's and three districts' each year

OCCUPATIONS = [
    "钳工", "焊工", "数控车工", "数控铣工", "电工", "铣工", "车工", "管道工", "钢筋工", "砌筑工",
    "混凝土工", "架子工", "测量放线工", "汽车维修工", "电动列车司机", "信号工", "锅炉运行值班员",
    "化工总控工", "化学检验员", "仪表维修工", "中式烹调师", "中式面点师", "电子设备装接工",
    "计算机网络管理员", "物流服务师", "仪器仪表装调工", "水处理工", "园林绿化工", "模具工", "装配钳工",
]
ACTIONS = ["worker.create", "worker.update", "nomination.create", "nomination.submit",
           "nomination.qualify", "mark.save", "studio.update", "achievement.create",
           "certificate.issue", "account.login"]
#: The pages to time (names from :func:`pages`), all when empty.
PAGES = [name.strip() for name in os.environ.get("BENCH_SCALE_PAGES", "").split(",") if name.strip()]
BIG_TABLES = [Enterprise, Worker, Nomination, CraftsmanTitle, Studio, Achievement, AuditEntry]


def _text(value) -> str:
    """One COPY text-format field."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(model, columns: list[str], rows, chunk: int = 50_000) -> None:
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table."""
    raw = db.session.connection().connection.driver_connection
    statement = f'COPY {model.__tablename__} ({", ".join(columns)}) FROM STDIN'
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        buffer = io.StringIO()
        for n, row in enumerate(rows, 1):
            buffer.write("\t".join(_text(v) for v in row))
            buffer.write("\n")
            if n % chunk == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


@functools.cache
def name_keys(name: str) -> tuple[str, str]:
    """The stored sort keys of a name (pinyin, strokes), as the models compute them."""
    return collation.pinyin_key(name), collation.stroke_key(name)


def drop_secondary_indexes() -> list:
    """Drop the big tables' secondary indexes, the grams' GIN indexes among them (rebuilt after
    the load: much faster); returns what rebuilds them."""
    dropped = []
    for model in BIG_TABLES:
        for index in model.__table__.indexes:
            if not index.unique:
                db.session.execute(DropIndex(index))
                dropped.append(CreateIndex(index))
        grams_index = f"ix_{model.__tablename__}_{GRAMS_COLUMN}"
        definition = db.session.scalar(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"
                                               " AND schemaname = current_schema()"), {"name": grams_index})
        if definition:
            db.session.execute(sa.text(f"DROP INDEX {grams_index}"))
            dropped.append(sa.text(definition))
    return dropped


def load(size: dict, rng: random.Random) -> dict:
    """Organisations and users (the demo's), then every big table by COPY."""
    demo.load(workers_per_enterprise=1)
    db.session.commit()
    db.session.execute(sa.text("SET maintenance_work_mem = '256MB'"))
    dropped = drop_secondary_indexes()
    districts = list(db.session.scalars(select(Union).where(Union.kind == UnionKind.DISTRICT)))

    start_enterprise = db.session.scalar(select(sa.func.max(Enterprise.id))) + 1
    copy_rows(Enterprise, ["id", "name", "uscc", "district_union_id", "address", "contact_name",
                           "contact_phone", "created_at", "updated_at", "version"],
              ((start_enterprise + n,
                f"北京{districts[n % len(districts)].name.removesuffix('总工会')}第{n + 1}精密制造有限公司",
                f"91110{n:013d}", districts[n % len(districts)].id, "", "", "", datetime(2020, 1, 1),
                datetime(2020, 1, 1), 1) for n in range(size["enterprises"])))
    enterprise_ids = list(range(start_enterprise, start_enterprise + size["enterprises"]))

    token = crypto.encrypt("110105198001010011")  # list pages show the masked number only
    start_worker = db.session.scalar(select(sa.func.max(Worker.id))) + 1
    worker_names = [rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_MALE + demo.GIVEN_FEMALE)
                    for _ in range(5_000)]

    def workers():
        for n in range(size["workers"]):
            number = f"110105{n:012d}"
            yield (start_worker + n, worker_names[n % len(worker_names)], "male", token,
                   crypto.lookup_hash(number), number[:6] + "********" + number[-4:],
                   date(1970 + n % 30, 1 + n % 12, 1 + n % 28), "13900000000",
                   enterprise_ids[(n * 7919) % len(enterprise_ids)], OCCUPATIONS[n % len(OCCUPATIONS)],
                   "", "level_3", 10, True, True, "", datetime(2020, 1, 1), datetime(2020, 1, 1), 1)

    copy_rows(Worker, ["id", "name", "gender", "id_number_encrypted", "id_number_hash",
                       "id_number_masked", "birth_date", "mobile", "enterprise_id", "occupation",
                       "occupation_code", "skill_level", "years_in_occupation", "is_front_line",
                       "in_post", "honors", "created_at", "updated_at", "version"], workers())

    # Ten years of cycles (city and three districts), their occupations and notices.
    organizers = [(None, "city", "北京大工匠")] + [(d, "district", d.name.removesuffix("总工会") + "工匠")
                                                for d in districts[:3]]
    cycles, occupations = [], {}
    for year in YEARS:
        for organizer, level, title in organizers:
            cycle = SelectionCycle(title=f"{year}年{title}选树", level=level, year=year,
                                   status="closed", rubric={}, organizer_union_id=organizer.id if organizer else None,
                                   nomination_opens=datetime(year, 3, 1), nomination_closes=datetime(year, 5, 1))
            db.session.add(cycle)
            db.session.flush()
            occupations[cycle.id] = []
            for name in OCCUPATIONS:
                occupation = CycleOccupation(cycle_id=cycle.id, name=name, quota=10)
                db.session.add(occupation)
                occupations[cycle.id].append(occupation)
            db.session.add(PublicNotice(cycle_id=cycle.id, starts_on=date(year, 8, 1),
                                        ends_on=date(year, 8, 10), text="公示"))
            cycles.append(cycle)
    db.session.flush()

    # Ten years of the city's skills competition, an event per occupation, results published.
    for year in YEARS:
        competition = Competition(title=f"{year}年北京市职工职业技能大赛", year=year)
        db.session.add(competition)
        for n, name in enumerate(OCCUPATIONS):
            held = datetime(year, 6, 1 + n % 28)
            db.session.add(Event(competition=competition, occupation=name, venue="北京市职工技能培训基地",
                                 held_on=held.date(), registration_opens=held - timedelta(days=60),
                                 registration_closes=held - timedelta(days=30),
                                 state=EventState.PUBLISHED.value, published_at=held + timedelta(days=3)))
    db.session.flush()

    # Nominations: every title's, then the talent pool; one worker each.
    pool_states = [NominationState.QUALIFIED.value, NominationState.NOT_PROPOSED.value,
                   NominationState.REJECTED.value]
    nomination_count = size["titles"] + size["pool"]
    start_nomination = (db.session.scalar(select(sa.func.max(Nomination.id))) or 0) + 1

    def nomination(n):
        cycle = cycles[n % len(cycles)]
        occupation = occupations[cycle.id][(n // len(cycles)) % len(OCCUPATIONS)]
        worker_id = start_worker + n
        enterprise_id = enterprise_ids[(n * 7919) % len(enterprise_ids)]
        return cycle, occupation, worker_id, enterprise_id

    def nominations():
        for n in range(nomination_count):
            cycle, occupation, worker_id, enterprise_id = nomination(n)
            state = NominationState.NAMED.value if n < size["titles"] else pool_states[n % 3]
            yield (start_nomination + n, cycle.id, occupation.id, worker_id, enterprise_id, state,
                   "", "", "", datetime(cycle.year, 4, 1), datetime(cycle.year, 5, 1),
                   datetime(cycle.year, 3, 1), datetime(cycle.year, 5, 1), 1)

    copy_rows(Nomination, ["id", "cycle_id", "occupation_id", "worker_id", "enterprise_id", "state",
                           "statement", "decision_note", "selection_basis", "submitted_at", "qualified_at",
                           "created_at", "updated_at", "version"], nominations())
    enterprise_names = dict(db.session.execute(select(Enterprise.id, Enterprise.name)).all())
    district_names = [d.name.removesuffix("总工会") for d in districts]
    start_title = (db.session.scalar(select(sa.func.max(CraftsmanTitle.id))) or 0) + 1
    start_studio = (db.session.scalar(select(sa.func.max(Studio.id))) or 0) + 1

    def titles():
        for n in range(size["titles"]):
            cycle, occupation, worker_id, enterprise_id = nomination(n)
            district = district_names[(enterprise_id - start_enterprise) % len(districts)]
            name = worker_names[n % len(worker_names)]
            yield (start_title + n, start_nomination + n, worker_id, cycle.id, name, *name_keys(name),
                   "北京大工匠" if cycle.level == "city" else "区级工匠", cycle.level, cycle.year,
                   occupation.name, enterprise_names[enterprise_id], district,
                   date(cycle.year, 9, 1), date(cycle.year + 1, 1, 1) if n % 500 == 0 else None, "", "")

    copy_rows(CraftsmanTitle, ["id", "nomination_id", "worker_id", "cycle_id", "name", "name_pinyin",
                               "name_strokes", "title", "level",
                               "year", "occupation", "enterprise_name", "district", "named_on",
                               "revoked_on", "revoke_reason", "selection_basis"], titles())

    def studios():
        for n in range(size["studios"]):
            year = YEARS[n % len(YEARS)]
            name = f"{OCCUPATIONS[n % 30]}创新工作室{n}"
            yield (start_studio + n, f"BJCX-{year}-{n:05d}", name, *name_keys(name), "model_worker",
                   "city", "city", enterprise_ids[n % len(enterprise_ids)], start_worker + n, "",
                   "", "", "", "", "", "named", "", datetime(year, 3, 1), year,
                   date(year, 6, 1 + n % 28), "", datetime(year, 1, 1), datetime(year, 1, 1), 1)

    copy_rows(Studio, ["id", "number", "name", "name_pinyin", "name_strokes", "kind", "level_sought",
                       "level", "enterprise_id", "leader_worker_id", "field", "industry", "space_equipment",
                       "management_rules",
                       "plan", "funding_note", "state", "decision_note", "submitted_at", "applied_year",
                       "named_on", "delist_reason", "created_at", "updated_at", "version"], studios())
    copy_rows(Achievement, ["studio_id", "kind", "title", "achieved_on", "issuer", "description",
                            "created_at", "updated_at", "version"],
              ((start_studio + n % size["studios"], "innovation", f"技术革新第{n}项",
                date(YEARS[n % 10], 1 + n % 12, 1), "", "", datetime(2020, 1, 1), datetime(2020, 1, 1), 1)
               for n in range(size["achievements"])))

    users = list(db.session.scalars(select(User)))
    first_audit = db.session.scalar(select(sa.func.max(AuditEntry.id))) + 1
    start = datetime(2016, 1, 1)
    seconds = 10 * 365 * 86400 // max(size["audit"], 1)
    copy_rows(AuditEntry, ["id", "created_at", "actor_id", "actor_name", "action", "target_type",
                           "target_id", "target_label", "changes"],
              ((first_audit + n, start + timedelta(seconds=n * seconds), users[n % len(users)].id,
                users[n % len(users)].username, ACTIONS[n % len(ACTIONS)] if n % 10_000 else "account.disable",
                "Worker", n % 100_000, "", "{}") for n in range(size["audit"])))

    for table in ("enterprises", "workers", "nominations", "craftsman_titles", "studios",
                  "studio_achievements", "audit_entries"):
        sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        db.session.execute(sa.text(sql))
    for statement in dropped:
        db.session.execute(statement)
    db.session.commit()
    middle = first_audit + size["audit"] // 2
    return {"audit_middle": middle, "enterprise_id": enterprise_ids[0],
            "number": f"110105{size['workers'] // 2:012d}", "studio_id": start_studio + size["studios"] // 2}


def pages(sample: dict) -> dict[str, tuple[str, str]]:
    """name: (user or None, path)."""
    return {
        "registry_first_page": (None, "/registry"),
        "registry_page_40": (None, "/registry?page=40"),
        "registry_filtered": (None, "/registry?" + urlencode({"level": "district", "year": 2023,
                                                               "district": "朝阳区"})),
        "registry_occupation": (None, "/registry?" + urlencode({"occupation": "焊工"})),
        "registry_search_surname": (None, "/registry?q=王"),
        "registry_search_two_characters": (None, "/registry?" + urlencode({"q": "焊工"})),
        "registry_search_words": (None, "/registry?" + urlencode({"q": "第17精密"})),
        "talent_pool_first_page": ("admin", "/craftsmen/nominations/talent-pool"),
        "talent_pool_page_40": ("admin", "/craftsmen/nominations/talent-pool?page=40"),
        "talent_pool_search_surname": ("admin", "/craftsmen/nominations/talent-pool?q=王"),
        "talent_pool_search_two_characters": ("admin", "/craftsmen/nominations/talent-pool?"
                                              + urlencode({"q": "建华"})),
        "notices_first_page": (None, "/notices"),
        "studio_directory_first_page": (None, "/studio-directory/"),
        "studio_directory_search": (None, "/studio-directory/?q=焊工创新"),
        "studio_page": (None, f"/studio-directory/{sample['studio_id']}"),
        "competition_results_list": (None, "/competition-results"),
        "workers_admin_first_page": ("admin", "/workers/"),
        "workers_enterprise_first_page": ("enterprise", "/workers/"),
        "workers_admin_page_40": ("admin", "/workers/?page=40"),
        "workers_search": ("admin", "/workers/?" + urlencode({"q": "第123精密"})),
        "workers_search_surname": ("admin", "/workers/?q=王"),
        "workers_search_two_characters": ("admin", "/workers/?" + urlencode({"q": "建华"})),
        "audit_first_page": ("admin", "/admin/audit/"),
        "audit_deep_page": ("admin", f"/admin/audit/?before={sample['audit_middle']}"),
        "audit_rare_action": ("admin", "/admin/audit/?action=account.disable"),
        "audit_object": ("admin", "/admin/audit/?target_type=Worker&target_id=4242"),
        "audit_actor": ("admin", "/admin/audit/?actor=expert"),
        "audit_actor_part_of_name": ("admin", "/admin/audit/?actor=xper"),
        "audit_date_range": ("admin", "/admin/audit/?since=2019-03-01&until=2019-03-02"),
    }


def prepare(label: str, size: dict, url: str, engine_options: dict):
    """An app on a database loaded at ``size``: (app, sample values, users by name)."""
    app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        sample = load(size, random.Random(19))
        db.session.commit()
        # statistics and visibility map as autovacuum would leave them (and not mid-timing)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        print(f"scale_load_time_{label}: {time.perf_counter() - started:.0f} s", flush=True)
        users = {u.username: u for u in db.session.scalars(select(User))}
        db.session.expunge_all()
    return app, sample, users


def page_timer(app, sample: dict, users: dict, username: str | None, path: str):
    """A function that requests ``path`` as ``username`` once (checked once here)."""
    client = app.test_client()
    if username:
        log_in(client, users[username])
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return lambda: client.get(path)


def lookup_timer(app, sample: dict):
    def look_up():
        with app.app_context():
            assert find_by_id_number(sample["number"]) is not None
            db.session.remove()
    return look_up


def main() -> None:
    if not os.environ.get("BENCH_DATABASE_URL"):
        print("# bench_scale needs PostgreSQL: set BENCH_DATABASE_URL=postgresql://... to run it",
              file=sys.stderr)
        return
    unknown = set(PAGES) - set(pages({"audit_middle": 0, "studio_id": 0})) - {"worker_id_number_lookup"}
    if unknown:
        sys.exit(f"bench_scale: no such page: {', '.join(sorted(unknown))}")
    print(f"scale_small_size: {SMALL['titles']} titles, {SMALL['workers']} workers, "
          f"{SMALL['audit']} audit entries")
    print(f"scale_large_size: {LARGE['titles']} titles, {LARGE['workers']} workers, "
          f"{LARGE['audit']} audit entries", flush=True)
    with database("bench_scale_small") as (_b, small_url, small_options), \
            database("bench_scale_large") as (_b2, large_url, large_options):
        small = prepare("small", SMALL, small_url, small_options)
        large = prepare("large", LARGE, large_url, large_options)
        # The two sizes are timed page by page, one after the other, so that whatever else the
        # machine is doing weighs on both alike.
        for name, (username, path) in pages(small[1]).items():
            if PAGES and name not in PAGES:
                continue
            small_ms = medians_ms(page_timer(*small, username, path), REPEAT)
            large_path = pages(large[1])[name][1]
            large_ms = medians_ms(page_timer(*large, username, large_path), REPEAT)
            report(name, small_ms, large_ms)
        if not PAGES or "worker_id_number_lookup" in PAGES:
            report("worker_id_number_lookup", medians_ms(lookup_timer(small[0], small[1]), REPEAT),
                   medians_ms(lookup_timer(large[0], large[1]), REPEAT))
        for app in (small[0], large[0]):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def report(name: str, small: tuple[float, float], large: tuple[float, float]) -> None:
    """Median wall-clock ms at each size and the growth; then the app's own CPU ms at the large
    size, which tells the app's share from the database's (and from a busy machine's)."""
    (small_ms, _), (large_ms, large_cpu) = small, large
    print(f"{name}_small: {small_ms:.1f} ms")
    print(f"{name}_large: {large_ms:.1f} ms")
    print(f"{name}_growth: {large_ms / small_ms:.2f} x")
    print(f"{name}_large_app_cpu: {large_cpu:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
