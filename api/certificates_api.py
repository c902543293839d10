"""Certificates over the API: verification by serial and verification code, the same answer
as the public verification page (:mod:`certificates.verify_views`' look-up): without the right
code nothing is revealed, not even whether the serial exists; failed look-ups count toward
the same per-address limit as the page's."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from api import fields as f
from api.blueprint import bp
from api.errors import ApiError
from api.http import operation
from certificates import credentials, signing
from certificates.lookup import WRONG, current_of, find
from certificates.models import CertificateKind, CertificateStatus
from core.access import public
from core.extensions import limiter

TAGS = ["certificates"]
STATUSES = [status.value for status in CertificateStatus]


class VerifyIn(f.ApiSchema):
    serial = f.String(required=True, validate=f.length(min=1, max=60), metadata={
        "description": "证书编号（不区分大小写，空格忽略）/ Serial as printed"})
    code = f.String(required=True, validate=f.length(min=1, max=20), metadata={
        "description": "证书上印的 8 位验证码（不区分大小写）/ The verification code"})


class Detail(f.ApiSchema):
    label = f.String(required=True)
    value = f.String(required=True)


class Replacement(f.ApiSchema):
    serial = f.String(required=True)
    code = f.String(required=True, metadata={"description": "现行证书的验证码 / Its verification code"})


class VerifyOut(f.ApiSchema):
    """A certificate as issued (the printed facts, never changed afterwards) and its status now."""

    serial = f.String(required=True)
    status = f.String(required=True, validate=f.one_of(STATUSES))
    status_label = f.String(required=True)
    valid = f.Boolean(required=True, metadata={
        "description": "有效且电子签名校验通过 / Valid and its signature verifies"})
    signature_valid = f.Boolean(required=True)
    key_id = f.String(required=True)
    kind = f.String(required=True, validate=f.one_of([k.value for k in CertificateKind]))
    kind_label = f.String(required=True)
    title = f.String(required=True)
    holder_name = f.String(required=True)
    honour = f.String(required=True)
    body = f.String(required=True)
    details = f.List(f.Nested(Detail), required=True)
    issuer = f.String(required=True)
    issued_on = f.Date(required=True)
    revoked_at = f.DateTime(required=True, allow_none=True)
    reason = f.String(required=True, allow_none=True,
                      metadata={"description": "撤销或换发的公开类别（内部理由不公开）"})
    replaced_by = f.Nested(Replacement, required=True, allow_none=True)


def _failed(response) -> bool:
    return response.status_code == 404


#: The page's limit on failed look-ups, shared with it (one count per address).
verify_limit = limiter.shared_limit(lambda: current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"],
                                    scope="certificate-verify", deduct_when=_failed)


@bp.post("/certificates/verify")
@public
@verify_limit
@operation("verifyCertificate", _l("核验证书（编号 + 验证码）"), tags=TAGS, body=VerifyIn,
           response=VerifyOut, errors=(404,),
           description=_l("编号或验证码不正确时答 404（不透露编号是否存在）；失败次数过多时答 429。"
                          "验证码放在请求体中，不出现在地址里。"))
def verify_certificate(body):
    certificate = find(body["serial"], body["code"])
    if certificate is None:
        raise ApiError(404, "not_found", WRONG, "The serial or the verification code is wrong.")
    try:
        signing.verify(credentials.credential(certificate), signing.keyring().public)
        signature_ok = True
    except signing.ProofError:
        signature_ok = False
    snap = certificate.snapshot or {}
    replaced_by = None
    if certificate.status == CertificateStatus.REPLACED.value:
        current = current_of(certificate)
        if current.id != certificate.id:
            replaced_by = {"serial": current.serial, "code": current.verification_code}
    return {
        "serial": certificate.serial, "status": certificate.status,
        "status_label": str(certificate.status_enum.label),
        "valid": certificate.status == CertificateStatus.VALID.value and signature_ok,
        "signature_valid": signature_ok, "key_id": certificate.key_id or "",
        "kind": certificate.kind, "kind_label": str(snap.get("kind_label") or certificate.kind_enum.label),
        "title": str(snap.get("title") or ""), "holder_name": str(snap.get("holder_name") or certificate.holder_name),
        "honour": str(snap.get("honour") or ""), "body": str(snap.get("body") or ""),
        "details": [{"label": str(label), "value": str(value)} for label, value in snap.get("details") or []],
        "issuer": str(snap.get("issuer") or certificate.issuer), "issued_on": certificate.issued_on,
        "revoked_at": certificate.revoked_at,
        "reason": (str(certificate.public_reason) if certificate.public_reason is not None else None),
        "replaced_by": replaced_by,
    }
