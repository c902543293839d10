"""Masked ID numbers stay masked: no other field on the page or in the export gives back the
hidden birth-date digits; and a duplicate ID number never tells an enterprise where else the
person is registered, with repeated hits limited and shown to administrators."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from core.people.models import Worker
from tests import factories
from tests.core.test_worker_import import _row, _xlsx

BIRTH = date(1987, 9, 23)


def _birth_date_spellings(day: date) -> list[str]:
    """Every way a page or sheet might spell the birth date (the eight hidden digits)."""
    return [f"{day:%Y%m%d}", f"{day:%Y-%m-%d}", f"{day:%Y/%m/%d}", f"{day:%Y.%m.%d}",
            f"{day.year}-{day.month}-{day.day}", f"{day.year}年{day.month}月{day.day}日",
            f"{day:%Y年%m月%d日}", f"{day.month}月{day.day}日", f"{day:%m-%d}", f"{day:%B %d}",
            f"{day:%b %d}", f"{day.day} {day:%B}"]


def rebuildable(text: str, masked: str, clear: str) -> bool:
    """Whether the full ID number follows from ``text`` that shows ``masked``: either it is
    there, or the birth date (the masked digits) is."""
    hidden = clear[6:14]
    birth = date(int(hidden[:4]), int(hidden[4:6]), int(hidden[6:]))
    digits_only = re.sub(r"\D", "", text)
    return (clear in text or clear in digits_only
            or any(spelling in text for spelling in _birth_date_spellings(birth)))


@pytest.fixture
def masked_worker(app, world):
    """A worker of enterprise A with a distinctive birth date: (id, clear, masked)."""
    with app.app_context():
        worker = factories.worker(world.ent_a, name="孙思远",
                                  id_number=factories.id_number(birth=BIRTH))
        db.session.commit()
        return worker.id, worker.id_number, worker.id_number_masked


def test_reviewer_page_with_masked_id_number_does_not_give_back_the_birth_date(
        world, client, login, masked_worker):
    worker_id, clear, masked = masked_worker
    login(world.users.reviewer)
    html = client.get(f"/workers/{worker_id}").get_data(as_text=True)
    assert masked in html
    assert "1987年" in html  # the year is enough for an age
    assert not rebuildable(html, masked, clear)


def test_worker_own_page_with_masked_id_number_does_not_give_back_the_birth_date(
        app, world, client, login):
    with app.app_context():
        worker = db.session.get(Worker, world.worker_a)
        clear, masked = worker.id_number, worker.id_number_masked
    login(world.users.worker)
    html = client.get("/home/worker").get_data(as_text=True)
    assert masked in html and not rebuildable(html, masked, clear)


def test_owner_and_admin_see_the_full_birth_date_with_the_clear_id_number(
        world, client, login, masked_worker):
    worker_id, clear, _ = masked_worker
    for user in (world.users.enterprise, world.users.admin):
        login(user)
        html = client.get(f"/workers/{worker_id}").get_data(as_text=True)
        assert clear in html and "1987年9月23日" in html


def _export_text(client) -> tuple[str, list]:
    response = client.get("/workers/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    text = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows)
    return text, rows


def test_reviewer_export_with_masked_id_numbers_carries_birth_years_only(
        world, client, login, masked_worker):
    _, clear, masked = masked_worker
    login(world.users.reviewer)
    text, rows = _export_text(client)
    assert masked in text and not rebuildable(text, masked, clear)
    assert "出生年份" in rows[0] and "出生日期" not in rows[0]
    assert not any(isinstance(value, (date, datetime)) for row in rows for value in row)
    mine = next(row for row in rows if row[0] == "孙思远")
    assert mine[rows[0].index("出生年份")] == 1987


def test_enterprise_export_of_its_own_workers_keeps_clear_numbers_and_birth_dates(
        world, client, login, masked_worker):
    _, clear, _ = masked_worker
    login(world.users.enterprise)
    text, rows = _export_text(client)
    assert clear in text and "出生日期" in rows[0]


def test_nomination_page_shows_age_not_birth_date_beside_the_masked_number(
        app, world, client, login, masked_worker):
    from craftsmen.models import NominationState
    from tests.craftsmen.conftest import make_cycle, make_nomination

    worker_id, clear, masked = masked_worker
    with app.app_context():
        nomination_id = make_nomination(make_cycle(), worker_id,
                                        state=NominationState.SUBMITTED).id
        db.session.commit()
    login(world.users.reviewer)
    html = client.get(f"/craftsmen/nominations/{nomination_id}").get_data(as_text=True)
    assert masked in html and not rebuildable(html, masked, clear)


# --- duplicates: no employer oracle ------------------------------------------------------

def _form(world, number, **overrides) -> dict:
    data = {"name": "陈师傅", "gender": "male", "id_number": number, "mobile": "13912345678",
            "enterprise_id": str(world.ent_a), "occupation": "数控车工", "skill_level": "level_2",
            "years_in_occupation": "15", "is_front_line": "y", "in_post": "y"}
    data.update(overrides)
    return data


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def _foreign_numbers(app, world, count: int) -> list[str]:
    """``count`` ID numbers registered at enterprise B (male, for the form's gender)."""
    with app.app_context():
        numbers = [factories.worker(world.ent_b, name=f"外单位{i}").id_number for i in range(count)]
        db.session.commit()
        return numbers


def test_duplicate_id_number_is_refused_without_naming_the_other_enterprise(
        app, world, client, login, no_csrf):
    [number] = _foreign_numbers(app, world, 1)
    login(world.users.enterprise)
    html = client.post("/workers/new", data=_form(world, number)).get_data(as_text=True)
    assert "该身份证号已在其他单位登记，请联系所属工会核实" in html
    assert "海淀机械有限公司" not in html and "外单位0" not in html
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "worker.duplicate_id_refused"))
        assert entry.actor_id == world.users.enterprise
        assert entry.changes["holder_enterprise"] == [None, "海淀机械有限公司"]
        assert number not in str(entry.changes) and entry.changes["id_number_masked"][1][6:14] == "********"


