"""Worker records at registry scale: list page, detail page, and ID-number lookups.

Loads the demo data with 100 workers per enterprise (2,000 workers) into a temporary SQLite
database and prints one figure a line as ``name: value unit``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.common import log_in, median_ms  # noqa: E402
from core import create_app, demo  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.extensions import db  # noqa: E402
from core.people import services  # noqa: E402
from core.people.models import Worker  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                                     "WTF_CSRF_ENABLED": False})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            demo.load(workers_per_enterprise=100)
            db.session.commit()
            load_s = time.perf_counter() - start
            total = db.session.scalar(select(db.func.count()).select_from(Worker))
            numbers = [w.id_number for w in db.session.scalars(select(Worker).limit(200))]
            admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
            enterprise_id = db.session.scalar(select(User.id).where(User.username == "enterprise"))
            lookup_us = median_ms(lambda: [services.find_by_id_number(n) for n in numbers], 5) \
                * 1000 / len(numbers)
        print(f"workers_loaded: {total} workers")
        print(f"demo_load_rate: {total / load_s:.0f} workers/s")
        print(f"id_number_lookup: {lookup_us:.1f} us")

        client = app.test_client()
        for label, user_id, path in (("worker_list_admin", admin_id, "/workers/"),
                                     ("worker_list_enterprise", enterprise_id, "/workers/"),
                                     ("worker_search_admin", admin_id, "/workers/?q=%E9%92%B3%E5%B7%A5"),
                                     ("worker_detail_admin", admin_id, "/workers/1")):
            with app.app_context():
                log_in(client, db.session.get(User, user_id))
            assert client.get(path).status_code == 200
            print(f"{label}_page: {median_ms(lambda p=path: client.get(p), 30):.1f} ms")


if __name__ == "__main__":
    main()
