"""The talent pool's search: a nominee's name, enterprise or occupation, however short; on
PostgreSQL through the pool's own grams (craftsmen.pool_search), kept up to date when a
worker, an enterprise or an occupation is renamed."""

from __future__ import annotations

import pytest

from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from craftsmen.models import CycleOccupation
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.factories import worker

POOL = "/craftsmen/nominations/talent-pool"


@pytest.fixture
def pool(app, world):
    """李明 (朝阳精工, 钳工) and 王芳 (海淀机械, 焊工) qualified; 张伟 (朝阳精工) a draft."""
    from craftsmen.models import NominationState

    with app.app_context():
        cycle = make_cycle()
        make_nomination(cycle, world.worker_a, "钳工")
        make_nomination(cycle, world.worker_b, "焊工")
        draft = worker(world.ent_a, name="张伟")
        make_nomination(cycle, draft.id, "钳工", state=NominationState.DRAFT)
        db.session.commit()
        return cycle.id


def _names(client, q: str) -> set[str]:
    html = client.get(POOL, query_string={"q": q}).get_data(as_text=True)
    return {name for name in ("李明", "王芳", "张伟") if name in html}


@pytest.mark.parametrize(("q", "found"), [
    ("王", {"王芳"}), ("李明", {"李明"}), ("明", {"李明"}),  # a nominee's name
    ("精工", {"李明"}), ("海", {"王芳"}), ("海淀机械", {"王芳"}),  # an enterprise's
    ("焊", {"王芳"}), ("钳工", {"李明"}),  # an occupation's
    ("工", {"李明", "王芳"}), ("张", set()), ("无此人", set()), ("%", set()),
])
def test_talent_pool_finds_nominees_by_name_enterprise_or_occupation(client, login, world, pool, q, found):
    login(world.users.admin)
    assert _names(client, q) == found


def test_a_renamed_worker_enterprise_or_occupation_is_found_by_its_new_name(app, client, login, world, pool):
    with app.app_context():
        db.session.get(Worker, world.worker_a).name = "赵明"
        db.session.get(Enterprise, world.ent_b).name = "海淀重工有限公司"
        db.session.query(CycleOccupation).filter_by(cycle_id=pool, name="焊工").one().name = "电焊工"
        db.session.commit()
    login(world.users.admin)
    assert "赵明" in client.get(POOL, query_string={"q": "赵"}).get_data(as_text=True)
    assert _names(client, "李") == set()
    assert _names(client, "重工") == {"王芳"} and _names(client, "机械") == set()
    assert _names(client, "电焊") == {"王芳"}


def test_the_pool_query_names_its_states_as_the_pool_grams_index_does(app, world):
    """The planner recognises the index's own condition only when the query writes it the same
    way: in another order (a set's, which changes from process to process) it becomes a second
    condition, answered by intersecting a bitmap of most of the table on PostgreSQL."""
    from sqlalchemy.dialects import postgresql

    from core.accounts.models import User
    from craftsmen import pool_search, queries

    with app.app_context():
        admin = db.session.get(User, world.users.admin)
        sql = str(queries.talent_pool(admin).compile(dialect=postgresql.dialect(),
                                                     compile_kwargs={"literal_binds": True}))
    index_states = pool_search.index_statement().split("WHERE state IN (")[1].rstrip(")")
    assert f"nominations.state IN ({index_states})" in sql
