"""Finding a certificate by its printed serial and verification code, for the public
verification page and the API alike; the code and the verification address as printed
(without the PDF renderer, so pages showing them do not load ReportLab)."""

from __future__ import annotations

import hmac

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from certificates.models import Certificate
from certificates.services.issuing import CODE_LENGTH
from core.extensions import db

WRONG = _l("证书编号或验证码不正确。请核对证书左下方印的编号和 8 位验证码（不区分大小写）。")
#: Compared against when the serial does not exist, so that both failures take the same time.
_DUMMY_CODE = "X" * CODE_LENGTH


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def normalise_serial(text: str) -> str:
    return "".join((text or "").split()).upper()


def format_code(code: str) -> str:
    """The code as printed: two groups of four (``ABCD-2345``)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def verification_link(snapshot: dict, code: str) -> str:
    """The address the QR code holds: the verification page with the code filled in."""
    return f"{snapshot['base_url']}/verify/{snapshot['serial']}?code={code}"


def find(serial: str, code: str) -> Certificate | None:
    """The certificate with ``serial`` when ``code`` is its verification code, else None."""
    serial, code = normalise_serial(serial), normalise_code(code)
    certificate = None
    if 0 < len(serial) <= 40:
        certificate = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    expected = certificate.verification_code if certificate is not None else _DUMMY_CODE
    matches = hmac.compare_digest(code.encode(), expected.encode())
    return certificate if matches and certificate is not None else None


def current_of(certificate: Certificate) -> Certificate:
    """The certificate that finally replaced ``certificate`` (itself when not replaced)."""
    seen = {certificate.id}
    while certificate.replaced_by is not None and certificate.replaced_by.id not in seen:
        certificate = certificate.replaced_by
        seen.add(certificate.id)
    return certificate
