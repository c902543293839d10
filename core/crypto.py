"""Encryption at rest and keyed lookup hashes for sensitive personal data.

ID numbers are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) and found through an
HMAC-SHA256 of the normalised value, so equality lookups never need the clear text.
``DATA_ENCRYPTION_KEY`` may list several comma-separated keys: the first encrypts, all
decrypt, which allows key rotation.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _keys() -> list[str]:
    raw = current_app.config["DATA_ENCRYPTION_KEY"]
    return [k.strip() for k in raw.split(",") if k.strip()]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in _keys()])


def encrypt(value: str) -> str:
    """Encrypt ``value`` with the current key."""
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a value encrypted by :func:`encrypt` under any configured key."""
    return _fernet().decrypt(token.encode("ascii")).decode("utf-8")


def _lookup_key() -> bytes:
    cache = current_app.extensions.setdefault("crypto_lookup_key", {})
    primary = _keys()[0]
    if primary not in cache:
        cache[primary] = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"personal-data-lookup-v1"
        ).derive(primary.encode())
    return cache[primary]


def lookup_hash(value: str) -> str:
    """A keyed hash of ``value``: equal inputs give equal hashes, nothing can be reversed."""
    return hmac.new(_lookup_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()
