"""Checking a certificate handed in as a PDF or as its credential (JSON), without the web site.

The checks, each reported on its own line: for a PDF, first its electronic seal (a PAdES
signature by a known issuing certificate, intact and covering the whole file: any edit, replaced
page, appended bytes, removed or foreign signature fails here, each with its own message); the
document is an Open Badges credential; its signature verifies with a key of the issuing body; its
serial is well formed (and, for a PDF, printed on the page together with the holder's name); and,
where it can be found out, whether it has been revoked or replaced: from the database of the app,
or from the published status list.
"""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from certificates import credentials, sealing, signing
from certificates.models import Certificate, CertificateStatus
from core.timeutil import utc_to_beijing

#: The name of the credential attached to every certificate PDF.
ATTACHMENT_NAME = "credential.json"
SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")


class UnreadableDocument(ValueError):
    """The file is neither a certificate PDF with its credential nor a credential JSON."""


@dataclass
class Check:
    ok: bool | None  # None: could not be checked
    message: str


@dataclass
class Report:
    serial: str = ""
    holder_name: str = ""
    checks: list[Check] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(check.ok is not False for check in self.checks)

    def add(self, ok: bool | None, message: str) -> None:
        self.checks.append(Check(ok, message))


@dataclass
class Document:
    credential: dict | None
    pdf_text: str | None = None
    #: The file itself, when it is a PDF (its seal is checked over these bytes).
    pdf_bytes: bytes | None = None
    #: Why the credential could not be read from the PDF (its seal is checked first).
    problem: str = ""


def read_document(data: bytes) -> Document:
    """The credential in ``data`` (a certificate PDF or a JSON credential).

    A file that is not a PDF or JSON at all is refused (:class:`UnreadableDocument`); a PDF whose
    attachment cannot be read is returned with the problem noted, for its seal to be checked first.
    """
    if data[:5] == b"%PDF-":
        return _read_pdf(data)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableDocument(_("文件既不是证书 PDF，也不是 JSON 格式的电子证书")) from exc
    if not isinstance(document, dict):
        raise UnreadableDocument(_("JSON 内容不是电子证书（应为一个对象）"))
    return Document(document)


