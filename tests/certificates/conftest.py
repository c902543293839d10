"""Fixtures for the certificate tests: one issued certificate of a worker, and helpers to read
a certificate PDF (its text, fonts, attachment and QR code)."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from certificates.models import Certificate
from core.extensions import db
from tests.certificates.samples import issue_for


@pytest.fixture
def issued(app, world) -> SimpleNamespace:
    """A valid craftsman-title certificate of worker A (李明), committed."""
    with app.app_context():
        certificate = issue_for(world.worker_a, "title:1", honour="2026年度北京大工匠（钳工）")
        db.session.commit()
        return SimpleNamespace(id=certificate.id, serial=certificate.serial,
                               code=certificate.verification_code, worker=world.worker_a)


def load(certificate_id: int) -> Certificate:
    return db.session.get(Certificate, certificate_id)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_attachment(data: bytes, name: str = "credential.json") -> dict:
    from pypdf import PdfReader

    return json.loads(PdfReader(io.BytesIO(data)).attachments[name][0])


def pdf_qr_codes(data: bytes) -> list[str]:
    """The QR codes on the first page, rendered at 144 dpi and decoded."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(data)
    image = document[0].render(scale=2).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]
