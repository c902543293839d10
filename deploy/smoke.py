"""The smoke test's checks and figures, against the topology deploy/smoke.sh started.

Every check raises on failure (the script exits non-zero and CI fails); figures are printed
as ``name: value unit`` lines. Reads the deployment's environment (as the app does) plus
SMOKE_* addresses.
"""

from __future__ import annotations

import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NGINX, NGINX_ONE = os.environ["SMOKE_NGINX"], os.environ["SMOKE_NGINX_ONE"]
NODE_A, NODE_B = os.environ["SMOKE_NODE_A"], os.environ["SMOKE_NODE_B"]
CYCLES = [int(c) for c in os.environ["SMOKE_CYCLES"].split()]
BATCH_SIZE = int(os.environ["SMOKE_BATCH_SIZE"])
WORK = Path(os.environ["SMOKE_WORK"])
FLASK = str(ROOT / ".venv" / "bin" / "flask")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
from core.demo import DEMO_PASSWORD as PASSWORD  # noqa: E402 - the demo accounts (seed-demo)


def check(condition, message: str) -> None:
    if not condition:
        raise SystemExit(f"smoke: FAILED: {message}")
    print(f"ok: {message}")


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.1f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}")


def csrf(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=30).text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise SystemExit(f"smoke: no CSRF token on {url}")
    return match.group(1)


def log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base}/login", data={"csrf_token": csrf(session, f"{base}/login"),
                                                    "username": username, "password": PASSWORD},
                            allow_redirects=False, timeout=30)
    check(response.status_code == 302, f"{username} logs in through {base}")
    return session


def on(session: requests.Session, base: str) -> requests.Session:
    """The same signed-cookie session, talking to another node."""
    other = requests.Session()
    other.cookies.update(session.cookies)
    other.base = base
    return other


def db_value(sql: str, **params):
    import sqlalchemy as sa

    from core.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
    with engine.connect() as connection:
        value = connection.execute(sa.text(sql), params).scalar()
    engine.dispose()
    return value


# --- Checks ------------------------------------------------------------------------------------

def wait_until_serving(timeout: float = 300) -> None:
    """gunicorn listens before its workers have loaded the app: wait for both nodes."""
    deadline = time.monotonic() + timeout
    for base in (NODE_A, NODE_B, NGINX):
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"smoke: {base} does not answer")
            time.sleep(0.5)


def health() -> None:
    check(requests.get(f"{NGINX}/healthz", timeout=5).status_code == 200, "/healthz through nginx")
    ready = requests.get(f"{NODE_A}/readyz", timeout=10)
    check(ready.status_code == 200, f"/readyz on a node: {ready.json()['checks']}")
    check("X-Request-ID" in requests.get(f"{NGINX}/healthz", timeout=5).headers, "a request id in every response")
    check(requests.get(f"{NGINX}/metrics", timeout=5).status_code == 404, "/metrics is not public through nginx")
    metrics = requests.get(f"{NODE_A}/metrics", timeout=10)
    check(metrics.status_code == 200 and "craftsman_http_requests_total" in metrics.text,
          "/metrics on the node for the local scraper")


def evidence_across_nodes() -> None:
    enterprise = log_in(NGINX, "enterprise")
    nomination_id = db_value(
        "SELECT n.id FROM nominations n JOIN users u ON u.enterprise_id = n.enterprise_id "
        "WHERE u.username = 'enterprise' AND n.state = 'draft' ORDER BY n.id LIMIT 1")
    check(nomination_id is not None, "the demo enterprise has a draft nomination")
    node_a = on(enterprise, NODE_A)
    token = csrf(node_a, f"{NODE_A}/craftsmen/nominations/{nomination_id}/edit")
    response = node_a.post(f"{NODE_A}/craftsmen/nominations/{nomination_id}/attachments",
                           data={"csrf_token": token, "attachment-csrf_token": token},
                           files={"attachment-file": ("部署验证.pdf", PDF, "application/pdf")},
                           allow_redirects=False, timeout=30)
    check(response.status_code == 302, "evidence uploaded on node A")
    attachment_id = db_value("SELECT max(id) FROM nomination_attachments WHERE nomination_id = :n",
                             n=nomination_id)
    download = on(enterprise, NODE_B).get(
        f"{NODE_B}/craftsmen/nominations/{nomination_id}/attachments/{attachment_id}", timeout=30)
    check(download.status_code == 200 and download.content == PDF, "the same evidence downloaded from node B")
    stranger = requests.get(f"{NODE_B}/craftsmen/nominations/{nomination_id}/attachments/{attachment_id}",
                            allow_redirects=False, timeout=30)
    check(stranger.status_code == 302 and "/login" in stranger.headers["Location"],
          "an anonymous visitor is sent to the login page instead")


