"""The electronic seal (电子签章) of certificate PDFs: a PAdES signature (pyHanko) by the issuing
body over the whole file, and its check.

The seal is an ECDSA P-256 or RSA (2048 bits or more) key with an X.509 certificate naming the
issuing body, so that Adobe Acrobat Reader, Foxit and poppler's ``pdfsig`` verify it and report
any later change. The signature field sits over the red seal printed on the page.

Settings (see :mod:`certificates.config`): ``CERTIFICATE_PDF_KEY`` (PEM private key, or a path to
one) and ``CERTIFICATE_PDF_CERT`` (PEM certificate of that key followed by its chain, or a path);
``CERTIFICATE_PDF_KNOWN_CERTS`` (PEM certificates, or paths, comma- or newline-separated) of the
earlier issuing certificates, so that PDFs sealed before a rotation keep verifying.

Signing needs neither the app nor the database (:class:`SealKey` is plain, picklable data), so the
batch renderer's worker processes seal what they draw.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import hashlib
import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

#: The name of the signature field.
FIELD_NAME = "IssuerSeal"
#: Curve / key size accepted for the seal (what PDF readers verify).
MIN_RSA_BITS = 2048


class SealConfigurationError(ValueError):
    """The configured seal key or certificate cannot be used."""


@dataclass(frozen=True)
class SealKey:
    """The issuing body's PDF signing key and certificate chain (PEM), plain data."""

    key_pem: bytes
    chain_pem: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(load_certificates(self.chain_pem)[0])


# --- Keys and certificates ---------------------------------------------------------------------

def read_pem(value: str | bytes | None) -> bytes:
    """PEM text from a setting that holds PEM itself or the path of a PEM file."""
    if not value:
        return b""
    text = value.decode() if isinstance(value, bytes) else str(value)
    if "-----BEGIN" in text:
        return text.strip().encode() + b"\n"
    path = Path(text.strip())
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SealConfigurationError(f"无法读取文件 {path}（{exc.strerror or exc}）") from exc


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise SealConfigurationError("不是 PEM 格式的 X.509 证书") from exc
    if not certificates:
        raise SealConfigurationError("没有 X.509 证书")
    return certificates


def load_private_key(pem: bytes):
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SealConfigurationError("不是未加密的 PEM 私钥") from exc
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise SealConfigurationError(f"椭圆曲线须为 P-256，实为 {key.curve.name}")
    elif isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise SealConfigurationError(f"RSA 密钥至少 {MIN_RSA_BITS} 位，实为 {key.key_size} 位")
    else:
        raise SealConfigurationError("须为 ECDSA P-256 或 RSA 私钥")
    return key


def check_seal_key(seal: SealKey) -> None:
    """Refuse a key and certificate that do not belong together or cannot seal."""
    key = load_private_key(seal.key_pem)
    certificate = load_certificates(seal.chain_pem)[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, public) != \
            certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise SealConfigurationError("证书链中的第一张证书与私钥不匹配")


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's public key (a key keeps its fingerprint when re-certified)."""
    der = certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def self_signed(issuer: str, key=None, *, days: int = 3650) -> SealKey:
    """A self-signed ECDSA P-256 seal certificate for ``issuer`` (development and tests)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{issuer} 证书专用章")])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SealKey(key_pem, certificate.public_bytes(serialization.Encoding.PEM))


def seal_key(config) -> SealKey:
    """The configured seal key and chain; SealConfigurationError when missing or unusable.
    Read and checked once per configured value (files are read again when the setting changes)."""
    return _seal_key(config.get("CERTIFICATE_PDF_KEY") or "", config.get("CERTIFICATE_PDF_CERT") or "")


@functools.lru_cache(maxsize=8)
def _seal_key(key_setting: str, cert_setting: str) -> SealKey:
    key_pem = read_pem(key_setting)
    chain_pem = read_pem(cert_setting)
    if not key_pem or not chain_pem:
        raise SealConfigurationError("未配置 CERTIFICATE_PDF_KEY 和 CERTIFICATE_PDF_CERT")
    seal = SealKey(key_pem, chain_pem)
    check_seal_key(seal)
    return seal


def known_certificates(config) -> list[x509.Certificate]:
    """The issuing certificates a sealed PDF may be signed with: the current one and earlier ones."""
    known = load_certificates(read_pem(config.get("CERTIFICATE_PDF_CERT")))[:1]
    raw = config.get("CERTIFICATE_PDF_KNOWN_CERTS") or ""
    items = raw if isinstance(raw, list | tuple) else _split_known(raw)
    for item in items:
        known.extend(load_certificates(read_pem(item)))
    return known


def _split_known(raw: str) -> list[str]:
    """PEM blocks or paths, separated by commas or new lines."""
    if "-----BEGIN" in raw:
        return [raw]
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


# --- Signing -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _signer(seal: SealKey):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = load_private_key(seal.key_pem)
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in load_certificates(seal.chain_pem)]
    return signers.SimpleSigner(signing_cert=chain[0], signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
                                cert_registry=SimpleCertificateStore.from_certs(chain))


@functools.lru_cache(maxsize=4)
def _appearance(drawing: bytes | None, size: tuple[float, float]):
    """The signature widget's appearance: ``drawing`` (PDF operators in a box of ``size``, e.g.
    the seal's rings and star), or nothing."""
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, InnerScaling, Margins, SimpleBoxLayoutRule
    from pyhanko.stamp import TextStampStyle

    if not drawing:
        return TextStampStyle(border_width=0, stamp_text=" ", background=None)
    layout = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID,
                                 margins=Margins(0, 0, 0, 0), inner_content_scaling=InnerScaling.NO_SCALING)
    return TextStampStyle(border_width=0, stamp_text=" ", background_opacity=0.82, background_layout=layout,
                          background=RawContent(drawing, box=BoxConstraints(width=size[0], height=size[1])))


