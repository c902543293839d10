"""Hostile files for the import limits, written as a stream so that making one costs little
memory: a small .xlsx that unpacks to a huge sheet text (an "Excel bomb"), and a tall sheet."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook

_CHUNK = b"A" * (1024 * 1024)


def excel_text_bomb(target, headers: Sequence[str], text_mib: int) -> None:
    """Write to ``target`` (a path or binary file) a valid workbook whose first data cell holds
    ``text_mib`` MiB of text (in the sheet or shared-strings part): a few KiB compressed."""
    book = Workbook()
    book.active.append(list(headers))
    book.active.append(["PADDING"] + [""] * (len(headers) - 1))
    small = io.BytesIO()
    book.save(small)
    small.seek(0)
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if b"PADDING" not in data:
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"PADDING", 1)
            with bomb.open(info.filename, "w", force_zip64=True) as member:
                member.write(head)
                for _ in range(text_mib):
                    member.write(_CHUNK)
                member.write(tail)


def tall_sheet(headers: Sequence[str], row: Sequence, count: int) -> io.BytesIO:
    """A workbook with ``count`` copies of ``row`` under ``headers`` (streamed write)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(headers))
    for _ in range(count):
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
