"""The revocation list is rebuilt on the job queue and served from storage, but never stale:
a copy the worker has not refreshed yet is not served."""

from __future__ import annotations

import json

import pytest

from certificates import credentials
from certificates.services import issuing, status_lists
from core import jobs, storage
from core.extensions import db
from tests.certificates.samples import issue_for


@pytest.fixture(autouse=True)
def _no_stored_lists(app):
    """Stored files outlive the emptied database between tests: start without a stored list."""
    with app.app_context():
        storage.storage().delete_prefix("status-lists/")
    yield


def _stored(app, list_number=1):
    with app.app_context():
        try:
            return json.loads(storage.read_bytes(status_lists.storage_key(list_number)))
        except FileNotFoundError:
            return None


def _revoked_bits(listing) -> int:
    bits = credentials.decode_bits(listing["credentialSubject"]["encodedList"])
    return sum(bin(byte).count("1") for byte in bits)


def test_revoking_a_certificate_republishes_its_list_once_committed(app, world, client):
    with app.app_context():
        certificate = issue_for(world.worker_a, "revoked")
        issuing.revoke(certificate, "材料不实", by=None)
        assert _stored(app) is None  # nothing is queued before the commit
        db.session.commit()
        index = certificate.status_index
    stored = _stored(app)
    assert stored is not None and stored["id"] == "http://localhost/certificates/status/1"
    assert credentials.bit_is_set(credentials.decode_bits(stored["credentialSubject"]["encodedList"]), index)
    assert client.get("/certificates/status/1").get_json() == stored  # served from storage


def test_a_rolled_back_revocation_queues_nothing(app, world):
    with app.app_context():
        certificate = issue_for(world.worker_a, "kept")
        db.session.commit()
        issuing.revoke(certificate, "材料不实", by=None)
        db.session.rollback()
    assert _stored(app) is None


def test_a_list_the_worker_has_not_refreshed_is_not_served(app, world, client, monkeypatch):
    with app.app_context():
        first = issue_for(world.worker_a, "first")
        second = issue_for(world.worker_b, "second")
        issuing.revoke(first, "材料不实", by=None)
        db.session.commit()  # published with one bit set
        assert _revoked_bits(_stored(app)) == 1
        monkeypatch.setattr(jobs, "enqueue", lambda *args: None)  # the worker is behind
        issuing.revoke(second, "材料不实", by=None)
        db.session.commit()
    assert _revoked_bits(_stored(app)) == 1
    listing = client.get("/certificates/status/1").get_json()
    assert _revoked_bits(listing) == 2
    assert listing != _stored(app)


def test_a_copy_made_for_another_address_is_not_served(app, world, client):
    with app.app_context():
        status_lists.publish(1, "https://elsewhere.example.org")
    listing = client.get("/certificates/status/1").get_json()
    assert listing["id"] == "http://localhost/certificates/status/1"


def test_a_copy_with_more_bits_than_the_database_knows_is_not_served(app, world, client):
    """E.g. storage older than a restored database: the count of revoked certificates differs."""
    with app.app_context():
        certificate = issue_for(world.worker_a, "revoked")
        issuing.revoke(certificate, "材料不实", by=None)
        db.session.commit()
    assert _revoked_bits(_stored(app)) == 1
    with app.app_context():
        db.session.execute(db.text("UPDATE certificates SET status = 'valid'"))
        db.session.commit()
    assert _revoked_bits(client.get("/certificates/status/1").get_json()) == 0
