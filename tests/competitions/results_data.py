"""Test data for results and appeals, written straight to the database: an event of the
conftest's scheme (理论知识 30: 笔试成绩 /100; 技能操作 70: 尺寸精度 /40 measured, 加工工艺合理性
/20 judged by three judges), five contestants with blind numbers and all their marks.

Totals (theory × 0.3 + practical points × 70/60), chosen for ties:

====  ==========  ======  =====  ==========  =====================================
no.   worker      theory  size   judgement   total
====  ==========  ======  =====  ==========  =====================================
A101  李明 (ent_a)  80      30     3 3 3       24 + 58.33 = 82.33  (shares 1st with B)
B202  王芳 (ent_b)  80      30     3 3 3       82.33
D404  孙伟 (ent_a)  30      38     3 3 3       9 + 67.67 = 76.67   (3rd: more practical)
C303  赵强 (ent_c)  100     20     3 3 3       30 + 46.67 = 76.67  (4th)
E505  周杰 (ent_b)  50      10     1 1 1       15 + 19.44 = 34.44  (5th)
====  ==========  ======  =====  ==========  =====================================
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from types import SimpleNamespace

from competitions.models import Contestant, JudgeAssignment, Mark
from core.extensions import db
from core.roles import Role
from tests import factories
from tests.competitions.conftest import event_ids, make_competition, make_event

_keys = count(1)

#: blind number -> (theory, size, judgement scores)
MARKS = {
    "A101": (80, 30, (3, 3, 3)),
    "B202": (80, 30, (3, 3, 3)),
    "C303": (100, 20, (3, 3, 3)),
    "D404": (30, 38, (3, 3, 3)),
    "E505": (50, 10, (1, 1, 1)),
}


def add_mark(event_id: int, aspect_id: int, contestant_id: int, judge_id: int, value, entry: int = 1) -> Mark:
    mark = Mark(event_id=event_id, aspect_id=aspect_id, contestant_id=contestant_id, judge_id=judge_id,
                entry=entry, value=Decimal(value), client_key=f"test-{next(_keys)}")
    db.session.add(mark)
    return mark


def build(world, state: str = "rechecked", *, chief_user_id: int | None = None, competition=None,
          **event_overrides) -> SimpleNamespace:
    """The event above in ``state`` (needs an app context; flushes, does not commit)."""
    competition = competition or make_competition(f"成绩测试竞赛{next(_keys)}")
    event = make_event(competition, state, **event_overrides)
    ids = event_ids(event)
    judges = [factories.user(f"results-judge-{next(_keys)}", [Role.JUDGE]) for _ in range(3)]
    chief = chief_user_id or judges[0].id
    for judge in judges:
        db.session.add(JudgeAssignment(event_id=event.id, user_id=judge.id, is_chief=judge.id == chief))
    if chief_user_id and chief_user_id not in {j.id for j in judges}:
        db.session.add(JudgeAssignment(event_id=event.id, user_id=chief_user_id, is_chief=True))
    workers = {
        "A101": (world.worker_a, world.ent_a), "B202": (world.worker_b, world.ent_b),
        "C303": (world.worker_c, world.ent_c),
        "D404": (factories.worker(world.ent_a, name="孙伟").id, world.ent_a),
        "E505": (factories.worker(world.ent_b, name="周杰").id, world.ent_b),
    }
    contestants = {}
    for station, (blind, (worker_id, enterprise_id)) in enumerate(workers.items(), start=1):
        contestant = Contestant(event_id=event.id, worker_id=worker_id, enterprise_id=enterprise_id,
                                status="checked_in", blind_number=blind, station=f"S{station:02d}")
        db.session.add(contestant)
        db.session.flush()
        contestants[blind] = contestant.id
        theory, size, scores = MARKS[blind]
        add_mark(event.id, ids.aspects["笔试成绩"], contestant.id, judges[0].id, theory)
        add_mark(event.id, ids.aspects["尺寸精度"], contestant.id, judges[0].id, size)
        for judge, score in zip(judges, scores, strict=True):
            add_mark(event.id, ids.aspects["加工工艺合理性"], contestant.id, judge.id, score)
    db.session.flush()
    return SimpleNamespace(event_id=event.id, ids=ids, contestants=contestants,
                           judges=[j.id for j in judges], competition_id=competition.id)
