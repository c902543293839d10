"""Issuing, revoking and replacing certificates.

A feature asks for a certificate with an :class:`IssueRequest`; :func:`issue` gives it a serial
(unique per kind and year, allocated safely when several processes issue at once), a random
verification code, a place in the revocation list and a snapshot of every printed field, and
signs it. Issuing is idempotent: asking again for the same ``source_key`` returns the live
certificate. Services flush and audit, never commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, has_request_context
from flask import request as http_request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificates import notifications
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    HolderType,
    RevocationCategory,
)
from certificates.services import status_lists
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.timeutil import beijing_today, utcnow

#: Unambiguous characters for verification codes: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
REASON_MAX = 2000
NAME_MAX = 200
HONOUR_MAX = 300
DETAIL_MAX = 200
DETAILS_MAX = 8
#: Attempts at a free serial before giving up (each one re-reads the highest sequence).
SERIAL_ATTEMPTS = 20

#: The certificate's title, as printed.
CERTIFICATE_TITLE = "荣誉证书"


@dataclass(frozen=True)
class IssueRequest:
    """What a feature asks to be certified; every text is printed as given."""

    kind: CertificateKind
    #: What it is for, e.g. "craftsmen.title:12", "competitions.result:55".
    source_key: str
    holder_type: HolderType
    holder_id: int
    holder_name: str
    #: The honour as printed, e.g. "2026年度北京大工匠（钳工）".
    honour: str
    #: Further printed fields (enterprise, occupation, level...), in order.
    details: Mapping[str, str] = field(default_factory=dict)
    #: Default: ``app.config["CERTIFICATE_ISSUER"]``.
    issuer: str | None = None
    #: Default: today in Beijing.
    issued_on: date | None = None
    #: The worker who may download it.
    worker_id: int | None = None
    #: The enterprise that may download it.
    enterprise_id: int | None = None
    #: A series of the kind with serials of its own (e.g. "district" for district craftsmen):
    #: its format is ``CERTIFICATE_SERIAL_FORMATS["<kind>.<series>"]``, its numbers its own.
    series: str = ""


# --- Issuing ---------------------------------------------------------------------------------

def live_certificate(source_key: str) -> Certificate | None:
    """The valid certificate issued for ``source_key``, if any."""
    return db.session.scalar(select(Certificate).where(Certificate.live_key == source_key))


def issue(request: IssueRequest, *, by) -> Certificate:
    """The live certificate of ``request.source_key``: the existing one, else a new one."""
    existing = live_certificate(request.source_key)
    if existing is not None:
        return existing
    certificate = _create(request, by=by)
    if certificate is None:  # someone else issued it at the same moment
        existing = live_certificate(request.source_key)
        if existing is None:
            raise DomainError(_l("证书编号分配失败，请稍后重试"))
        return existing
    audit.record("certificate.issue", certificate, by=by,
                 changes={"kind": [None, certificate.kind], "source": [None, certificate.source_key],
                          "serial": [None, certificate.serial]})
    notifications.certificate_issued(certificate)
    return certificate


def _clean(request: IssueRequest) -> dict:
    """Validated, trimmed printed fields; DomainError on anything that cannot be printed."""
    try:
        kind = CertificateKind(request.kind)
        holder_type = HolderType(request.holder_type)
    except ValueError as exc:
        raise DomainError(_l("未知的证书类别或持有人类型")) from exc
    source_key = (request.source_key or "").strip()
    if not source_key or len(source_key) > 80:
        raise DomainError(_l("证书来源标识无效"))
    name = " ".join((request.holder_name or "").split())
    if not name:
        raise DomainError(_l("请填写证书持有人姓名"), field="holder_name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("持有人姓名不能超过 %(n)s 个字符", n=NAME_MAX), field="holder_name")
    honour = " ".join((request.honour or "").split())
    if not honour:
        raise DomainError(_l("请填写荣誉名称"), field="honour")
    if len(honour) > HONOUR_MAX:
        raise DomainError(_l("荣誉名称不能超过 %(n)s 个字符", n=HONOUR_MAX), field="honour")
    details = []
    for label, value in (request.details or {}).items():
        label, value = " ".join(str(label).split()), " ".join(str(value or "").split())
        if len(label) > 20 or len(value) > DETAIL_MAX:
            raise DomainError(_l("证书附加信息“%(label)s”过长（名称最多 20 个字符，内容最多 %(n)s 个字符）",
                                 label=label[:20], n=DETAIL_MAX))
        if label and value:
            details.append([label, value])
    if len(details) > DETAILS_MAX:
        raise DomainError(_l("证书最多打印 %(n)s 项附加信息", n=DETAILS_MAX))
    issuer = " ".join((request.issuer or current_app.config["CERTIFICATE_ISSUER"]).split())
    if not issuer or len(issuer) > 100:
        raise DomainError(_l("发证机构名称无效"))
    _check_printable(name, honour, issuer, *(v for _, v in details))
    return {"kind": kind, "holder_type": holder_type, "source_key": source_key, "name": name,
            "honour": honour, "details": details, "issuer": issuer,
            "issued_on": request.issued_on or beijing_today()}


def _check_printable(name: str, *texts: str) -> None:
    """Refuse text the certificate font cannot print, naming the characters.

    A certificate with empty boxes in the holder's name is worse than none: the administrator
    is told which characters the configured font lacks (and can configure a fuller font).
    """
    from certificates import fonts

    missing = fonts.missing_characters(name + "".join(texts))
    if missing:
        raise DomainError(_l(
            "证书字体（CERTIFICATE_FONT_PATH）缺少以下字符，无法正确打印：%(chars)s。"
            "请改用包含这些字符的字体后再发证。",
            chars="、".join(f"“{c}”（U+{ord(c):04X}）" for c in missing)),
            field="holder_name" if fonts.missing_characters(name) else None)


def _verify_base() -> str:
    """The public address verification links start with (no trailing slash)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    if not base and has_request_context():
        base = http_request.host_url
    if not base:
        base = "http://localhost"
    return base.rstrip("/")


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _snapshot(clean: dict, serial: str, base: str, issued_at) -> dict:
    """Every printed field, as printed (always Chinese: the certificate is a document)."""
    kind: CertificateKind = clean["kind"]
    with force_locale("zh"):
        kind_label = str(kind.label)
    issued_on: date = clean["issued_on"]
    return {
        "title": CERTIFICATE_TITLE,
        "kind": kind.value,
        "kind_label": kind_label,
        "holder_name": clean["name"],
        "honour": clean["honour"],
        "body": body_text(kind, clean["honour"], dict(clean["details"])),
        "details": clean["details"],
        "issuer": clean["issuer"],
        "issued_on": issued_on.isoformat(),
        "issued_on_text": chinese_numeral_date(issued_on),
        "serial": serial,
        "base_url": base,
        "issued_at": issued_at.replace(microsecond=0).isoformat() + "Z",
    }


