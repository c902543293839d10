"""Signatures and credentials: JCS canonicalization (RFC 8785, with the RFC's own examples), the
Open Badges 3.0 credential
with its eddsa-jcs-2022 proof, tamper detection, the published keys, key rotation, the W3C
Bitstring Status List, and the production checks of the signing key."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import config as cert_config
from certificates import credentials, signing
from certificates.services import issuing
from core.config import ConfigurationError
from core.extensions import db
from tests.certificates.conftest import load
from tests.certificates.samples import issue_for

# --- JCS (RFC 8785) --------------------------------------------------------------------------


def test_canonical_json_sorts_members_by_utf16_code_units():
    """The sorting example of RFC 8785 section 3.2.3."""
    document = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
                "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control",
                "\u00f6": "Latin Small Letter O With Diaeresis"}
    keys = list(json.loads(signing.canonical(document)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_json_escapes_strings_like_ecmascript():
    assert signing.canonical("\u20ac$\u000f\nA'B\"\\\\\"/") == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()
    assert signing.canonical({"b": [1, True, None], "a": "中文"}) == '{"a":"中文","b":[1,true,null]}'.encode()


def test_canonical_json_matches_the_example_of_rfc_8785_section_3_2_2():
    source = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
              ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
              ' "literals": [null, true, false]}')
    expected = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
                '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
    assert signing.canonical(json.loads(source)) == expected.encode("utf-8")


#: RFC 8785 appendix B: IEEE 754 doubles (as hex) and their canonical text.
RFC_8785_NUMBERS = [
    ("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"), ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"), ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"), ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"), ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"), ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"), ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), RFC_8785_NUMBERS)
def test_canonical_json_writes_the_numbers_of_rfc_8785_appendix_b(bits, text):
    import struct

    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert signing.canonical(value).decode() == text


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "0"), (-0.0, "0"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    (9007199254740992.0, "9007199254740992"), (295147905179352830000.0, "295147905179352830000"),
    (1e21, "1e+21"), (1e20, "100000000000000000000"), (333333333.3333333, "333333333.3333333"),
    (1e-7, "1e-7"), (0.000001, "0.000001"), (100.0, "100"), (4.5, "4.5"), (0.002, "0.002"),
    (-1e-27, "-1e-27"), (123.456, "123.456"),
])
def test_canonical_json_writes_numbers_like_ecmascript(value, text):
    assert signing.canonical(value).decode() == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53, "\ud800"])
def test_canonical_json_refuses_what_json_cannot_hold_exactly(value):
    with pytest.raises(ValueError):
        signing.canonical(value)


# --- The credential --------------------------------------------------------------------------


def test_the_credential_is_an_open_badges_3_verifiable_credential(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        cred = credentials.credential(certificate)
        assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
        assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert cred["issuer"]["name"] == "北京市总工会" and cred["issuer"]["id"].startswith("did:web:")
        assert cred["validFrom"].endswith("Z")
        subject = cred["credentialSubject"]
        assert subject["type"] == ["AchievementSubject"]
        assert subject["achievement"]["name"] == "2026年度北京大工匠（钳工）"
        assert subject["achievement"]["type"] == ["Achievement"]
        assert credentials.holder_name_of(cred) == "李明" and subject["licenseNumber"] == certificate.serial
        status = cred["credentialStatus"]
        assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
        assert status["statusListCredential"].endswith("/certificates/status/1")
        assert status["statusListIndex"] == str(certificate.status_index)
        assert isinstance(cred["proof"], list) and len(cred["proof"]) == 1
        proof = cred["proof"][0]
        assert proof["@context"] == cred["@context"]
        assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
            "DataIntegrityProof", "eddsa-jcs-2022", "assertionMethod")
        assert proof["verificationMethod"] == f"{cred['issuer']['id']}#{certificate.key_id}"
        assert proof["proofValue"].startswith("z")


def test_the_credential_is_the_same_document_every_time_and_verifies(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        first = credentials.credential(certificate)
        db.session.expire_all()
        second = credentials.credential(load(issued.id))
        assert signing.canonical(first) == signing.canonical(second)
        assert signing.verify(second, signing.keyring().public) == certificate.key_id


@pytest.mark.parametrize("tamper", [
    lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="王五"),
    lambda c: c["credentialSubject"]["achievement"].update(name="北京大工匠（特级）"),
    lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
    lambda c: c["credentialStatus"].update(statusListIndex="99"),
    lambda c: c["proof"][0].update(created="2020-01-01T00:00:00Z"),
    lambda c: c["proof"][0].update(proofValue="z" + "1" * 88),
    lambda c: c["proof"][0].update(proofValue="not-multibase"),
    lambda c: c["proof"][0].update({"@context": ["https://www.w3.org/ns/credentials/v2"]}),
    lambda c: c["proof"][0].update({"@context": ["https://example.org/other", *c["@context"]]}),
    lambda c: c.update(proof=[]),
    lambda c: c.update(extra="添加的字段"),
])
def test_any_change_to_the_credential_breaks_the_signature(app, world, issued, tamper):
    with app.app_context():
        cred = credentials.credential(load(issued.id))
        tamper(cred)
        with pytest.raises(signing.ProofError):
            signing.verify(cred, signing.keyring().public)


def test_a_credential_signed_by_another_key_is_refused(app, world, issued):
    with app.app_context():
        cred = credentials.credential(load(issued.id))
        stranger = Ed25519PrivateKey.generate()
        proof = cred["proof"][0]
        forged = signing.sign(cred, proof["verificationMethod"], proof["created"], stranger)
        with pytest.raises(signing.ProofError, match="签名后内容已被改动"):
            signing.verify(forged, signing.keyring().public)
        unknown = signing.sign(cred, "did:web:evil.example#key-0000", proof["created"], stranger)
        with pytest.raises(signing.ProofError, match="不是发证机构的密钥"):
            signing.verify(unknown, signing.keyring().public)


def test_credentials_issued_before_the_proof_carried_its_context_keep_verifying(app, world, issued):
    """The first credentials had ``proof`` as an object without ``@context``; their signatures
    already covered the document's context."""
    with app.app_context():
        cred = credentials.credential(load(issued.id))
        legacy = dict(cred, proof={k: v for k, v in cred["proof"][0].items() if k != "@context"})
        assert signing.verify(legacy, signing.keyring().public) == load(issued.id).key_id
        as_object = dict(cred, proof=cred["proof"][0])
        assert signing.verify(as_object, signing.keyring().public) == load(issued.id).key_id


