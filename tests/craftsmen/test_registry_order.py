"""The registry lists names as Chinese readers expect: by pinyin, or by stroke count
(姓氏笔画) when the federation sets NAME_ORDER to strokes."""

from __future__ import annotations

import re
from datetime import date

import pytest

from core.collation import pinyin_key, stroke_key
from core.extensions import db
from craftsmen.models import CraftsmanTitle, NominationState
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination

NAMES = ["张伟", "王芳", "安娜", "白雪"]


def test_keys_order_names_by_pinyin_and_by_strokes():
    assert sorted(NAMES, key=pinyin_key) == ["安娜", "白雪", "王芳", "张伟"]
    assert sorted(NAMES, key=stroke_key) == ["王芳", "白雪", "安娜", "张伟"]  # 4, 5, 6, 7 strokes
    assert pinyin_key("张建国") == "zhang1 jian4 guo2"
    assert stroke_key("王芳").startswith("04wang2 07fang1")


@pytest.fixture
def registry(app, world):
    with app.app_context():
        cycle = make_cycle(status="closed")
        for name in NAMES:
            worker = factories.worker(world.ent_a, name=name)
            nomination = make_nomination(cycle, worker.id, state=NominationState.NAMED)
            db.session.add(CraftsmanTitle(
                nomination_id=nomination.id, worker_id=worker.id, cycle_id=cycle.id, name=name,
                title="北京大工匠", level="city", year=2026, occupation="钳工",
                enterprise_name="朝阳精工有限公司", district="朝阳区", named_on=date(2026, 9, 1)))
        db.session.commit()


def _listed(client) -> list[str]:
    html = client.get("/registry").get_data(as_text=True)
    return [n for n in re.findall(r">(\w{2})</a>", html) if n in NAMES]


def test_the_registry_lists_by_pinyin_by_default(client, registry):
    assert _listed(client) == ["安娜", "白雪", "王芳", "张伟"]


def test_the_registry_lists_by_stroke_count_when_set(app, client, registry, monkeypatch):
    monkeypatch.setitem(app.config, "NAME_ORDER", "strokes")
    assert _listed(client) == ["王芳", "白雪", "安娜", "张伟"]
