"""Backups that restore: ``flask backup create`` then ``flask backup restore`` into an empty
database and an empty storage gives back the same records, the same files (by checksum) and
certificates that still verify. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL
(pg_dump / pg_restore)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest

from certificates import sealing, signing, verification
from certificates.services import issuing
from core import backup, create_app, storage
from core.extensions import db
from tests.certificates.samples import issue_for
from tests.databases import fresh_postgres_database

EVIDENCE = b"%PDF-1.4\n% evidence scan\n%%EOF\n"


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A new, empty database beside the suite's (same server for PostgreSQL)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with fresh_postgres_database(database_url, f"restore_{uuid.uuid4().hex[:10]}") as url:
        yield url


def _restored_app(url: str, tmp_path: Path):
    return create_app("testing", {"DATABASE_URL": url, "UPLOAD_FOLDER": str(tmp_path / "restored-files")})


def _backup(app, tmp_path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "backups").iterdir()
    return folder


def test_a_backup_restores_into_an_empty_database_with_files_and_verifiable_certificates(
        app, world, tmp_path, empty_database):
    with app.app_context():
        certificate = issue_for(world.worker_a, "backup:1")
        db.session.commit()
        pdf = issuing.render_pdf(certificate)
        storage.put_bytes("0123456789abcdef0123456789abcdef.pdf", EVIDENCE)
        counts = backup.record_counts()
    folder = _backup(app, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["record_counts"]["certificates"] == 1 and manifest["record_counts"]["workers"] == counts["workers"]
    [evidence] = [f for f in manifest["files"] if f["key"].startswith("0123456789abcdef")]
    assert evidence["sha256"] == hashlib.sha256(EVIDENCE).hexdigest()

    restored = _restored_app(empty_database, tmp_path)
    try:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
        assert result.exit_code == 0, result.output
        assert "记录数与备份一致" in result.output
        with restored.app_context():
            assert backup.record_counts() == counts
            assert storage.sha256_of(evidence["key"]) == evidence["sha256"]
            report = verification.check(verification.read_document(pdf), dict(signing.keyring().public),
                                        verification.database_lookup(db.session),
                                        known_seals=sealing.known_certificates(restored.config))
            assert report.valid, report.checks
        page = restored.test_client().get(f"/verify/{certificate.serial}")
        assert page.status_code == 200 and certificate.serial in page.get_data(as_text=True)
        # Restoring again over the restored data is refused: it never overwrites a database.
        again = restored.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
        assert again.exit_code != 0 and "目标数据库不是空的" in again.output
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_is_restored(app, world, tmp_path, empty_database):
    with app.app_context():
        storage.put_bytes("fedcba9876543210fedcba9876543210.pdf", EVIDENCE)
    folder = _backup(app, tmp_path)
    (folder / "files" / "fedcba9876543210fedcba9876543210.pdf").write_bytes(b"%PDF-tampered")
    restored = _restored_app(empty_database, tmp_path)
    try:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
        assert result.exit_code != 0 and "校验不一致" in result.output
        with restored.app_context():
            from sqlalchemy import inspect

            assert inspect(db.engine).get_table_names() == []
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()