def _read_pdf(data: bytes) -> Document:
    from pypdf import PdfReader

    quiet = logging.getLogger("pypdf")
    level, quiet.level = quiet.level, logging.CRITICAL  # damaged streams are reported below, once
    try:
        try:
            reader = PdfReader(io.BytesIO(data))
            pages = list(reader.pages)
        except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on damaged files
            raise UnreadableDocument(_("PDF 文件已损坏，无法读取（%(e)s）", e=type(exc).__name__)) from exc
        try:
            contents = reader.attachments.get(ATTACHMENT_NAME)
            text = "\n".join(page.extract_text() or "" for page in pages)
        except Exception as exc:  # noqa: BLE001
            problem = _("PDF 内容已损坏，无法读出嵌入的电子证书（%(e)s）", e=type(exc).__name__)
            return Document(None, None, data, problem)
    finally:
        quiet.level = level
    if not contents and b"/ByteRange" not in data:  # neither sealed nor carrying a credential
        raise UnreadableDocument(_("PDF 中没有嵌入电子证书（附件 %(a)s），不是本系统签发的证书", a=ATTACHMENT_NAME))
    if not contents:
        return Document(None, text, data,
                        _("PDF 中没有嵌入电子证书（附件 %(a)s），不是本系统签发的证书", a=ATTACHMENT_NAME))
    try:
        document = json.loads(contents[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Document(None, text, data, _("PDF 中嵌入的电子证书已损坏"))
    if not isinstance(document, dict):
        return Document(None, text, data, _("PDF 中嵌入的电子证书已损坏"))
    return Document(document, text, data)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


#: Looks a credential's status up: (ok or None when unknown, message).
StatusLookup = Callable[[dict], tuple[bool | None, str]]


def check(document: Document, public_keys: dict, status_lookup: StatusLookup | None = None,
          known_seals: list | None = None) -> Report:
    """Every check on ``document``; ``report.valid`` is False when any of them failed.

    A PDF whose seal fails is refused on that one line: nothing else in it can be trusted.
    """
    report = Report()
    if document.pdf_bytes is not None:
        verdict = sealing.check_pdf(document.pdf_bytes, known_seals or [])
        report.add(verdict.ok, _("电子签章：%(m)s", m=verdict.message))
        if not verdict.ok:
            return report
    if document.credential is None:
        report.add(False, _("电子证书：%(m)s", m=document.problem))
        return report
    cred = document.credential
    report.serial = credentials.serial_of(cred)
    types = cred.get("type") or []
    if not (isinstance(types, list) and "VerifiableCredential" in types and "OpenBadgeCredential" in types):
        report.add(False, _("不是 Open Badges 3.0 电子证书（type 不含 VerifiableCredential / OpenBadgeCredential）"))
        return report
    try:
        report.holder_name = credentials.holder_name_of(cred)
    except (AttributeError, TypeError):
        report.holder_name = ""
    try:
        kid = signing.verify(cred, public_keys)
    except signing.ProofError as error:
        report.add(False, _("签名：%(e)s", e=error))
        return report
    report.add(True, _("签名：有效（发证机构密钥 %(k)s）", k=kid))

    serial = report.serial
    if not SERIAL_PATTERN.match(serial) or not str(cred.get("id", "")).endswith("/verify/" + serial):
        report.add(False, _("证书编号：格式错误或与证书标识不符（%(s)s）", s=serial or "—"))
        return report
    report.add(True, _("证书编号：%(s)s", s=serial))
    if document.pdf_text is not None:
        printed = _compact(document.pdf_text)
        if serial not in printed or _compact(report.holder_name) not in printed:
            report.add(False, _("PDF：页面上印的编号或姓名与嵌入的电子证书不一致（PDF 可能被改动）"))
        else:
            report.add(True, _("PDF：页面上的编号和姓名与电子证书一致"))

    if status_lookup is None:
        report.add(None, _("撤销状态：未核对（没有可用的数据库，也未指定 --online 地址）"))
    else:
        ok, message = status_lookup(cred)
        report.add(ok, _("撤销状态：%(m)s", m=message))
    return report


# --- Where the status comes from -------------------------------------------------------------

def database_lookup(session) -> StatusLookup:
    """Status from the app's own database, matching serial and signature."""
    def lookup(cred: dict) -> tuple[bool | None, str]:
        serial = credentials.serial_of(cred)
        certificate = session.scalar(select(Certificate).where(Certificate.serial == serial))
        if certificate is None:
            return False, _("数据库中没有编号为 %(s)s 的证书", s=serial)
        if certificate.signature != credentials.proof_value_of(cred):
            return False, _("与编号 %(s)s 实际签发的证书不符", s=serial)
        status = certificate.status_enum
        if status == CertificateStatus.VALID:
            return True, _("有效（已在数据库中核对）")
        when = utc_to_beijing(certificate.revoked_at).date().isoformat() if certificate.revoked_at else ""
        if status == CertificateStatus.REPLACED:
            newer = certificate.replaced_by.serial if certificate.replaced_by else ""
            return False, _("已于 %(d)s 被换发的证书 %(n)s 取代，原证书不再有效", d=when, n=newer)
        return False, _("已于 %(d)s 撤销（%(c)s）", d=when, c=certificate.public_reason)
    return lookup


def fetch_json(url: str, timeout: float = 10) -> dict:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"不支持的地址：{url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked
        return json.loads(response.read().decode("utf-8"))


def status_list_lookup(base_url: str, public_keys: dict, fetch=None) -> StatusLookup:
    """Status from the signed status list published under ``base_url``."""
    def lookup(cred: dict) -> tuple[bool | None, str]:
        entry = cred.get("credentialStatus") or {}
        if entry.get("type") != "BitstringStatusListEntry" or entry.get("statusPurpose") != "revocation":
            return False, "电子证书没有撤销状态条目"
        path = urlsplit(str(entry.get("statusListCredential") or "")).path
        url = base_url.rstrip("/") + path
        try:
            listing = (fetch or fetch_json)(url)
        except (OSError, ValueError) as exc:
            return None, f"无法获取状态列表 {url}（{exc}）"
        try:
            signing.verify(listing, public_keys)
        except signing.ProofError as error:
            return False, f"状态列表的签名未通过核验（{error}）"
        subject = listing.get("credentialSubject") or {}
        try:
            bits = credentials.decode_bits(str(subject.get("encodedList") or ""))
            revoked = credentials.bit_is_set(bits, int(entry.get("statusListIndex")))
        except (ValueError, TypeError, OSError) as exc:
            return False, f"状态列表无法解读（{exc}）"
        if revoked:
            return False, f"已撤销（据 {url} 公布的状态列表）"
        return True, f"有效（据 {url} 公布的状态列表）"
    return lookup