def run_batch(admin: requests.Session, cycle_id: int) -> tuple[int, float]:
    started = time.perf_counter()
    response = admin.post(f"{NGINX}/certificates/batches", allow_redirects=False, timeout=60, data={
        "csrf_token": csrf(admin, f"{NGINX}/certificates/batches"), "scope": f"craftsmen.titles|{cycle_id}"})
    check(response.status_code == 302, f"batch for cycle {cycle_id} queued ({BATCH_SIZE} certificates)")
    batch_url = response.headers["Location"]
    batch_url = batch_url if batch_url.startswith("http") else NGINX + batch_url
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        status = admin.get(f"{batch_url}/status", timeout=30).json()
        if status["finished"]:
            break
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    check(status["state"] == "done" and status["done"] == BATCH_SIZE,
          f"the worker completed the batch ({status['done']}/{status['total']}, {status['state']})")
    return int(batch_url.rstrip("/").rsplit("/", 1)[-1]), seconds


def start_worker(n: int) -> subprocess.Popen:
    log = (WORK / f"worker-{n}.log").open("w")
    return subprocess.Popen([FLASK, "jobs", "worker", "--workers", "1", "--no-periodic"], cwd=ROOT,  # noqa: S603
                            stdout=log, stderr=subprocess.STDOUT)


def batches_and_verification() -> None:
    admin = log_in(NGINX, "admin")
    batch_id, one_worker = run_batch(admin, CYCLES[0])
    zipped = on(admin, NODE_B).get(f"{NODE_B}/certificates/batches/{batch_id}/zip", timeout=120)
    check(zipped.status_code == 200, "the batch's ZIP downloaded from node B")
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    check(len(pdfs) == BATCH_SIZE, f"the ZIP holds {len(pdfs)} certificates")
    serial = pdfs[0].split("_", 1)[0]
    page = requests.get(f"{NGINX}/verify/{serial}", timeout=30)
    check(page.status_code == 200 and serial in page.text, f"certificate {serial} verifies on the public page")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf_file:
        pdf_file.write(archive.read(pdfs[0]))
        pdf_file.flush()
        verified = subprocess.run([FLASK, "certificates", "verify", pdf_file.name], cwd=ROOT,  # noqa: S603
                                  capture_output=True, text=True, timeout=120)
    check(verified.returncode == 0, "flask certificates verify accepts a PDF from the ZIP")
    second = start_worker(2)
    try:
        time.sleep(3)  # the second worker's start-up is not part of the batch
        _batch, two_workers = run_batch(admin, CYCLES[1])
    finally:
        second.terminate()
        second.wait(timeout=120)
    figure(f"batch_{BATCH_SIZE}_certificates_one_worker", one_worker, "s")
    figure(f"batch_{BATCH_SIZE}_certificates_two_workers", two_workers, "s")


def shared_rate_limit() -> None:
    """Failed logins for one account count on both nodes: the limit lives in Redis."""
    statuses = []
    for attempt in range(6):
        base = (NODE_A, NODE_B)[attempt % 2]
        session = requests.Session()
        response = session.post(f"{base}/login", data={
            "csrf_token": csrf(session, f"{base}/login"), "username": "smoke-nobody",
            "password": "wrong-password"}, allow_redirects=False, timeout=30)
        refused = response.status_code == 400 and "用户名或密码错误" in response.text
        statuses.append("wrong password" if refused else response.status_code)
    check(statuses[:5] == ["wrong password"] * 5 and statuses[5] == 429,
          f"the 6th failed login for one account is refused whichever node it reaches ({statuses})")


def throughput(base: str, seconds: float = 4.0, clients: int = 8) -> float:
    """Public verification pages per second through ``base`` (a database read and a template)."""
    serial = db_value("SELECT serial FROM certificates ORDER BY id LIMIT 1")
    url = f"{base}/verify/{serial}"
    count, stop = [0] * clients, time.monotonic() + seconds

    def client(n: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            if session.get(url, timeout=30).status_code == 200:
                count[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(count) / (time.monotonic() - started)


def backup_round_trip() -> None:
    started = time.perf_counter()
    subprocess.run([FLASK, "backup", "create"], cwd=ROOT, check=True, capture_output=True, timeout=1800)  # noqa: S603
    created = time.perf_counter() - started
    [folder] = sorted((WORK / "backups").iterdir())
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/craftsman_smoke_restored",
           "S3_PREFIX": "restored"}
    restored = subprocess.run([FLASK, "backup", "restore", str(folder)], cwd=ROOT, env=env,  # noqa: S603
                              capture_output=True, text=True, timeout=1800)
    total = time.perf_counter() - started
    check(restored.returncode == 0 and "记录数与备份一致" in restored.stdout,
          "backup restored into an empty database and bucket prefix, record counts equal")
    figure("backup_create", created, "s")
    figure("backup_restore_round_trip", total, "s")


def main() -> None:
    wait_until_serving()
    health()
    evidence_across_nodes()
    shared_rate_limit()
    batches_and_verification()
    # Alternating rounds, median of each: the machine is shared, so one round may be unlucky.
    rounds = {NGINX: [], NGINX_ONE: []}
    for _ in range(3):
        for base in rounds:
            rounds[base].append(throughput(base, seconds=3.0))
    figure("requests_per_second_nginx_two_instances", statistics.median(rounds[NGINX]), "req/s")
    figure("requests_per_second_nginx_one_instance", statistics.median(rounds[NGINX_ONE]), "req/s")
    backup_round_trip()
    print("smoke: all checks passed")


if __name__ == "__main__":
    main()
