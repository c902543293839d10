"""Fifty judges saving marks at once against ``gunicorn -w 4`` on PostgreSQL, beside a plain
Flask + Jinja page rendering a 50-row table under the same gunicorn settings and clients.

The benchmark starts everything it needs: a throwaway PostgreSQL cluster (or a schema of its
own in ``BENCH_DATABASE_URL``), a Redis for the shared rate limits production requires, and
gunicorn (``deploy/gunicorn.conf.py``, production profile, 4 sync workers) for the product and
for the reference page in turn. Each of the 50 clients is a signed-in judge (a session cookie
signed with the app's key) who opens the score sheet once for its CSRF token, then saves
marks one after another as the tablet does: each a new value with a new client key, a busy
answer (503) retried with the same key after a pause. Every request opens a connection. The
first three seconds of each phase warm the workers up and are not measured.

Afterwards the database is checked against what the server acknowledged: a mark is *lost*
when the stored row is not the last acknowledged save of its field, *duplicated* when a save
was written twice (more rows or audit entries than acknowledged saves).

Prints ``mark_load_saves_per_s``, ``mark_load_p50_ms``, ``mark_load_p99_ms``,
``mark_load_lost``, ``mark_load_duplicated``, the CPU per save of the gunicorn workers
(``mark_load_app_cpu_ms``), of PostgreSQL (its own cluster only) and of the clients, the
reference page's ``reference_page_req_per_s`` / p50 / p99 and
``mark_load_ratio`` (saves/s over the reference's requests/s). ``BENCH_LOAD_SECONDS`` sets
each phase's length (default 15; the issue's figure uses 30), ``BENCH_LOAD_CLIENTS`` the
number of judges (default 50).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from bench.judging_data import load_scoring_event  # noqa: E402
from core import create_app  # noqa: E402
from core.config import normalise_database_url  # noqa: E402
from core.extensions import db  # noqa: E402

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "50"))
#: Seconds of load before the measured window: every worker has served (and warmed up).
WARM_UP = 3.0
WORKERS = 4
CONTESTANTS, ASPECTS = 40, 10
SECRET_KEY = "bench-" + "k" * 42


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port(port: int, process: subprocess.Popen | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


# What the benchmark starts -------------------------------------------------------------------------

@contextmanager
def postgres():
    """(URL, postmaster pid or None) for the run: a schema of its own in BENCH_DATABASE_URL,
    dropped afterwards, or a throwaway cluster (initdb in a temporary folder, removed
    afterwards), whose server processes' CPU the benchmark can then read."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        schema = f"bench_mark_load_{os.getpid()}"
        admin = sa.create_engine(normalise_database_url(given))
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield given + ("&" if "?" in given else "?") + f"options=-csearch_path%3D{schema}%2Cpublic", None
        finally:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        return
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: set BENCH_DATABASE_URL or install postgresql-15")
    bindir = versions[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    run = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",  # noqa: S603
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], **run)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l",  # noqa: S603
                    str(folder / "log"), "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"], **run)
    try:
        admin = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE bench"))
        admin.dispose()
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        yield f"postgresql://postgres@127.0.0.1:{port}/bench", postmaster
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",  # noqa: S603
                        "stop"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis():
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (make redis)")
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",  # noqa: S603
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def gunicorn(target: str, env: dict[str, str]):
    """``target`` served by gunicorn with the deployment's settings and 4 workers; yields
    (port, the master's pid)."""
    port = _free_port()
    environment = {**os.environ, "WEB_CONCURRENCY": str(WORKERS), **env}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--config",  # noqa: S603
                                str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
                                target], cwd=ROOT, env=environment, stdout=log, stderr=log)
    try:
        _wait_port(port, process)
        time.sleep(1.0)  # every worker booted
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.returncode not in (0, -15):
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
        log.close()


def _cpu_seconds(master: int) -> float:
    """CPU (user and system) used so far by gunicorn's master and its workers, including
    workers that already ended (``max_requests`` restarts them; the master waited for them)."""
    def fields(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(master)
    total = sum(int(v) for v in own[11:15])  # utime, stime, cutime, cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = fields(int(entry.name))
            except (OSError, IndexError):
                continue
            if child[1] == str(master):
                total += int(child[11]) + int(child[12])
    return total / os.sysconf("SC_CLK_TCK")


# The clients ---------------------------------------------------------------------------------------

async def http(port: int, method: str, path: str, *, cookie: str = "", form: dict | None = None
               ) -> tuple[int, dict[str, str], str]:
    """One request on a new connection: (status, headers, body)."""
    from urllib.parse import urlencode

    body = urlencode(form).encode() if form is not None else b""
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
            f"Content-Length: {len(body)}"]
    if form is not None:
        head.append("Content-Type: application/x-www-form-urlencoded")
    if cookie:
        head.append(f"Cookie: session={cookie}")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    header_text, _, content = raw.partition(b"\r\n\r\n")
    lines = header_text.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie" and value.strip().startswith("session="):
            headers["session"] = value.strip()[len("session="):].split(";", 1)[0]
    return int(lines[0].split()[1]), headers, content.decode("utf-8", errors="replace")


