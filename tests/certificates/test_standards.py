"""The credentials against the standards' own test data (``tests/certificates/vectors``): the
W3C eddsa-jcs-2022 test vector byte for byte, and 1EdTech's Open Badges 3.0 AchievementCredential
JSON Schema; and each achievement with an id of its own that resolves."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import credentials, signing
from certificates.models import CertificateKind, HolderType
from certificates.services import issuing
from core.extensions import db
from tests.certificates.conftest import load
from tests.certificates.samples import issue_for

VECTORS = Path(__file__).parent / "vectors"
W3C = VECTORS / "vc-di-eddsa-jcs-2022"


def _text(name: str) -> str:
    return (W3C / name).read_text(encoding="utf-8").strip()


def _json(name: str) -> dict:
    return json.loads((W3C / name).read_text(encoding="utf-8"))


def _vector_keys() -> tuple[Ed25519PrivateKey, dict]:
    """The vector's key pair from its multibase Multikey forms (private: multicodec 0x1300)."""
    pair = _json("keyPair.json")
    private = signing.b58decode(pair["privateKeyMultibase"][1:])
    assert private[:2] == b"\x80\x26"
    key = Ed25519PrivateKey.from_private_bytes(private[2:])
    public = signing.load_public_key(pair["publicKeyMultibase"])
    assert signing.raw_public(public) == signing.raw_public(key.public_key())
    kid = pair["publicKeyMultibase"]
    return key, {kid: public}


# --- W3C vc-di-eddsa test vector (eddsa-jcs-2022) ----------------------------------------------


def test_the_w3c_vector_is_reproduced_byte_for_byte():
    key, _ = _vector_keys()
    unsigned = _json("unsigned.json")
    config = _json("proofConfigJCS.json")
    assert signing.canonical(unsigned).decode() == _text("canonDocJCS.txt")
    options = signing.proof_options(config["verificationMethod"], config["created"], unsigned["@context"])
    assert signing.canonical(options).decode() == _text("proofCanonJCS.txt")
    assert hashlib.sha256(signing.canonical(options)).hexdigest() == _text("proofHashJCS.txt")
    assert hashlib.sha256(signing.canonical(unsigned)).hexdigest() == _text("docHashJCS.txt")
    signed = signing.sign(unsigned, config["verificationMethod"], config["created"], key)
    assert signed["proof"]["proofValue"] == _text("sigBTC58JCS.txt")
    assert signing.b58decode(signed["proof"]["proofValue"][1:]).hex() == _text("sigHexJCS.txt")
    assert signing.canonical(signed) == signing.canonical(_json("signedJCS.json"))


def test_the_w3c_signed_example_verifies():
    _, keys = _vector_keys()
    assert signing.verify(_json("signedJCS.json"), keys) == next(iter(keys))


def test_the_w3c_signed_example_verifies_with_an_extra_context_appended():
    """The proof's context need only be a prefix of the document's (cryptosuite, verify step)."""
    _, keys = _vector_keys()
    document = _json("signedJCS.json")
    document["@context"] = [*document["@context"], "https://w3id.org/security/data-integrity/v2"]
    assert signing.verify(document, keys)
    as_set = dict(document, proof=[document["proof"]])
    assert signing.verify(as_set, keys)


def test_the_w3c_signed_example_is_refused_when_its_context_is_not_a_prefix():
    _, keys = _vector_keys()
    document = _json("signedJCS.json")
    document["@context"] = list(reversed(document["@context"]))
    with pytest.raises(signing.ProofError, match="@context"):
        signing.verify(document, keys)
    changed = _json("signedJCS.json")
    changed["credentialSubject"]["alumniOf"] = "Another School"
    with pytest.raises(signing.ProofError, match="签名后内容已被改动"):
        signing.verify(changed, keys)


# --- Open Badges 3.0 schema -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ob_schema() -> dict:
    return json.loads((VECTORS / "openbadges-3.0" / "achievementcredential.json").read_text(encoding="utf-8"))


def _validate(document: dict, schema: dict) -> None:
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_issued_credentials_of_every_kind_validate_against_the_open_badges_schema(app, world, issued, ob_schema):
    with app.app_context():
        documents = [credentials.credential(load(issued.id))]
        for kind, details in ((CertificateKind.COMPETITION_AWARD, {"奖项": "一等奖"}),
                              (CertificateKind.ALLIANCE_MEMBERSHIP, {"联盟类型": "同型"}),
                              (CertificateKind.STUDIO_NAMING, {})):
            documents.append(credentials.credential(issue_for(world.worker_b, f"{kind}:1", kind=kind,
                                                              details=details)))
        revoked = issue_for(world.worker_c, "revoked:1")
        issuing.revoke(revoked, "内部原因", by=None)
        documents.append(credentials.credential(revoked))
    for document in documents:
        _validate(document, ob_schema)


