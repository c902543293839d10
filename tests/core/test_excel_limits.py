"""Every Excel import refuses, before parsing, a file that unpacks to more than the stated
limit (an "Excel bomb") and stops streaming a sheet with more rows than the limit; nothing is
imported and the message says what to do."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from core import excel
from core.extensions import db
from core.people.importer import COLUMNS
from core.people.models import Worker
from tests import factories
from tests.conftest import csrf_token
from tests.core.test_worker_import import _row
from tests.hostile import excel_text_bomb, tall_sheet


@pytest.fixture
def draft_event(app, world) -> int:
    from tests.competitions.conftest import make_event

    with app.app_context():
        event = make_event(state="registration", scheme=False)
        db.session.commit()
        return event.id


def _bomb(headers=COLUMNS, mib: int = 25) -> io.BytesIO:
    buffer = io.BytesIO()
    excel_text_bomb(buffer, headers, mib)
    buffer.seek(0)
    return buffer


def _workers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Worker))


def _post(client, path, buffer, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields,
                                   "file": (buffer, "upload.xlsx")}, content_type="multipart/form-data")


def test_the_bomb_is_small_on_disk_and_huge_unpacked():
    bomb = _bomb(mib=25)
    assert len(bomb.getvalue()) < 200 * 1024


def test_worker_import_refuses_an_excel_bomb_before_parsing_it(app, world, client, login, monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(excel, "load_workbook", must_not_parse)
    login(world.users.enterprise)
    response = _post(client, "/workers/import", _bomb(), enterprise_id=str(world.ent_a))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "文件解压后超过 20 MB 的上限" in html
    assert _workers(app) == 3


def test_the_unpacked_size_limit_is_configurable(app, world, client, login):
    app.config["EXCEL_IMPORT_MAX_UNCOMPRESSED_MB"] = 30
    try:
        login(world.users.enterprise)
        html = _post(client, "/workers/import", _bomb(mib=25), enterprise_id=str(world.ent_a)).get_data(
            as_text=True)
        assert "文件解压后超过" not in html  # under 30 MB: parsed, and refused for its bad row
    finally:
        app.config["EXCEL_IMPORT_MAX_UNCOMPRESSED_MB"] = 20


def test_a_sheet_over_the_row_limit_is_refused_and_nothing_is_imported(app, world, client, login):
    app.config["EXCEL_IMPORT_MAX_ROWS"] = 50
    try:
        login(world.users.enterprise)
        rows = [_row(f"职工{i}", factories.id_number()) for i in range(51)]
        sheet = io.BytesIO()
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(list(COLUMNS))
        for row in rows:
            book.active.append(list(row))
        book.save(sheet)
        sheet.seek(0)
        html = _post(client, "/workers/import", sheet, enterprise_id=str(world.ent_a)).get_data(as_text=True)
        assert "表格超过 50 行数据的上限" in html
        assert _workers(app) == 3
    finally:
        app.config["EXCEL_IMPORT_MAX_ROWS"] = 10000


def test_a_tall_sheet_is_refused_without_reading_it_to_the_end(app, world, client, login, monkeypatch):
    """5,000 rows against a limit of 100: refused after the limit's worth of rows."""
    read = []
    real = excel._sheet_rows

    def counting(sheet, required, max_rows):
        original = sheet.iter_rows

        def iter_rows(**kwargs):
            for values in original(**kwargs):
                read.append(1)
                yield values

        sheet.iter_rows = iter_rows
        return real(sheet, required, max_rows)

    monkeypatch.setattr(excel, "_sheet_rows", counting)
    app.config["EXCEL_IMPORT_MAX_ROWS"] = 100
    try:
        login(world.users.enterprise)
        sheet = tall_sheet(COLUMNS, _row("甲", "110105198501010011"), 5_000)
        html = _post(client, "/workers/import", sheet, enterprise_id=str(world.ent_a)).get_data(as_text=True)
        assert "表格超过 100 行数据的上限" in html
        assert len(read) <= 1002  # the declared size already gives it away, or the stream stops
    finally:
        app.config["EXCEL_IMPORT_MAX_ROWS"] = 10000


def test_a_file_that_is_not_a_zip_archive_is_refused_clearly(app, world, client, login):
    login(world.users.enterprise)
    html = _post(client, "/workers/import", io.BytesIO(b"PK\x03\x04 not really a zip"),
                 enterprise_id=str(world.ent_a)).get_data(as_text=True)
    assert "无法读取该文件" in html


@pytest.mark.parametrize("path, headers", [
    ("/competitions/events/{event}/contestants/import", ("姓名", "身份证号", "工种")),
    ("/competitions/events/{event}/scheme/import", ("模块", "评价标准", "评分项")),
])
def test_every_competition_import_refuses_an_excel_bomb(app, world, draft_event, client, login, path, headers):
    login(world.users.admin)
    response = _post(client, path.format(event=draft_event), _bomb(headers))
    assert response.status_code == 200
    assert "文件解压后超过 20 MB 的上限" in response.get_data(as_text=True)