def test_a_certificate_issued_with_the_old_achievement_id_keeps_verifying(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        snapshot = dict(certificate.snapshot)
        snapshot.pop("achievement")
        certificate.snapshot = snapshot
        document = credentials.unsigned_credential(snapshot, certificate.status_index)
        ring = signing.keyring()
        options = signing.proof_options(document["issuer"]["id"] + "#" + ring.current_id,
                                        snapshot["issued_at"])
        certificate.signature = signing.proof_value(document, options, ring.signing)
        cred = credentials.credential(certificate)
        assert cred["credentialSubject"]["achievement"]["id"].endswith("/certificates/achievements/craftsman_title")
        assert signing.verify(cred, ring.public) == ring.current_id


def test_the_status_list_proof_carries_the_context_it_signs(app, world, client):
    listing = client.get("/certificates/status/1").get_json()
    assert listing["proof"]["@context"] == listing["@context"]


def test_certificates_signed_with_a_retired_key_still_verify_after_rotation(app, world):
    with app.app_context():
        old = issue_for(world.worker_a, "old")
        cred = credentials.credential(old)
        old_public = base64.b64encode(signing.raw_public(signing.keyring().signing.public_key())).decode()
        previous = dict(app.config)
        app.config["CERTIFICATE_SIGNING_KEY"] = base64.b64encode(bytes(range(1, 33))).decode()
        try:
            assert old.key_id not in signing.keyring().public
            app.config["CERTIFICATE_RETIRED_KEYS"] = old_public
            assert signing.verify(cred, signing.keyring().public) == old.key_id
            new = issue_for(world.worker_b, "new")
            assert new.key_id == signing.keyring().current_id != old.key_id
        finally:
            app.config.update(previous)


# --- Keys ------------------------------------------------------------------------------------


def test_the_signing_key_may_be_pem_or_base64_seed():
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    seed = base64.b64encode(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption())).decode()
    assert signing.key_id(signing.load_private_key(pem).public_key()) == signing.key_id(key.public_key())
    assert signing.key_id(signing.load_private_key(seed).public_key()) == signing.key_id(key.public_key())
    for bad in ("", "not a key", base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError):
            signing.load_private_key(bad)


