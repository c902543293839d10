"""Evidence files: the type comes from the first bytes, names are cleaned, sizes are enforced
while reading, and stored names can never point outside the upload folder."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from craftsmen import uploads


@pytest.mark.parametrize("head, mime", [
    (b"%PDF-1.7\n", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"\xff\xd8\xff\xe1\x00\x18Exif", "image/jpeg"),
    (b"PK\x03\x04", None),                     # a .docx or .zip
    (b"<html><script>", None),
    (b"%PD", None),                            # truncated signature
    (b"GIF89a", None),
    ("这是文本".encode(), None),
])
def test_type_is_detected_from_the_first_bytes(head, mime):
    assert uploads.detect_type(head) == mime


@pytest.mark.parametrize("raw, clean", [
    ("C:\\Users\\张三\\Desktop\\获奖证书.pdf", "获奖证书.pdf"),
    ("../../etc/passwd", "passwd"),
    ("  证书.pdf  ", "证书.pdf"),
    ("", "file"),
    (None, "file"),
    ("a\x00b.pdf", "ab.pdf"),
])
def test_original_names_lose_client_paths_and_control_characters(raw, clean):
    assert uploads.clean_original_name(raw) == clean


def test_long_names_keep_their_extension():
    name = uploads.clean_original_name("长" * 300 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


@pytest.mark.parametrize("original, mime, served", [
    ("证书.pdf", "application/pdf", "证书.pdf"),
    ("照片.JPEG", "image/jpeg", "照片.JPEG"),
    ("照片.pdf", "image/png", "照片.png"),   # named .pdf, really a PNG
    ("奖状", "image/jpeg", "奖状.jpg"),
])
def test_download_name_carries_the_real_extension(original, mime, served):
    assert uploads.download_name(original, mime) == served


@pytest.mark.parametrize("size, text", [(10 * 1024 * 1024, "10 MB"), (50 * 1024 * 1024, "50 MB"),
                                        (1536 * 1024, "1.5 MB"), (1024, "1024 B")])
def test_sizes_read_as_megabytes(size, text):
    assert uploads.megabytes(size) == text


@pytest.mark.parametrize("name", ["../secret", "a/b.pdf", "..\\x.pdf", ".hidden", ""])
def test_stored_names_cannot_leave_the_upload_folder(app, name):
    with app.app_context(), pytest.raises(ValueError):
        uploads.path_of(name)


@pytest.fixture
def folder(app, tmp_path):
    saved = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    yield tmp_path
    app.config["UPLOAD_FOLDER"] = saved


def _storage(content: bytes, name: str = "证书.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def test_store_writes_the_whole_file_with_its_hash(app, folder):
    content = b"%PDF-1.4\n" + b"x" * 200_000
    with app.test_request_context():
        stored = uploads.store(_storage(content), max_bytes=1_000_000, room_bytes=1_000_000)
    assert (folder / stored.stored_name).read_bytes() == content
    assert stored.size == len(content) and stored.content_type == "application/pdf"
    assert stored.stored_name.endswith(".pdf") and "证书" not in stored.stored_name


@pytest.mark.parametrize("content, limit, room, message", [
    (b"", 100, 100, "是空的"),
    (b"%PDF-" + b"x" * 200, 100, 1000, "超过单个文件"),
    (b"%PDF-" + b"x" * 200, 1000, 100, "附件总大小将超过"),
    (b"hello, world", 100, 100, "内容不是 PDF、JPG 或 PNG"),
])
def test_store_refuses_and_leaves_nothing_on_disk(app, folder, content, limit, room, message):
    with app.test_request_context(), pytest.raises(uploads.UploadRefused, match=message):
        uploads.store(_storage(content), max_bytes=limit, room_bytes=room)
    assert list(folder.iterdir()) == []
