"""Every route says who may use it, and the answer matches for every role and for anonymous
visitors. A new route without a guard fails here (and the app refuses to start)."""

from __future__ import annotations

import pytest
from flask import Flask

from core.access import EXEMPT_ENDPOINTS, check_all_routes_guarded, roles_required, unguarded_endpoints
from core.extensions import db
from core.roles import Role
from tests import factories

IDENTITIES = ["anonymous", "admin", "reviewer", "enterprise", "expert", "judge", "worker"]
ROLE_OF = {"admin": Role.ADMIN, "reviewer": Role.UNION_REVIEWER, "enterprise": Role.ENTERPRISE,
           "expert": Role.EXPERT, "judge": Role.JUDGE, "worker": Role.WORKER}


def _sample_args(world, spare_user_id: int, records: dict) -> dict:
    """Path arguments pointing at records every role with access may legitimately see."""
    return {"worker_id": world.worker_a, "enterprise_id": world.ent_a, "user_id": spare_user_id,
            "move": "open", **records}


def _make_records(world) -> dict:
    """Feature records for the path arguments (call inside an app context)."""
    from tests.craftsmen.conftest import make_cycle

    cycle = make_cycle()
    return {"cycle_id": cycle.id}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_view_declares_its_access_rule(app):
    assert unguarded_endpoints(app) == []


def test_app_refuses_to_start_with_an_unguarded_route():
    app = Flask(__name__)

    @app.get("/open")
    def open_door():
        return "oops"

    @app.get("/guarded")
    @roles_required(Role.ADMIN)
    def guarded():
        return "ok"

    with pytest.raises(RuntimeError, match="open_door"):
        check_all_routes_guarded(app)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_route_answers_each_role_as_its_rule_says(app, world, client, login, identity):
    with app.app_context():
        spare = factories.user("spare", [Role.EXPERT])
        records = _make_records(world)
        db.session.commit()
        spare_id = spare.id
    args = _sample_args(world, spare_id, records)
    app.config["WTF_CSRF_ENABLED"] = False
    failures = []
    try:
        for rule, method in _routes(app):
            url = rule.build({k: args[k] for k in rule.arguments}, append_unknown=False)[1]
            if identity != "anonymous":
                login(getattr(world.users, identity))  # again: an earlier route may be /logout
            response = client.open(url, method=method)
            access = app.view_functions[rule.endpoint].access_rule
            status = response.status_code
            if status >= 500:
                failures.append(f"{method} {url}: {status}")
            elif access.public:
                if status in (401, 403):
                    failures.append(f"{method} {url} is public but answered {status}")
            elif identity == "anonymous":
                if not (status == 302 and "/login" in response.headers["Location"]):
                    failures.append(f"{method} {url} let an anonymous visitor in ({status})")
            elif access.roles is not None and ROLE_OF[identity] not in access.roles:
                if status != 403:
                    failures.append(f"{method} {url} gave {identity} {status}, expected 403")
            elif status in (401, 403):
                failures.append(f"{method} {url} refused {identity}, who should be allowed")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert not failures, "\n".join(failures)
