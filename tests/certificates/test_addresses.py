"""Where certificates point: outside production, verification links, QR codes and credential ids
use the address of the request (or ``PUBLIC_BASE_URL`` when set); a batch, which runs without a
request, uses the address of the request that queued it. (That production requires
PUBLIC_BASE_URL is tested in tests/certificates/test_signing.py.)"""

from __future__ import annotations

from types import SimpleNamespace

from certificates import config as cert_config
from certificates import credentials, pdf, sources
from certificates.models import Certificate
from certificates.services import batches
from core.accounts.models import User
from core.extensions import db
from tests.certificates.conftest import pdf_qr_codes
from tests.certificates.samples import SAMPLE_SOURCE, issue_for, register_sample, request_for


def test_development_does_not_fix_the_public_address(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    app = SimpleNamespace(config={"ENV_NAME": "development"}, instance_path=str(tmp_path))
    cert_config.init_config(app)
    assert app.config["PUBLIC_BASE_URL"] is None
    assert (tmp_path / "certificate_pdf_cert.pem").exists()


def test_a_certificate_issued_in_a_request_points_at_that_requests_host(app, world):
    assert not app.config.get("PUBLIC_BASE_URL")
    with app.test_request_context("/", base_url="http://gj.test:8123"):
        certificate = issue_for(world.worker_a, "host")
        cred = credentials.credential(certificate)
        qr = pdf_qr_codes(pdf.render_pdf(certificate))
    assert certificate.snapshot["base_url"] == "http://gj.test:8123"
    assert cred["id"] == f"http://gj.test:8123/verify/{certificate.serial}"
    assert cred["issuer"]["id"] == "did:web:gj.test%3A8123"
    assert qr == [f"http://gj.test:8123/verify/{certificate.serial}?code={certificate.verification_code}"]


def test_public_base_url_wins_over_the_request_host(app, world):
    app.config["PUBLIC_BASE_URL"] = "https://gj.example.org"
    try:
        with app.test_request_context("/", base_url="http://gj.test:8123"):
            certificate = issue_for(world.worker_a, "configured")
        assert certificate.snapshot["base_url"] == "https://gj.example.org"
    finally:
        app.config["PUBLIC_BASE_URL"] = None


def test_a_batch_issues_with_the_address_of_the_request_that_queued_it(app, world):
    app.config["CERTIFICATE_BATCH_BACKGROUND"] = False
    with app.app_context():
        register_sample({"a": [request_for(world.worker_a, "batch-host"), request_for(world.worker_b, "batch-host2")]})
    try:
        with app.test_request_context("/", base_url="http://gj.test:8123"):
            batch = batches.queue(SAMPLE_SOURCE, "a", by=db.session.get(User, world.users.admin))
            db.session.commit()
            batch_id = batch.id
        with app.app_context():  # no request: as the background runner works
            assert batches.run_batch(batch_id)
            bases = {c.snapshot["base_url"] for c in db.session.scalars(db.select(Certificate))}
        assert bases == {"http://gj.test:8123"}
    finally:
        sources.unregister(SAMPLE_SOURCE)
        app.config.pop("CERTIFICATE_BATCH_BACKGROUND")
