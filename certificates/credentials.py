"""Open Badges 3.0 / W3C Verifiable Credentials for certificates, and the revocation list.

A certificate's credential is built only from what was stored when it was issued (its snapshot,
serial and status list position), so it is the same document every time it is produced and its
signature, stored with the certificate, keeps verifying. Revocation never touches it: the
credential points at a W3C Bitstring Status List, where the certificate's bit is set once it is
revoked or replaced.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from datetime import datetime

from flask import current_app, has_request_context, request

from certificates import signing
from certificates.models import Certificate, CertificateKind, CertificateStatus
from core.extensions import db
from core.timeutil import utcnow

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
STATUS_PURPOSE = "revocation"

#: Open Badges achievementType per kind.
ACHIEVEMENT_TYPE = {
    CertificateKind.CRAFTSMAN_TITLE.value: "Award",
    CertificateKind.COMPETITION_AWARD.value: "Award",
    CertificateKind.STUDIO_NAMING.value: "Award",
    CertificateKind.ALLIANCE_MEMBERSHIP.value: "Membership",
}


def list_size(config=None) -> int:
    config = config if config is not None else current_app.config
    return int(config.get("CERTIFICATE_STATUS_LIST_SIZE") or 131072)


def status_url(base_url: str, list_number: int) -> str:
    return f"{base_url}/certificates/status/{list_number}"


def verify_url(base_url: str, serial: str) -> str:
    return f"{base_url}/verify/{serial}"


def status_position(status_index: int, size: int) -> tuple[int, int]:
    """(list number starting at 1, index in that list) of a certificate's status index."""
    return status_index // size + 1, status_index % size


# --- A certificate's credential --------------------------------------------------------------

#: The printed details that, with the kind, issuer and honour, tell one achievement from another
#: (the cycle of a title, the award of a competition); the others (enterprise, district, ...)
#: describe the holder.
ACHIEVEMENT_DETAILS = {
    CertificateKind.CRAFTSMAN_TITLE.value: ("选树周期",),
    CertificateKind.COMPETITION_AWARD.value: ("奖项",),
    CertificateKind.STUDIO_NAMING.value: (),
    CertificateKind.ALLIANCE_MEMBERSHIP.value: ("联盟类型",),
}
#: Kinds whose achievement is also told apart by the year (a studio naming round a year).
ACHIEVEMENT_BY_YEAR = {CertificateKind.STUDIO_NAMING.value}


def achievement_of(snapshot: dict) -> dict:
    """The Open Badges Achievement a certificate is for, from what it prints: its ``key`` is
    the same for every certificate of the same achievement and differs between levels, awards,
    cycles, titles and alliances."""
    kind = snapshot["kind"]
    details = dict(snapshot.get("details") or [])
    facts = [kind, snapshot["issuer"], snapshot["honour"]]
    facts += [f"{label}={details.get(label, '')}" for label in ACHIEVEMENT_DETAILS.get(kind, ())]
    if kind in ACHIEVEMENT_BY_YEAR:
        facts.append(snapshot["issued_on"][:4])
    digest = hashlib.sha256("\x1f".join(facts).encode("utf-8")).hexdigest()[:20]
    qualifiers = [details[label] for label in ACHIEVEMENT_DETAILS.get(kind, ()) if details.get(label)]
    if kind in ACHIEVEMENT_BY_YEAR:
        qualifiers.insert(0, f"{snapshot['issued_on'][:4]}年")
    name = snapshot["honour"] + (f"（{'，'.join(qualifiers)}）" if qualifiers else "")
    description = achievement_description(snapshot)
    return {"key": f"{kind.replace('_', '-')}-{digest}", "name": name, "description": description}


def achievement_description(snapshot: dict) -> str:
    """What the holder was certified for, in the certificate's words but without the holder."""
    return snapshot["body"]


def achievement_url(base_url: str, key: str) -> str:
    return f"{base_url}/certificates/achievements/{key}"


def achievement_document(snapshot: dict) -> dict:
    """The Achievement of ``snapshot`` as its id answers it (and as the credential embeds it).

    Certificates issued before achievements had ids of their own keep the kind's old id, which
    their signatures cover.
    """
    base = snapshot["base_url"]
    issuer_did = signing.did_web(base)
    achievement = snapshot.get("achievement")
    if achievement:
        ident, name, description = (achievement_url(base, achievement["key"]), achievement["name"],
                                    achievement["description"])
    else:
        ident, name, description = (f"{base}/certificates/achievements/{snapshot['kind']}",
                                    snapshot["honour"], snapshot["body"])
    return {
        "id": ident,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE.get(snapshot["kind"], "Award"),
        "name": name,
        "description": description,
        "criteria": {"narrative": description},
        "creator": {"id": issuer_did, "type": ["Profile"], "name": snapshot["issuer"]},
    }


def kind_achievement(kind: CertificateKind, base_url: str, issuer: str) -> dict:
    """What the shared id of a kind (``…/achievements/craftsman_title``), named by certificates
    issued before each achievement had an id of its own, stands for: that kind of certificate."""
    from flask_babel import force_locale

    with force_locale("zh"):
        label = str(kind.label)
    description = f"{issuer}颁发的{label}证书（早期签发的证书共用此成就标识，具体荣誉见各证书）"
    return {"id": f"{base_url}/certificates/achievements/{kind.value}", "type": ["Achievement"],
            "achievementType": ACHIEVEMENT_TYPE.get(kind.value, "Award"), "name": label,
            "description": description, "criteria": {"narrative": description},
            "creator": {"id": signing.did_web(base_url), "type": ["Profile"], "name": issuer}}


