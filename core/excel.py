"""Excel in and out (openpyxl): workbooks with Chinese headers, and row readers that
report problems by row and column.

openpyxl is imported where a workbook is made or read, not with this module: app processes
that never touch a spreadsheet do not carry it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, has_app_context, send_file
from flask_babel import lazy_gettext as _l

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: Characters that make a spreadsheet treat typed text as a formula (CSV/Excel injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value):
    """Keep user text as text: a leading formula character is escaped with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence], widths=None, *,
             round_trip: bool = False, text_columns: Sequence[str] = ()) -> bytes:
    """One sheet with a bold, frozen header row; dates stay dates.

    ``text_columns``: headers of columns formatted as text, whole columns, so that what people
    type there stays as typed (an ID number typed into a number cell loses its last digits).

    ``round_trip``: a sheet meant to be edited and imported again. Text that looks like a
    formula is then stored as a text cell marked "quote prefix" (Excel shows and keeps it as
    text, never evaluates it) instead of behind a literal apostrophe, so that importing the
    sheet returns exactly what was exported."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for row in rows:
        sheet.append(list(row) if round_trip else [_as_text(value) for value in row])
    if round_trip:
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_STARTS):
                    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
                    cell.quotePrefix = True
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(header) or max(10, min(40, len(str(header)) * 2 + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    for header in text_columns:
        index = list(headers).index(header) + 1
        sheet.column_dimensions[get_column_letter(index)].number_format = "@"
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = "@"
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(content: bytes, filename: str):
    """Send an .xlsx file as a download."""
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=filename)


@dataclass(frozen=True)
class RowProblem:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str
    reason: str


class ImportRefused(Exception):
    """Nothing was imported; ``problems`` says why, row by row."""

    def __init__(self, problems: list[RowProblem], after_rollback=None):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems
        #: As :attr:`core.errors.DomainError.after_rollback`: kept although nothing is imported.
        self.after_rollback = after_rollback


class SheetError(ValueError):
    """The file is not a readable workbook or lacks required columns."""


def _limits() -> tuple[int, int]:
    """(unpacked bytes, data rows): the app's settings, or the defaults outside an app."""
    from core.config import BaseConfig

    config = current_app.config if has_app_context() else vars(BaseConfig)
    return (int(config["EXCEL_IMPORT_MAX_UNCOMPRESSED_MB"]) * 1024 * 1024,
            int(config["EXCEL_IMPORT_MAX_ROWS"]))


def check_archive(stream, max_bytes: int) -> None:
    """Refuse, before any parsing, a file that is not a zip archive or that unpacks to more
    than ``max_bytes`` (an .xlsx is a zip; a few hundred KiB can unpack to gigabytes).

    The sizes are those of the central directory; Python's zip reader never returns more
    than an entry's stated size, so a lying entry cannot exceed them either.
    """
    try:
        with zipfile.ZipFile(stream) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(_l("无法读取该文件，请上传 Excel（.xlsx）文件")) from exc
    finally:
        stream.seek(0)
    if total > max_bytes:
        raise SheetError(_l("文件解压后超过 %(mb)s MB 的上限，请删去多余内容或拆分成几个文件分批导入",
                            mb=max_bytes // (1024 * 1024)))


def _too_many_rows(limit: int) -> SheetError:
    return SheetError(_l("表格超过 %(n)s 行数据的上限，请拆分成几个文件分批导入", n=limit))


def load_workbook(stream, **options):
    """openpyxl's reader (imported on first use)."""
    from openpyxl import load_workbook as load

    return load(stream, **options)


def read_rows(stream, required: Sequence[str]) -> list[tuple[int, dict]]:
    """Rows of the first sheet as ``(row number, {header: text})``; blank rows skipped.

    A number too long for a spreadsheet to have kept (:data:`LOST_DIGITS_FROM`) refuses the
    sheet (:class:`ImportRefused`, every such cell listed): what it stood for cannot be known.

    The archive's unpacked size is checked before parsing and the rows are streamed
    (read-only mode), stopping as soon as there are more than the configured limit.
    """
    max_bytes, max_rows = _limits()
    check_archive(stream, max_bytes)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same answer
        raise SheetError(_l("无法读取该文件，请上传 Excel（.xlsx）文件")) from exc
    try:
        return _sheet_rows(book.worksheets[0], required, max_rows)
    finally:
        book.close()


#: Spreadsheets keep 15 significant digits of a number: a number typed with more (an ID number
#: in a cell not formatted as text) comes as a float whose last digits are gone for good.
LOST_DIGITS_FROM = 1e15
LOST_DIGITS = _l("这一格是 16 位以上的数字，表格软件只保留前 15 位，后几位已经丢失。"
                 "请把这一列设为“文本”格式，重新填写后再导入")

#: Blank (e.g. only formatted) rows are skipped, but no more than this many times the data-row
#: limit are read at all.
BLANK_ROW_ALLOWANCE = 10


def _sheet_rows(sheet, required: Sequence[str], max_rows: int) -> list[tuple[int, dict]]:
    physical_limit = max_rows * BLANK_ROW_ALLOWANCE
    declared = sheet.max_row if isinstance(sheet.max_row, int) else None
    if declared is not None and declared - 1 > physical_limit:
        raise _too_many_rows(max_rows)
    rows = sheet.iter_rows(values_only=True)
    try:
        headers = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise SheetError(_l("表格是空的")) from None
    missing = [name for name in required if name not in headers]
    if missing:
        raise SheetError(_l("缺少以下列：%(names)s", names="、".join(missing)))
    result: list[tuple[int, dict]] = []
    lost: list[RowProblem] = []
    for number, values in enumerate(rows, start=2):
        if number - 1 > physical_limit:
            raise _too_many_rows(max_rows)
        record = {}
        for header, value in zip(headers, values, strict=False):
            if not header:
                continue
            if isinstance(value, float) and value.is_integer():
                if abs(value) >= LOST_DIGITS_FROM:
                    lost.append(RowProblem(number, header, str(LOST_DIGITS)))
                value = int(value)
            record[header] = "" if value is None else str(value).strip()
        if any(record.values()):
            if len(result) == max_rows:
                raise _too_many_rows(max_rows)
            result.append((number, record))
    if lost:
        raise ImportRefused(lost)
    return result