def test_a_credential_with_proof_as_an_object_breaks_the_schema(app, world, issued, ob_schema):
    """The schema check has teeth: the old form (one proof object) is what it refused."""
    with app.app_context():
        document = credentials.credential(load(issued.id))
    document["proof"] = document["proof"][0]
    with pytest.raises(AssertionError, match="proof"):
        _validate(document, ob_schema)


# --- Achievements -----------------------------------------------------------------------------


def _achievement_id(certificate) -> str:
    return credentials.credential(certificate)["credentialSubject"]["achievement"]["id"]


def test_each_thing_achieved_has_an_achievement_id_of_its_own(app, world):
    with app.app_context():
        def award(key, worker, prize, honour="2026年北京市职工职业技能大赛钳工项目"):
            return issue_for(worker, key, kind=CertificateKind.COMPETITION_AWARD, honour=honour,
                             details={"奖项": prize})

        first_a, first_b = award("a1", world.worker_a, "一等奖"), award("a2", world.worker_b, "一等奖")
        second = award("a3", world.worker_c, "二等奖")
        other_event = award("a4", world.worker_a, "一等奖", honour="2026年北京市职工职业技能大赛焊工项目")

        def title(key, worker, cycle):
            return issue_for(worker, key, honour="北京大工匠", details={"选树周期": cycle})

        third, third_again = title("t1", world.worker_a, "第三届"), title("t2", world.worker_b, "第三届")
        fourth = title("t3", world.worker_c, "第四届")
        district = issue_for(world.worker_a, "t4", honour="朝阳工匠", details={"选树周期": "第三届"})

        def member(key, alliance):
            return issue_for(world.worker_a, key, kind=CertificateKind.ALLIANCE_MEMBERSHIP,
                             holder_type=HolderType.STUDIO, honour=alliance)

        north, south = member("m1", "京北装备制造创新工作室联盟"), member("m2", "京南创新工作室联盟")
        db.session.commit()
        assert _achievement_id(first_a) == _achievement_id(first_b)
        assert _achievement_id(third) == _achievement_id(third_again)
        distinct = [first_a, second, other_event, third, fourth, district, north, south]
        assert len({_achievement_id(c) for c in distinct}) == len(distinct)
        ids = {c.serial: _achievement_id(c) for c in distinct}
    for certificate_id in ids.values():
        assert "/certificates/achievements/" in certificate_id


def test_an_achievement_id_resolves_to_its_achievement(app, world, client):
    with app.app_context():
        certificate = issue_for(world.worker_a, "a1", kind=CertificateKind.COMPETITION_AWARD,
                                honour="2026年北京市职工职业技能大赛钳工项目",
                                details={"奖项": "二等奖"})
        db.session.commit()
        embedded = credentials.credential(certificate)["credentialSubject"]["achievement"]
    path = embedded["id"].split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert {k: v for k, v in document.items() if k != "@context"} == embedded
    assert document["name"] == "2026年北京市职工职业技能大赛钳工项目（二等奖）"
    assert "二等奖" in document["criteria"]["narrative"] and document["description"]
    assert document["creator"]["name"] == "北京市总工会"
    assert "李明" not in json.dumps(document, ensure_ascii=False)
    assert client.get("/certificates/achievements/competition-award-0000").status_code == 404


def test_achievement_names_tell_the_details_apart_but_never_the_holder():
    snapshot = {"kind": "craftsman_title", "issuer": "朝阳区总工会", "honour": "朝阳工匠",
                "details": [["选树周期", "2026年朝阳工匠选树"], ["工作单位", "某公司"]],
                "issued_on": "2026-05-01", "body": "经评审、公示，被命名为“朝阳工匠”。"}
    achievement = credentials.achievement_of(snapshot)
    other_enterprise = copy.deepcopy(snapshot)
    other_enterprise["details"][1][1] = "另一家公司"
    assert credentials.achievement_of(other_enterprise) == achievement
    assert achievement["name"] == "朝阳工匠（2026年朝阳工匠选树）"


def test_the_shared_id_of_early_certificates_resolves_to_their_kind(client):
    response = client.get("/certificates/achievements/competition_award")
    assert response.status_code == 200
    document = response.get_json()
    assert document["id"] == "http://localhost/certificates/achievements/competition_award"
    assert document["name"] == "竞赛获奖" and document["type"] == ["Achievement"]
