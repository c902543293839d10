"""Stored files behind one interface, so every app node and worker reads what any other wrote.

Two backends, picked by ``STORAGE_BACKEND``:

* ``local`` (the default): a folder, ``UPLOAD_FOLDER``, outside the web root. Writes go to a
  ``.part`` file renamed into place, so a half-written file is never read.
* ``s3``: an S3-compatible bucket (``S3_ENDPOINT_URL``, ``S3_BUCKET``, ``S3_ACCESS_KEY_ID``,
  ``S3_SECRET_ACCESS_KEY``, ``S3_REGION``, ``S3_PREFIX``) through boto3.

Keys are relative paths of safe parts (``a3f….pdf``, ``certificate-batches/batch-7/x.pdf``).
Reading streams in chunks: a download never holds a whole file in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 256 * 1024
_KEY_PART = re.compile(r"^[^\x00-\x1f\x7f/\\]+$")


class StorageError(RuntimeError):
    """The storage could not be reached or refused the operation."""


def check_key(key: str) -> str:
    """``key`` if it is a safe relative key; ValueError otherwise (no ``..``, no absolute path)."""
    parts = (key or "").split("/")
    if not key or any(not part or part.startswith(".") or not _KEY_PART.match(part) for part in parts):
        raise ValueError("invalid storage key")
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


class LocalStorage:
    """Files in a folder."""

    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, stream: BinaryIO) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + f".{os.getpid()}.part")
        try:
            with part.open("wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        return target.stat().st_size

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise FileNotFoundError(key) from None

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.root / check_key(prefix.rstrip("/")), ignore_errors=True)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        base = self.root / check_key(prefix.rstrip("/")) if prefix else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.endswith(".part") and not any(
                    part.startswith(".") for part in path.relative_to(self.root).parts):
                yield StoredObject(path.relative_to(self.root).as_posix(), path.stat().st_size)

    def check(self, timeout: float | None = None) -> None:
        """Raise StorageError unless the folder can be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ready-"):
                pass
        except OSError as error:
            raise StorageError(str(error)) from error

    def describe(self) -> str:
        return f"local:{self.root}"


class S3Storage:
    """Objects in an S3-compatible bucket."""

    name = "s3"

    def __init__(self, *, endpoint_url: str | None, bucket: str, access_key: str | None,
                 secret_key: str | None, region: str, prefix: str = "", timeout: float = 10):
        if not bucket:
            from core.config import ConfigurationError

            raise ConfigurationError("STORAGE_BACKEND=s3 时必须设置 S3_BUCKET。")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self._credentials = {"endpoint_url": endpoint_url or None, "aws_access_key_id": access_key or None,
                             "aws_secret_access_key": secret_key or None, "region_name": region}
        self.client = self._client(connect=timeout, read=max(timeout, 30), attempts=3)
        self._check_clients: dict[float, object] = {}

    def _client(self, *, connect: float, read: float, attempts: int):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", **self._credentials, config=Config(
            connect_timeout=connect, read_timeout=read, retries={"max_attempts": attempts, "mode": "standard"},
            signature_version="s3v4", s3={"addressing_style": "path"}))

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, error) -> bool:
        return error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}

    def put(self, key: str, stream: BinaryIO) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        counter = _CountingReader(stream)
        try:
            self.client.upload_fileobj(counter, self.bucket, self._key(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error
        return counter.count

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as error:
            if self._missing(error):
                raise FileNotFoundError(key) from None
            raise StorageError(str(error)) from error

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])
        except ClientError as error:
            if self._missing(error):
                return None
            raise StorageError(str(error)) from error

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def delete_prefix(self, prefix: str) -> None:
        keys = [obj.key for obj in self.list(prefix)]
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": self._key(key)} for key in keys[start:start + 1000]], "Quiet": True})

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        full = self.prefix + (check_key(prefix.rstrip("/")) + "/" if prefix else "")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"][len(self.prefix):], int(item["Size"]))

    def check(self, timeout: float | None = None) -> None:
        """Raise StorageError unless the bucket answers (within ``timeout`` seconds, no retry)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client
        if timeout is not None:
            if timeout not in self._check_clients:
                self._check_clients[timeout] = self._client(connect=timeout, read=timeout, attempts=1)
            client = self._check_clients[timeout]
        try:
            client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error

    def create_bucket(self) -> None:
        """Create the bucket if it does not exist (``flask storage create-bucket``)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def describe(self) -> str:
        return f"s3:{self.endpoint_url or 'aws'}/{self.bucket}/{self.prefix}"