#: Bytes kept in the signature container beyond the certificate chain (signed attributes,
#: signature, structure); the container is hex-encoded in the file (twice as many bytes).
RESERVED_BEYOND_CHAIN = 1024
_LOOPS = threading.local()


def _run(make_coroutine):
    """Run pyHanko's coroutine on an event loop kept per thread (a new loop per certificate
    would cost more than the signature); in a thread that already runs a loop, on a helper
    thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_LOOPS, "loop", None)
        if loop is None or loop.is_closed():
            loop = _LOOPS.loop = asyncio.new_event_loop()
        return loop.run_until_complete(make_coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as helper:
        return helper.submit(_run, make_coroutine).result()


@dataclass(frozen=True)
class Attachment:
    """A file to attach to a PDF (its EmbeddedFiles name tree), compressed."""

    name: str
    data: bytes
    mime_type: str
    description: str


def attach(data: bytes, *attachments: Attachment) -> bytes:
    """``data`` with ``attachments`` (compressed) added in an incremental update, as the PDF's
    EmbeddedFiles name tree; a seal added later covers them."""
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    for item in attachments:
        stream = embed.EmbeddedFileObject.from_file_data(
            writer, item.data, mime_type=item.mime_type,
            params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=False))
        embed.embed_file(writer, embed.FileSpec(file_spec_string=item.name, file_name=item.name,
                                                embedded_data=stream, description=item.description))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def seal_pdf(data: bytes, seal: SealKey, *, box: tuple[float, float, float, float], reason: str,
             signer_name: str, appearance: bytes | None = None) -> bytes:
    """``data`` (a one-page PDF) with a PAdES B-B signature over the whole file, its field on
    page 1 at ``box``, drawn as ``appearance`` (PDF operators in the box's own coordinates).

    pyHanko writes the signature field, its dictionary and the byte range as an incremental
    update and digests the document; the CMS container is then put together from DER parts
    prepared once per key (:func:`cms_signed_data`), which is most of the time pyHanko's
    general-purpose CMS builder would take.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, name=signer_name, location="中国 北京")
    size = (box[2] - box[0], box[3] - box[1])
    pdf_signer = signers.PdfSigner(meta, _signer(seal), stamp_style=_appearance(appearance, size),
                                   new_field_spec=fields.SigFieldSpec(FIELD_NAME, box=box, on_page=0))
    reserved = 2 * (len(_cms_parts(seal).certificates) + RESERVED_BEYOND_CHAIN)  # hex digits
    prepared, _, output = _run(lambda: pdf_signer.async_digest_doc_for_signing(
        writer, bytes_reserved=reserved, output=io.BytesIO()))
    _run(lambda: PdfTBSDocument.async_finish_signing(
        output, prepared, cms_signed_data(seal, prepared.document_digest)))
    return output.getvalue()


# --- The CMS container (RFC 5652 SignedData, as PAdES B-B wants it) ----------------------------

def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        head = bytes([length])
    else:
        raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + content


def _oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body.extend(reversed(chunk))
    return _der(0x06, bytes(body))