#: The sentence each kind prints; {honour} is the honour as given.
BODY_TEXT = {
    CertificateKind.CRAFTSMAN_TITLE: "经评审、公示，被命名为“{honour}”。",
    CertificateKind.COMPETITION_AWARD: "在{honour}中成绩优异。",
    CertificateKind.STUDIO_NAMING: "被命名为“{honour}”。",
    CertificateKind.ALLIANCE_MEMBERSHIP: "被吸纳为“{honour}”成员单位。",
}
BODY_CLOSING = "特发此证，以资鼓励。"

#: The detail that names a competition award (一等奖...), printed in the sentence too.
AWARD_DETAIL = "奖项"
AWARD_BODY_TEXT = "在{honour}中成绩优异，荣获{award}。"


def body_text(kind: CertificateKind, honour: str, details: dict) -> str:
    """The certificate's sentence: :data:`BODY_TEXT` of its kind, naming the award if given."""
    if kind == CertificateKind.COMPETITION_AWARD and details.get(AWARD_DETAIL):
        return AWARD_BODY_TEXT.format(honour=honour, award=details[AWARD_DETAIL])
    return BODY_TEXT[kind].format(honour=honour)


_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n] if n else "〇"
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")


def chinese_numeral_date(value: date) -> str:
    """二〇二六年五月一日, as official documents date themselves."""
    year = "".join(_DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{_chinese_number(value.month)}月{_chinese_number(value.day)}日"


def _next_numbers(kind: str, series: str, year: int) -> tuple[int, int]:
    """The next sequence of ``kind`` and ``series`` in ``year`` and the next status list
    position, as read now."""
    sequence = db.session.scalar(select(func.max(Certificate.sequence)).where(
        Certificate.kind == kind, Certificate.series == series, Certificate.year == year)) or 0
    status_index = db.session.scalar(select(func.max(Certificate.status_index)))
    return sequence + 1, 0 if status_index is None else status_index + 1


def _create(request: IssueRequest, *, by) -> Certificate | None:
    """Insert a new certificate with the next free serial; None when the source got one meanwhile.

    The sequence is the highest of its kind and year plus one; two processes that read the same
    highest number collide on the unique constraint (kind, year, sequence), and the loser rolls
    back its savepoint and reads again. The same holds for the status list position.
    """
    from certificates import credentials

    clean = _clean(request)
    kind: CertificateKind = clean["kind"]
    year = clean["issued_on"].year
    formats = current_app.config["CERTIFICATE_SERIAL_FORMATS"]
    series = (request.series or "").strip()
    format_key = f"{kind.value}.{series}" if series else kind.value
    if format_key not in formats:
        raise DomainError(_l("未配置该类证书的编号格式（CERTIFICATE_SERIAL_FORMATS：%(k)s）", k=format_key))
    base = _verify_base()
    for _attempt in range(SERIAL_ATTEMPTS):
        sequence, status_index = _next_numbers(kind.value, series, year)
        serial = formats[format_key].format(year=year, seq=sequence)
        issued_at = utcnow()
        certificate = Certificate(
            kind=kind.value, series=series, serial=serial, year=year, sequence=sequence,
            source_key=clean["source_key"], live_key=clean["source_key"],
            holder_type=clean["holder_type"].value, holder_id=request.holder_id,
            holder_name=clean["name"], worker_id=request.worker_id,
            enterprise_id=request.enterprise_id, issuer=clean["issuer"],
            issued_on=clean["issued_on"], snapshot=_snapshot(clean, serial, base, issued_at),
            verification_code=_code(), status_index=status_index,
            status=CertificateStatus.VALID.value, issued_by_id=getattr(by, "id", None),
            created_at=issued_at)
        credentials.sign_certificate(certificate)
        savepoint = db.session.begin_nested()
        try:
            db.session.add(certificate)
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            if live_certificate(clean["source_key"]) is not None:
                return None
            continue
        savepoint.commit()
        return certificate
    raise DomainError(_l("证书编号分配失败（同时发证的请求过多），请稍后重试"))


# --- Revoking and replacing ------------------------------------------------------------------

def _reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_l("理由不能超过 %(n)s 个字符", n=REASON_MAX), field="reason")
    return reason


