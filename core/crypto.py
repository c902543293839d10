"""Encryption at rest and keyed lookup hashes for sensitive personal data.

ID numbers are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) and found through an
HMAC-SHA256 of the normalised value, so equality lookups never need the clear text.

Two independent secrets:

* ``DATA_ENCRYPTION_KEY`` may list several comma-separated Fernet keys: the first encrypts,
  all decrypt. Rotation: put the new key first, run ``flask reencrypt-personal-data``, then
  drop the old key.
* ``ID_LOOKUP_KEY`` keys the lookup hash. It does not change when the encryption keys rotate,
  so "one person, one record" holds before, during and after a rotation.

Hashes written before ``ID_LOOKUP_KEY`` existed were keyed by the then-first encryption key
(:func:`legacy_lookup_hash`); lookups also try those under every configured encryption key
until ``flask reencrypt-personal-data`` has rewritten them.
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


def is_current(token: str) -> bool:
    """Whether ``token`` is encrypted under the current (first) key."""
    try:
        Fernet(_keys()[0].encode()).decrypt(token.encode("ascii"))
    except Exception:  # noqa: BLE001 - InvalidToken or a malformed value: not current
        return False
    return True


def _derive(secret: str, info: bytes) -> bytes:
    cache = current_app.extensions.setdefault("crypto_lookup_keys", {})
    if (secret, info) not in cache:
        cache[(secret, info)] = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                     info=info).derive(secret.encode())
    return cache[(secret, info)]


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def lookup_hash(value: str) -> str:
    """A keyed hash of ``value``: equal inputs give equal hashes, nothing can be reversed."""
    return _hmac(_derive(current_app.config["ID_LOOKUP_KEY"], b"personal-data-lookup-v2"), value)


def legacy_lookup_hash(value: str, encryption_key: str) -> str:
    """The hash written before ``ID_LOOKUP_KEY``: keyed by the then-first encryption key."""
    return _hmac(_derive(encryption_key, b"personal-data-lookup-v1"), value)


def lookup_hashes(value: str) -> list[str]:
    """Every hash a stored record of ``value`` may carry: the current one first, then the
    legacy ones under each configured encryption key (records not yet re-encrypted)."""
    return [lookup_hash(value), *(legacy_lookup_hash(value, key) for key in _keys())]