def test_import_names_no_other_enterprise_and_logs_every_hit(app, world, client, login):
    from tests.conftest import csrf_token

    numbers = _foreign_numbers(app, world, 3)
    login(world.users.enterprise)
    token = csrf_token(client, "/workers/import")
    response = client.post("/workers/import", data={
        "csrf_token": token, "enterprise_id": str(world.ent_a),
        "file": (_xlsx([_row("甲", n) for n in numbers]), "w.xlsx")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert html.count("该身份证号已在其他单位登记") == 3 and "海淀机械有限公司" not in html
    with app.app_context():
        hits = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "worker.duplicate_id_refused")).all()
        assert len(hits) == 3


def test_repeated_duplicate_hits_pause_the_accounts_lookups(app, world, client, login, no_csrf):
    app.config["DUPLICATE_ID_HIT_LIMIT"] = 2
    try:
        numbers = _foreign_numbers(app, world, 3)
        login(world.users.enterprise)
        for number in numbers[:2]:
            assert "已在其他单位登记" in client.post("/workers/new", data=_form(world, number)).get_data(
                as_text=True)
        # Past the limit the answer is the same for a registered and a fresh number.
        for number in (numbers[2], factories.id_number()):
            html = client.post("/workers/new", data=_form(world, number)).get_data(as_text=True)
            assert "登记已暂停" in html and "已在其他单位登记" not in html
        with app.app_context():
            assert db.session.scalar(select(Worker).where(Worker.name == "陈师傅")) is None
            assert len(db.session.scalars(select(AuditEntry).where(
                AuditEntry.action == "worker.duplicate_id_refused")).all()) == 2
        # Another account is not affected; administrators see the hits in the audit log.
        login(world.users.admin)
        log = client.get("/admin/audit/?action=worker.duplicate_id_refused").get_data(as_text=True)
        assert log.count("海淀机械有限公司") == 2 and "ent_a" in log
    finally:
        app.config["DUPLICATE_ID_HIT_LIMIT"] = 10


def test_a_duplicate_within_the_own_enterprise_is_named_and_not_counted(app, world, client, login,
                                                                        no_csrf):
    with app.app_context():
        number = db.session.get(Worker, world.worker_a).id_number
    login(world.users.enterprise)
    html = client.post("/workers/new", data=_form(world, number)).get_data(as_text=True)
    assert "李明" in html
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "worker.duplicate_id_refused")) is None


def test_api_nomination_for_a_reviewer_gives_back_neither_number_nor_birth_date(
        app, world, client, masked_worker):
    from craftsmen.models import NominationState
    from tests.api.conftest import issue_token
    from tests.craftsmen.conftest import make_cycle, make_nomination

    worker_id, clear, masked = masked_worker
    with app.app_context():
        nomination_id = make_nomination(make_cycle(), worker_id, state=NominationState.SUBMITTED).id
        db.session.commit()
        token = issue_token(world.users.reviewer)
    headers = {"Authorization": f"Bearer {token}"}
    for path in (f"/api/v1/nominations/{nomination_id}", "/api/v1/nominations"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert not rebuildable(response.get_data(as_text=True), masked, clear)


def test_an_import_stops_looking_up_numbers_once_the_allowance_is_used(app, world, client, login):
    from tests.conftest import csrf_token

    app.config["DUPLICATE_ID_HIT_LIMIT"] = 2
    try:
        numbers = _foreign_numbers(app, world, 3)
        login(world.users.enterprise)
        rows = [_row("甲", n) for n in numbers] + [_row("乙", factories.id_number())]
        html = client.post("/workers/import", content_type="multipart/form-data", data={
            "csrf_token": csrf_token(client, "/workers/import"), "enterprise_id": str(world.ent_a),
            "file": (_xlsx(rows), "w.xlsx")}).get_data(as_text=True)
        assert html.count("该身份证号已在其他单位登记") == 2 and html.count("登记已暂停") == 1
        with app.app_context():
            assert len(db.session.scalars(select(AuditEntry).where(
                AuditEntry.action == "worker.duplicate_id_refused")).all()) == 2
    finally:
        app.config["DUPLICATE_ID_HIT_LIMIT"] = 10