class Judge:
    """One tablet: its cookie and CSRF token, and every save the server acknowledged."""

    def __init__(self, user_id: int, cookie: str):
        self.user_id = user_id
        self.cookie = cookie
        self.token = ""
        self.acknowledged: dict[tuple[str, int], str] = {}  # field -> client key of the last ack
        self.changed = 0
        self.latencies: list[float] = []
        self.failures = 0


async def judge_loop(port: int, judge: Judge, data, measured_from: float, deadline: float, start_index: int
                     ) -> None:
    import json

    fields = [(b, a) for b in data.blind_numbers for a in data.aspect_ids]
    n = start_index
    while time.perf_counter() < deadline:
        blind, aspect = fields[n % len(fields)]
        value = f"{10 + (n // len(fields)) * 7 + (n % 13) * 0.5:.1f}"
        key = uuid.uuid4().hex
        started = time.perf_counter()
        while True:
            status, _, text = await http(port, "POST", f"/judging/events/{data.event_id}/marks", cookie=judge.cookie,
                                         form={"csrf_token": judge.token, "aspect_id": aspect, "blind_number": blind,
                                               "value": value, "client_key": key, "entry": 1})
            if status == 503:  # busy: the tablet retries the same key after a pause
                await asyncio.sleep(0.05)
                continue
            break
        if status != 200 or not json.loads(text).get("ok"):
            judge.failures += 1
            print(f"# refused: {status} {text[:160]}", file=sys.stderr)
        else:
            if started >= measured_from:
                judge.latencies.append((time.perf_counter() - started) * 1000)
            judge.acknowledged[(blind, aspect)] = key
            judge.changed += bool(json.loads(text).get("changed"))
        n += 1


async def page_loop(port: int, measured_from: float, deadline: float, latencies: list[float]) -> None:
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status, _, _ = await http(port, "GET", "/page")
        if status == 200 and started >= measured_from:
            latencies.append((time.perf_counter() - started) * 1000)