class _CountingReader:
    """A read-only stream that counts the bytes read through it."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data


_S3_CLIENTS: dict[tuple, S3Storage] = {}


def backend_for(config) -> LocalStorage | S3Storage:
    """The storage ``config`` describes (S3 clients are made once per setting)."""
    kind = (config.get("STORAGE_BACKEND") or "local").lower()
    if kind == "local":
        return LocalStorage(config["UPLOAD_FOLDER"])
    if kind == "s3":
        settings = (config.get("S3_ENDPOINT_URL"), config.get("S3_BUCKET"), config.get("S3_ACCESS_KEY_ID"),
                    config.get("S3_SECRET_ACCESS_KEY"), config.get("S3_REGION") or "us-east-1",
                    config.get("S3_PREFIX") or "")
        if settings not in _S3_CLIENTS:
            _S3_CLIENTS[settings] = S3Storage(endpoint_url=settings[0], bucket=settings[1],
                                              access_key=settings[2], secret_key=settings[3],
                                              region=settings[4], prefix=settings[5])
        return _S3_CLIENTS[settings]
    from core.config import ConfigurationError

    raise ConfigurationError(f"STORAGE_BACKEND“{kind}”无法识别：应为 local 或 s3")


def storage() -> LocalStorage | S3Storage:
    """The app's storage."""
    return backend_for(current_app.config)


def put_bytes(key: str, content: bytes) -> int:
    import io

    return storage().put(key, io.BytesIO(content))


def read_bytes(key: str) -> bytes:
    with storage().open(key) as stream:
        return stream.read()


def iter_chunks(key: str, size: int = CHUNK) -> Iterator[bytes]:
    """The stored file in chunks; opened at once (FileNotFoundError now, not mid-response)."""
    stream = storage().open(key)

    def chunks():
        try:
            while True:
                chunk = stream.read(size)
                if not chunk:
                    return
                yield chunk
        finally:
            stream.close()

    return chunks()


def sha256_of(key: str, backend=None) -> str:
    digest = hashlib.sha256()
    with (backend or storage()).open(key) as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stream_response(key: str, *, mimetype: str, download_name: str):
    """A download response streaming ``key`` from storage, never cached or sniffed.

    Raises FileNotFoundError when the file is missing.
    """
    from urllib.parse import quote

    from flask import Response

    backend = storage()
    size = backend.size(key)
    if size is None:
        raise FileNotFoundError(key)
    response = Response(iter_chunks(key), mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    ascii_name = re.sub(r'[^\x20-\x7e]|["\\]', "", download_name) or "download"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def copy_all(source, target, *, log=print) -> tuple[int, int]:
    """Copy every object of ``source`` to ``target`` (skipping those already there with the
    same size and checksum); returns (copied, skipped). Each copy is checked by SHA-256."""
    copied = skipped = 0
    for obj in source.list():
        if target.size(obj.key) == obj.size and sha256_of(obj.key, target) == sha256_of(obj.key, source):
            skipped += 1
            continue
        with source.open(obj.key) as stream:
            target.put(obj.key, stream)
        if sha256_of(obj.key, target) != sha256_of(obj.key, source):
            raise StorageError(f"复制后校验不一致：{obj.key}")
        copied += 1
        log(f"已复制 {obj.key}（{obj.size} 字节）")
    return copied, skipped