def unsigned_credential(snapshot: dict, status_index: int) -> dict:
    """The credential document of a certificate, without its proof."""
    base = snapshot["base_url"]
    serial = snapshot["serial"]
    issuer_did = signing.did_web(base)
    list_number, index = snapshot.get("status_list") or status_position(status_index, 131072)
    list_url = status_url(base, list_number)
    details = "；".join(f"{label}：{value}" for label, value in snapshot.get("details") or [])
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityHash": snapshot["holder_name"],
                        "identityType": "name", "hashed": False}],
        "licenseNumber": serial,
        "achievement": achievement_document(snapshot),
    }
    if details:
        subject["narrative"] = details
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": verify_url(base, serial),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{snapshot['title']}：{snapshot['honour']}",
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": snapshot["issuer"], "url": base},
        "validFrom": snapshot["issued_at"],
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def sign_certificate(certificate: Certificate) -> None:
    """Sign a certificate being issued: fixes its list position and achievement, stores signature
    and key id."""
    ring = signing.keyring()
    snapshot = dict(certificate.snapshot)
    snapshot["status_list"] = list(status_position(certificate.status_index, list_size()))
    snapshot["achievement"] = achievement_of(snapshot)
    certificate.snapshot = snapshot
    certificate.achievement_key = snapshot["achievement"]["key"]
    document = unsigned_credential(snapshot, certificate.status_index)
    kid = ring.current_id
    options = signing.proof_options(f"{signing.did_web(snapshot['base_url'])}#{kid}", snapshot["issued_at"],
                                    document["@context"])
    certificate.signature = signing.proof_value(document, options, ring.signing)
    certificate.key_id = kid


def credential(certificate: Certificate) -> dict:
    """The signed credential of ``certificate``, as issued; ``proof`` is a one-element list (as
    the Open Badges 3.0 AchievementCredential schema requires) carrying the ``@context`` the
    signature covers."""
    snapshot = certificate.snapshot
    document = unsigned_credential(snapshot, certificate.status_index)
    options = signing.proof_options(f"{signing.did_web(snapshot['base_url'])}#{certificate.key_id}",
                                    snapshot["issued_at"], document["@context"])
    document["proof"] = [dict(options, proofValue=certificate.signature)]
    return document


def proof_value_of(document: dict) -> str:
    """The ``proofValue`` of the document's first proof ("" when there is none)."""
    proofs = signing.proofs_of(document)
    return str(proofs[0].get("proofValue") or "") if proofs else ""


def serial_of(document: dict) -> str:
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    return str((subject or {}).get("licenseNumber") or "") if isinstance(subject, dict) else ""


def holder_name_of(document: dict) -> str:
    subject = document.get("credentialSubject") or {}
    for identity in subject.get("identifier") or []:
        if isinstance(identity, dict) and identity.get("identityType") == "name":
            return str(identity.get("identityHash") or "")
    return ""


# --- The revocation list ---------------------------------------------------------------------

def encode_bits(set_indexes, size: int) -> str:
    """Multibase base64url (``u``) of the GZIP-compressed bitstring; index 0 is the first bit."""
    bits = bytearray(size // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + signing.b64url(gzip.compress(bytes(bits), mtime=0))


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("状态列表不是 multibase base64url 编码")
    return gzip.decompress(signing.b64url_decode(encoded[1:]))


def bit_is_set(bits: bytes, index: int) -> bool:
    if index // 8 >= len(bits):
        raise ValueError("状态位置超出状态列表范围")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def public_base() -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    if not base and has_request_context():
        base = request.host_url
    return (base or "http://localhost").rstrip("/")


def revoked_indexes(list_number: int, size: int) -> list[int]:
    """Positions in list ``list_number`` of certificates no longer valid."""
    start = (list_number - 1) * size
    rows = db.session.scalars(
        db.select(Certificate.status_index).where(
            Certificate.status != CertificateStatus.VALID.value,
            Certificate.status_index >= start, Certificate.status_index < start + size))
    return [index - start for index in rows]


def status_list_credential(list_number: int, now: datetime | None = None, *,
                           base: str | None = None) -> dict:
    """The signed BitstringStatusListCredential for list ``list_number``, as published at
    ``base`` (the public address: the request's, or the configured one)."""
    size = list_size()
    base = base or public_base()
    url = status_url(base, list_number)
    issuer_did = signing.did_web(base)
    created = (now or utcnow()).replace(microsecond=0).isoformat() + "Z"
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_did, "name": current_app.config["CERTIFICATE_ISSUER"]},
        "validFrom": created,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_bits(revoked_indexes(list_number, size), size),
        },
    }
    ring = signing.keyring()
    return signing.sign(document, f"{issuer_did}#{ring.current_id}", created, ring.signing)


def list_count() -> int:
    """How many status lists there are (at least one)."""
    highest = db.session.scalar(db.select(db.func.max(Certificate.status_index)))
    return 1 if highest is None else highest // list_size() + 1


def b64_public_key(key) -> str:
    return base64.b64encode(signing.raw_public(key)).decode()
