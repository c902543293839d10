"""Unions and enterprises: registration with a verified credit code, and who sees which."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from core.organizations.models import Enterprise
from tests.conftest import csrf_token

VALID_USCC = "91350100M000100Y43"


def _form(world, token, **overrides):
    data = {"name": "北京新星制造有限公司", "uscc": VALID_USCC, "district_union_id": str(world.chaoyang),
            "industry_union_id": str(world.machinery), "address": "北京市朝阳区建国路1号",
            "contact_name": "周主席", "contact_phone": "010-65001234", "csrf_token": token}
    data.update(overrides)
    return data


def test_admin_registers_an_enterprise(app, world, client, login):
    login(world.users.admin)
    token = csrf_token(client, "/enterprises/new")
    response = client.post("/enterprises/new", data=_form(world, token))
    assert response.status_code == 302
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC))
        assert enterprise.industry_union_id == world.machinery


@pytest.mark.parametrize("overrides, message", [
    ({"uscc": "91350100M000100Y44"}, "校验位错误"),
    ({"uscc": "91350100M00010"}, "18 位"),
    ({"district_union_id": "0"}, "区总工会"),
    ({"contact_phone": "12345"}, "联系电话"),
])
def test_bad_enterprise_data_is_refused_and_kept(app, world, client, login, overrides, message):
    login(world.users.admin)
    token = csrf_token(client, "/enterprises/new")
    html = client.post("/enterprises/new", data=_form(world, token, **overrides)).get_data(as_text=True)
    assert message in html and "北京新星制造有限公司" in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Enterprise)) == 3


def test_the_same_credit_code_cannot_be_registered_twice(app, world, client, login):
    with app.app_context():
        taken = db.session.get(Enterprise, world.ent_b).uscc
    login(world.users.admin)
    token = csrf_token(client, "/enterprises/new")
    html = client.post("/enterprises/new", data=_form(world, token, uscc=taken)).get_data(as_text=True)
    assert "已登记为“海淀机械有限公司”" in html


def test_district_reviewer_sees_only_enterprises_of_their_district(world, client, login):
    login(world.users.reviewer)
    html = client.get("/enterprises").get_data(as_text=True)
    assert "朝阳精工有限公司" in html and "海淀机械有限公司" not in html


def test_industry_reviewer_sees_enterprises_of_their_industry(world, client, login):
    login(world.users.industry_reviewer)
    html = client.get("/enterprises").get_data(as_text=True)
    assert "海淀机械有限公司" in html and "海淀软件有限公司" not in html
    assert client.get(f"/enterprises/{world.ent_c}").status_code == 403


@pytest.mark.parametrize("user, enterprise, status", [
    ("enterprise", "ent_a", 200), ("enterprise", "ent_b", 403), ("reviewer", "ent_b", 403),
    ("admin", "ent_c", 200),
])
def test_who_may_see_an_enterprise(world, client, login, user, enterprise, status):
    login(getattr(world.users, user))
    assert client.get(f"/enterprises/{getattr(world, enterprise)}").status_code == status


def test_enterprise_changes_only_its_contact_details(app, world, client, login):
    login(world.users.enterprise)
    token = csrf_token(client, f"/enterprises/{world.ent_a}/edit")
    with app.app_context():
        version = db.session.get(Enterprise, world.ent_a).version
    response = client.post(f"/enterprises/{world.ent_a}/edit", data=_form(
        world, token, name="改名企图", uscc=VALID_USCC, version=str(version), contact_name="新联系人"))
    assert response.status_code == 302
    with app.app_context():
        enterprise = db.session.get(Enterprise, world.ent_a)
        assert enterprise.name == "朝阳精工有限公司" and enterprise.contact_name == "新联系人"


def test_enterprise_cannot_edit_another_enterprise(world, client, login):
    login(world.users.enterprise)
    assert client.get(f"/enterprises/{world.ent_b}/edit").status_code == 403


def test_stale_enterprise_form_is_refused(app, world, client, login):
    login(world.users.admin)
    token = csrf_token(client, f"/enterprises/{world.ent_a}/edit")
    html = client.post(f"/enterprises/{world.ent_a}/edit", data=_form(
        world, token, version="0", contact_name="覆盖")).get_data(as_text=True)
    assert "已被他人修改" in html and "覆盖" in html


def test_union_tree_counts_enterprises(world, client, login):
    login(world.users.admin)
    html = client.get("/unions").get_data(as_text=True)
    assert "朝阳区总工会" in html and "北京市机械冶金建材工会" in html
