"""Certificates in a browser: the demo worker opens 我的证书 from the navigation and downloads
a PDF; someone else's certificate answers with the Chinese 404 page. An administrator starts a
batch and watches its page update itself until the ZIP is offered (the progress script runs
under the site's Content-Security-Policy: no inline scripts).

Only the setup (certificates, a batch source) is done directly, through the services.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certificates import sources
from certificates.services import batches
from core.accounts.models import User
from core.extensions import db
from core.people.models import Worker
from tests.certificates.samples import SAMPLE_SOURCE, issue_for, register_sample, request_for
from tests.e2e.helpers import log_in, path_of

pytestmark = pytest.mark.e2e


def _worker_of(username: str) -> Worker:
    user = db.session.scalar(select(User).where(User.username == username))
    return db.session.get(Worker, user.worker_id)


def _stranger() -> Worker:
    """A worker of another enterprise than the demo worker's."""
    mine = _worker_of("worker")
    return db.session.scalar(select(Worker).where(Worker.enterprise_id != mine.enterprise_id)
                             .order_by(Worker.id))


def test_a_worker_downloads_their_certificate_from_my_certificates(app, page, tmp_path):
    with app.app_context():
        mine = issue_for(_worker_of("worker").id, "e2e:mine", honour="北京大工匠")
        theirs = issue_for(_stranger().id, "e2e:theirs", honour="北京大工匠")
        db.session.commit()
        serial, holder, other_id = mine.serial, mine.holder_name, theirs.id

    log_in(page, "worker")
    page.locator("#nav").get_by_role("link", name="我的证书", exact=True).click()
    assert path_of(page) == "/my/certificates"
    expect(page.get_by_role("heading", name="我的证书")).to_be_visible()
    row = page.locator("[data-testid=certificate-list] tbody tr", has_text=serial)
    expect(row).to_contain_text(holder)
    expect(row).to_contain_text("有效")

    with page.expect_download() as info:
        row.get_by_role("link", name=f"下载证书 {serial}（PDF）").click()
    download = info.value
    assert download.suggested_filename.startswith(serial) and download.suggested_filename.endswith(".pdf")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    content = Path(target).read_bytes()
    assert content.startswith(b"%PDF-") and b"%%EOF" in content[-64:]

    # A guessed address of someone else's certificate: the same answer as one that does not exist.
    response = page.goto(f"/certificates/{other_id}/download")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()


def test_on_a_phone_each_certificate_reads_as_lines_with_its_download_button_on_screen(app, page):
    """At 375 px the list is not a table scrolling sideways: each certificate is a block of
    "label  value" lines, the download button on screen."""
    with app.app_context():
        serial = issue_for(_worker_of("worker").id, "e2e:phone",
                           honour="2026年北京市职工职业技能大赛焊工项目一等奖").serial
        db.session.commit()
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, "worker")
    page.goto("/my/certificates")
    button = page.get_by_role("link", name=f"下载证书 {serial}（PDF）")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    expect(page.locator("[data-testid=certificate-list] thead")).to_be_hidden()
    honour = page.locator("[data-testid=certificate-list] td[data-label=荣誉]")
    assert honour.evaluate("e => getComputedStyle(e, '::before').content") == '"荣誉"'


@pytest.fixture
def job_worker(app, tmp_path):
    """A real queue (a SQLite file) with a Huey consumer in this process, instead of the
    suite's immediate mode: the request only queues, the consumer does the work meanwhile."""
    from core.jobs import JobQueue

    saved_url, saved_queue = app.config["HUEY_URL"], app.extensions["jobs"]
    app.config["HUEY_URL"] = f"sqlite:///{tmp_path / 'huey.sqlite3'}"
    app.extensions["jobs"] = JobQueue(app)
    consumer = app.extensions["jobs"].huey.create_consumer(workers=1, periodic=False, max_delay=0.2)
    consumer.start()
    yield
    consumer.stop(graceful=True)
    app.config["HUEY_URL"], app.extensions["jobs"] = saved_url, saved_queue


@pytest.fixture
def slow_sample(app, monkeypatch, job_worker):
    """A batch source of three certificates whose PDFs take a moment each, so the progress page
    is seen before the batch is done."""
    with app.app_context():
        workers = db.session.scalars(select(Worker).order_by(Worker.id).limit(3)).all()
        requests = [request_for(w.id, f"e2e:batch:{w.id}") for w in workers]
    register_sample({"e2e": requests})
    real_render = batches._render

    def slow_render(certificates):
        time.sleep(0.8 * len(certificates))
        return real_render(certificates)

    monkeypatch.setattr(batches, "_render", slow_render)
    monkeypatch.setattr(batches, "RENDER_CHUNK", 1)
    yield
    sources.unregister(SAMPLE_SOURCE)


def test_an_administrator_watches_a_batch_finish_and_gets_the_zip(page, slow_sample):
    log_in(page, "admin")
    page.goto("/certificates/batches")
    page.locator("#scope").select_option(f"{SAMPLE_SOURCE}|e2e")
    with page.expect_navigation():
        page.get_by_role("button", name="开始批量颁发").click()
    assert path_of(page).startswith("/certificates/batches/")
    expect(page.get_by_role("alert").first).to_contain_text("正在后台颁发")
    progress = page.get_by_test_id("batch-progress")
    expect(progress).to_contain_text("证书总数")
    # The page updates itself (no reload by hand) and, once done, offers the ZIP.
    expect(page.get_by_test_id("download-zip")).to_be_visible(timeout=30_000)
    expect(progress).to_contain_text("已完成")
    expect(page.get_by_test_id("batch-done")).to_contain_text("3 / 3")
    expect(page.get_by_test_id("batch-finished")).not_to_have_text("—")
    with page.expect_download() as info:
        page.get_by_test_id("download-zip").click()
    assert info.value.suggested_filename.endswith(".zip")
