"""An app process carries only what serving requests needs: the document libraries (PDF,
spreadsheets, signatures, QR codes, images), the pinyin and stroke dictionaries, Alembic, the job
queue and the S3 client are imported where they are used, not when the app is created nor by the
pages that only show what those libraries make."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "openpyxl", "pypdf", "pyhanko", "pyhanko_certvalidator", "segno", "PIL", "pypinyin",
         "strokes", "alembic", "flask_migrate", "mako", "huey", "boto3", "botocore", "lxml", "asn1crypto",
         "oscrypto")


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


def test_an_administrators_certificate_page_imports_no_document_library(tmp_path):
    """The page shows the printed code and the QR code's address, not the PDF: no ReportLab.
    (Issuing the certificate beforehand may load what it likes: only the page is measured.)"""
    loaded = _modules_after(
        "from core import create_app\nfrom core.extensions import db\n"
        "from tests import factories\nfrom tests.certificates.samples import issue_for\n"
        f"app = create_app('testing', {{'DATABASE_URL': 'sqlite:///{tmp_path / 'db.sqlite3'}'}})\n"
        "with app.app_context():\n    db.create_all()\n    world = factories.build_world()\n"
        "    certificate = issue_for(world.worker_a, 'title:1', honour='2026年度北京大工匠（钳工）')\n"
        "    db.session.commit()\n    ids = (world.users.admin, certificate.id, certificate.verification_code)\n"
        "client = app.test_client()\n"
        "with client.session_transaction() as session, app.app_context():\n"
        "    from core.accounts.models import User\n"
        "    session['_user_id'] = db.session.get(User, ids[0]).get_id()\n"
        "for name in [m for m in sys.modules if m.split('.')[0] in " + repr(HEAVY) + "]:\n"
        "    del sys.modules[name]  # forget what issuing loaded: only the page counts\n"
        "page = client.get(f'/certificates/{ids[1]}')\n"
        "assert page.status_code == 200 and ids[2][:4] + '-' + ids[2][4:] in page.get_data(as_text=True)")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_libraries_load_when_first_used():
    """The deferred imports still work: a workbook is made, a name gets its sort key."""
    loaded = _modules_after(
        "from core import excel, collation\n"
        "assert excel.workbook('表', ['姓名'], [['张三']])[:2] == b'PK'\n"
        "assert collation.pinyin_key('张建国') == 'zhang1 jian4 guo2'")
    assert {"openpyxl", "pypinyin"} <= loaded
