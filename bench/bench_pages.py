"""Public pages under load: gunicorn on PostgreSQL at registry scale, beside a plain Flask page.

Starts PostgreSQL (a throwaway cluster, or a fresh database in ``BENCH_DATABASE_URL``'s server)
and Redis, loads every feature's demo data plus registry-scale rows (2,000 craftsman titles,
10,000 talent-pool nominations, 8,000 studios with 80,000 achievements), then serves three apps
with the same gunicorn settings (``-w 2``, sync workers): the product in production
configuration, a Flask + Jinja page rendering a 50-row table and a bare ``return "ok"`` app
(``bench/plain_flask_page.py``). Concurrent clients (``wrk`` when installed, else threads in this
process) request each page in interleaved rounds, so whatever else the machine does weighs on
all alike, and it prints the median req/s of each page, the median per-round ratio to the
reference page (goal >= 0.40), ``/healthz`` against the bare app (goal >= 0.80), and the
resident memory of a warm product worker (goal < 80 MB) beside a warm worker of the bare app and
one of an app loading the product's libraries alone (``bench/libraries_only_app.py``) and one
loading those libraries and the product's data model (``bench/models_only_app.py``): the floors
under a product worker.
Visitors' pages are served as deployed, from each worker's store of rendered pages while the
data stays the same (``pages_*``); a second product instance with the store turned off shows
the cost of rendering every request (``pages_*_rendered``); before the load, the app's own CPU
time per rendered request of each page is measured in-process (``pages_*_rendered_cpu_ms``,
median of ``BENCH_PAGES_CPU_REQUESTS``, default 50), beside the reference page's
(``pages_reference_cpu_ms``).

``BENCH_PAGES_SECONDS`` (default 4) and ``BENCH_PAGES_ROUNDS`` (3) set the length of a run;
``BENCH_PAGES_CONNECTIONS`` (16) the concurrent clients.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import select  # noqa: E402

SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", 4))
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", 3))
CONNECTIONS = int(os.environ.get("BENCH_PAGES_CONNECTIONS", 16))
CPU_REQUESTS = int(os.environ.get("BENCH_PAGES_CPU_REQUESTS", 50))
SIZE = {"titles": 2_000, "pool": 10_000, "workers": 12_000, "enterprises": 500,
        "studios": 8_000, "achievements": 80_000}
# --preload as deploy/gunicorn.conf.py: the workers are forked from a master that made the app.
GUNICORN = [str(ROOT / ".venv" / "bin" / "gunicorn") if (ROOT / ".venv").exists() else "gunicorn",
            "--workers", "2", "--worker-class", "sync", "--timeout", "120", "--log-level", "warning",
            "--preload"]


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    """One of this benchmark's own commands (fixed programs, arguments made here)."""
    return subprocess.run(command, **options)  # noqa: S603


