"""Funding of named studios: the administrator records grants by year (e.g. 10万元 a year for
three years), the enterprise records their use (date, amount, purpose). Uses never exceed the
grant — not even when two are saved at the same moment — and a refusal says why and keeps
what was typed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import DomainError
from core.extensions import db
from innovation_studios.achievements import funding as services
from innovation_studios.achievements.models import FundingGrant, FundingUse
from tests.conftest import csrf_token
from tests.innovation_studios.factories import make_studio
from tests.innovation_studios.records import csrf_off, studio, user

BASE = "/studios/funding"


@pytest.fixture
def no_csrf(app):
    yield from csrf_off(app)


@pytest.fixture
def named_studio(app, world) -> int:
    """A studio named in 2023, so that grants from 2023 on may be recorded."""
    with app.app_context():
        created = make_studio(world, "named", named_on=date(2023, 6, 1))
        db.session.commit()
        return created.id


def test_a_grant_cannot_start_before_the_studio_was_named(app, world, named_studio):
    with app.app_context(), pytest.raises(DomainError, match="不能早于工作室命名年度（2023 年）"):
        services.add_grants(studio(named_studio), services.GrantData(year=2022, amount="10", source="补助"),
                            by=user(world.users.admin))


def test_grants_of_future_years_count_as_disbursed_only_from_their_year(app, world, named_studio):
    from core.timeutil import beijing_today

    this_year = beijing_today().year
    _grants(app, world, named_studio, year=this_year, years=3, amount="10")
    with app.app_context():
        assert services.totals(named_studio).granted == Decimal(10)
        assert services.totals(named_studio, this_year + 1).granted == Decimal(0)


def _grants(app, world, studio_id: int, *, years: int = 3, amount: str = "10", year: int = 2024) -> list[int]:
    with app.app_context():
        grants = services.add_grants(studio(studio_id), services.GrantData(
            year=year, years=years, amount=amount, source="北京市总工会工匠创新工作室补助"), by=user(world.users.admin))
        db.session.commit()
        return [g.id for g in grants]


def _use(grant_id: int, amount, *, by, on=date(2025, 3, 1), purpose="购置三坐标测量仪"):
    return services.add_use(db.session.get(FundingGrant, grant_id), used_on=on, amount=amount, purpose=purpose, by=by)


def _uses() -> int:
    return db.session.scalar(select(func.count()).select_from(FundingUse))


def test_ten_thousand_yuan_a_year_for_three_years_makes_three_yearly_grants(app, world, named_studio):
    ids = _grants(app, world, named_studio)
    with app.app_context():
        grants = [db.session.get(FundingGrant, i) for i in ids]
        assert [g.year for g in grants] == [2024, 2025, 2026]
        assert all(g.amount == Decimal("10") and g.used == 0 for g in grants)
        assert services.totals(named_studio).granted == Decimal("30")
        assert services.totals(named_studio, 2025).granted == Decimal("10")


def test_a_grant_is_not_recorded_twice_for_the_same_year_and_source(app, world, named_studio):
    _grants(app, world, named_studio, years=1, year=2025)
    with app.app_context(), pytest.raises(DomainError, match="2025 年已登记过来源为"):
        services.add_grants(studio(named_studio), services.GrantData(
            year=2024, years=3, amount="10", source="北京市总工会工匠创新工作室补助"), by=user(world.users.admin))


@pytest.mark.parametrize("field, overrides, message", [
    ("amount", {"amount": "-10"}, "每年金额不能为负数"),
    ("amount", {"amount": "0"}, "每年金额应大于 0"),
    ("amount", {"amount": "十万"}, "每年金额应为数字"),
    ("year", {"year": 1999}, "拨付年度应在"),
    ("years", {"years": 9}, "连续拨付年数应为 1 至 5 年"),
    ("source", {"source": " "}, "请填写经费来源"),
])
def test_bad_grants_are_refused_with_a_clear_message(app, world, named_studio, field, overrides, message):
    values = {"year": 2025, "years": 1, "amount": "10", "source": "区总工会补助"} | overrides
    with app.app_context():
        with pytest.raises(DomainError, match=message) as refused:
            services.add_grants(studio(named_studio), services.GrantData(**values), by=user(world.users.admin))
        assert refused.value.field == field


def test_only_administrators_fund_and_only_named_studios(app, world, named_studio, applied_studio):
    with app.app_context():
        data = services.GrantData(year=2025, amount="10", source="补助")
        with pytest.raises(DomainError, match="只有已命名的工作室"):
            services.add_grants(studio(applied_studio), data, by=user(world.users.admin))
        with pytest.raises(DomainError):
            services.add_grants(studio(named_studio), data, by=user(world.users.enterprise))


def test_uses_are_recorded_until_the_grant_is_spent_to_the_yuan(app, world, named_studio):
    grant_id = _grants(app, world, named_studio, years=1, year=2025)[0]
    with app.app_context():
        by = user(world.users.enterprise)
        _use(grant_id, "6.5", by=by)
        _use(grant_id, "3.4999", by=by, purpose="技能培训班")
        _use(grant_id, "0.0001", by=by, purpose="资料费")          # exactly the rest
        db.session.commit()
        grant = db.session.get(FundingGrant, grant_id)
        assert grant.used == Decimal("10") and grant.remaining == 0


def test_a_use_beyond_the_grant_is_refused_with_the_balance_and_nothing_is_saved(app, world, named_studio):
    grant_id = _grants(app, world, named_studio, years=1, year=2025)[0]
    with app.app_context():
        by = user(world.users.enterprise)
        _use(grant_id, "7", by=by)
        db.session.commit()
        with pytest.raises(DomainError, match="余额 3.00 万元，本次填写 3.01 万元") as refused:
            _use(grant_id, "3.01", by=by)
        assert refused.value.field == "amount"
        db.session.rollback()
        assert _uses() == 1 and db.session.get(FundingGrant, grant_id).used == Decimal("7")


@pytest.mark.parametrize("field, kwargs, message", [
    ("amount", {"amount": "-1"}, "使用金额不能为负数"),
    ("amount", {"amount": "一万"}, "使用金额应为数字"),
    ("amount", {"amount": ""}, "请填写使用金额"),
    ("used_on", {"on": date(2023, 12, 31)}, "不能早于该笔经费的拨付年度（2024年）"),
    ("used_on", {"on": date(2099, 1, 1)}, "不能晚于今天"),
    ("purpose", {"purpose": ""}, "请填写经费用途"),
])
def test_bad_uses_are_refused_on_their_field(app, world, named_studio, field, kwargs, message):
    grant_id = _grants(app, world, named_studio, years=1, year=2024)[0]
    with app.app_context():
        values = {"amount": "1"} | kwargs
        with pytest.raises(DomainError, match=message) as refused:
            _use(grant_id, values.pop("amount"), by=user(world.users.enterprise), **values)
        assert refused.value.field == field


def test_two_uses_saved_at_once_cannot_both_pass_the_balance_check(app, world, named_studio):
    """The second writer read the grant before the first committed: its save is refused."""
    grant_id = _grants(app, world, named_studio, years=1, year=2025)[0]
    with app.app_context():
        late = Session(db.engine)
        try:
            late_grant = late.get(FundingGrant, grant_id)
            late_grant.uses  # noqa: B018 - loaded now, as the page's request would
            _use(grant_id, "8", by=user(world.users.enterprise))
            db.session.commit()
            late_grant.uses.append(FundingUse(used_on=date(2025, 4, 1), amount=Decimal("8"), purpose="同时提交"))
            late_grant.used = late_grant.used + Decimal("8")   # what add_use does, on a stale read
            with pytest.raises(StaleDataError):
                late.commit()
        finally:
            late.rollback()
            late.close()
        db.session.expire_all()
        assert db.session.get(FundingGrant, grant_id).used == Decimal("8") and _uses() == 1


def test_removing_a_use_gives_the_money_back_and_a_used_grant_cannot_be_removed(app, world, named_studio):
    grant_id = _grants(app, world, named_studio, years=1, year=2025)[0]
    with app.app_context():
        use = _use(grant_id, "4", by=user(world.users.enterprise))
        db.session.commit()
        with pytest.raises(DomainError, match="已有使用记录，不能删除"):
            services.delete_grant(db.session.get(FundingGrant, grant_id), by=user(world.users.admin))
        services.delete_use(use, by=user(world.users.enterprise))
        db.session.commit()
        assert db.session.get(FundingGrant, grant_id).used == 0
        services.delete_grant(db.session.get(FundingGrant, grant_id), by=user(world.users.admin))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(FundingGrant)) == 0


def test_a_delisted_studio_records_no_more_uses(app, world):
    with app.app_context():
        closed = make_studio(world, "delisted")
        grant = FundingGrant(studio_id=closed.id, year=2025, amount=Decimal(10), source="补助", used=Decimal(0))
        db.session.add(grant)
        db.session.commit()
        with pytest.raises(DomainError, match="不能登记经费使用"):
            _use(grant.id, "1", by=user(world.users.enterprise))


# Pages -----------------------------------------------------------------------------------

def test_the_administrator_grants_and_the_enterprise_records_use_in_the_browser(app, world, named_studio, client,
                                                                               login):
    url = f"{BASE}/studio/{named_studio}"
    login(world.users.admin)
    response = client.post(f"{url}/grants", data={
        "csrf_token": csrf_token(client, url), "grant-year": "2025", "grant-years": "3", "grant-amount": "10",
        "grant-source": "北京市总工会工匠创新工作室补助", "grant-note": ""})
    assert response.status_code == 302
    with app.app_context():
        grant_id = db.session.scalar(select(FundingGrant.id).where(FundingGrant.year == 2025))
    login(world.users.enterprise)
    prefix = f"use{grant_id}"
    page = client.post(f"{BASE}/grants/{grant_id}/uses", data={
        "csrf_token": csrf_token(client, url), f"{prefix}-used_on": "2025-05-06", f"{prefix}-amount": "12",
        f"{prefix}-purpose": "购置五轴加工中心"}).get_data(as_text=True)
    assert "使用金额超出该笔经费的余额" in page and 'value="12"' in page and 'value="购置五轴加工中心"' in page
    response = client.post(f"{BASE}/grants/{grant_id}/uses", data={
        "csrf_token": csrf_token(client, url), f"{prefix}-used_on": "2025-05-06", f"{prefix}-amount": "9.5",
        f"{prefix}-purpose": "购置五轴加工中心"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    from core.timeutil import beijing_today

    disbursed = 10 * sum(year <= beijing_today().year for year in (2025, 2026, 2027))  # from their year on
    assert f"累计拨付 {disbursed}.00 万元，已使用 9.50 万元，余额 {disbursed - 9.5:.2f} 万元" in page
    studio_page = client.get(f"/studios/{named_studio}").get_data(as_text=True)
    assert 'data-testid="studio-funding"' in studio_page and f"余额 {disbursed - 9.5:.2f} 万元" in studio_page


@pytest.mark.parametrize("identity, status", [
    ("enterprise", 403), ("reviewer", 403), ("other_enterprise", 403)])
def test_only_administrators_record_grants(app, world, named_studio, client, login, no_csrf, identity, status):
    login(getattr(world.users, identity))
    response = client.post(f"{BASE}/studio/{named_studio}/grants", data={
        "grant-year": "2025", "grant-years": "1", "grant-amount": "10", "grant-source": "补助"})
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FundingGrant)) == 0


@pytest.mark.parametrize("identity", ["admin", "reviewer", "other_enterprise"])
def test_only_the_owning_enterprise_records_use(app, world, named_studio, client, login, no_csrf, identity):
    grant_id = _grants(app, world, named_studio, years=1, year=2025)[0]
    login(getattr(world.users, identity))
    response = client.post(f"{BASE}/grants/{grant_id}/uses", data={
        f"use{grant_id}-used_on": "2025-05-06", f"use{grant_id}-amount": "1", f"use{grant_id}-purpose": "资料费"})
    assert response.status_code == 403
    with app.app_context():
        assert _uses() == 0


def test_the_funding_list_shows_each_role_its_studios(app, world, named_studio, client, login):
    _grants(app, world, named_studio, years=1, year=2025)
    with app.app_context():
        other = make_studio(world, "named", enterprise=world.ent_b, name="海淀焊接创新工作室",
                            named_on=date(2023, 6, 1)).id
        db.session.commit()
    _grants(app, world, other, years=1, year=2025, amount="20")
    login(world.users.reviewer)
    page = client.get(f"{BASE}/?year=2025").get_data(as_text=True)
    assert "海淀焊接创新工作室" not in page and "合计拨付 10.00 万元" in page
    login(world.users.admin)
    page = client.get(f"{BASE}/?year=2025").get_data(as_text=True)
    assert "海淀焊接创新工作室" in page and "合计拨付 30.00 万元" in page
