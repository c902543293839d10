"""A scoring event for the mark-saving benchmarks: judges, checked-in contestants with blind
numbers, and a marking scheme of measured aspects, loaded in bulk (no marks yet)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.common import bulk_insert
from competitions.models import Contestant, JudgeAssignment
from competitions.services import competitions, schemes
from core.accounts import services as accounts
from core.extensions import db
from core.organizations.models import Enterprise, Union, UnionKind
from core.people.models import SkillLevel, Worker
from core.roles import Role


def load_people(workers: int, enterprises: int) -> tuple[list[int], list[int]]:
    """A district union, ``enterprises`` enterprises under it and ``workers`` 钳工 spread over
    them, in bulk: (enterprise ids, worker ids)."""
    district = Union(kind=UnionKind.DISTRICT.value, name="朝阳区总工会", region_code="110105")
    db.session.add(district)
    db.session.flush()
    enterprise_ids = bulk_insert(Enterprise, [{"name": f"北京第{n}精密制造有限公司", "uscc": f"BENCH{n:013d}",
                                               "district_union_id": district.id, "version": 1}
                                              for n in range(enterprises)])
    worker_ids = bulk_insert(Worker, [{
        "name": f"选手{n}", "gender": "male", "id_number_encrypted": "-", "id_number_hash": f"bench-{n}",
        "id_number_masked": "110105********0000", "birth_date": date(1985, 1, 1), "mobile": "13900000000",
        "enterprise_id": enterprise_ids[n % enterprises], "occupation": "钳工",
        "skill_level": SkillLevel.LEVEL_2.value, "years_in_occupation": 10, "version": 1}
        for n in range(workers)])
    return enterprise_ids, worker_ids


def mark_value(rng: random.Random, aspect, skill: float) -> Decimal:
    """A plausible mark on ``aspect`` for a contestant of ``skill`` (0-1): a judgement score
    0-3 or a measured share of the aspect's maximum, to the cent."""
    if aspect.kind == "judgement":
        return Decimal(max(0, min(3, round(skill * 3 + rng.choice((-1, 0, 0, 1))))))
    share = min(1, max(0, skill + rng.uniform(-.1, .1)))
    return Decimal(int(int(aspect.max_mark) * 100 * share)) / 100


@dataclass(frozen=True)
class ScoringEvent:
    event_id: int
    #: (user id, Flask-Login cookie id) of each scoring judge.
    judges: list[tuple[int, str]]
    aspect_ids: list[int]
    blind_numbers: list[str]
    #: Any module of the event with a contestant, for the score sheet page (CSRF token).
    module_id: int


def load_scoring_event(*, judges: int, contestants: int, aspects: int, enterprises: int = 20) -> ScoringEvent:
    """An event in the scoring state with ``judges`` scoring judges (and a chief judge),
    ``contestants`` checked in, and one practical module of ``aspects`` measured aspects
    (0-100, step 0.5). Needs an app context; commits."""
    enterprise_ids, worker_ids = load_people(contestants, enterprises)
    users = [accounts.create_account(accounts.AccountData(
        username=f"bench_judge{n}", display_name=f"裁判{n}", roles=[Role.JUDGE.value]), "Bench-password-1", by=None)
        for n in range(judges + 1)]

    now = datetime(2026, 5, 1)
    competition = competitions.create_competition(competitions.CompetitionData("评分基准测试竞赛", 2026), by=None)
    event = competitions.create_event(competition, competitions.EventData(
        occupation="钳工", venue="北京市工业技师学院", held_on=date(2026, 6, 1),
        registration_opens=now, registration_closes=now + timedelta(days=10)), by=None)
    module = schemes.add_module(event, schemes.ModuleData("技能操作", "practical", Decimal(70)), by=None)
    criterion = schemes.add_criterion(module, "零件加工", by=None)
    aspect_ids = [schemes.add_aspect(criterion, schemes.AspectData(
        f"尺寸{n}", "measurement", Decimal(100), Decimal("0.5")), by=None).id for n in range(1, aspects + 1)]
    event.state = "scoring"
    event.scheme_frozen = True
    db.session.add_all([JudgeAssignment(event_id=event.id, user_id=u.id, is_chief=n == judges)
                        for n, u in enumerate(users)])
    db.session.flush()
    blind_numbers = [f"A{n:04d}" for n in range(1, contestants + 1)]
    bulk_insert(Contestant, [{
        "event_id": event.id, "worker_id": w, "enterprise_id": enterprise_ids[n % enterprises],
        "status": "checked_in", "source": "enterprise", "blind_number": blind_numbers[n], "station": f"S{n:04d}",
        "version": 1} for n, w in enumerate(worker_ids)], returning=False)
    db.session.commit()
    return ScoringEvent(event.id, [(u.id, u.get_id()) for u in users[:judges]], aspect_ids, blind_numbers,
                        module.id)
