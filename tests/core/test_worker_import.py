"""Workers from Excel: every row valid or nothing imported, with every bad row listed by row,
column and reason; and the export that masks what the reader may not see."""

from __future__ import annotations

import contextlib
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.people.importer import COLUMNS
from core.people.models import Worker
from tests import factories
from tests.conftest import csrf_token
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice, resaved


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(list(COLUMNS))
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _row(name, number, **kw):
    base = {"性别": "男", "手机号码": "13912345678", "工种": "钳工", "职业编码": "", "技能等级": "二级/技师",
            "从事本工种年限": 12, "一线职工": "是", "在岗": "是", "荣誉": ""}
    base.update(kw)
    return (name, base["性别"], number, base["手机号码"], base["工种"], base["职业编码"], base["技能等级"],
            base["从事本工种年限"], base["一线职工"], base["在岗"], base["荣誉"])


def _upload(client, world, rows, enterprise_id=None):
    token = csrf_token(client, "/workers/import")
    return client.post("/workers/import", data={
        "csrf_token": token, "enterprise_id": str(enterprise_id or world.ent_a),
        "file": (_xlsx(rows), "workers.xlsx")}, content_type="multipart/form-data")


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Worker))


def test_a_clean_sheet_imports_every_row(app, world, client, login):
    login(world.users.enterprise)
    rows = [_row("甲", factories.id_number()), _row("乙", factories.id_number(male=False), 性别="女",
                                                   技能等级="技师")]
    response = _upload(client, world, rows)
    assert response.status_code == 302
    assert _count(app) == 5


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed(app, world, client, login):
    login(world.users.enterprise)
    good = factories.id_number()
    rows = [_row("甲", good), _row("乙", good[:17] + ("0" if good[17] != "0" else "1")),
            _row("丙", factories.id_number(), 手机号码="123"), _row("丁", good),
            _row("戊", factories.id_number(), 在岗="也许")]
    html = _upload(client, world, rows).get_data(as_text=True)
    assert "未导入任何数据" in html
    for expected in ("校验位错误", "手机号码应为 11 位", "与第 2 行的身份证号重复", "应填“是”或“否”"):
        assert expected in html
    for row_number in ("<td>3</td>", "<td>4</td>", "<td>5</td>", "<td>6</td>"):
        assert row_number in html
    assert _count(app) == 3


def test_an_id_number_typed_into_a_number_cell_is_refused_with_what_to_do(app, world, client, login):
    """Excel, WPS and Calc keep 15 digits of a number: an 18-digit ID number typed into a cell
    not formatted as text arrives as 1.10101199003071E+17 with its last digits gone. The clerk
    is told so, by row, and nothing is imported; a mobile number stored as a number is fine."""
    login(world.users.enterprise)
    before = _count(app)
    good = factories.id_number()
    rows = [_row("甲", good, 手机号码=13912345678), _row("乙", 1.10101199003071e17), _row("丙", 3.2010419851231e17)]
    page = _upload(client, world, rows).get_data(as_text=True)
    assert _count(app) == before
    assert 'data-testid="import-problems"' in page
    assert page.count("表格软件只保留前 15 位") == 2 and "设为“文本”格式" in page
    assert good not in page


def test_an_id_number_already_registered_elsewhere_is_a_bad_row(app, world, client, login):
    with app.app_context():
        taken = db.session.get(Worker, world.worker_b).id_number
    login(world.users.enterprise)
    html = _upload(client, world, [_row("王芳", taken, 性别="女")]).get_data(as_text=True)
    assert "该身份证号已在其他单位登记" in html and "海淀机械有限公司" not in html
    assert _count(app) == 3


def test_enterprise_cannot_import_into_another_enterprise(app, world, client, login):
    login(world.users.enterprise)
    response = _upload(client, world, [_row("甲", factories.id_number())], enterprise_id=world.ent_b)
    assert response.status_code == 200 and _count(app) == 3


def test_a_file_that_is_not_a_workbook_is_refused(app, world, client, login):
    login(world.users.enterprise)
    token = csrf_token(client, "/workers/import")
    html = client.post("/workers/import", data={
        "csrf_token": token, "enterprise_id": str(world.ent_a),
        "file": (io.BytesIO(b"not excel"), "workers.xlsx")}, content_type="multipart/form-data").get_data(
        as_text=True)
    assert "无法读取该文件" in html


def test_template_downloads_with_the_expected_columns(world, client, login):
    login(world.users.enterprise)
    book = load_workbook(io.BytesIO(client.get("/workers/import-template.xlsx").data))
    assert [c.value for c in book.active[1]] == list(COLUMNS)


def test_the_template_keeps_id_numbers_mobiles_and_codes_as_typed(world, client, login):
    """Those columns are text, whole columns: what a clerk types below the example stays text,
    instead of an ID number losing its last digits or 6-18-01-07 becoming a date."""
    login(world.users.enterprise)
    sheet = load_workbook(io.BytesIO(client.get("/workers/import-template.xlsx").data)).active
    for header in ("身份证号", "手机号码", "职业编码"):
        letter = "ABCDEFGHIJK"[COLUMNS.index(header)]
        assert sheet.column_dimensions[letter].number_format == "@"
        assert sheet[f"{letter}2"].number_format == "@" and isinstance(sheet[f"{letter}2"].value, str)
    assert sheet.column_dimensions["A"].number_format == "General"