def _seq(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _set(*items: bytes) -> bytes:
    return _der(0x31, b"".join(sorted(items)))  # DER: a SET OF in the order of its encodings


def _integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return _der(0x02, raw)


OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
OID_RSA_SHA256 = "1.2.840.113549.1.1.11"


@dataclass(frozen=True)
class _CmsParts:
    """What every SignedData of one key shares, DER-encoded."""

    key: object
    digest_algorithms: bytes
    certificates: bytes
    signer_id: bytes
    digest_algorithm: bytes
    signature_algorithm: bytes
    fixed_attributes: tuple[bytes, ...]


@functools.lru_cache(maxsize=4)
def _cms_parts(seal: SealKey) -> _CmsParts:
    key = load_private_key(seal.key_pem)
    chain = load_certificates(seal.chain_pem)
    signer = chain[0]
    signer_der = signer.public_bytes(serialization.Encoding.DER)
    sha256 = _seq(_oid(OID_SHA256))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature_algorithm = _seq(_oid(OID_ECDSA_SHA256))
    else:
        signature_algorithm = _seq(_oid(OID_RSA_SHA256), b"\x05\x00")
    issuer_serial = _seq(signer.issuer.public_bytes(), _integer(signer.serial_number))
    # ESS signing-certificate-v2: the signer's certificate by its SHA-256 hash (default algorithm).
    ess_cert_id = _seq(_der(0x04, hashlib.sha256(signer_der).digest()), issuer_serial_v2(signer))
    signing_certificate = _seq(_oid(OID_SIGNING_CERTIFICATE_V2), _set(_seq(_seq(ess_cert_id))))
    content_type = _seq(_oid(OID_CONTENT_TYPE), _set(_oid(OID_DATA)))
    return _CmsParts(
        key=key, digest_algorithms=_set(sha256),
        certificates=_der(0xA0, b"".join(c.public_bytes(serialization.Encoding.DER) for c in chain)),
        signer_id=issuer_serial, digest_algorithm=sha256, signature_algorithm=signature_algorithm,
        fixed_attributes=(content_type, signing_certificate))


def issuer_serial_v2(certificate: x509.Certificate) -> bytes:
    """ESS IssuerSerial: the issuer as GeneralNames (a directoryName) and the serial number."""
    general_names = _seq(_der(0xA4, certificate.issuer.public_bytes()))
    return _seq(general_names, _integer(certificate.serial_number))


def cms_signed_data(seal: SealKey, document_digest: bytes) -> bytes:
    """The DER ContentInfo (SignedData, detached) signing ``document_digest`` (SHA-256 of the
    byte range) with content-type, message-digest and signing-certificate-v2 attributes."""
    parts = _cms_parts(seal)
    message_digest = _seq(_oid(OID_MESSAGE_DIGEST), _set(_der(0x04, document_digest)))
    attributes = sorted((*parts.fixed_attributes, message_digest))
    signed = b"".join(attributes)
    if isinstance(parts.key, ec.EllipticCurvePrivateKey):
        signature = parts.key.sign(_der(0x31, signed), ec.ECDSA(hashes.SHA256()))
    else:
        from cryptography.hazmat.primitives.asymmetric import padding

        signature = parts.key.sign(_der(0x31, signed), padding.PKCS1v15(), hashes.SHA256())
    signer_info = _seq(_integer(1), parts.signer_id, parts.digest_algorithm, _der(0xA0, signed),
                       parts.signature_algorithm, _der(0x04, signature))
    signed_data = _seq(_integer(1), parts.digest_algorithms, _seq(_oid(OID_DATA)), parts.certificates,
                       _set(signer_info))
    return _seq(_oid(OID_SIGNED_DATA), _der(0xA0, signed_data))


# --- Checking ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SealVerdict:
    """What the seal check found: ``ok`` and one line saying why."""

    ok: bool
    message: str
    signer: str = ""


def check_pdf(data: bytes, known: list[x509.Certificate]) -> SealVerdict:
    """Whether ``data`` carries one intact seal made by a known issuing certificate over the
    whole file. Each way a copy can fail has its own message (in the current locale)."""
    from flask_babel import gettext as _
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        return SealVerdict(False, _("PDF 结构已损坏，无法读取电子签章（%(e)s）", e=type(exc).__name__))
    if not signatures:
        return SealVerdict(False, _("PDF 没有发证机构的电子签章：签章已被移除，或不是本系统签发的证书文件"))
    if len(signatures) > 1:
        return SealVerdict(False, _("PDF 含有多个签名：签章之后又被他人签名或改动"))
    signature = signatures[0]
    try:
        status = _validate(signature)
    except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds of errors on damaged data
        return SealVerdict(False, _("电子签章已损坏，无法校验（%(e)s）", e=type(exc).__name__))
    if not (status.intact and status.valid):
        return SealVerdict(False, _("电子签章校验失败：签章之后页面或文件内容被改动（如涂改、替换文字）"))
    cert = x509.load_der_x509_certificate(signature.signer_cert.dump())
    name = signature.signer_cert.subject.human_friendly
    if fingerprint(cert) not in {fingerprint(c) for c in known}:
        return SealVerdict(False, _("电子签章不是发证机构的签章（签名证书：%(n)s）", n=name), name)
    byte_range = list(signature.sig_object["/ByteRange"])
    covered = int(byte_range[2]) + int(byte_range[3])
    if covered != len(data):
        tail = data[covered:]
        if b"startxref" in tail or b"xref" in tail:
            return SealVerdict(False, _("签章之后文件被增量修改（页面被替换或添加了内容），签章不覆盖现在的内容"), name)
        return SealVerdict(False, _("签章之后文件末尾被追加了数据，签章不覆盖整个文件"), name)
    return SealVerdict(True, _("电子签章有效，覆盖整个文件（%(n)s）", n=name), name)


def _validate(signature):
    """pyHanko's integrity check of the signature (digest and CMS signature); trust in the signer
    is decided here by the known issuing certificates, not by a certificate path."""
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    return _run(lambda: async_validate_pdf_signature(signature, ValidationContext(allow_fetching=False)))
