"""Backups that restore: ``flask backup create`` and ``flask backup restore``.

A backup is a folder::

    backup-20261206T230000Z/
      manifest.json      what is inside, with SHA-256 checksums and the record counts
      database.dump      PostgreSQL (pg_dump custom format), or database.sqlite3 for SQLite
      files/<key>        every stored file (local folder or object storage alike)

The database is dumped first, in one snapshot (pg_dump's own transaction); the files are
copied after it, so every file a dumped record names is in the backup (files are deleted only
after the deletion is committed). ``restore`` checks every checksum first, refuses a database
that already has tables, restores the dump, puts the files back into the configured storage
(checking each again) and compares the record counts with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text

from core import storage
from core.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why (in Chinese)."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq(url: str) -> tuple[str, dict]:
    """The database URL as pg_dump / pg_restore read it (no driver suffix, no password: that
    goes in the environment, never on a command line others can list)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def _sqlite_path(url: str) -> Path:
    return Path(url.split("sqlite:///", 1)[1])


def _run(command: list[str], what: str, env: dict) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False,  # noqa: S603
                                env=env)
    except FileNotFoundError:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端（postgresql-client）。") from None
    if result.returncode != 0:
        # The tool's message may name the host and user, never the password (not on the command line).
        raise BackupError(f"{what}失败：{result.stderr.strip()[-1000:]}")


def record_counts() -> dict[str, int]:
    """Rows per table of the app's schema."""
    existing = set(inspect(db.engine).get_table_names())
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table)) or 0
    return counts


def _revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # noqa: BLE001 - a database made by create_all has none
        db.session.rollback()
        return None


def _dump(folder: Path) -> str:
    url = current_app.config["DATABASE_URL"]
    if url.startswith(("postgresql", "postgres")):
        target = folder / "database.dump"
        dsn, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
              "--dbname", dsn], "导出数据库（pg_dump）", env)
        return target.name
    if url.startswith("sqlite:///"):
        target = folder / "database.sqlite3"
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return target.name
    raise BackupError(f"不支持备份此类数据库：{url.split(':', 1)[0]}")


def create(output: Path, *, log=print) -> Path:
    """Write a backup folder under ``output``; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(output) / f"backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    counts = record_counts()
    revision = _revision()
    db.session.rollback()
    dump_name = _dump(folder)
    log(f"数据库已导出：{dump_name}")
    backend = storage.storage()
    files = []
    for obj in backend.list():
        target = folder / "files" / obj.key
        target.parent.mkdir(parents=True, exist_ok=True)
        with backend.open(obj.key) as stream, target.open("wb") as out:
            shutil.copyfileobj(stream, out, storage.CHUNK)
        files.append({"key": obj.key, "size": target.stat().st_size, "sha256": _sha256_file(target)})
    log(f"文件已复制：{len(files)} 个（来自 {backend.name} 存储）")
    manifest = {"format": FORMAT, "created_at": stamp, "database": {
        "file": dump_name, "sha256": _sha256_file(folder / dump_name), "revision": revision,
        "kind": "postgresql" if dump_name.endswith(".dump") else "sqlite"},
        "record_counts": counts, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} 不是备份目录（没有 {MANIFEST}）。")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    return manifest


def verify(folder: Path) -> dict:
    """Check every checksum of the backup; the manifest when all match."""
    manifest = read_manifest(folder)
    dump = Path(folder) / manifest["database"]["file"]
    if not dump.is_file() or _sha256_file(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"数据库文件缺失或校验不一致：{dump.name}")
    for entry in manifest["files"]:
        path = Path(folder) / "files" / storage.check_key(entry["key"])
        if not path.is_file() or _sha256_file(path) != entry["sha256"]:
            raise BackupError(f"备份中的文件缺失或校验不一致：{entry['key']}")
    return manifest


def _restore_database(folder: Path, manifest: dict) -> None:
    url = current_app.config["DATABASE_URL"]
    kind = manifest["database"]["kind"]
    if inspect(db.engine).get_table_names():
        raise BackupError("目标数据库不是空的：请恢复到新建的空数据库（不会覆盖已有数据）。")
    db.session.remove()
    db.engine.dispose()
    dump = Path(folder) / manifest["database"]["file"]
    if kind == "postgresql":
        if not url.startswith(("postgresql", "postgres")):
            raise BackupError("这是 PostgreSQL 备份，只能恢复到 PostgreSQL 数据库。")
        dsn, env = _libpq(url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", dsn, str(dump)],
             "恢复数据库（pg_restore）", env)
    else:
        if not url.startswith("sqlite:///"):
            raise BackupError("这是 SQLite 备份，只能恢复到 SQLite 数据库文件。")
        with sqlite3.connect(dump) as source, sqlite3.connect(_sqlite_path(url)) as target:
            source.backup(target)


def restore(folder: Path, *, log=print) -> dict:
    """Rebuild the configured (empty) database and the storage from ``folder``."""
    manifest = verify(folder)
    log(f"备份校验通过：{len(manifest['files'])} 个文件")
    _restore_database(folder, manifest)
    log("数据库已恢复")
    backend = storage.storage()
    for entry in manifest["files"]:
        with (Path(folder) / "files" / entry["key"]).open("rb") as stream:
            backend.put(entry["key"], stream)
        if storage.sha256_of(entry["key"], backend) != entry["sha256"]:
            raise BackupError(f"恢复后文件校验不一致：{entry['key']}")
    log(f"文件已恢复到 {backend.name} 存储：{len(manifest['files'])} 个")
    counts = record_counts()
    different = {name: (count, counts.get(name)) for name, count in manifest["record_counts"].items()
                 if counts.get(name) != count}
    if different:
        raise BackupError("恢复后记录数与备份不一致：" + "，".join(
            f"{name} {want}≠{got}" for name, (want, got) in sorted(different.items())))
    log("记录数与备份一致：" + "，".join(f"{n} {c}" for n, c in sorted(counts.items()) if c))
    return manifest