def start(command: list[str], **options) -> subprocess.Popen:
    return subprocess.Popen(command, **options)  # noqa: S603


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL's tools refuse to run as root: run them as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres():
    """The URL of an empty database, dropped (or its cluster removed) afterwards."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        from core.config import normalise_database_url

        name = f"bench_pages_{os.getpid()}"
        admin = sa.create_engine(normalise_database_url(given), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield urllib.parse.urlunsplit(urllib.parse.urlsplit(given)._replace(path="/" + name))
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
        return
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        raise SystemExit("bench_pages needs PostgreSQL: install it or set BENCH_DATABASE_URL")
    bin_dir, port = bins[-1].parent, free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench_pages_pg_"))
    folder.chmod(0o777)
    data = folder / "data"
    run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, stdout=subprocess.DEVNULL)
    try:
        run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                                     str(folder / "log"), "-o",
                                     f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                                     "-c shared_buffers=128MB -c fsync=off", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        run(_as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                     "-U", "postgres", "bench"]), check=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/bench"
    finally:
        run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def redis(folder: Path):
    """A Redis for the rate limits and the queue (production refuses per-process counters with
    two workers); None when redis-server is not installed."""
    server = shutil.which("redis-server")
    if not server:
        yield None
        return
    port = free_port()
    process = start([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


def production_settings(folder: Path, database_url: str, redis_url: str | None) -> dict[str, str]:
    """The environment of a production deployment with fresh secrets."""
    from certificates import sealing

    seal = sealing.self_signed("北京市总工会（性能测试）")
    (folder / "seal.key.pem").write_bytes(seal.key_pem)
    (folder / "seal.cert.pem").write_bytes(seal.chain_pem)
    settings = {
        "APP_CONFIG": "production", "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48), "DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ID_LOOKUP_KEY": secrets.token_urlsafe(48),
        "CERTIFICATE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "CERTIFICATE_PDF_KEY": str(folder / "seal.key.pem"),
        "CERTIFICATE_PDF_CERT": str(folder / "seal.cert.pem"),
        "PUBLIC_BASE_URL": "http://127.0.0.1", "UPLOAD_FOLDER": str(folder / "uploads"),
        "WEB_CONCURRENCY": "2", "LOG_FORMAT": "json",
    }
    if redis_url:
        settings["REDIS_URL"] = redis_url
    else:
        settings.update(RATELIMIT_SINGLE_PROCESS="true", WEB_CONCURRENCY="1",
                        HUEY_URL=f"sqlite:///{folder / 'huey.sqlite3'}")
    return settings


OCCUPATIONS = ["钳工", "焊工", "数控车工", "数控铣工", "电工", "铣工", "车工", "管道工", "钢筋工", "砌筑工",
               "汽车维修工", "信号工", "化学检验员", "仪表维修工", "中式烹调师", "电子设备装接工",
               "计算机网络管理员", "物流服务师", "水处理工", "模具工"]


def load_registry_scale(rng: random.Random) -> None:
    """The bulk rows: enterprises, workers, ten years of city cycles with their nominations (the
    first ``titles`` named, the rest in the talent pool), titles, studios and achievements."""
    from bench.common import bulk_insert
    from core import collation, crypto, demo
    from core.extensions import db
    from core.organizations.models import Enterprise, Union, UnionKind
    from core.people.models import Worker
    from craftsmen.models import CraftsmanTitle, CycleOccupation, Nomination, NominationState, SelectionCycle
    from innovation_studios.achievements.models import Achievement
    from innovation_studios.studios.models import Studio

    districts = list(db.session.scalars(select(Union).where(Union.kind == UnionKind.DISTRICT)))
    enterprises = bulk_insert(Enterprise, [
        {"name": f"北京{districts[n % len(districts)].name.removesuffix('总工会')}第{n + 1}精密制造有限公司",
         "uscc": f"91110{n:013d}", "district_union_id": districts[n % len(districts)].id}
        for n in range(SIZE["enterprises"])])
    token = crypto.encrypt("110105198001010011")  # the public pages never decrypt it
    names = [rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_MALE + demo.GIVEN_FEMALE) for _ in range(3_000)]
    workers = bulk_insert(Worker, [
        {"name": names[n % len(names)], "gender": "male", "id_number_encrypted": token,
         "id_number_hash": crypto.lookup_hash(f"9{n:017d}"), "id_number_masked": "110105********0011",
         "birth_date": date(1970 + n % 30, 1 + n % 12, 1 + n % 28), "mobile": "13900000000",
         "enterprise_id": enterprises[n % len(enterprises)], "occupation": OCCUPATIONS[n % len(OCCUPATIONS)],
         "skill_level": "level_2", "years_in_occupation": 10} for n in range(SIZE["workers"])])
    cycles = []
    for year in range(2010, 2020):  # before the demo's editions
        cycle = SelectionCycle(title=f"{year}年北京大工匠选树", level="city", year=year, status="closed",
                               rubric={}, nomination_opens=datetime(year, 3, 1),
                               nomination_closes=datetime(year, 5, 1))
        cycle.occupations = [CycleOccupation(name=name, quota=10) for name in OCCUPATIONS]
        db.session.add(cycle)
        cycles.append(cycle)
    db.session.flush()
    pool_states = [NominationState.QUALIFIED.value, NominationState.NOT_PROPOSED.value,
                   NominationState.REJECTED.value]
    count = SIZE["titles"] + SIZE["pool"]

    def placed(n):
        cycle = cycles[n % len(cycles)]
        return cycle, cycle.occupations[(n // len(cycles)) % len(OCCUPATIONS)]

    nominations = bulk_insert(Nomination, [
        {"cycle_id": placed(n)[0].id, "occupation_id": placed(n)[1].id, "worker_id": workers[n],
         "enterprise_id": enterprises[n % len(enterprises)],
         "state": NominationState.NAMED.value if n < SIZE["titles"] else pool_states[n % 3],
         "submitted_at": datetime(placed(n)[0].year, 4, 1), "qualified_at": datetime(placed(n)[0].year, 5, 1)}
        for n in range(count)])
    enterprise_names = dict(db.session.execute(select(Enterprise.id, Enterprise.name)).all())
    bulk_insert(CraftsmanTitle, [
        {"nomination_id": nominations[n], "worker_id": workers[n], "cycle_id": placed(n)[0].id,
         "name": names[n % len(names)], "name_pinyin": collation.pinyin_key(names[n % len(names)]),
         "name_strokes": collation.stroke_key(names[n % len(names)]), "title": "北京大工匠", "level": "city",
         "year": placed(n)[0].year, "occupation": placed(n)[1].name,
         "enterprise_name": enterprise_names[enterprises[n % len(enterprises)]],
         "district": districts[n % len(districts)].name.removesuffix("总工会"),
         "named_on": date(placed(n)[0].year, 9, 1)} for n in range(SIZE["titles"])], returning=False)
    studios = bulk_insert(Studio, [
        {"number": f"BJCX-{2010 + n % 10}-{n:05d}", "name": f"{OCCUPATIONS[n % len(OCCUPATIONS)]}创新工作室{n}",
         "name_pinyin": collation.pinyin_key(f"{OCCUPATIONS[n % len(OCCUPATIONS)]}创新工作室{n}"),
         "name_strokes": collation.stroke_key(f"{OCCUPATIONS[n % len(OCCUPATIONS)]}创新工作室{n}"),
         "kind": "model_worker", "level_sought": "city", "level": "city",
         "enterprise_id": enterprises[n % len(enterprises)], "leader_worker_id": workers[n], "state": "named",
         "applied_year": 2010 + n % 10, "named_on": date(2010 + n % 10, 6, 1 + n % 28)}
        for n in range(SIZE["studios"])])
    bulk_insert(Achievement, [
        {"studio_id": studios[n % len(studios)], "kind": "innovation", "title": f"技术革新第{n}项",
         "achieved_on": date(2010 + n % 10, 1 + n % 12, 1)} for n in range(SIZE["achievements"])],
        returning=False)


def load_data(settings: dict[str, str]) -> dict[str, str]:
    """Create the schema, load the data; returns the product's page paths by name."""
    import importlib

    from certificates.models import Certificate, CertificateStatus
    from competitions.models import Event, EventState
    from core import create_app, demo
    from core.extensions import db
    from craftsmen.models import CraftsmanTitle

    overrides = {k: v for k, v in settings.items() if k not in {"APP_CONFIG", "WEB_CONCURRENCY"}}
    overrides.update(HUEY_URL="immediate", MAIL_BACKEND="locmem")
    app = create_app("testing", overrides)
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        features = [importlib.import_module(f"{name}.demo") for name in app.config["FEATURES"]
                    if importlib.util.find_spec(f"{name}.demo")]
        demo.load()
        for module in features:
            module.load()
        for module in features:
            if hasattr(module, "load_late"):
                module.load_late()
        load_registry_scale(random.Random(18))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        title_id = db.session.scalar(select(CraftsmanTitle.id).where(CraftsmanTitle.revoked_on.is_(None))
                                     .order_by(CraftsmanTitle.id.desc()))
        event_id = db.session.scalar(select(Event.id).where(Event.state == EventState.PUBLISHED.value)
                                     .order_by(Event.id))
        certificate = db.session.scalars(select(Certificate).where(
            Certificate.status == CertificateStatus.VALID.value).order_by(Certificate.id)).first()
        assert title_id and event_id and certificate, "the demo data lacks a page to measure"
        paths = {
            "registry": "/registry",
            "registry_search": "/registry?" + urllib.parse.urlencode({"q": "王"}),
            "registry_entry": f"/registry/{title_id}",
            "studio_directory": "/studio-directory/",
            "competition_results": f"/competition-results/{event_id}",
            "verify": f"/verify/{certificate.serial}?code={certificate.verification_code}",
        }
        db.session.remove()
        db.engine.dispose()
    print(f"pages_load_time: {time.perf_counter() - started:.0f} s", flush=True)
    return paths


