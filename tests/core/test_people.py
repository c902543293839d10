"""Worker records: who may create, see and change them; ID numbers encrypted, masked and
never in clear outside the owner's and administrators' screens; bad input keeps what was typed."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import select, text

from core.audit.models import AuditEntry
from core.extensions import db
from core.people import services
from core.people.models import Worker
from tests import factories


def _form(world, **overrides) -> dict:
    data = {
        "name": "陈师傅", "gender": "male", "id_number": factories.id_number(birth=date(1985, 6, 15)),
        "mobile": "13912345678", "enterprise_id": str(world.ent_a), "occupation": "数控车工",
        "occupation_code": "6-18-01-01", "skill_level": "level_2", "years_in_occupation": "15",
        "is_front_line": "y", "in_post": "y", "honors": "2023年 北京市技术能手",
    }
    data.update(overrides)
    return data


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def test_enterprise_registers_its_own_worker(app, world, client, login, no_csrf):
    login(world.users.enterprise)
    response = client.post("/workers/new", data=_form(world))
    assert response.status_code == 302
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.name == "陈师傅"))
        assert worker.enterprise_id == world.ent_a
        assert worker.birth_date.year == 1985


def test_id_number_is_encrypted_at_rest_and_found_by_keyed_hash(app, world):
    number = factories.id_number()
    with app.app_context():
        worker = factories.worker(world.ent_a, id_number=number)
        db.session.commit()
        raw = db.session.execute(text("SELECT * FROM workers WHERE id = :i"), {"i": worker.id}).one()
        assert number not in " ".join(str(v) for v in raw)
        assert services.find_by_id_number(number.lower()).id == worker.id
        assert worker.id_number == number


def test_gender_must_match_the_id_number(app, world, client, login, no_csrf):
    login(world.users.enterprise)
    response = client.post("/workers/new", data=_form(world, gender="female"))
    assert "性别与身份证号不符" in response.get_data(as_text=True)


def test_wrong_check_digit_is_refused_and_every_typed_value_is_kept(app, world, client, login, no_csrf):
    login(world.users.enterprise)
    good = factories.id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post("/workers/new", data=_form(world, id_number=bad))
    html = response.get_data(as_text=True)
    assert "身份证号校验位错误" in html
    for typed in (bad, "陈师傅", "13912345678", "数控车工", "2023年 北京市技术能手"):
        assert typed in html
    with app.app_context():
        assert db.session.scalar(select(Worker).where(Worker.name == "陈师傅")) is None


@pytest.mark.parametrize("field, value, message", [
    ("mobile", "1381234567", "手机号码应为 11 位"),
    ("name", "张" * 51, "50 个字符"),
    ("occupation_code", "6180101", "职业编码格式"),
    ("years_in_occupation", "99", "0 到 60"),
])
def test_bad_fields_get_a_chinese_error_and_nothing_is_saved(app, world, client, login, no_csrf,
                                                             field, value, message):
    login(world.users.enterprise)
    html = client.post("/workers/new", data=_form(world, **{field: value})).get_data(as_text=True)
    assert message in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Worker)) == 3


def test_enterprise_cannot_file_a_worker_under_another_enterprise(app, world, client, login, no_csrf):
    login(world.users.enterprise)
    response = client.post("/workers/new", data=_form(world, enterprise_id=str(world.ent_b)))
    assert response.status_code == 200  # "not a valid choice": only its own enterprise is offered
    with app.app_context():
        assert db.session.scalar(select(Worker).where(Worker.name == "陈师傅")) is None


def test_duplicate_id_number_names_neither_the_holder_enterprise_nor_the_person(app, world, client,
                                                                               login, no_csrf):
    with app.app_context():
        number = db.session.get(Worker, world.worker_b).id_number
    login(world.users.enterprise)
    html = client.post("/workers/new", data=_form(world, id_number=number, gender="female")).get_data(
        as_text=True)
    assert "该身份证号已在其他单位登记" in html
    assert "海淀机械有限公司" not in html and "王芳" not in html


def test_duplicate_id_number_shows_the_holder_to_those_who_may_see_it(app, world, client, login, no_csrf):
    with app.app_context():
        number = db.session.get(Worker, world.worker_b).id_number
    login(world.users.admin)
    html = client.post("/workers/new", data=_form(world, id_number=number, gender="female")).get_data(
        as_text=True)
    assert "王芳" in html


@pytest.mark.parametrize("user, worker, status", [
    ("enterprise", "worker_a", 200), ("enterprise", "worker_b", 403),
    ("reviewer", "worker_a", 200), ("reviewer", "worker_b", 403),
    ("industry_reviewer", "worker_b", 200), ("industry_reviewer", "worker_c", 403),
    ("admin", "worker_c", 200),
])
def test_who_may_see_a_worker_record(world, client, login, user, worker, status):
    login(getattr(world.users, user))
    assert client.get(f"/workers/{getattr(world, worker)}").status_code == status


@pytest.mark.parametrize("user, status", [("other_enterprise", 403), ("reviewer", 403),
                                          ("enterprise", 200)])
def test_only_the_owning_enterprise_and_admins_edit_a_worker(world, client, login, user, status):
    login(getattr(world.users, user))
    assert client.get(f"/workers/{world.worker_a}/edit").status_code == status


def test_another_enterprises_worker_cannot_be_changed_by_post(app, world, client, login, no_csrf):
    login(world.users.other_enterprise)
    response = client.post(f"/workers/{world.worker_a}/edit", data=_form(world, name="篡改"))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Worker, world.worker_a).name == "李明"


def test_id_number_is_masked_for_reviewers_and_clear_for_owner_and_admin(app, world, client, login):
    with app.app_context():
        worker = db.session.get(Worker, world.worker_a)
        clear, masked = worker.id_number, worker.id_number_masked
    assert masked[6:14] == "********"
    login(world.users.reviewer)
    html = client.get(f"/workers/{world.worker_a}").get_data(as_text=True)
    assert masked in html and clear not in html
    for owner in (world.users.enterprise, world.users.admin):
        login(owner)
        assert clear in client.get(f"/workers/{world.worker_a}").get_data(as_text=True)


def test_worker_sees_own_record_masked(app, world, client, login):
    login(world.users.worker)
    with app.app_context():
        worker = db.session.get(Worker, world.worker_a)
        clear, masked = worker.id_number, worker.id_number_masked
    html = client.get("/home/worker").get_data(as_text=True)
    assert masked in html and clear not in html


def test_worker_list_is_limited_to_visible_enterprises(world, client, login):
    login(world.users.reviewer)
    html = client.get("/workers/").get_data(as_text=True)
    assert "李明" in html and "王芳" not in html and "赵强" not in html


def test_concurrent_edit_is_refused_and_keeps_the_typed_values(app, world, client, login, no_csrf):
    login(world.users.enterprise)
    with app.app_context():
        worker = db.session.get(Worker, world.worker_a)
        opened_version, number = worker.version, worker.id_number
        # Someone else saves first.
        services.update_worker(worker, factories.worker_data(
            world.ent_a, name="李明", id_number=number, occupation="铣工"),
            expected_version=opened_version, by=None)
        db.session.commit()
    response = client.post(f"/workers/{world.worker_a}/edit", data=_form(
        world, name="李明明", id_number=number, version=str(opened_version)))
    html = response.get_data(as_text=True)
    assert "已被他人修改" in html and "李明明" in html
    with app.app_context():
        assert db.session.get(Worker, world.worker_a).occupation == "铣工"


def test_changes_are_audited_with_sensitive_fields_masked(app, world, client, login, no_csrf):
    login(world.users.enterprise)
    number = factories.id_number()
    client.post("/workers/new", data=_form(world, id_number=number))
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.name == "陈师傅"))
        client.post(f"/workers/{worker.id}/edit", data=_form(
            world, id_number=number, mobile="13700001111", version=str(worker.version)))
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "Worker",
                                                              AuditEntry.target_id == worker.id)
                                     .order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["worker.create", "worker.update"]
        assert entries[1].changes["mobile"] == ["139****5678", "137****1111"]
        assert entries[1].actor_name == "ent_a"
        dump = db.session.execute(text("SELECT changes, target_label FROM audit_entries")).all()
        assert number not in str(dump)


def test_id_numbers_never_reach_the_logs(app, world, client, login, no_csrf, caplog):
    caplog.set_level(logging.DEBUG)
    number = factories.id_number()
    login(world.users.enterprise)
    client.post("/workers/new", data=_form(world, id_number=number))
    client.post("/workers/new", data=_form(world, id_number=number[:17] + "Y"))
    assert number not in caplog.text and number[:17] not in caplog.text