async def sign_in(port: int, judge: Judge, data) -> None:
    """Open the score sheet once: the session gets its CSRF secret, the page its token."""
    status, headers, page = await http(port, "GET", f"/judging/events/{data.event_id}/modules/{data.module_id}"
                                       f"/contestants/{data.blind_numbers[0]}", cookie=judge.cookie)
    if status != 200:
        raise RuntimeError(f"the score sheet answered {status}: {page[:300]}")
    judge.cookie = headers.get("session", judge.cookie)
    judge.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def session_cookie(cookie_id: str) -> str:
    """The signed session cookie of a signed-in user, as the login form would set it."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    signer = Flask("bench")
    signer.secret_key = SECRET_KEY
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps({"_user_id": cookie_id,
                                                                               "_fresh": True})


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# The run ---------------------------------------------------------------------------------------------

def product_env(database_url: str, redis_url: str) -> dict[str, str]:
    from certificates import sealing

    seal = sealing.self_signed("北京市总工会")
    return {"APP_CONFIG": "production", "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
            "DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(), "ID_LOOKUP_KEY": "l" * 48,
            "PUBLIC_BASE_URL": "http://127.0.0.1", "REDIS_URL": redis_url, "HUEY_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url, "SESSION_COOKIE_SECURE": "false",
            "CERTIFICATE_SIGNING_KEY": "Y2VydGlmaWNhdGUtc2lnbmluZy1rZXktMzItYnl0ZXM=",
            "CERTIFICATE_PDF_KEY": seal.key_pem.decode(), "CERTIFICATE_PDF_CERT": seal.chain_pem.decode(),
            "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="bench-uploads-"), "LOG_LEVEL": "WARNING"}


def check_database(url: str, judges: list[Judge], event_id: int) -> tuple[int, int]:
    """(lost, duplicated) marks: the stored rows against the acknowledged saves."""
    engine = sa.create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT m.judge_id, c.blind_number, m.aspect_id, m.client_key FROM marks m "
            "JOIN contestants c ON c.id = m.contestant_id WHERE m.event_id = :e"), {"e": event_id}).all()
        audited = connection.scalar(sa.text("SELECT count(*) FROM audit_entries WHERE action = 'mark.save'"))
    engine.dispose()
    stored: dict[tuple[int, str, int], list[str]] = {}
    for judge_id, blind, aspect, key in rows:
        stored.setdefault((judge_id, blind, aspect), []).append(key)
    lost = duplicated = 0
    for judge in judges:
        for (blind, aspect), key in judge.acknowledged.items():
            if stored.get((judge.user_id, blind, aspect), [None])[-1] != key:
                lost += 1
    duplicated += sum(len(keys) - 1 for keys in stored.values())
    acknowledged_rows = sum(len(j.acknowledged) for j in judges)
    duplicated += max(0, len(stored) - acknowledged_rows)
    duplicated += max(0, audited - sum(j.changed for j in judges))
    lost += max(0, sum(j.changed for j in judges) - audited)
    return lost, duplicated


def main() -> None:
    with postgres() as (url, postmaster), redis() as redis_url:
        app = create_app("testing", {"DATABASE_URL": url})
        with app.app_context():
            db.create_all()
            data = load_scoring_event(judges=CLIENTS, contestants=CONTESTANTS, aspects=ASPECTS)
            db.session.remove()
            db.engine.dispose()
        judges = [Judge(user_id, session_cookie(cookie_id)) for user_id, cookie_id in data.judges]
        print(f"# bench_mark_load: {CLIENTS} judges, {SECONDS:.0f} s a phase, gunicorn -w {WORKERS} (sync), "
              f"PostgreSQL", file=sys.stderr)

        with gunicorn("wsgi:app", product_env(url, redis_url)) as (port, master):
            async def sign_in_all():
                for start in range(0, len(judges), WORKERS):
                    await asyncio.gather(*(sign_in(port, j, data) for j in judges[start:start + WORKERS]))

            cpu: list[tuple[float, float, float]] = []

            def meter():
                cpu.append((_cpu_seconds(master), _cpu_seconds(postmaster) if postmaster else 0.0,
                            time.process_time()))

            async def saves():
                measured_from = time.perf_counter() + WARM_UP
                deadline = measured_from + SECONDS
                asyncio.get_running_loop().call_later(WARM_UP, meter)
                await asyncio.gather(*(judge_loop(port, j, data, measured_from, deadline, n * 17)
                                       for n, j in enumerate(judges)))
                meter()

            asyncio.run(sign_in_all())
            asyncio.run(saves())
            elapsed = SECONDS
            app_cpu, pg_cpu, client_cpu = (end - start for start, end in zip(cpu[0], cpu[-1], strict=True))
        latencies = [ms for j in judges for ms in j.latencies]
        lost, duplicated = check_database(url, judges, data.event_id)

        reference: list[float] = []
        with gunicorn("bench.plain_flask_page:app", {}) as (port, master):
            ref_cpu: list[tuple[float, float]] = []

            def ref_meter():
                ref_cpu.append((_cpu_seconds(master), time.process_time()))

            async def pages():
                measured_from = time.perf_counter() + WARM_UP
                asyncio.get_running_loop().call_later(WARM_UP, ref_meter)
                await asyncio.gather(*(page_loop(port, measured_from, measured_from + SECONDS, reference)
                                       for _ in range(CLIENTS)))
                ref_meter()

            asyncio.run(pages())
            ref_elapsed = SECONDS
            ref_app_cpu, ref_client_cpu = (end - start for start, end in zip(ref_cpu[0], ref_cpu[-1], strict=True))

        saves_per_s = len(latencies) / elapsed
        pages_per_s = len(reference) / ref_elapsed
        print(f"mark_load_saves: {len(latencies)} saves")
        print(f"mark_load_refused: {sum(j.failures for j in judges)} saves")
        print(f"mark_load_saves_per_s: {saves_per_s:.0f} saves/s")
        print(f"mark_load_p50_ms: {statistics.median(latencies):.0f} ms")
        print(f"mark_load_p99_ms: {_quantile(latencies, 0.99):.0f} ms")
        print(f"mark_load_lost: {lost} marks")
        print(f"mark_load_duplicated: {duplicated} marks")
        saves_done = max(1, len(latencies))
        print(f"mark_load_app_cpu_ms: {app_cpu * 1000 / saves_done:.1f} ms")
        if postmaster:
            print(f"mark_load_postgres_cpu_ms: {pg_cpu * 1000 / saves_done:.1f} ms")
        print(f"mark_load_client_cpu_ms: {client_cpu * 1000 / saves_done:.1f} ms")
        print(f"reference_page_req_per_s: {pages_per_s:.0f} req/s")
        print(f"reference_page_p50_ms: {statistics.median(reference):.0f} ms")
        print(f"reference_page_p99_ms: {_quantile(reference, 0.99):.0f} ms")
        print(f"reference_page_app_cpu_ms: {ref_app_cpu * 1000 / max(1, len(reference)):.1f} ms")
        print(f"reference_page_client_cpu_ms: {ref_client_cpu * 1000 / max(1, len(reference)):.1f} ms")
        print(f"mark_load_ratio: {saves_per_s / pages_per_s:.2f} x")


if __name__ == "__main__":
    main()
