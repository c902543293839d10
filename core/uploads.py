"""Uploaded evidence files, shared by every feature: checked by content, stored outside the web
root under random names, served only as downloads.

* The type comes from the file's first bytes (PDF, PNG or JPEG), never from its name or the
  browser's declared type: a text file named ``证书.pdf`` is refused.
* Sizes are enforced while reading, so an oversized file is never held whole in memory.
* Files live in the storage (:mod:`core.storage`: the ``UPLOAD_FOLDER`` folder or an S3
  bucket), named by a random token; the original name is kept only in the database and used
  as the download name. Downloads stream from the storage.
* Storage and database stay in step with the transaction: a file stored in a transaction that
  rolls back is deleted, and a file whose row is deleted goes from the storage only once the
  deletion is committed (see :func:`discard_on_rollback` and :func:`delete_after_commit`).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import storage
from core.errors import DomainError
from core.timeutil import utcnow

#: Content signatures of the accepted types: (magic bytes, MIME type, extension).
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {mime: ext for _magic, mime, ext in SIGNATURES}
_CHUNK = 64 * 1024
_NEW_FILES = "uploads_new_files"
_DOOMED_FILES = "uploads_doomed_files"


class UploadRefused(DomainError):
    """The file is refused (type, size or emptiness); the message says why."""


class StoredFileColumns:
    """The columns of a table of uploaded files (a :class:`StoredFile` and who uploaded it when);
    a feature's attachment model adds its own key and the record it belongs to."""

    original_name: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload folder."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def detect_type(head: bytes) -> str | None:
    """The MIME type whose signature ``head`` starts with, or None."""
    for magic, mime, _ext in SIGNATURES:
        if head.startswith(magic):
            return mime
    return None


def megabytes(size: int) -> str:
    """A size for people: 10 MB, 2.5 MB, 0.1 MB."""
    value = size / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".") + " MB" if value >= 0.1 else f"{size} B"


def clean_original_name(name: str | None) -> str:
    """The file's own name without any client path, trimmed to fit the column."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "file"


def download_name(original_name: str, content_type: str) -> str:
    """The original name with the extension the content really has."""
    ext = EXTENSIONS.get(content_type, "")
    stem, dot, current = original_name.rpartition(".")
    if dot and "." + current.lower() in {ext, ".jpeg" if ext == ".jpg" else ext}:
        return original_name
    return (stem if dot else original_name) + ext


def path_of(stored_name: str) -> Path:
    """Where a stored file lives in the local folder; refuses names that could leave it."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / _checked(stored_name)


def _checked(stored_name: str) -> str:
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("invalid stored name")
    return stored_name


def store(file_storage, *, max_bytes: int, room_bytes: int,
          total_bytes: int | None = None) -> StoredFile:
    """Check and store an uploaded file (a werkzeug ``FileStorage``).

    ``max_bytes`` is the limit for one file, ``room_bytes`` what is left of the limit for all
    files of the record, ``total_bytes`` that limit as the message names it (default: the
    ``UPLOAD_MAX_TOTAL_BYTES`` setting). Raises :class:`UploadRefused` and stores nothing when
    the file fails.
    """
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise UploadRefused(_l("请选择要上传的文件"), field="file")
    original = clean_original_name(file_storage.filename)
    stream = file_storage.stream
    head = stream.read(16)
    if not head:
        raise UploadRefused(_l("文件“%(name)s”是空的", name=original), field="file")
    content_type = detect_type(head)
    if content_type is None:
        raise UploadRefused(
            _l("文件“%(name)s”的内容不是 PDF、JPG 或 PNG（系统按文件内容判断类型，不看扩展名），"
               "请上传扫描件或照片", name=original), field="file")
    limit = min(max_bytes, room_bytes)
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    digest = hashlib.sha256()
    size = 0
    # Checked in a temporary file first (in memory while small): only a whole, accepted file
    # reaches the storage.
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as buffer:
        chunk = head
        while chunk:
            size += len(chunk)
            if size > max_bytes:
                break  # too big whatever the room: no need to read on
            if size <= limit:
                digest.update(chunk)
                buffer.write(chunk)
            chunk = stream.read(_CHUNK)
        if size > max_bytes:
            raise UploadRefused(_l("文件“%(name)s”超过单个文件 %(limit)s 的上限",
                                   name=original, limit=megabytes(max_bytes)), field="file")
        if size > limit:
            raise UploadRefused(
                _l("上传“%(name)s”后附件总大小将超过 %(limit)s 的上限，"
                   "请先删除不需要的附件", name=original,
                   limit=megabytes(total_bytes or current_app.config["UPLOAD_MAX_TOTAL_BYTES"])),
                field="file")
        buffer.seek(0)
        storage.storage().put(stored_name, buffer)  # type: ignore[arg-type]  # a binary file
    return StoredFile(stored_name=stored_name, original_name=original, content_type=content_type,
                      size=size, sha256=digest.hexdigest())


def remove(stored_name: str) -> None:
    """Delete a stored file now (missing files are fine: the goal is that it is gone)."""
    with contextlib.suppress(ValueError):
        storage.storage().delete(_checked(stored_name))


def discard_on_rollback(session, stored_name: str) -> None:
    """Delete ``stored_name`` from the storage if the session's transaction rolls back."""
    session.info.setdefault(_NEW_FILES, []).append((storage.storage(), _checked(stored_name)))


def delete_after_commit(session, stored_name: str) -> None:
    """Delete ``stored_name`` from the storage once the session's transaction commits."""
    session.info.setdefault(_DOOMED_FILES, []).append((storage.storage(), _checked(stored_name)))


def _remove_listed(session, key: str) -> None:
    for backend, stored_name in session.info.pop(key, []):
        with contextlib.suppress(OSError, storage.StorageError):
            backend.delete(stored_name)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    session.info.pop(_NEW_FILES, None)
    _remove_listed(session, _DOOMED_FILES)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.nested:
        return  # a savepoint: the outer transaction may still commit
    session.info.pop(_DOOMED_FILES, None)
    _remove_listed(session, _NEW_FILES)


def send(stored_name: str, *, original_name: str, content_type: str):
    """A download streamed from the storage: the stored MIME type, always as an attachment,
    never sniffed. Raises ``FileNotFoundError`` when the file is missing."""
    response = storage.stream_response(_checked(stored_name), mimetype=content_type,
                                       download_name=download_name(original_name, content_type))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