def _require_valid(certificate: Certificate) -> None:
    if certificate.status != CertificateStatus.VALID.value:
        raise DomainError(_l("证书 %(s)s 当前状态为“%(st)s”，不能再操作", s=certificate.serial,
                             st=certificate.status_enum.label))


def _category(category) -> RevocationCategory:
    try:
        return RevocationCategory(category)
    except ValueError as exc:
        raise DomainError(_l("请选择对外公布的撤销类别"), field="category") from exc


def revoke(certificate: Certificate, reason: str, *, by,
           category: RevocationCategory | str = RevocationCategory.WITHDRAWN) -> None:
    """Revoke with an internal reason and a public ``category``: verification then says the
    category, with the date (never the reason); the list bit is set."""
    _require_valid(certificate)
    reason = _reason(reason, _l("请写明撤销理由"))
    category = _category(category)
    certificate.status = CertificateStatus.REVOKED.value
    certificate.live_key = None
    certificate.revoked_at = utcnow()
    certificate.revoke_reason = reason
    certificate.revoke_category = category.value
    db.session.flush()
    audit.record("certificate.revoke", certificate, by=by,
                 changes={"status": [CertificateStatus.VALID.value, certificate.status],
                          "category": [None, category.value], "reason": [None, reason[:500]]})
    status_lists.publish_after_commit(certificate)
    notifications.certificate_revoked(certificate)


def replace(certificate: Certificate, request: IssueRequest, reason: str, *, by) -> Certificate:
    """Issue a corrected certificate that supersedes ``certificate`` (both linked)."""
    _require_valid(certificate)
    reason = _reason(reason, _l("请写明换发理由"))
    _clean(request)  # refuse bad input before touching the old certificate
    certificate.live_key = None
    certificate.status = CertificateStatus.REPLACED.value
    certificate.revoked_at = utcnow()
    certificate.revoke_reason = reason
    certificate.revoke_category = RevocationCategory.CORRECTED.value
    db.session.flush()
    status_lists.publish_after_commit(certificate)
    new = _create(request, by=by)
    if new is None:
        raise DomainError(_l("该证书已有其他有效证书，请刷新后查看"))
    new.replaces_id = certificate.id
    certificate.replaced_by_id = new.id
    db.session.flush()
    audit.record("certificate.replace", certificate, by=by,
                 changes={"status": [CertificateStatus.VALID.value, certificate.status],
                          "replaced_by": [None, new.serial], "reason": [None, reason[:500]]})
    audit.record("certificate.issue", new, by=by,
                 changes={"kind": [None, new.kind], "source": [None, new.source_key],
                          "serial": [None, new.serial], "replaces": [None, certificate.serial]})
    notifications.certificate_issued(new)
    return new


def request_for_correction(certificate: Certificate, *, holder_name: str, honour: str) -> IssueRequest:
    """An :class:`IssueRequest` like the one ``certificate`` came from, name and honour corrected."""
    snap = certificate.snapshot
    return IssueRequest(
        kind=CertificateKind(certificate.kind), source_key=certificate.source_key,
        holder_type=HolderType(certificate.holder_type), holder_id=certificate.holder_id,
        holder_name=holder_name, honour=honour, details=dict(snap.get("details") or []),
        issuer=certificate.issuer, issued_on=beijing_today(), worker_id=certificate.worker_id,
        enterprise_id=certificate.enterprise_id, series=certificate.series)


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF (see :mod:`certificates.pdf`)."""
    from certificates import pdf

    return pdf.render_pdf(certificate)
