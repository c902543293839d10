"""Named craftsmen in bulk for the deployment smoke test's batch figures: ``count`` titles in
each of ``cycles`` new selection cycles (one cycle per timed batch), inserted in bulk into
the configured database (run with the deployment's environment)."""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.common import bulk_insert  # noqa: E402
from core import create_app, crypto, demo  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise  # noqa: E402
from core.people.models import SkillLevel, Worker  # noqa: E402
from craftsmen.models import CraftsmanTitle, CycleOccupation, Nomination, NominationState  # noqa: E402
from craftsmen.services import cycles as cycle_services  # noqa: E402


def seed(count: int, cycles: int) -> list[int]:
    rng = random.Random(16)
    enterprises = db.session.execute(select(Enterprise.id, Enterprise.name)).all()
    used = set(db.session.scalars(select(Worker.id_number_hash)))
    cycle_ids = []
    for n in range(cycles):
        cycle = cycle_services.create_cycle(cycle_services.CycleData(
            title=f"部署验证选树（第{n + 1}组）", level="city", year=2019 + n,
            nomination_opens=datetime(2019 + n, 3, 1), nomination_closes=datetime(2019 + n, 5, 1),
            organizer_union_id=None, occupations=[cycle_services.OccupationData("钳工", count)]), by=None)
        cycle.status = "closed"
        db.session.flush()
        occupation = db.session.scalar(select(CycleOccupation).where(CycleOccupation.cycle_id == cycle.id))
        workers = []
        for _ in range(count):
            male = rng.random() < 0.7
            birth = date(1970, 1, 1) + timedelta(days=rng.randrange(0, 365 * 30))
            number = demo.make_id_number(rng, "110105", birth, male)
            while crypto.lookup_hash(number) in used:
                birth += timedelta(days=1)
                number = demo.make_id_number(rng, "110105", birth, male)
            used.add(crypto.lookup_hash(number))
            enterprise_id, _name = rng.choice(enterprises)
            workers.append({
                "name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_MALE if male else demo.GIVEN_FEMALE),
                "gender": "male" if male else "female", "id_number_encrypted": crypto.encrypt(number),
                "id_number_hash": crypto.lookup_hash(number),
                "id_number_masked": number[:6] + "********" + number[-4:], "birth_date": birth,
                "mobile": "13900000000", "enterprise_id": enterprise_id, "occupation": "钳工",
                "skill_level": SkillLevel.LEVEL_1.value, "years_in_occupation": 10, "version": 1})
        worker_ids = bulk_insert(Worker, workers)
        nominations = bulk_insert(Nomination, [{
            "cycle_id": cycle.id, "occupation_id": occupation.id, "worker_id": worker_id,
            "enterprise_id": row["enterprise_id"], "state": NominationState.NAMED.value,
            "statement": "长期扎根生产一线。", "version": 1, "submitted_at": datetime(cycle.year, 4, 1)}
            for worker_id, row in zip(worker_ids, workers, strict=True)])
        names = dict(enterprises)
        bulk_insert(CraftsmanTitle, [{
            "nomination_id": nomination_id, "worker_id": worker_id, "cycle_id": cycle.id,
            "name": row["name"], "title": "北京大工匠", "level": "city", "year": cycle.year,
            "occupation": "钳工", "enterprise_name": names[row["enterprise_id"]], "district": "朝阳区",
            "named_on": date(cycle.year, 9, 1), "revoke_reason": ""}
            for nomination_id, worker_id, row in zip(nominations, worker_ids, workers, strict=True)],
            returning=False)
        cycle_ids.append(cycle.id)
    db.session.commit()
    return cycle_ids


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(" ".join(map(str, seed(int(sys.argv[1]), int(sys.argv[2])))))
