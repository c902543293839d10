"""The signed revocation lists (Bitstring Status List) that wallets and verifiers fetch.

Revoking or replacing a certificate queues the job ``certificates.status_list.publish`` for
its list once the change is committed: the worker signs the list and keeps it in storage, and
``/certificates/status/<n>`` serves that copy. The copy is used only while it is current (no
certificate of the list changed status after it was signed) and made for the address being
asked; otherwise the list is built and signed in the request, as it always could be, so a
verifier never sees a revoked certificate as valid because the worker is behind. "Current"
means: signed after the list's latest change, with as many bits set as the database has
certificates no longer valid in that list (so a copy from before a restore is not trusted).
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime

from sqlalchemy import func, select

from certificates import credentials
from certificates.models import Certificate, CertificateStatus
from core import jobs, storage
from core.extensions import db

JOB = "certificates.status_list.publish"


def storage_key(list_number: int) -> str:
    return f"status-lists/{list_number}.json"


@jobs.job(JOB, retries=3, retry_delay=10)
def publish(list_number: int, base_url: str) -> None:
    """Sign list ``list_number`` as seen from ``base_url`` and keep it in storage."""
    document = credentials.status_list_credential(list_number, base=base_url)
    storage.put_bytes(storage_key(list_number), json.dumps(document, ensure_ascii=False).encode())


def publish_after_commit(certificate: Certificate) -> None:
    """Queue the rebuild of ``certificate``'s list for when the change is committed."""
    list_number, _ = credentials.status_position(certificate.status_index, credentials.list_size())
    jobs.enqueue_after_commit(JOB, list_number, credentials.public_base())


def _changes(list_number: int) -> tuple[int, datetime | None]:
    """How many certificates of the list are no longer valid, and when the latest changed."""
    size = credentials.list_size()
    start = (list_number - 1) * size
    count, last = db.session.execute(
        select(func.count(), func.max(Certificate.revoked_at)).where(
            Certificate.status != CertificateStatus.VALID.value,
            Certificate.status_index >= start, Certificate.status_index < start + size)).one()
    return count, last


def _bits_set(document: dict) -> int:
    bits = credentials.decode_bits(document["credentialSubject"]["encodedList"])
    return sum(bin(byte).count("1") for byte in bits if byte)


def _stored(list_number: int) -> dict | None:
    try:
        return json.loads(storage.read_bytes(storage_key(list_number)))
    except (FileNotFoundError, ValueError):
        return None


def _is_current(document: dict, list_number: int) -> bool:
    try:
        signed_at = datetime.fromisoformat(document["validFrom"].removesuffix("Z"))
        bits_set = _bits_set(document)
    except (KeyError, TypeError, AttributeError, ValueError, OSError, zlib.error):
        return False
    count, changed = _changes(list_number)
    # validFrom has whole seconds: a change within the same second counts as after it.
    return bits_set == count and (changed is None or changed < signed_at)


def current(list_number: int) -> dict:
    """List ``list_number`` as it stands now: the worker's stored copy when it is current and
    for this address, else signed here (and a fresh copy queued)."""
    base = credentials.public_base()
    stored = _stored(list_number)
    if (stored is not None and stored.get("id") == credentials.status_url(base, list_number)
            and _is_current(stored, list_number)):
        return stored
    jobs.enqueue(JOB, list_number, base)
    return credentials.status_list_credential(list_number, base=base)
