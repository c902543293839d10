"""Login limits that hold across processes and do not lock the owner out.

* Production refuses process-local (``memory://``) rate-limit counters unless one process is
  explicitly said to serve; with Redis, several gunicorn workers share one count.
* A stranger's wrong guesses limit the account for everyone except clients that signed in
  to it before (a signed "known device" cookie): the owner still gets in.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core import create_app
from core.accounts import devices
from core.config import ConfigurationError, check_rate_limit_storage
from tests import factories
from tests.conftest import csrf_token, production_seal_env

ROOT = Path(__file__).resolve().parents[2]
WRONG = "Wrong2026horse"


def _login(client, username, password=factories.PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


# --- production start-up ------------------------------------------------------------------

@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ID_LOOKUP_KEY", "l" * 48)
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", "Y2VydGlmaWNhdGUtc2lnbmluZy1rZXktMzItYnl0ZXM=")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://gj.example.org")
    for name, value in production_seal_env().items():
        monkeypatch.setenv(name, value)
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_SINGLE_PROCESS", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_process_local_rate_limits_by_default(production_env):
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI=redis://"):
        create_app("production")


def test_production_refuses_process_local_limits_with_several_workers_even_if_acknowledged(
        production_env):
    production_env.setenv("RATELIMIT_SINGLE_PROCESS", "true")
    production_env.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(ConfigurationError, match="WEB_CONCURRENCY"):
        create_app("production")


def test_an_acknowledged_single_process_starts_with_a_loud_warning(production_env, caplog):
    production_env.setenv("RATELIMIT_SINGLE_PROCESS", "true")
    with caplog.at_level(logging.WARNING, logger="core.config"):
        create_app("production")
    assert "RATE LIMITS ARE PER PROCESS" in caplog.text


def test_shared_redis_counters_need_no_acknowledgment():
    check_rate_limit_storage({"RATELIMIT_STORAGE_URI": "redis://cache.internal:6379"},
                             {"WEB_CONCURRENCY": "8"})


# --- the owner is not locked out ----------------------------------------------------------

def test_a_strangers_wrong_guesses_do_not_lock_out_the_owner_on_a_known_device(app, world):
    owner = app.test_client()
    assert _login(owner, "ent_a").status_code == 302
    assert owner.get_cookie(devices.COOKIE_NAME) is not None
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/home/enterprise")})

    stranger = app.test_client()
    for _ in range(5):
        assert _login(stranger, "ent_a", WRONG).status_code == 400
    assert _login(stranger, "ent_a").status_code == 429  # limited, even with the right password
    assert _login(app.test_client(), "ent_a").status_code == 429  # any unknown client too

    assert _login(owner, "ent_a").status_code == 302


def test_a_known_device_has_its_own_limit_for_wrong_guesses(app, world):
    owner = app.test_client()
    assert _login(owner, "ent_a").status_code == 302
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/home/enterprise")})
    for _ in range(5):
        assert _login(owner, "ent_a", WRONG).status_code == 400
    assert _login(owner, "ent_a").status_code == 429


def test_a_known_device_of_one_account_does_not_help_with_another(app, world):
    client = app.test_client()
    assert _login(client, "ent_a").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home/enterprise")})
    stranger = app.test_client()
    for _ in range(5):
        _login(stranger, "expert", WRONG)
    assert _login(client, "expert").status_code == 429


def test_a_forged_known_device_cookie_is_ignored(app, world):
    stranger = app.test_client()
    for _ in range(5):
        _login(stranger, "ent_a", WRONG)
    forger = app.test_client()
    forger.set_cookie(devices.COOKIE_NAME, '{"u": "ent_a", "n": "x"}.forged.signature')
    assert _login(forger, "ent_a").status_code == 429


# --- several gunicorn workers sharing Redis -----------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a local test server
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


class Browser:
    """A client with its own cookies; every request opens a new connection (any worker)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, path: str) -> str:
        _, html = self.request(path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, username: str, password: str) -> int:
        return self.request("/login", {"username": username, "password": password,
                                       "csrf_token": self.token("/login")})[0]

    def logout(self) -> int:
        return self.request("/logout", {"csrf_token": self.token("/account/password")})[0]

    def has_cookie(self, name: str) -> bool:
        return any(cookie.name == name for cookie in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (make test installs it: apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",  # noqa: S603
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def _gunicorn(database_url: str, port: int, **env) -> subprocess.Popen:
    binary = Path(sys.executable).with_name("gunicorn")
    if not binary.exists():
        pytest.skip("gunicorn is not installed in this environment (pip install -e '.[test]')")
    environment = {**os.environ, "APP_CONFIG": "production", "DATABASE_URL": database_url,
                   "SECRET_KEY": "s" * 48, "DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                   "ID_LOOKUP_KEY": "l" * 48, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                   "CERTIFICATE_SIGNING_KEY": "Y2VydGlmaWNhdGUtc2lnbmluZy1rZXktMzItYnl0ZXM=",
                   **production_seal_env(), **env}
    for name in ("WEB_CONCURRENCY", "RATELIMIT_SINGLE_PROCESS", "SESSION_COOKIE_SECURE"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.Popen([str(binary), "--workers", "2", "--bind", f"127.0.0.1:{port}",  # noqa: S603
                             "--timeout", "60", "wsgi:app"], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err


def test_two_gunicorn_workers_refuse_to_start_with_process_local_limits(database_url, world):
    port = _free_port()
    process = _gunicorn(database_url, port, RATELIMIT_STORAGE_URI="memory://")
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(60)  # the workers fail to boot and the arbiter exits
    stderr = _stop(process)
    assert process.returncode not in (None, 0)
    assert "RATELIMIT_STORAGE_URI" in stderr


def test_two_gunicorn_workers_share_login_limits_in_redis_and_let_the_owner_in(
        database_url, world, redis_url):
    port = _free_port()
    process = _gunicorn(database_url, port, RATELIMIT_STORAGE_URI=redis_url)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/healthz", process)
        owner = Browser(base)
        assert owner.login("ent_a", factories.PASSWORD) == 302
        assert owner.has_cookie(devices.COOKIE_NAME)
        assert owner.logout() == 302

        stranger = Browser(base)
        answers = [stranger.login("ent_a", WRONG) for _ in range(12)]
        assert answers.count(400) == 5, answers  # one count across both workers
        assert answers[5:] == [429] * 7

        assert Browser(base).login("ent_a", factories.PASSWORD) == 429
        assert owner.login("ent_a", factories.PASSWORD) == 302
    finally:
        _stop(process)