@contextlib.contextmanager
def gunicorn(target: str, env: dict[str, str], log: Path):
    """``target`` served by gunicorn on a free port: (base URL, master process)."""
    port = free_port()
    with open(log, "ab") as output:
        process = start([*GUNICORN, "--bind", f"127.0.0.1:{port}", target], cwd=ROOT,
                                   env={**os.environ, **env}, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {target} did not start; see {log}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn {target} did not start within 60 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(url: str) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def requests_per_second(url: str, seconds: float) -> float:
    """Completed 2xx requests per second from ``CONNECTIONS`` concurrent clients."""
    wrk = shutil.which("wrk")
    if wrk:
        result = run([wrk, "-t2", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--timeout", "5s", url],
                                capture_output=True, text=True, check=True)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        if bad:
            raise SystemExit(f"{url}: {bad.group(1)} failed responses under load")
        return rate
    done, stop = [0] * CONNECTIONS, time.monotonic() + seconds

    def client(n: int) -> None:
        while time.monotonic() < stop:
            status, _ = fetch(url)
            if status >= 400:
                raise SystemExit(f"{url}: {status} under load")
            done[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONNECTIONS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def worker_rss_mb(master: subprocess.Popen) -> float:
    """The largest resident set of the master's worker processes, in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            text = status.read_text()
            if re.search(rf"^PPid:\s+{master.pid}$", text, re.M):
                sizes.append(int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1)) / 1024)
    return max(sizes)


def cpu_per_request(settings: dict[str, str], paths: dict[str, str]) -> None:
    """The app's CPU time per rendered request (the store off), in a process of its own with the
    production settings: what a worker spends on each page, PostgreSQL's share apart."""
    env = {**os.environ, **settings, "PUBLIC_PAGE_CACHE_ENTRIES": "0", "BENCH_PAGES_PATHS": json.dumps(paths)}
    run([sys.executable, __file__, "cpu"], env=env, check=True, stderr=subprocess.DEVNULL)


def _print_cpu_per_request() -> None:
    from bench.plain_flask_page import app as reference
    from core import create_app

    clients = {name: (create_app().test_client(), path)
               for name, path in json.loads(os.environ["BENCH_PAGES_PATHS"]).items()}
    clients["reference"] = (reference.test_client(), "/page")
    for name, (client, path) in clients.items():
        for _ in range(5):
            assert client.get(path).status_code == 200, (name, path)
        spent = []
        for _ in range(CPU_REQUESTS):
            started = time.process_time()
            client.get(path)
            spent.append((time.process_time() - started) * 1000)
        label = "reference" if name == "reference" else f"{name}_rendered"
        print(f"pages_{label}_cpu_ms: {statistics.median(spent):.2f} ms", flush=True)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    try:
        with postgres() as database_url, redis(folder) as redis_url:
            settings = production_settings(folder, database_url, redis_url)
            paths = load_data(settings)
            cpu_per_request(settings, paths)
            measure(settings, paths, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def worker_private_mb(master: subprocess.Popen) -> float:
    """The largest memory of the master's workers that is theirs alone (not shared with the
    master or each other: what one more worker costs), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            if re.search(rf"^PPid:\s+{master.pid}$", status.read_text(), re.M):
                rollup = (status.parent / "smaps_rollup").read_text()
                sizes.append(sum(int(re.search(rf"^{kind}:\s+(\d+) kB", rollup, re.M).group(1))
                                 for kind in ("Private_Clean", "Private_Dirty")) / 1024)
    return max(sizes)


def floor_worker_rss_mb(settings: dict[str, str], folder: Path, module: str) -> float:
    """A warm worker of ``bench/<module>.py``: the product's libraries alone
    (``libraries_only_app``), or with the product's data model (``models_only_app``)."""
    env = {"PYTHONPATH": str(ROOT), "DATABASE_URL": settings["DATABASE_URL"],
           "REDIS_URL": settings.get("REDIS_URL", "")}
    log = folder / f"{module}.log"
    with gunicorn(f"bench.{module}:app", env, log) as (url, master):
        for _ in range(4):
            status, _body = fetch(url + "/")
            if status != 200:
                raise SystemExit(f"bench/{module}.py answered {status}; see {log}")
        return worker_rss_mb(master)


def measure(settings: dict[str, str], paths: dict[str, str], folder: Path) -> None:
    plain = {"PYTHONPATH": str(ROOT)}
    libraries = floor_worker_rss_mb(settings, folder, "libraries_only_app")
    models = floor_worker_rss_mb(settings, folder, "models_only_app")
    rendering = {**settings, "PUBLIC_PAGE_CACHE_ENTRIES": "0"}
    with gunicorn("wsgi:app", settings, folder / "product.log") as (product, master), \
            gunicorn("wsgi:app", rendering, folder / "rendered.log") as (rendered, _p), \
            gunicorn("bench.plain_flask_page:app", plain, folder / "reference.log") as (reference, _r), \
            gunicorn("bench.plain_flask_page:bare", plain, folder / "bare.log") as (bare, bare_master):
        targets = {name: product + path for name, path in paths.items()}
        targets.update({f"{name}_rendered": rendered + path for name, path in paths.items()})
        targets.update(reference=reference + "/page", healthz=product + "/healthz", bare=bare + "/")
        for name, url in targets.items():  # each answers, and the workers are warm
            for _ in range(4):
                status, _body = fetch(url)
                if status != 200:
                    raise SystemExit(f"{name} ({url}) answered {status}")
        print(f"worker_rss_mb: {worker_rss_mb(master):.0f} MB", flush=True)
        print(f"worker_private_mb: {worker_private_mb(master):.0f} MB", flush=True)
        print(f"bare_worker_rss_mb: {worker_rss_mb(bare_master):.0f} MB", flush=True)
        print(f"libraries_worker_rss_mb: {libraries:.0f} MB", flush=True)
        print(f"models_worker_rss_mb: {models:.0f} MB", flush=True)
        rates: dict[str, list[float]] = {name: [] for name in targets}
        for _round in range(ROUNDS):
            for name, url in targets.items():
                rates[name].append(requests_per_second(url, SECONDS))
        for name in targets:
            print(f"pages_{name}_rps: {statistics.median(rates[name]):.0f} req/s")
        for name in [*paths, *(f"{name}_rendered" for name in paths)]:
            ratio = statistics.median(p / r for p, r in zip(rates[name], rates["reference"], strict=True))
            print(f"pages_{name}_ratio: {ratio:.2f} x")
        ratio = statistics.median(h / b for h, b in zip(rates["healthz"], rates["bare"], strict=True))
        print(f"pages_healthz_ratio: {ratio:.2f} x")
        print(f"worker_rss_mb_after_load: {worker_rss_mb(master):.0f} MB", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["cpu"]:
        _print_cpu_per_request()
    else:
        main()
