"""An app process carries only what serving requests needs: the document libraries (PDF,
spreadsheets, signatures, QR codes), the pinyin dictionary, Alembic and the job queue are imported where
they are used, not when the app is created."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "openpyxl", "pypdf", "pyhanko", "segno", "pypinyin", "alembic", "flask_migrate", "huey")


def _modules_after(code: str) -> set[str]:
    """The top-level packages imported after running ``code`` in a fresh interpreter."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                            check=True, timeout=120)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_creating_the_app_imports_no_document_library():
    loaded = _modules_after("from core import create_app\ncreate_app('testing')")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_serving_a_public_page_imports_no_document_library(tmp_path):
    loaded = _modules_after(
        "from core import create_app\nfrom core.extensions import db\n"
        f"app = create_app('testing', {{'DATABASE_URL': 'sqlite:///{tmp_path / 'db.sqlite3'}'}})\n"
        "with app.app_context():\n    db.create_all()\n"
        "client = app.test_client()\n"
        "for path in ('/registry', '/studio-directory/', '/verify', '/healthz'):\n"
        "    assert client.get(path).status_code == 200, path")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_libraries_load_when_first_used():
    """The deferred imports still work: a workbook is made, a name gets its sort key."""
    loaded = _modules_after(
        "from core import excel, collation\n"
        "assert excel.workbook('表', ['姓名'], [['张三']])[:2] == b'PK'\n"
        "assert collation.pinyin_key('张建国') == 'zhang1 jian4 guo2'")
    assert {"openpyxl", "pypinyin"} <= loaded
