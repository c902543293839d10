"""An "Excel bomb" against the worker import: a small .xlsx that unpacks to 600 MiB of text.

The bomb is written to a temporary file (streamed, little memory); a separate process (the
web worker: app, SQLite database, an enterprise account signed in) uploads it to
``/workers/import`` and reports its own peak resident memory while refusing it. Prints
``name: value unit`` lines; the goal is a peak under 300 MB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BOMB_MIB = 600


def _rss_mb() -> float:
    """Current resident memory of this process in MB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def worker(bomb_path: str) -> None:
    """Run in the child: serve one upload of the bomb and print the figures as JSON."""
    from bench.common import log_in
    from core import create_app
    from core.extensions import db
    from tests import factories

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                                     "WTF_CSRF_ENABLED": False})
        with app.app_context():
            db.create_all()
            world = factories.build_world()
            from core.accounts.models import User

            client = app.test_client()
            log_in(client, db.session.get(User, world.users.enterprise))
        assert client.get("/workers/import").status_code == 200
        ready_mb = _rss_mb()
        start = time.perf_counter()
        with open(bomb_path, "rb") as bomb:
            response = client.post("/workers/import", content_type="multipart/form-data", data={
                "enterprise_id": str(world.ent_a), "file": (bomb, "workers.xlsx")})
        elapsed_ms = (time.perf_counter() - start) * 1000
        html = response.get_data(as_text=True)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
        print(json.dumps({"status": response.status_code, "refused": "文件解压后超过" in html,
                          "ready_mb": ready_mb, "peak_mb": peak_mb, "after_mb": _rss_mb(),
                          "ms": elapsed_ms}))


def main() -> None:
    from core.people.importer import COLUMNS
    from tests.hostile import excel_text_bomb

    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.xlsx"
        excel_text_bomb(bomb, COLUMNS, BOMB_MIB)
        done = subprocess.run([sys.executable, __file__, "--worker", str(bomb)], check=True,  # noqa: S603
                              capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"excel_bomb_file: {bomb.stat().st_size / 1024:.0f} KiB")
        print(f"excel_bomb_unpacked: {BOMB_MIB} MiB")
        print(f"excel_bomb_refused: {'yes' if figures['refused'] and figures['status'] == 200 else 'NO'}")
        print(f"excel_bomb_refusal: {figures['ms']:.0f} ms")
        print(f"excel_bomb_rss_ready: {figures['ready_mb']:.0f} MB")
        print(f"excel_bomb_rss: {figures['peak_mb']:.0f} MB")
        print(f"excel_bomb_rss_after: {figures['after_mb']:.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()
