"""Public verification of certificates, and what machines verify against.

``/verify/<serial>?code=...`` (the QR code's link) shows the certificate as issued and whether it
is still valid, revoked (with date and reason) or replaced (with a link to the current one).
Without the right verification code nothing is revealed, not even whether the serial exists:
serials are sequential and could be walked. Failed look-ups are rate-limited per address; a
right code's page that this process already keeps is served without asking the limit's storage
(:class:`RecentFailures` says when it must ask all the same).

For machines: the signed revocation lists (W3C Bitstring Status List) at
``/certificates/status/<n>``, the issuing body's public keys at
``/.well-known/certificate-keys.json`` (JWK set) and ``/.well-known/did.json`` (did:web), and
each certificate's credential as JSON (with its code).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many
from sqlalchemy import select

from certificates import credentials, sealing, signing, verification
from certificates.forms import UPLOAD_MAX_BYTES, VerifyFileForm, VerifyForm
from certificates.lookup import WRONG, current_of, find, normalise_code, normalise_serial
from certificates.models import Certificate, CertificateKind, CertificateStatus
from certificates.services import status_lists
from core import error_pages, navigation
from core.access import public
from core.extensions import db, limiter
from core.public_cache import answered_without_view, cached_for_visitors

bp = Blueprint("certificates_verify", __name__)

navigation.add("certificates_verify.verify_form", _l("证书核验"))

#: The data a certificate's verification page reads.
CACHED_BY = ("certificates",)
LIMITED = _l("核验失败次数过多，请于 %(t)s 后再试。")
TOO_LARGE = _l("文件过大：证书文件不超过 2 MB")


class RecentFailures:
    """The addresses whose look-ups failed (or were refused) in this process within the limit's
    window. A visitor asking for a verification page this process has answered in full (a right
    code: see :func:`core.public_cache.answered_without_view`) is served without a round trip to
    the limit's storage, unless the address is here: a guesser over the limit cannot learn from
    a 200 that a guess was right, beyond at most one guess per process that has not yet seen a
    failure from it. Once more than ``size`` addresses are held, the oldest is forgotten and
    every request is checked again until a window has passed."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._overflowed_at = float("-inf")
        self._lock = threading.Lock()

    def note(self, address: str) -> None:
        with self._lock:
            self._seen[address] = time.monotonic()
            self._seen.move_to_end(address)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
                self._overflowed_at = time.monotonic()

    def within(self, address: str, seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._overflowed_at < seconds:
                return True
            seen = self._seen.get(address)
            if seen is not None and now - seen >= seconds:
                del self._seen[address]
                seen = None
            return seen is not None

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._overflowed_at = float("-inf")


recent_failures = RecentFailures()


@functools.lru_cache(maxsize=8)
def _window_seconds(limit: str) -> float:
    """The longest window of ``limit`` (600 for "20 per 10 minutes")."""
    return max(item.get_expiry() for item in parse_many(limit))


def _failed(response) -> bool:
    """Only failed look-ups count toward the limit; refused ones are remembered too."""
    if response.status_code in (404, 429):
        recent_failures.note(get_remote_address())
    return response.status_code == 404


def _known_page() -> bool:
    """A right code's page this process already answered, for an address with no failures here."""
    return (request.endpoint == "certificates_verify.certificate" and answered_without_view(*CACHED_BY) and
            not recent_failures.within(get_remote_address(),
                                   _window_seconds(current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"])))


def _on_breach(limit_hit):
    again = datetime.fromtimestamp(limit_hit.reset_at, UTC).replace(tzinfo=None)
    form = VerifyForm(formdata=None, serial=normalise_serial(request.view_args.get("serial", "")
                                                             if request.view_args else ""))
    refusal = str(LIMITED) % {"t": format_datetime(again, "yyyy-MM-dd HH:mm")}
    return current_app.response_class(
        render_template("certificates/verify/form.html", form=form, refusal=refusal), status=429)


verify_limit = limiter.shared_limit(lambda: current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"],
                                    scope="certificate-verify", deduct_when=_failed,
                                    on_breach=_on_breach, exempt_when=_known_page)


@bp.context_processor
def _upload_form() -> dict:
    """Every page with the verification form offers the file check too. The form (and its
    CSRF token, which ties a page to one session) is made only by a page that shows it, so a
    certificate's page stays cacheable."""
    return {"new_upload_form": lambda: VerifyFileForm(formdata=None, prefix="upload")}


def _upload_refused(limit_hit):
    again = datetime.fromtimestamp(limit_hit.reset_at, UTC).replace(tzinfo=None)
    refusal = str(LIMITED) % {"t": format_datetime(again, "yyyy-MM-dd HH:mm")}
    return current_app.response_class(
        render_template("certificates/verify/form.html", form=VerifyForm(formdata=None), refusal=refusal),
        status=429)


upload_limit = limiter.limit(lambda: current_app.config["CERTIFICATE_UPLOAD_RATE_LIMIT"],
                             scope="certificate-verify-file", on_breach=_upload_refused)


bp.register_error_handler(RateLimitExceeded, error_pages.rate_limited)


@bp.get("/verify")
@public
def verify_form():
    form = VerifyForm(formdata=None, serial=normalise_serial(request.args.get("serial", ""))[:40])
    return render_template("certificates/verify/form.html", form=form)


@bp.post("/verify")
@public
def verify_submit():
    form = VerifyForm()
    if form.validate_on_submit():
        code = normalise_code(form.code.data)
        return redirect(url_for(".certificate", serial=normalise_serial(form.serial.data), code=code))
    return render_template("certificates/verify/form.html", form=form)


@bp.post("/verify/file")
@public
@upload_limit
def verify_file():
    """An uploaded certificate PDF or credential, checked as ``flask certificates verify`` does:
    the seal, the credential's signature, the serial and the status in the database."""
    form = VerifyFileForm(prefix="upload")
    if not form.validate_on_submit():
        return render_template("certificates/verify/form.html", form=VerifyForm(formdata=None),
                               upload_form=form), 400
    data = form.file.data.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        form.file.errors = [str(TOO_LARGE)]
        return render_template("certificates/verify/form.html", form=VerifyForm(formdata=None),
                               upload_form=form), 400
    try:
        document = verification.read_document(data)
    except verification.UnreadableDocument as exc:
        form.file.errors = [str(exc)]
        return render_template("certificates/verify/form.html", form=VerifyForm(formdata=None),
                               upload_form=form), 400
    report = verification.check(document, dict(signing.keyring().public),
                                verification.database_lookup(db.session),
                                known_seals=sealing.known_certificates(current_app.config))
    return render_template("certificates/verify/file_result.html", report=report,
                           file_name=form.file.data.filename or "")


def _wrong(serial: str, code: str):
    form = VerifyForm(formdata=None, serial=serial[:40], code=code[:20])
    form.code.errors = [str(WRONG)]
    return render_template("certificates/verify/form.html", form=form), 404


@bp.get("/verify/<string(maxlength=60):serial>")
@public
@verify_limit
@cached_for_visitors(*CACHED_BY)
def certificate(serial: str):
    code = request.args.get("code", "")
    if not code.strip():
        form = VerifyForm(formdata=None, serial=normalise_serial(serial)[:40])
        return render_template("certificates/verify/form.html", form=form, ask_code=True)
    found = find(serial, code)
    if found is None:
        return _wrong(normalise_serial(serial), code)
    if found.serial != serial:  # typed in lower case or with spaces: show the canonical address
        return redirect(url_for(".certificate", serial=found.serial, code=found.verification_code))
    current = current_of(found) if found.status == CertificateStatus.REPLACED.value else None
    try:
        signing.verify(credentials.credential(found), signing.keyring().public)
        signature_ok = True
    except signing.ProofError:
        signature_ok = False
    return render_template("certificates/verify/result.html", certificate=found, snap=found.snapshot,
                           current=current, signature_ok=signature_ok)


@bp.get("/verify/<string(maxlength=60):serial>/credential.json")
@public
@verify_limit
def credential_json(serial: str):
    found = find(serial, request.args.get("code", ""))
    if found is None:
        return _wrong(normalise_serial(serial), request.args.get("code", ""))
    return _json(credentials.credential(found), attachment=f"{found.serial}.credential.json")


def _json(document: dict, attachment: str | None = None, cache_seconds: int = 0):
    response = current_app.response_class(json.dumps(document, ensure_ascii=False, indent=2),
                                          mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={cache_seconds}" if cache_seconds else "no-store"
    if attachment:
        response.headers["Content-Disposition"] = f'attachment; filename="{attachment}"'
    return response


@bp.get("/certificates/status/<int:list_number>")
@public
def status_list(list_number: int):
    """The signed revocation list (BitstringStatusListCredential) number ``list_number``."""
    if list_number < 1 or list_number > credentials.list_count():
        abort(404)
    return _json(status_lists.current(list_number), cache_seconds=60)


@bp.get("/certificates/achievements/<string(maxlength=80):achievement_key>")
@public
def achievement(achievement_key: str):
    """The Open Badges Achievement that credentials name as ``achievement.id``: what was
    achieved (name, description, criteria) and who awards it; nothing about any holder."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.achievement_key == achievement_key)
                                    .order_by(Certificate.id).limit(1))
    if certificate is not None:
        document = credentials.achievement_document(certificate.snapshot)
    elif achievement_key in {kind.value for kind in CertificateKind}:
        # The id certificates issued before achievements had ids of their own share per kind.
        document = credentials.kind_achievement(CertificateKind(achievement_key), credentials.public_base(),
                                                current_app.config["CERTIFICATE_ISSUER"])
    else:
        return _json({"error": "not_found", "message": str(_l("没有这项成就"))}), 404
    return _json({"@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT], **document},
                 cache_seconds=3600)


@bp.get("/.well-known/certificate-keys.json")
@public
def keys():
    """The issuing body's public keys (JWK set), the current one first."""
    ring = signing.keyring()
    base = credentials.public_base()
    return _json({"issuer": current_app.config["CERTIFICATE_ISSUER"], "id": signing.did_web(base),
                  "current": ring.current_id,
                  "keys": [signing.jwk(key) for key in ring.public.values()],
                  "statusLists": [credentials.status_url(base, n) for n in range(1, credentials.list_count() + 1)]},
                 cache_seconds=3600)


@bp.get("/.well-known/did.json")
@public
def did_document():
    """The did:web document naming the keys that sign certificates."""
    return _json(signing.did_document(credentials.public_base(), signing.keyring()), cache_seconds=3600)
