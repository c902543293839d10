"""The public craftsman registry (名录) at the plan's scale: 2,000 named craftsmen beside a
talent pool of 10,000 nominations.

Loads the data with bulk inserts (not through the services, which audit every row), then
requests the registry pages through the app as an anonymous visitor and prints one figure a
line as ``name: value unit``. Runs on a temporary SQLite database by default; with
``BENCH_DATABASE_URL`` set it runs on that PostgreSQL database, inside a schema of its own
that it drops at the end (the database's other contents are not touched).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.common import bulk_insert, database, median_ms  # noqa: E402
from core import create_app, crypto, demo  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise, Union, UnionKind  # noqa: E402
from core.people.models import SkillLevel, Worker  # noqa: E402
from craftsmen.models import (  # noqa: E402
    AchievementKind,
    CraftsmanLevel,
    CraftsmanTitle,
    CycleOccupation,
    Nomination,
    NominationAchievement,
    NominationState,
)
from craftsmen.services import cycles  # noqa: E402

NAMED = 2_000
POOL = 10_000
EXTRA_ENTERPRISES = 180
REPEAT = 50

OCCUPATIONS = [
    "钳工", "焊工", "数控车工", "数控铣工", "电工", "铣工", "车工", "管道工", "钢筋工", "砌筑工",
    "混凝土工", "架子工", "测量放线工", "汽车维修工", "电动列车司机", "信号工", "锅炉运行值班员",
    "化工总控工", "化学检验员", "仪表维修工", "中式烹调师", "中式面点师", "电子设备装接工",
    "计算机网络管理员", "物流服务师", "仪器仪表装调工", "水处理工", "园林绿化工", "模具工", "装配钳工",
]

#: (title, level, year, organizer district or None): editions of the city and two districts.
CYCLES = [
    ("2018年北京大工匠选树", CraftsmanLevel.CITY, 2018, None),
    ("2021年北京大工匠选树", CraftsmanLevel.CITY, 2021, None),
    ("2023年北京大工匠选树", CraftsmanLevel.CITY, 2023, None),
    ("2025年北京大工匠选树", CraftsmanLevel.CITY, 2025, None),
    ("2022年朝阳工匠选树", CraftsmanLevel.DISTRICT, 2022, "朝阳区"),
    ("2024年朝阳工匠选树", CraftsmanLevel.DISTRICT, 2024, "朝阳区"),
    ("2022年海淀工匠选树", CraftsmanLevel.DISTRICT, 2022, "海淀区"),
    ("2024年海淀工匠选树", CraftsmanLevel.DISTRICT, 2024, "海淀区"),
]
POOL_STATES = [NominationState.QUALIFIED, NominationState.NOT_PROPOSED, NominationState.REJECTED,
               NominationState.WITHDRAWN]


def load(rng: random.Random, *, base: bool = True) -> dict:
    """Organisations, 12,000 workers, 8 cycles, 12,000 nominations, 2,000 titles (``base``:
    with the demo's unions, enterprises and accounts first; False when they are loaded)."""
    if base:
        demo.load(workers_per_enterprise=1)
    districts = {u.name.removesuffix("总工会"): u for u in db.session.scalars(
        select(Union).where(Union.kind == UnionKind.DISTRICT))}
    district_list = list(districts.values())
    known = set(db.session.scalars(select(Enterprise.uscc)))
    enterprise_rows = []
    for n in range(EXTRA_ENTERPRISES):
        district = rng.choice(district_list)
        uscc = demo.make_uscc(rng, district.region_code)
        while uscc in known:
            uscc = demo.make_uscc(rng, district.region_code)
        known.add(uscc)
        enterprise_rows.append({"name": f"北京{district.name.removesuffix('总工会')}第{n + 1}精密制造有限公司",
                                "uscc": uscc, "district_union_id": district.id, "version": 1})
    bulk_insert(Enterprise, enterprise_rows)
    enterprises = db.session.execute(select(Enterprise.id, Enterprise.name, Union.name)
                                     .join(Union, Union.id == Enterprise.district_union_id)).all()

    used: set[str] = set()
    worker_rows = []
    for _ in range(NAMED + POOL):
        male = rng.random() < 0.75
        birth = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 36))
        number = demo.make_id_number(rng, "110105", birth, male)
        while number in used:
            number = demo.make_id_number(rng, "110105", birth, male)
        used.add(number)
        enterprise = rng.choice(enterprises)
        worker_rows.append({
            "name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_MALE if male else demo.GIVEN_FEMALE),
            "gender": "male" if male else "female", "id_number_encrypted": crypto.encrypt(number),
            "id_number_hash": crypto.lookup_hash(number), "id_number_masked": number[:6] + "********" + number[-4:],
            "birth_date": birth, "mobile": f"139{rng.randint(0, 99_999_999):08d}",
            "enterprise_id": enterprise.id, "occupation": rng.choice(OCCUPATIONS),
            "skill_level": SkillLevel.LEVEL_1.value, "years_in_occupation": rng.randint(5, 30),
            "version": 1})
    worker_ids = bulk_insert(Worker, worker_rows)
    enterprise_of = {w: row["enterprise_id"] for w, row in zip(worker_ids, worker_rows, strict=True)}
    name_of = {w: row["name"] for w, row in zip(worker_ids, worker_rows, strict=True)}
    enterprise_names = {eid: (name, district) for eid, name, district in enterprises}

    cycle_rows = []
    for title, level, year, district in CYCLES:
        cycle = cycles.create_cycle(cycles.CycleData(
            title=title, level=level.value, year=year,
            nomination_opens=datetime(year, 3, 1), nomination_closes=datetime(year, 5, 1),
            organizer_union_id=districts[district].id if district else None,
            occupations=[cycles.OccupationData(o, 10) for o in OCCUPATIONS]), by=None)
        cycle.status = "closed"
        cycle_rows.append(cycle)
    db.session.flush()
    occupations = {c.id: db.session.scalars(select(CycleOccupation).where(
        CycleOccupation.cycle_id == c.id)).all() for c in cycle_rows}

    nomination_rows = []
    for index, worker_id in enumerate(worker_ids):
        cycle = cycle_rows[index % len(cycle_rows)]
        occupation = rng.choice(occupations[cycle.id])
        state = NominationState.NAMED if index < NAMED else rng.choice(POOL_STATES)
        nomination_rows.append({
            "cycle_id": cycle.id, "occupation_id": occupation.id, "worker_id": worker_id,
            "enterprise_id": enterprise_of[worker_id], "state": state.value,
            "statement": "长期扎根生产一线，攻克多项技术难题。", "version": 1,
            "submitted_at": datetime(cycle.year, 4, 1), "_cycle": cycle, "_occupation": occupation})
    nomination_ids = bulk_insert(Nomination, [{k: v for k, v in r.items() if not k.startswith("_")}
                                        for r in nomination_rows])

    title_rows, achievement_rows = [], []
    for nomination_id, row in zip(nomination_ids[:NAMED], nomination_rows[:NAMED], strict=True):
        cycle, worker_id = row["_cycle"], row["worker_id"]
        enterprise_name, district = enterprise_names[row["enterprise_id"]]
        title_rows.append({
            "nomination_id": nomination_id, "worker_id": worker_id, "cycle_id": cycle.id,
            "name": name_of[worker_id], "title": "北京大工匠" if cycle.level == "city" else "区级工匠",
            "level": cycle.level, "year": cycle.year, "occupation": row["_occupation"].name,
            "enterprise_name": enterprise_name, "district": district,
            "named_on": date(cycle.year, 9, 1), "revoke_reason": ""})
        for n, publishable in enumerate((True, True, False)):
            achievement_rows.append({
                "nomination_id": nomination_id, "kind": AchievementKind.COMPETITION.value,
                "title": f"北京市职工职业技能大赛第{n + 1}名", "achieved_on": date(cycle.year - 1 - n, 10, 1),
                "description": "在全市决赛中获得优异成绩。", "publishable": publishable})
    title_ids = bulk_insert(CraftsmanTitle, title_rows)
    bulk_insert(NominationAchievement, achievement_rows)
    db.session.commit()
    sample = db.session.get(CraftsmanTitle, title_ids[len(title_ids) // 2])
    return {"title_id": sample.id, "year": sample.year, "district": sample.district,
            "occupation": sample.occupation, "surname": sample.name[0]}


def main() -> None:
    with database("bench_registry") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            sample = load(random.Random(7))
            load_s = time.perf_counter() - start
            db.session.execute(sa.text("ANALYZE"))  # planner statistics, as autovacuum keeps them
            db.session.commit()
            titles = db.session.scalar(select(sa.func.count()).select_from(CraftsmanTitle))
            pool = db.session.scalar(select(sa.func.count()).select_from(Nomination).where(
                Nomination.state != NominationState.NAMED.value))
            engine = db.engine
        print(f"# bench_registry on {backend}", file=sys.stderr)
        print(f"registry_titles_loaded: {titles} titles")
        print(f"talent_pool_loaded: {pool} nominations")
        print(f"bulk_load_time: {load_s:.1f} s")

        filtered = "/registry?" + urlencode({"level": "city", "year": sample["year"],
                                             "district": sample["district"]})
        pages = {
            "registry_first_page": "/registry",
            "registry_filtered_page": filtered,
            "registry_occupation_page": "/registry?" + urlencode({"occupation": sample["occupation"]}),
            "registry_search_page": "/registry?" + urlencode({"q": sample["surname"]}),
            "registry_last_page": "/registry?page=40",
            "registry_detail_page": f"/registry/{sample['title_id']}",
        }
        client = app.test_client()
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        for label, path in pages.items():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if label == "registry_filtered_page":
                assert "没有符合条件的工匠" not in response.get_data(as_text=True)
            print(f"{label}: {median_ms(lambda p=path: client.get(p), REPEAT):.1f} ms")
        event.listen(engine, "before_cursor_execute", count)
        client.get(filtered)
        event.remove(engine, "before_cursor_execute", count)
        print(f"registry_page_queries: {len(statements)} queries")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
