"""Rotating the personal-data encryption key: one person stays one record before, during
(new key first, old key still listed) and after (old key removed) the rotation, and
``flask reencrypt-personal-data`` moves every record to the new key and lookup hash."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select

from core import crypto
from core.config import TESTING_DATA_KEY
from core.extensions import db
from core.people.models import Worker
from tests import factories

OLD = TESTING_DATA_KEY
NEW = Fernet.generate_key().decode()


@pytest.fixture
def rotating(app):
    """Restores the testing key after the test changes ``DATA_ENCRYPTION_KEY``."""
    yield app
    app.config["DATA_ENCRYPTION_KEY"] = OLD


def _register(client, world, number: str) -> str:
    return client.post("/workers/new", data={
        "name": "轮换测试", "gender": "male" if int(number[16]) % 2 else "female", "id_number": number,
        "mobile": "13912345678",
        "enterprise_id": str(world.ent_c), "occupation": "钳工", "skill_level": "level_2",
        "years_in_occupation": "5", "is_front_line": "y", "in_post": "y"}).get_data(as_text=True)


def _workers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Worker))


def _assert_refused(app, client, world, *numbers):
    before = _workers(app)
    for number in numbers:
        assert "该身份证号已登记" in _register(client, world, number)
    assert _workers(app) == before


def test_one_person_one_record_before_during_and_after_key_rotation(rotating, world, client, login):
    app = rotating
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        with app.app_context():
            registered = db.session.get(Worker, world.worker_b).id_number
            # A record from before ID_LOOKUP_KEY: its hash is keyed by the encryption key.
            legacy = factories.worker(world.ent_b, name="旧记录", id_number=factories.id_number(
                birth=date(1979, 3, 4)))
            legacy_number = legacy.id_number
            legacy.id_number_hash = crypto.legacy_lookup_hash(legacy_number, OLD)
            db.session.commit()
        login(world.users.admin)

        # Before: one key.
        _assert_refused(app, client, world, registered, legacy_number)

        # During: the new key encrypts, the old one still decrypts.
        app.config["DATA_ENCRYPTION_KEY"] = f"{NEW},{OLD}"
        _assert_refused(app, client, world, registered, legacy_number)
        fresh = factories.id_number(birth=date(1991, 7, 8))
        assert "已登记职工" in client.post("/workers/new", follow_redirects=True, data={
            "name": "新职工", "gender": "male", "id_number": fresh, "mobile": "13912345678",
            "enterprise_id": str(world.ent_c), "occupation": "钳工", "skill_level": "level_2",
            "years_in_occupation": "5", "is_front_line": "y", "in_post": "y"}).get_data(as_text=True)
        _assert_refused(app, client, world, fresh)

        result = app.test_cli_runner().invoke(args=["reencrypt-personal-data", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            rows = db.session.execute(select(Worker.id_number_encrypted, Worker.id_number_hash)).all()
            new_only = Fernet(NEW.encode())
            for token, digest in rows:
                number = new_only.decrypt(token.encode()).decode()
                assert digest == crypto.lookup_hash(number)
            with pytest.raises(InvalidToken):
                Fernet(OLD.encode()).decrypt(rows[0][0].encode())
        again = app.test_cli_runner().invoke(args=["reencrypt-personal-data"])
        assert "已重新加密 0 条" in again.output

        # After: the old key is gone.
        app.config["DATA_ENCRYPTION_KEY"] = NEW
        _assert_refused(app, client, world, registered, legacy_number, fresh)
        with app.app_context():
            assert db.session.get(Worker, world.worker_b).id_number == registered
        html = client.get(f"/workers/{world.worker_b}").get_data(as_text=True)
        assert registered in html
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_the_lookup_hash_does_not_depend_on_the_encryption_keys(rotating):
    app = rotating
    with app.app_context():
        before = crypto.lookup_hash("11010519850615001X")
        app.config["DATA_ENCRYPTION_KEY"] = f"{NEW},{OLD}"
        assert crypto.lookup_hash("11010519850615001X") == before
        app.config["DATA_ENCRYPTION_KEY"] = NEW
        assert crypto.lookup_hash("11010519850615001X") == before


def test_reencryption_leaves_versions_alone(rotating, world):
    app = rotating
    with app.app_context():
        version = db.session.get(Worker, world.worker_a).version
    app.config["DATA_ENCRYPTION_KEY"] = f"{NEW},{OLD}"
    assert app.test_cli_runner().invoke(args=["reencrypt-personal-data"]).exit_code == 0
    with app.app_context():
        assert db.session.get(Worker, world.worker_a).version == version
