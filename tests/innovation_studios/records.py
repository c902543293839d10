"""Helpers of the tests of a studio's records (achievements, funding, annual assessment).

The generators ``csrf_off`` and ``private_upload_folder`` back the test modules' own
``no_csrf`` and ``upload_dir`` fixtures.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from core.accounts.models import User
from core.extensions import db
from innovation_studios.achievements.models import Achievement, AchievementMember
from innovation_studios.studios.models import Studio

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def csrf_off(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def private_upload_folder(app, tmp_path):
    """A private upload folder for one test."""
    saved = app.config["UPLOAD_FOLDER"]
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config["UPLOAD_FOLDER"] = saved


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


def studio(studio_id: int) -> Studio:
    return db.session.get(Studio, studio_id)


def pdf(name: str = "专利证书.pdf", content: bytes = PDF) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def add_achievement(studio_id: int, *, kind: str = "innovation", title: str = "主轴快速找正装置",
                    on: date = date(2025, 5, 10), benefit=None, patent_number=None,
                    patent_status=None) -> Achievement:
    """An achievement inserted directly (no validation, no audit) with the studio's leader."""
    owner = studio(studio_id)
    achievement = Achievement(studio_id=studio_id, kind=kind, title=title, achieved_on=on,
                              economic_benefit=benefit, patent_number=patent_number,
                              patent_status=patent_status)
    achievement.members = [AchievementMember(worker_id=owner.leader_worker_id)]
    db.session.add(achievement)
    db.session.flush()
    return achievement


@contextmanager
def counted_queries():
    """Count the SQL statements run inside the block: ``with counted_queries() as count: ...``."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
