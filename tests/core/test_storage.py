"""Stored files behind one interface: the local folder and S3-compatible object storage (here
moto's standalone S3 server, a real HTTP endpoint). Evidence uploaded on one node is read by
any other; downloads stream with the same access checks; a command moves existing files."""

from __future__ import annotations

import hashlib
import io
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core import storage
from core.extensions import db
from craftsmen.models import NominationAttachment
from tests.conftest import csrf_token
from tests.craftsmen.conftest import make_cycle
from tests.craftsmen.test_nominations import BASE, PDF, _draft


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free local port, for this module."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3(app, s3_endpoint, tmp_path):
    """The app on a fresh bucket (and a fresh local folder, to show nothing lands there)."""
    bucket = f"craftsman-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    settings = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": s3_endpoint, "S3_BUCKET": bucket,
                "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing",
                "S3_REGION": "us-east-1", "S3_PREFIX": "", "UPLOAD_FOLDER": str(tmp_path / "local")}
    saved = {name: app.config.get(name) for name in settings}
    app.config.update(settings)
    with app.app_context():
        storage.storage().create_bucket()
    yield app
    app.config.update(saved)


def test_the_s3_backend_stores_lists_streams_and_deletes(s3):
    with s3.app_context():
        backend = storage.storage()
        assert backend.name == "s3"
        backend.check()
        assert storage.put_bytes("a/one.pdf", b"%PDF-one") == 8
        storage.put_bytes("a/two.pdf", b"%PDF-two")
        storage.put_bytes("b.pdf", b"%PDF-b")
        assert [(o.key, o.size) for o in backend.list("a")] == [("a/one.pdf", 8), ("a/two.pdf", 8)]
        assert b"".join(storage.iter_chunks("a/one.pdf", size=3)) == b"%PDF-one"
        assert backend.size("a/one.pdf") == 8 and backend.size("nope.pdf") is None
        with pytest.raises(FileNotFoundError):
            backend.open("nope.pdf")
        backend.delete_prefix("a")
        assert [o.key for o in backend.list()] == ["b.pdf"]
        for bad in ("../x", "/etc/passwd", "a//b", ".hidden"):
            with pytest.raises(ValueError):
                backend.put(bad, io.BytesIO(b"x"))


def test_the_local_backend_keeps_files_in_the_upload_folder(app, tmp_path):
    backend = storage.backend_for({"STORAGE_BACKEND": "local", "UPLOAD_FOLDER": str(tmp_path)})
    backend.put("x/y.pdf", io.BytesIO(b"%PDF-y"))
    assert (tmp_path / "x" / "y.pdf").read_bytes() == b"%PDF-y"
    assert [o.key for o in backend.list()] == ["x/y.pdf"]
    assert not list(tmp_path.rglob("*.part"))


def test_evidence_uploaded_to_object_storage_is_downloaded_with_the_same_checks(s3, world, client, login):
    with s3.app_context():
        cycle = make_cycle()
        db.session.commit()
        cycle_id = cycle.id
    nomination_id = _draft(s3, world, cycle_id, complete=False)
    login(world.users.enterprise)
    response = client.post(f"{BASE}/{nomination_id}/attachments", data={
        "csrf_token": csrf_token(client, f"{BASE}/{nomination_id}/edit"),
        "attachment-file": (io.BytesIO(PDF), "技能等级证书.pdf")})
    assert response.status_code == 302
    with s3.app_context():
        attachment = db.session.scalar(select(NominationAttachment))
        assert storage.sha256_of(attachment.stored_name) == hashlib.sha256(PDF).hexdigest()
        attachment_id = attachment.id
    assert not Path(s3.config["UPLOAD_FOLDER"]).exists() or not any(Path(s3.config["UPLOAD_FOLDER"]).iterdir())
    url = f"{BASE}/{nomination_id}/attachments/{attachment_id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Length"] == str(len(PDF))
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    login(world.users.other_enterprise)
    assert client.get(url).status_code in (403, 404)


def test_the_copy_command_moves_local_files_into_the_bucket(s3, tmp_path):
    local = Path(s3.config["UPLOAD_FOLDER"])
    (local / "certificate-batches").mkdir(parents=True)
    (local / "a1b2.pdf").write_bytes(b"%PDF-evidence")
    (local / "certificate-batches" / "certificate-batch-1.zip").write_bytes(b"PK-zip")
    (local / "half.pdf.123.part").write_bytes(b"partial")
    runner = s3.test_cli_runner()
    result = runner.invoke(args=["storage", "copy-to-s3"])
    assert result.exit_code == 0, result.output
    assert "已复制 2 个文件，0 个已存在且一致" in result.output
    with s3.app_context():
        assert storage.read_bytes("a1b2.pdf") == b"%PDF-evidence"
        assert storage.read_bytes("certificate-batches/certificate-batch-1.zip") == b"PK-zip"
        assert storage.storage().size("half.pdf.123.part") is None
    again = runner.invoke(args=["storage", "copy-to-s3", "--delete-local"])
    assert "已复制 0 个文件，2 个已存在且一致" in again.output and "已删除 2 个本地文件" in again.output
    assert not (local / "a1b2.pdf").exists()


def test_a_certificate_batch_zip_lives_in_object_storage(s3, world, client, login):
    from certificates import sources
    from certificates.models_batches import CertificateBatch
    from tests.certificates.samples import SAMPLE_SOURCE, register_sample, request_for

    with s3.app_context():
        register_sample({"a": [request_for(world.worker_a, "s3:1"), request_for(world.worker_b, "s3:2")]})
    try:
        login(world.users.admin)
        response = client.post("/certificates/batches", data={
            "csrf_token": csrf_token(client, "/certificates/batches"), "scope": f"{SAMPLE_SOURCE}|a"})
        assert response.status_code == 302
        with s3.app_context():
            batch = db.session.scalar(select(CertificateBatch))
            assert batch.state == "done"
            zip_key = f"certificate-batches/certificate-batch-{batch.id}.zip"
            assert [o.key for o in storage.storage().list()] == [zip_key]
        download = client.get(f"/certificates/batches/{batch.id}/zip")
        assert download.status_code == 200
        assert len([n for n in zipfile.ZipFile(io.BytesIO(download.data)).namelist() if n.endswith(".pdf")]) == 2
    finally:
        sources.unregister(SAMPLE_SOURCE)
