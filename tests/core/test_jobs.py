"""The job queue with real worker processes (``flask jobs worker`` over a SQLite queue file):
a batch queued by the web is done by a worker, and a worker killed half way leaves a batch
that the next worker finishes without a duplicate certificate."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from certificates import sources
from certificates.models import Certificate
from certificates.models_batches import CertificateBatch
from certificates.services import batches
from core import create_app, jobs, storage
from core.accounts.models import User
from core.extensions import db
from core.timeutil import utcnow
from tests.certificates.samples import SAMPLE_SOURCE, register_sample, request_for

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queued_app(app, database_url, tmp_path):
    """The suite's database and storage with a real queue file instead of immediate mode."""
    queue_url = f"sqlite:///{tmp_path / 'huey.sqlite3'}"
    worker_app = create_app("testing", {"DATABASE_URL": database_url, "HUEY_URL": queue_url,
                                        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]})
    yield worker_app
    with worker_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _start_worker(flask_app, *extra) -> subprocess.Popen:
    env = {**os.environ, "APP_CONFIG": "testing", "FLASK_APP": "wsgi:app",
           "DATABASE_URL": flask_app.config["DATABASE_URL"], "HUEY_URL": flask_app.config["HUEY_URL"],
           "UPLOAD_FOLDER": flask_app.config["UPLOAD_FOLDER"]}
    return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--no-periodic", *extra],  # noqa: S603
                            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def _batch(flask_app, batch_id: int) -> CertificateBatch:
    with flask_app.app_context():
        batch = db.session.get(CertificateBatch, batch_id)
        db.session.expunge(batch)
        return batch


def _wait_for(flask_app, batch_id: int, condition, timeout: float = 120) -> CertificateBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = _batch(flask_app, batch_id)
        if condition(batch):
            return batch
        time.sleep(0.05)
    raise AssertionError(f"batch {batch_id} stayed {batch.state} ({batch.done}/{batch.total})")


def _queue_sample(flask_app, world, count: int) -> int:
    with flask_app.app_context():
        workers = [world.worker_a, world.worker_b, world.worker_c]
        requests = [request_for(workers[n % 3], f"real:{n}", honour=f"荣誉{n}") for n in range(count)]
        register_sample({"a": requests})
        batch = batches.queue(SAMPLE_SOURCE, "a", by=db.session.get(User, world.users.admin))
        db.session.commit()
        batches.enqueue(batch.id)
        return batch.id


def test_a_worker_process_runs_the_batch_the_web_queued(queued_app, world):
    try:
        with queued_app.app_context():
            assert not jobs.queue().immediate
        batch_id = _queue_sample(queued_app, world, 4)
        assert _batch(queued_app, batch_id).state == "queued"  # nothing runs in this process
        worker = _start_worker(queued_app)
        try:
            batch = _wait_for(queued_app, batch_id, lambda b: b.state in ("done", "failed"))
        finally:
            _stop(worker)
        assert (batch.state, batch.done) == ("done", 4), worker.stderr.read().decode()[-2000:]
        with queued_app.app_context():
            archive = zipfile.ZipFile(io.BytesIO(storage.read_bytes(batches.zip_key(batch))))
            assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 4
    finally:
        sources.unregister(SAMPLE_SOURCE)


def test_a_killed_worker_leaves_a_batch_the_next_worker_finishes_without_duplicates(queued_app, world):
    count = 2 * batches.RENDER_CHUNK + 10
    try:
        batch_id = _queue_sample(queued_app, world, count)
        first = _start_worker(queued_app)
        try:
            at_kill = _wait_for(queued_app, batch_id, lambda b: b.issued > 0 or b.state == "done")
        finally:
            _stop(first, signal.SIGKILL)  # no goodbye: its claim and its queue message are lost
        assert at_kill.state != "done"
        with queued_app.app_context():
            # The periodic recovery, a few minutes later: the dead worker's batch is queued again.
            assert batches.recover(utcnow() + timedelta(minutes=5)) == [batch_id]
        second = _start_worker(queued_app, "--workers", "2")
        try:
            batch = _wait_for(queued_app, batch_id, lambda b: b.state in ("done", "failed"))
        finally:
            _stop(second)
        assert (batch.state, batch.issued, batch.done, batch.failed) == ("done", count, count, 0)
        assert batch.attempts == 2
        with queued_app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Certificate)) == count
            assert db.session.scalar(select(func.count(func.distinct(Certificate.source_key)))) == count
            archive = zipfile.ZipFile(io.BytesIO(storage.read_bytes(batches.zip_key(batch))))
            assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == count
    finally:
        sources.unregister(SAMPLE_SOURCE)
