"""The issuing body's Ed25519 keys and W3C Data Integrity proofs (cryptosuite eddsa-jcs-2022).

A proof is made as the cryptosuite specifies: the proof options (without ``proofValue``, with
the document's ``@context``, which the emitted proof carries too) and the document (without
``proof``) are each canonicalized with JCS (RFC 8785, the ``rfc8785`` package) and hashed with
SHA-256; the Ed25519 signature covers the two hashes, options first, and is written multibase
base58btc (``z...``). Verification follows the cryptosuite: the proof's ``@context`` must be a
prefix of the document's.

Keys are published as JWKs at ``/.well-known/certificate-keys.json`` and as a did:web document
at ``/.well-known/did.json``; a proof names its key as ``did:web:<host>#<kid>``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from flask_babel import lazy_gettext as _l

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
#: Multicodec prefix of an Ed25519 public key (0xed, varint-encoded) for Multikey.
ED25519_MULTICODEC = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# --- Encodings -------------------------------------------------------------------------------

def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, rest = divmod(number, 58)
        chars.append(_B58[rest])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(chars))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError("not base58btc")
        number = number * 58 + index
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading + body


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- Keys ------------------------------------------------------------------------------------

def load_private_key(raw: str) -> Ed25519PrivateKey:
    """A key from PEM (PKCS#8) or the base64 of its 32-byte seed; ValueError when it is neither."""
    raw = (raw or "").strip()
    if raw.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(raw.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("PEM 中不是 Ed25519 私钥")
        return key
    try:
        seed = base64.b64decode(raw.replace("-", "+").replace("_", "/") + "=" * (-len(raw) % 4),
                                validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("既不是 PEM 也不是 Base64") from exc
    if len(seed) != 32:
        raise ValueError(f"Base64 解码后应为 32 字节，实为 {len(seed)} 字节")
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_public_key(raw: str) -> Ed25519PublicKey:
    """A public key from base64 (raw 32 bytes), PEM, or a multibase Multikey (``z6Mk...``)."""
    raw = (raw or "").strip()
    if raw.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(raw.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("PEM 中不是 Ed25519 公钥")
        return key
    if raw.startswith("z6Mk"):
        data = b58decode(raw[1:])
        if not data.startswith(ED25519_MULTICODEC):
            raise ValueError("不是 Ed25519 Multikey")
        return Ed25519PublicKey.from_public_bytes(data[2:])
    data = base64.b64decode(raw.replace("-", "+").replace("_", "/") + "=" * (-len(raw) % 4))
    if len(data) != 32:
        raise ValueError("Ed25519 公钥应为 32 字节")
    return Ed25519PublicKey.from_public_bytes(data)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short stable name of a public key (its fingerprint)."""
    return "key-" + hashlib.sha256(raw_public(key)).hexdigest()[:16]


def multikey(key: Ed25519PublicKey) -> str:
    return "z" + b58encode(ED25519_MULTICODEC + raw_public(key))


def jwk(key: Ed25519PublicKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_public(key)), "kid": key_id(key),
            "alg": "EdDSA", "use": "sig"}


@dataclass(frozen=True)
class Keyring:
    """The signing key and every public key still accepted (the current one and retired ones)."""

    signing: Ed25519PrivateKey
    public: dict[str, Ed25519PublicKey]

    @property
    def current_id(self) -> str:
        return key_id(self.signing.public_key())


def keyring(config=None) -> Keyring:
    """The app's keys, loaded once per configured value."""
    config = config if config is not None else current_app.config
    raw = config.get("CERTIFICATE_SIGNING_KEY") or ""
    retired = config.get("CERTIFICATE_RETIRED_KEYS") or ""
    cache_key = (raw, retired if isinstance(retired, str) else tuple(retired))
    cache = _CACHE.get(cache_key)
    if cache is None:
        if not raw:
            raise ValueError("未配置 CERTIFICATE_SIGNING_KEY")
        signing = load_private_key(raw)
        public = {key_id(signing.public_key()): signing.public_key()}
        items = retired.split(",") if isinstance(retired, str) else retired
        for item in items:
            if item.strip():
                key = load_public_key(item)
                public[key_id(key)] = key
        cache = _CACHE[cache_key] = Keyring(signing, public)
    return cache


_CACHE: dict[tuple, Keyring] = {}


# --- did:web ---------------------------------------------------------------------------------

def did_web(base_url: str) -> str:
    """did:web for a site's address: ``https://gj.example.org`` -> ``did:web:gj.example.org``."""
    parts = urlsplit(base_url)
    did = "did:web:" + quote(parts.netloc, safe="")
    for segment in parts.path.strip("/").split("/"):
        if segment:
            did += ":" + quote(segment, safe="")
    return did


def did_document(base_url: str, ring: Keyring) -> dict:
    did = did_web(base_url)
    methods = [{"id": f"{did}#{kid}", "type": "Multikey", "controller": did,
                "publicKeyMultibase": multikey(key), "publicKeyJwk": {k: v for k, v in jwk(key).items()
                                                                     if k in ("kty", "crv", "x")}}
               for kid, key in ring.public.items()]
    return {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                         "https://w3id.org/security/jwk/v1"],
            "id": did, "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


# --- Proofs ----------------------------------------------------------------------------------

def canonical(value) -> bytes:
    """JCS (RFC 8785) bytes of ``value``: what a proof's hashes are taken over."""
    return rfc8785.dumps(value)


def _hash_data(unsecured: dict, options: dict) -> bytes:
    """SHA-256 of the canonical proof options, then of the canonical document (the cryptosuite's
    hashData); ``options`` without ``proofValue``, ``unsecured`` without ``proof``."""
    return hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(unsecured)).digest()


def proof_options(verification_method: str, created: str, context=None) -> dict:
    """The proof configuration; ``context`` is the document's ``@context`` (the cryptosuite puts
    it into the proof, and the signature covers it)."""
    options = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
               "verificationMethod": verification_method, "proofPurpose": "assertionMethod"}
    if context is not None:
        options["@context"] = copy.deepcopy(context)
    return options


def proof_value(document: dict, options: dict, key: Ed25519PrivateKey) -> str:
    """The multibase signature of ``document`` (its ``proof`` ignored) under ``options``."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in options.items() if k != "proofValue"}
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    return "z" + b58encode(key.sign(_hash_data(unsecured, options)))


def sign(document: dict, verification_method: str, created: str, key: Ed25519PrivateKey,
         *, as_set: bool = False) -> dict:
    """A copy of ``document`` with a DataIntegrityProof (in a one-element list when ``as_set``,
    as the Open Badges 3.0 schema wants it)."""
    signed = copy.deepcopy({k: v for k, v in document.items() if k != "proof"})
    options = proof_options(verification_method, created, signed.get("@context"))
    proof = dict(options, proofValue=proof_value(document, options, key))
    signed["proof"] = [proof] if as_set else proof
    return signed


class ProofError(ValueError):
    """The document's proof is missing, malformed, from an unknown key or does not verify; its
    message is translated when it is shown (``str(error)``), in the request's language."""


def proofs_of(document) -> list:
    """The document's proofs: ``proof`` may be one object or a list of them."""
    proof = document.get("proof") if isinstance(document, dict) else None
    if isinstance(proof, dict):
        return [proof]
    if isinstance(proof, list) and proof and all(isinstance(item, dict) for item in proof):
        return proof
    return []


def verify(document: dict, public_keys: dict[str, Ed25519PublicKey]) -> str:
    """Check every proof of ``document`` against ``public_keys`` (by kid); the kid that signed it.

    Raises :class:`ProofError` on any failure, with a message in the reader's language.
    """
    proofs = proofs_of(document)
    if not proofs:
        raise ProofError(_l("没有签名（proof）"))
    kids = [_verify_one(document, proof, public_keys) for proof in proofs]
    return kids[0]


def _verify_one(document: dict, proof: dict, public_keys: dict[str, Ed25519PublicKey]) -> str:
    """The cryptosuite's proof verification of one proof.

    When the proof carries ``@context``, the document's ``@context`` must start with it, and the
    document is hashed with the proof's context (so contexts appended later do not break it).
    A proof without ``@context`` (as the first certificates were issued) was made over options
    that carried the document's context: they are rebuilt that way.
    """
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(_l("不支持的签名类型：%(type)s / %(suite)s", type=proof.get("type"),
                            suite=proof.get("cryptosuite")))
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError(_l("签名用途不是 assertionMethod"))
    method = str(proof.get("verificationMethod") or "")
    kid = method.rpartition("#")[2]
    key = public_keys.get(kid)
    if key is None:
        raise ProofError(_l("签名密钥 %(kid)s 不是发证机构的密钥", kid=kid) if kid else _l("签名未注明密钥"))
    value = str(proof.get("proofValue") or "")
    if not value.startswith("z"):
        raise ProofError(_l("签名值格式错误"))
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        proof_context = _as_list(options["@context"])
        document_context = _as_list(unsecured.get("@context"))
        if document_context[:len(proof_context)] != proof_context:
            raise ProofError(_l("签名的 @context 不是电子证书 @context 的开头部分"))
        unsecured["@context"] = options["@context"]
    elif "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    try:
        signature = b58decode(value[1:])
        key.verify(signature, _hash_data(unsecured, options))
    except (ValueError, InvalidSignature) as exc:
        raise ProofError(_l("无效，签名后内容已被改动，或并非由发证机构签发")) from exc
    except TypeError as exc:
        raise ProofError(_l("电子证书含有无法规范化的内容")) from exc
    return kid


def _as_list(context) -> list:
    return context if isinstance(context, list) else [context]
