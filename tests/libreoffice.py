"""LibreOffice Calc as a second reader and writer of the product's spreadsheets.

openpyxl writes the product's workbooks and reads the ones people upload; agreeing with itself
proves little. Here LibreOffice Calc (headless, ``libreoffice-calc-nogui``, installed by
``make test``) opens each export and shows what a person would see (its CSV export of every
sheet's displayed text), and opens and saves again the sheets people send back, as a clerk
working in Calc (or WPS, which writes alike) would.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
#: Skipped where Calc is missing, except in CI, where ``make test`` installs it: a missing
#: install step must fail there, not pass unnoticed.
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice Calc (libreoffice-calc-nogui) is installed by make test")

#: CSV of every sheet (token 12: -1), comma-separated, quoted, UTF-8 (76), as shown on screen.
_CSV_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1'
_XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
#: The number formats the product gives dates, and how Calc shows them.
_DATE_FORMATS = {"yyyy-mm-dd": "%Y-%m-%d", "yyyy-mm-dd hh:mm": "%Y-%m-%d %H:%M"}
_profile = tempfile.mkdtemp(prefix=f"calc-profile-{os.getpid()}-")


def _convert(content: bytes, target: str) -> dict[str, bytes]:
    """Run Calc on ``content`` (an .xlsx) with the ``target`` filter: the files it wrote, by name."""
    assert SOFFICE is not None, "LibreOffice Calc is not installed (make calc)"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "book.xlsx"
        source.write_bytes(content)
        out = Path(folder) / "out"
        result = subprocess.run(  # noqa: S603 - a fixed program on a file of our own
            [SOFFICE, f"-env:UserInstallation=file://{_profile}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(out), str(source)],
            capture_output=True, text=True, timeout=120, check=False)
        written = {path.name: path.read_bytes() for path in out.glob("*")} if out.exists() else {}
        assert written, f"LibreOffice could not open the workbook: {result.stdout} {result.stderr}"
        return written


def calc_sheets(content: bytes) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook as Calc shows it, by sheet name: rows of cell texts."""
    sheets = {}
    for name, data in _convert(content, _CSV_FILTER).items():
        sheet = name.removeprefix("book-").removesuffix(".csv")
        sheets[sheet] = _trimmed(list(csv.reader(io.StringIO(data.decode("utf-8")))))
    return sheets


def resaved(content: bytes) -> bytes:
    """The workbook opened and saved again as .xlsx by Calc."""
    (data,) = _convert(content, _XLSX_FILTER).values()
    return data


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without trailing empty cells, and without trailing empty rows."""
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def assert_calc_reads_alike(content: bytes) -> dict[str, list[list[str]]]:
    """Calc opens the workbook and shows, sheet by sheet and cell by cell, what openpyxl reads
    in it: the same text, the same numbers, the dates in their format, and never a formula
    (the product writes none, so a cell a person typed as ``=…`` is shown, not run).
    Returns what Calc shows."""
    from openpyxl import load_workbook

    shown = calc_sheets(content)
    book = load_workbook(io.BytesIO(content))
    assert sorted(shown) == sorted(sheet.title for sheet in book.worksheets)
    for sheet in book.worksheets:
        expected = _trimmed([[_as_shown(cell) for cell in row] for row in sheet.iter_rows()])
        calc = shown[sheet.title]
        assert len(calc) == len(expected), (sheet.title, calc, expected)
        for number, (seen, wanted) in enumerate(zip(calc, expected, strict=True), start=1):
            assert len(seen) == len(wanted), (sheet.title, number, seen, wanted)
            for column, (text, want) in enumerate(zip(seen, wanted, strict=True), start=1):
                if isinstance(want, float):
                    assert float(text) == pytest.approx(want, rel=1e-9, abs=1e-9), (sheet.title, number, column)
                else:
                    assert text == want, (sheet.title, number, column, text, want)
    return shown


def _as_shown(cell) -> str | float:
    """What Calc should show of an openpyxl cell (a number as a float, to compare as numbers)."""
    value = cell.value
    assert cell.data_type != "f", f"{cell.coordinate} holds a formula: {value}"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date):
        assert cell.number_format in _DATE_FORMATS, f"{cell.coordinate}: date format {cell.number_format}"
        return value.strftime(_DATE_FORMATS[cell.number_format])
    if isinstance(value, int | float | Decimal):
        assert cell.number_format == "General", f"{cell.coordinate}: number format {cell.number_format}"
        return float(value)
    return str(value)
