"""The proposed list of a competition-road cycle: 30 occupations decided by competition, each
with 200 challengers in the talent pool, 3 seed players and 6 advancing challengers whose
final results are published.

Loads the data with bulk inserts, then times generating the proposed list of every occupation
(as the administrator does before the 公示; rolled back after each run) and prints one figure a
line as ``name: value unit``. SQLite by default; ``BENCH_DATABASE_URL`` runs it on PostgreSQL
in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.common import bulk_insert, database, medians_ms  # noqa: E402
from competitions.models import Competition, Contestant, Event, Result  # noqa: E402
from core import create_app, crypto, demo  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise  # noqa: E402
from core.people.models import SkillLevel, Worker  # noqa: E402
from craftsmen.models import CraftsmanLevel, CycleOccupation, Nomination, SelectionCycle  # noqa: E402
from craftsmen.selection_route import services as route  # noqa: E402
from craftsmen.selection_route.models import Challenger, OccupationRoute, SeedPlayer  # noqa: E402
from craftsmen.services import cycles  # noqa: E402

OCCUPATIONS = 30
CHALLENGERS = 200
SEEDS = 3
ADVANCING = 6
QUOTA = 2
REPEAT = 5


def _workers(rng: random.Random, count: int, enterprises: list[int]) -> list[int]:
    used: set[str] = set()
    rows = []
    for _ in range(count):
        birth = date(1970, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
        number = demo.make_id_number(rng, "110105", birth, True)
        while number in used:
            number = demo.make_id_number(rng, "110105", birth, True)
        used.add(number)
        rows.append({"name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_MALE), "gender": "male",
                     "id_number_encrypted": crypto.encrypt(number), "id_number_hash": crypto.lookup_hash(number),
                     "id_number_masked": number[:6] + "********" + number[-4:], "birth_date": birth,
                     "mobile": f"139{rng.randint(0, 99_999_999):08d}", "enterprise_id": rng.choice(enterprises),
                     "occupation": "钳工", "skill_level": SkillLevel.LEVEL_1.value, "years_in_occupation": 10,
                     "version": 1})
    return bulk_insert(Worker, rows)


def load(rng: random.Random) -> int:
    """The cycle in review with its 30 occupations' finals published; returns the cycle id."""
    demo.load(workers_per_enterprise=1)
    enterprises = list(db.session.scalars(select(Enterprise.id)))
    cycle = cycles.create_cycle(cycles.CycleData(
        title="第五届北京大工匠选树（基准）", level=CraftsmanLevel.CITY.value, year=2027,
        nomination_opens=datetime(2027, 3, 1), nomination_closes=datetime(2027, 5, 1),
        occupations=[cycles.OccupationData(f"工种{n + 1:02d}", QUOTA, method="competition")
                     for n in range(OCCUPATIONS)]), by=None)
    cycle.status = "reviewing"
    db.session.flush()
    competition = Competition(title="第五届北京大工匠选树（基准）·终极挑战赛", year=2027)
    db.session.add(competition)
    db.session.flush()
    per_occupation = CHALLENGERS + SEEDS
    worker_ids = _workers(rng, OCCUPATIONS * per_occupation, enterprises)
    enterprise_of = dict(db.session.execute(select(Worker.id, Worker.enterprise_id)).all())
    published = datetime(2027, 9, 1, 2)
    for index, occupation in enumerate(cycle.occupations):
        event_id = bulk_insert(Event, [{
            "competition_id": competition.id, "occupation": occupation.name, "venue": "北京市工业技师学院",
            "held_on": date(2027, 8, 30), "registration_opens": datetime(2027, 7, 1),
            "registration_closes": datetime(2027, 8, 1), "state": "published", "published_at": published,
            "scheme_frozen": True, "tie_break_kinds": ["practical"], "version": 1}])[0]
        db.session.add(OccupationRoute(occupation_id=occupation.id, competition_weight=Decimal(100),
                                       panel_weight=Decimal(0), advance_top_n=ADVANCING, final_event_id=event_id,
                                       advanced_at=published))
        mine = worker_ids[index * per_occupation:(index + 1) * per_occupation]
        nomination_ids = bulk_insert(Nomination, [{
            "cycle_id": cycle.id, "occupation_id": occupation.id, "worker_id": w, "enterprise_id": enterprise_of[w],
            "state": "qualified", "statement": "", "decision_note": "", "selection_basis": "", "version": 1}
            for w in mine])
        pairs = list(zip(mine, nomination_ids, strict=True))
        seeds, challengers = pairs[:SEEDS], pairs[SEEDS:]
        bulk_insert(SeedPlayer, [{"occupation_id": occupation.id, "nomination_id": n, "reason": "专家委员会选定"}
                                 for _, n in seeds], returning=False)
        bulk_insert(Challenger, [{"occupation_id": occupation.id, "worker_id": w, "enterprise_id": enterprise_of[w],
                                  "nomination_id": n, "advanced": i < ADVANCING, "qualifier_rank": i + 1,
                                  "qualifier_total": Decimal(90 - i * Decimal("0.2"))}
                                 for i, (w, n) in enumerate(challengers)], returning=False)
        finalists = [w for w, _ in seeds] + [w for w, _ in challengers[:ADVANCING]]
        contestant_ids = bulk_insert(Contestant, [{
            "event_id": event_id, "worker_id": w, "enterprise_id": enterprise_of[w], "status": "checked_in",
            "source": "import", "blind_number": f"F{n:03d}", "station": f"S{n:02d}", "version": 1}
            for n, w in enumerate(finalists, start=1)])
        totals = sorted((Decimal(rng.randint(6000, 9800)) / 100 for _ in finalists), reverse=True)
        bulk_insert(Result, [{"event_id": event_id, "contestant_id": c, "total": t, "module_totals": {},
                              "rank": n, "published_at": published}
                             for n, (c, t) in enumerate(zip(contestant_ids, totals, strict=True), start=1)],
                    returning=False)
    db.session.commit()
    return cycle.id


def main() -> None:
    with database("bench_route") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            cycle_id = load(random.Random(11))
            load_s = time.perf_counter() - start
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            pool = db.session.scalar(select(sa.func.count()).select_from(Nomination))

            def generate():
                cycle = db.session.get(SelectionCycle, cycle_id)
                for occupation in db.session.scalars(select(CycleOccupation).where(
                        CycleOccupation.cycle_id == cycle.id)):
                    route.generate_list(occupation, by=admin)
                db.session.flush()
                proposed = db.session.scalar(select(sa.func.count()).select_from(Nomination).where(
                    Nomination.cycle_id == cycle_id, Nomination.state == "proposed"))
                assert proposed == OCCUPATIONS * QUOTA, proposed
                db.session.rollback()

            wall, cpu = medians_ms(generate, REPEAT)
        print(f"# bench_route on {backend}", file=sys.stderr)
        print(f"route_occupations: {OCCUPATIONS} occupations")
        print(f"route_talent_pool: {pool} nominations")
        print(f"bulk_load_time: {load_s:.1f} s")
        print(f"proposed_list_30_occupations_200_challengers: {wall:.0f} ms")
        print(f"proposed_list_30_occupations_200_challengers_cpu: {cpu:.0f} ms")


if __name__ == "__main__":
    main()