def test_production_refuses_to_start_without_a_real_signing_key_or_public_address():
    from certificates import sealing

    good_key = base64.b64encode(bytes(range(5, 37))).decode()
    seal = sealing.self_signed("北京市总工会")
    pdf_seal = {"CERTIFICATE_PDF_KEY": seal.key_pem.decode(), "CERTIFICATE_PDF_CERT": seal.chain_pem.decode()}
    with pytest.raises(ConfigurationError, match="CERTIFICATE_SIGNING_KEY"):
        cert_config.check_production({"PUBLIC_BASE_URL": "https://gj.example.org", **pdf_seal})
    with pytest.raises(ConfigurationError, match="CERTIFICATE_SIGNING_KEY"):
        cert_config.check_production({"CERTIFICATE_SIGNING_KEY": cert_config.TESTING_SIGNING_KEY,
                                      "PUBLIC_BASE_URL": "https://gj.example.org", **pdf_seal})
    with pytest.raises(ConfigurationError, match="不是有效的 Ed25519 私钥"):
        cert_config.check_production({"CERTIFICATE_SIGNING_KEY": "xyz", "PUBLIC_BASE_URL": "https://a.org",
                                      **pdf_seal})
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        cert_config.check_production({"CERTIFICATE_SIGNING_KEY": good_key, **pdf_seal})
    with pytest.raises(ConfigurationError, match="CERTIFICATE_PDF_KEY"):
        cert_config.check_production({"CERTIFICATE_SIGNING_KEY": good_key, "PUBLIC_BASE_URL": "https://a.org"})
    cert_config.check_production({"CERTIFICATE_SIGNING_KEY": good_key, "PUBLIC_BASE_URL": "https://a.org",
                                  **pdf_seal})


def test_the_production_app_refuses_to_start_without_a_signing_key(monkeypatch):
    from core import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", "9aEF6q8bB7yK8bRZbq2qTbZ2b0oFvXjv5dZ1lM9o8Ec=")
    monkeypatch.setenv("ID_LOOKUP_KEY", "l" * 48)
    monkeypatch.setenv("RATELIMIT_SINGLE_PROCESS", "true")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("CERTIFICATE_SIGNING_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="CERTIFICATE_SIGNING_KEY"):
        create_app("production")


def test_the_public_keys_are_published_as_jwk_set_and_did_document(app, client):
    with app.app_context():
        ring = signing.keyring()
        public = signing.raw_public(ring.signing.public_key())
    keys = client.get("/.well-known/certificate-keys.json")
    assert keys.status_code == 200 and keys.headers["Access-Control-Allow-Origin"] == "*"
    jwk = keys.get_json()["keys"][0]
    assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", ring.current_id)
    assert signing.b64url_decode(jwk["x"]) == public
    did = client.get("/.well-known/did.json").get_json()
    method = did["verificationMethod"][0]
    assert did["id"] == "did:web:localhost" and method["id"] == f"did:web:localhost#{ring.current_id}"
    assert signing.raw_public(signing.load_public_key(method["publicKeyMultibase"])) == public
    assert did["assertionMethod"] == [method["id"]]


# --- The status list -------------------------------------------------------------------------


def _bits(status_credential: dict) -> bytes:
    encoded = status_credential["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def test_the_status_list_is_a_signed_bitstring_of_at_least_16kb_with_revoked_bits_set(app, world, client):
    with app.app_context():
        kept = issue_for(world.worker_a, "kept")
        revoked = issue_for(world.worker_b, "revoked")
        replaced = issue_for(world.worker_c, "replaced")
        issuing.revoke(revoked, "材料不实", by=None)
        issuing.replace(replaced, issuing.request_for_correction(replaced, holder_name="赵强", honour="更正"),
                        "更正", by=None)
        db.session.commit()
        indexes = (kept.status_index, revoked.status_index, replaced.status_index)
        public_keys = signing.keyring().public
    response = client.get("/certificates/status/1")
    assert response.status_code == 200
    listing = response.get_json()
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listing["credentialSubject"]["type"] == "BitstringStatusList"
    assert listing["credentialSubject"]["statusPurpose"] == "revocation"
    signing.verify(listing, public_keys)
    bits = _bits(listing)
    assert len(bits) >= 16 * 1024
    assert [credentials.bit_is_set(bits, i) for i in indexes] == [False, True, True]
    assert sum(bin(byte).count("1") for byte in bits) == 2
    assert client.get("/certificates/status/2").status_code == 404
    assert client.get("/certificates/status/0").status_code == 404


def test_bit_zero_is_the_first_bit_of_the_first_byte():
    bits = credentials.decode_bits(credentials.encode_bits([0, 9], 131072))
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000