def test_export_masks_id_numbers_the_reader_may_not_see(app, world, client, login):
    with app.app_context():
        worker = db.session.get(Worker, world.worker_a)
        clear, masked = worker.id_number, worker.id_number_masked
    login(world.users.reviewer)
    sheet = load_workbook(io.BytesIO(client.get("/workers/export.xlsx").data)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert masked in values and clear not in values
    login(world.users.enterprise)
    sheet = load_workbook(io.BytesIO(client.get("/workers/export.xlsx").data)).active
    assert clear in [c.value for row in sheet.iter_rows() for c in row]
    assert sheet.max_row == 2  # the header and its one worker


@needs_libreoffice
def test_libreoffice_calc_shows_the_export_and_the_template_as_written(app, world, client, login):
    login(world.users.enterprise)
    export = assert_calc_reads_alike(client.get("/workers/export.xlsx").data)["职工"]
    with app.app_context():
        assert db.session.get(Worker, world.worker_a).id_number in export[1]  # 18 digits, as text
    assert_calc_reads_alike(client.get("/workers/import-template.xlsx").data)


@needs_libreoffice
def test_a_sheet_saved_again_in_libreoffice_calc_imports_alike(app, world, client, login):
    """A clerk opens the sheet in Calc (or WPS) and saves it: Calc writes its own XML (its own
    string table, typed numbers and dates), which imports as the original would."""
    login(world.users.enterprise)
    sheet = resaved(_xlsx([_row("张三", factories.id_number()),
                           _row("李四", factories.id_number(male=False), 性别="女")]).getvalue())
    response = client.post("/workers/import", data={
        "csrf_token": csrf_token(client, "/workers/import"), "enterprise_id": str(world.ent_a),
        "file": (io.BytesIO(sheet), "workers.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        names = set(db.session.scalars(select(Worker.name).where(Worker.enterprise_id == world.ent_a)))
        assert {"张三", "李四"} <= names


# --- Large sheets: a background job with a progress page ---------------------------------------

def _large_sheets(app, rows: int = 1):
    """Sheets with more than ``rows`` rows go to the job queue (immediate in the suite)."""
    app.config["WORKER_IMPORT_INLINE_ROWS"] = rows


def test_a_large_sheet_is_imported_by_a_job_whose_page_shows_the_outcome(app, world, client, login):
    _large_sheets(app)
    try:
        login(world.users.enterprise)
        rows = [_row(name, factories.id_number()) for name in ("甲", "乙", "丙")]
        response = _upload(client, world, rows)
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        page = client.get(response.headers["Location"])
        html = page.get_data(as_text=True)
        assert "已导入 3 名职工" in html and "data-status-url" not in html
        status = client.get(response.headers["Location"] + "/status").get_json()
        assert (status["state"], status["done"], status["total"], status["percent"]) == ("done", 3, 3, 100)
        assert _count(app) == 6
        from core import storage

        with app.app_context():
            assert list(storage.storage().list("imports")) == []  # the sheet is gone once imported
        login(world.users.other_enterprise)
        assert client.get(response.headers["Location"]).status_code == 404
    finally:
        app.config["WORKER_IMPORT_INLINE_ROWS"] = 200


def test_a_large_sheet_with_bad_rows_imports_nothing_and_the_job_lists_them(app, world, client, login):
    _large_sheets(app)
    try:
        login(world.users.enterprise)
        rows = [_row("甲", factories.id_number()), _row("乙", "110105198506150011"), _row("", factories.id_number())]
        response = _upload(client, world, rows)
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "未导入任何数据" in html and "身份证号" in html and "姓名" in html
        assert _count(app) == 3
    finally:
        app.config["WORKER_IMPORT_INLINE_ROWS"] = 200


def test_an_import_job_whose_worker_died_runs_again_and_creates_nobody_twice(app, world, monkeypatch):
    from datetime import timedelta

    from core.jobs import services as job_services
    from core.jobs.models import BackgroundJob
    from core.organizations.models import Enterprise
    from core.people import jobs as people_jobs
    from core.people import services as people_services
    from core.timeutil import utcnow

    real_create, calls = people_services.create_worker, []

    def dying_create(data, *, by):
        calls.append(data.name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is stopped half way through the rows
        return real_create(data, by=by)

    rows = [_row(name, factories.id_number()) for name in ("甲", "乙", "丙")]
    with app.app_context():
        job = people_jobs.queue_import(_xlsx(rows).read(), db.session.get(Enterprise, world.ent_a),
                                       rows=3, by=None)
        db.session.commit()
        job_id = job.id
        monkeypatch.setattr(people_services, "create_worker", dying_create)
        with contextlib.suppress(KeyboardInterrupt):
            people_jobs.enqueue(job)
    monkeypatch.setattr(people_services, "create_worker", real_create)
    assert _count(app) == 3  # all or nothing: none of the sheet's rows
    with app.app_context():
        assert db.session.get(BackgroundJob, job_id).state == "running"
        assert job_services.recover(utcnow() + timedelta(minutes=5)) == [job_id]
        job = db.session.get(BackgroundJob, job_id)
        assert (job.state, job.attempts, job.result["count"]) == ("done", 2, 3)
    assert _count(app) == 6


def test_a_background_export_gives_the_same_sheet_to_its_requester_only(app, world, client, login):
    login(world.users.reviewer)
    inline = load_workbook(io.BytesIO(client.get("/workers/export.xlsx").data)).active
    response = client.post("/workers/export-job", data={"csrf_token": csrf_token(client, "/workers/")})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_url = response.headers["Location"]
    assert "下载 职工名单.xlsx" in client.get(job_url).get_data(as_text=True)
    download = client.get(f"{job_url}/download")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(download.data)).active
    assert list(sheet.values) == list(inline.values)  # the same rows, masked the same way
    assert all("********" in row[2] for row in list(sheet.values)[1:])
    login(world.users.enterprise)
    assert client.get(f"{job_url}/download").status_code == 404
