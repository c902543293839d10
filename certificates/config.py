"""The certificates' settings: defaults, environment overrides and the production checks.

Every key may be set in the app's configuration (``overrides`` of ``create_app``) or, for the
ones in :data:`FROM_ENVIRONMENT`, in the environment.

* ``CERTIFICATE_SIGNING_KEY``: the issuing body's Ed25519 private key, PEM (PKCS#8) or the
  base64 of the raw 32-byte seed. Production refuses to start without one; development keeps a
  generated key in ``instance/certificate_signing_key``; tests use a fixed throwaway key.
* ``CERTIFICATE_RETIRED_KEYS``: base64 raw public keys (comma-separated) of earlier signing
  keys, still published so that certificates signed with them keep verifying.
* ``PUBLIC_BASE_URL``: the site's public address (``https://gj.bjzgh.org``) that QR codes and
  credentials point at. Production requires it: a request's Host header is not to be trusted
  for something printed and signed. Elsewhere, when unset, the request's host is used (a batch
  uses the address of the request that queued it).
* ``CERTIFICATE_PDF_KEY`` / ``CERTIFICATE_PDF_CERT``: the key (ECDSA P-256 or RSA of at least
  2048 bits, PEM) and the X.509 certificate chain (PEM, the key's certificate first) of the
  issuing body's electronic seal, which signs every certificate PDF (PAdES); each may be the PEM
  text or a file's path. Production refuses to start without them; development generates a
  self-signed pair into ``instance/``; tests make one per process.
* ``CERTIFICATE_PDF_KNOWN_CERTS``: PEM certificates (text or paths, comma-separated) of earlier
  seal keys: PDFs sealed before a key rotation keep verifying.
* ``CERTIFICATE_FONT_PATH``: a TrueType font (TTF/TTC) with Chinese glyphs, embedded in the PDF.
  When unset, :data:`certificates.fonts.KNOWN_FONT_PATHS` are tried.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from core.config import ConfigurationError

DEFAULTS = {
    "CERTIFICATE_ISSUER": "北京市总工会",
    "CERTIFICATE_SERIAL_FORMATS": {
        "craftsman_title": "BJGJ-{year}-{seq:06d}",
        # District and industry craftsmen: titles conferred by a district or industry union.
        "craftsman_title.district": "BJQGJ-{year}-{seq:06d}",
        "craftsman_title.industry": "BJHGJ-{year}-{seq:06d}",
        "competition_award": "BJJS-{year}-{seq:06d}",
        "studio_naming": "BJGZS-{year}-{seq:06d}",
        "alliance_membership": "BJLM-{year}-{seq:06d}",
    },
    "CERTIFICATE_SIGNING_KEY": None,
    "CERTIFICATE_RETIRED_KEYS": "",
    "CERTIFICATE_FONT_PATH": None,
    "CERTIFICATE_PDF_KEY": None,
    "CERTIFICATE_PDF_CERT": None,
    "CERTIFICATE_PDF_KNOWN_CERTS": "",
    "PUBLIC_BASE_URL": None,
    #: Public verification: failed look-ups (unknown serial or wrong code) per address.
    "CERTIFICATE_VERIFY_RATE_LIMIT": "20 per 10 minutes",
    #: Public verification of uploaded files (each upload counts): per address.
    "CERTIFICATE_UPLOAD_RATE_LIMIT": "10 per minute; 60 per hour",
    #: Positions in one revocation list (W3C minimum: 16 KB = 131,072 entries).
    "CERTIFICATE_STATUS_LIST_SIZE": 131072,
}

FROM_ENVIRONMENT = ("CERTIFICATE_SIGNING_KEY", "CERTIFICATE_RETIRED_KEYS",
                    "CERTIFICATE_FONT_PATH", "PUBLIC_BASE_URL", "CERTIFICATE_ISSUER",
                    "CERTIFICATE_PDF_KEY", "CERTIFICATE_PDF_CERT", "CERTIFICATE_PDF_KNOWN_CERTS")

#: The tests' key: a fixed seed, refused by the production checks like the other test secrets.
TESTING_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()


def init_config(app) -> None:
    """Fill in the defaults, read the environment, make or check the signing key."""
    for name, value in DEFAULTS.items():
        if name not in app.config:
            app.config[name] = value
    for name in FROM_ENVIRONMENT:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    profile = app.config.get("ENV_NAME")
    if not app.config.get("CERTIFICATE_SIGNING_KEY"):
        if profile == "testing":
            app.config["CERTIFICATE_SIGNING_KEY"] = TESTING_SIGNING_KEY
        elif profile == "development":
            app.config["CERTIFICATE_SIGNING_KEY"] = _development_key(Path(app.instance_path))
    if not app.config.get("CERTIFICATE_PDF_KEY") and not app.config.get("CERTIFICATE_PDF_CERT"):
        if profile == "testing":
            seal = _testing_seal(app.config["CERTIFICATE_ISSUER"])
            app.config["CERTIFICATE_PDF_KEY"], app.config["CERTIFICATE_PDF_CERT"] = seal
        elif profile == "development":
            app.config["CERTIFICATE_PDF_KEY"], app.config["CERTIFICATE_PDF_CERT"] = _development_seal(
                Path(app.instance_path), app.config["CERTIFICATE_ISSUER"])
    if profile == "production":
        check_production(app.config)


def _development_key(instance: Path) -> str:
    path = instance / "certificate_signing_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = base64.b64encode(os.urandom(32)).decode()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


_TESTING_SEALS: dict[str, tuple[str, str]] = {}


def _testing_seal(issuer: str) -> tuple[str, str]:
    """A throwaway self-signed seal, made once per process (tests compare PDFs across apps)."""
    from certificates import sealing

    if issuer not in _TESTING_SEALS:
        seal = sealing.self_signed(issuer + "（测试）")
        _TESTING_SEALS[issuer] = (seal.key_pem.decode(), seal.chain_pem.decode())
    return _TESTING_SEALS[issuer]


def _development_seal(instance: Path, issuer: str) -> tuple[str, str]:
    """The development seal: a self-signed P-256 key and certificate kept in ``instance/``."""
    from certificates import sealing

    key_path, cert_path = instance / "certificate_pdf_key.pem", instance / "certificate_pdf_cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        seal = sealing.self_signed(issuer + "（开发环境）")
        instance.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(seal.key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(seal.chain_pem)
    return str(key_path), str(cert_path)


def check_production(config) -> None:
    """Refuse to start production without a real signing key and a public address."""
    from certificates import signing

    raw = config.get("CERTIFICATE_SIGNING_KEY") or ""
    if not raw or raw == TESTING_SIGNING_KEY:
        raise ConfigurationError(
            "拒绝启动：CERTIFICATE_SIGNING_KEY 未设置或是测试用默认值。证书须以发证机构的 Ed25519 "
            "私钥签名，请用 python -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())'"
            " 生成并妥善保管（或提供 PEM 格式私钥）。")
    try:
        signing.load_private_key(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"拒绝启动：CERTIFICATE_SIGNING_KEY 不是有效的 Ed25519 私钥（{exc}）。") from exc
    _check_seal(config)
    base = (config.get("PUBLIC_BASE_URL") or "").strip()
    if not base.startswith(("https://", "http://")):
        raise ConfigurationError(
            "拒绝启动：PUBLIC_BASE_URL 未设置。证书二维码和电子证书中的核验地址取自该设置，"
            "例如 https://gj.bjzgh.org 。")


def _check_seal(config) -> None:
    """Production seals PDFs with the issuing body's configured key and certificate chain."""
    from certificates import sealing

    if not config.get("CERTIFICATE_PDF_KEY") or not config.get("CERTIFICATE_PDF_CERT"):
        raise ConfigurationError(
            "拒绝启动：CERTIFICATE_PDF_KEY 和 CERTIFICATE_PDF_CERT 未设置。证书 PDF 须以发证机构的电子签章"
            "（ECDSA P-256 或 RSA 2048 位以上私钥及其 X.509 证书链，PEM 格式，可填文件路径）签名。")
    try:
        sealing.seal_key(config)
        sealing.known_certificates(config)
    except sealing.SealConfigurationError as exc:
        raise ConfigurationError(f"拒绝启动：证书 PDF 的电子签章配置无效（{exc}）。") from exc
