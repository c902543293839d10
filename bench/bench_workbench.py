"""Each role's workbench (landing page) with the registry-scale data: the demo of every
feature (the queues, panels, events and rounds each role works on) beside the registry
benchmark's 12,000 workers, 12,000 nominations and 2,000 named craftsmen.

Prints, per role, the median time of the page and the number of queries it sends, as
``name: value unit`` lines. SQLite by default; ``BENCH_DATABASE_URL`` runs it on PostgreSQL
in a schema of its own (see :mod:`bench.common`).
"""

from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench import bench_registry  # noqa: E402
from bench.common import database, log_in, medians_ms  # noqa: E402
from core import create_app, demo  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.extensions import db  # noqa: E402

REPEAT = 30
#: (figure name, demo account, landing page)
ROLES = [
    ("admin", "admin", "/home/admin"),
    ("union_reviewer", "reviewer", "/home/reviewer"),
    ("enterprise", "enterprise", "/home/enterprise"),
    ("expert", "expert", "/home/expert"),
    ("judge", "judge2", "/home/judge"),
    ("worker", "worker", "/home/worker"),
]


def load(app) -> None:
    demo.load()
    for name in app.config["FEATURES"]:
        if importlib.util.find_spec(f"{name}.demo"):
            importlib.import_module(f"{name}.demo").load()
    db.session.commit()
    bench_registry.load(random.Random(7), base=False)
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def main() -> None:
    with database("bench_workbench") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            load(app)
            users = {u.username: u for u in db.session.scalars(select(User))}
            engine = db.engine
        # Requests run outside the loading context: each gets its own (and its own user).
        print(f"# bench_workbench on {backend}", file=sys.stderr)
        for label, username, path in ROLES:
            client = log_in(app.test_client(), users[username])
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert 'data-testid="work-item"' in response.get_data(as_text=True), label
            statements: list[str] = []

            def count(_conn, _cursor, statement, *_args, found=statements):
                found.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            client.get(path)
            event.remove(engine, "before_cursor_execute", count)
            wall, cpu = medians_ms(lambda c=client, p=path: c.get(p), REPEAT)
            print(f"workbench_{label}_page: {wall:.1f} ms")
            print(f"workbench_{label}_page_cpu: {cpu:.1f} ms")
            print(f"workbench_{label}_queries: {len(statements)} queries")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

if __name__ == "__main__":
    main()
