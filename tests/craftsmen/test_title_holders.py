"""A person who already holds a craftsman title of the cycle's level or a higher one is not
nominated again: a rule in the cycle's eligibility data, shown on the pages that nominate."""

from __future__ import annotations

from datetime import date

from core.extensions import db
from core.people.models import Worker
from craftsmen.models import CraftsmanLevel, CraftsmanTitle
from craftsmen.services import nominations
from tests.craftsmen.conftest import make_cycle, make_nomination


def _title(cycle, worker_id: int, level: str, *, revoked: bool = False) -> CraftsmanTitle:
    worker = db.session.get(Worker, worker_id)
    nomination = make_nomination(cycle, worker_id)
    title = CraftsmanTitle(nomination_id=nomination.id, worker_id=worker_id, cycle_id=cycle.id, name=worker.name,
                           title=str(CraftsmanLevel(level).label), level=level, year=2023, occupation="钳工",
                           enterprise_name="朝阳精工有限公司", district="朝阳区", named_on=date(2023, 12, 1),
                           revoked_on=date(2024, 5, 1) if revoked else None)
    db.session.add(title)
    db.session.flush()
    return title


def _failures(cycle, worker_id: int) -> list[str]:
    worker = db.session.get(Worker, worker_id)
    occupation = next(o for o in cycle.occupations if o.name == worker.occupation)
    return nominations.rule_failures(cycle, worker, occupation=occupation)


def test_a_holder_of_the_same_or_a_higher_title_is_not_eligible_again(app, world):
    with app.app_context():
        earlier = make_cycle(status="closed", title="第三届北京大工匠选树")
        _title(earlier, world.worker_a, "city")
        _title(earlier, world.worker_b, "district")
        city = make_cycle(title="第四届北京大工匠选树")
        assert any("已获得同级或更高级别的工匠称号（北京大工匠）" in f for f in _failures(city, world.worker_a))
        assert not any("工匠称号" in f for f in _failures(city, world.worker_b))  # a district title is lower
        district = make_cycle(title="第二届朝阳工匠选树")
        district.level = "district"
        assert any("区级工匠" in f or "北京大工匠" in f for f in _failures(district, world.worker_b))


def test_a_revoked_title_or_a_cycle_without_the_rule_does_not_bar(app, world):
    with app.app_context():
        earlier = make_cycle(status="closed", title="第三届北京大工匠选树")
        _title(earlier, world.worker_a, "city", revoked=True)
        _title(earlier, world.worker_b, "city")
        city = make_cycle(title="第四届北京大工匠选树")
        assert not any("工匠称号" in f for f in _failures(city, world.worker_a))
        open_cycle = make_cycle(title="第五届北京大工匠选树", exclude_title_holders=False)
        assert not any("工匠称号" in f for f in _failures(open_cycle, world.worker_b))


def test_the_nominate_page_states_the_rule(app, world, client, login):
    with app.app_context():
        cycle = make_cycle()
        db.session.commit()
        cycle_id = cycle.id
    login(world.users.enterprise)
    page = client.get(f"/craftsmen/nominations/new?cycle_id={cycle_id}").get_data(as_text=True)
    assert "未获得北京大工匠或更高级别的工匠称号" in page
