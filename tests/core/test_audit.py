"""The audit log: appended by services, browsed and filtered by administrators, never edited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import services as audit
from core.audit.models import AuditEntry, AuditImmutableError
from core.extensions import db


def test_entries_cannot_be_changed_or_deleted(app, world):
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).first()
        entry.action = "forged"
        with pytest.raises(AuditImmutableError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalars(select(AuditEntry)).first()
        db.session.delete(entry)
        with pytest.raises(AuditImmutableError):
            db.session.flush()
        db.session.rollback()


def test_no_route_changes_the_audit_log(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}


def test_diff_lists_only_changed_fields_and_masks_sensitive_ones():
    changes = audit.diff({"a": 1, "mobile": "13800001111"}, {"a": 1, "mobile": "13900002222"},
                         {"mobile": lambda v: v[:3] + "****" + v[-4:]})
    assert changes == {"mobile": ["138****1111", "139****2222"]}


def test_admin_filters_the_log_by_action_and_actor(world, client, login):
    login(world.users.admin)
    html = client.get("/admin/audit/?action=account.create").get_data(as_text=True)
    assert "account.create" in html and "worker.create</code>" not in html
    html = client.get("/admin/audit/?actor=nobody").get_data(as_text=True)
    assert "没有符合条件的记录" in html


def _entries_shown(client, query: str) -> set[str]:
    import re

    html = client.get("/admin/audit/" + query).get_data(as_text=True)
    return set(re.findall(r"marker-\d", html))


def test_actor_filter_by_user_name_shows_that_accounts_entries_also_from_before_a_rename(
        app, world, client, login):
    from core.accounts.models import User

    with app.app_context():
        expert = db.session.get(User, world.users.expert)
        audit.record("account.update", label="marker-1", by=expert)
        expert.username = "expert_renamed"
        audit.record("account.update", label="marker-2", by=expert)
        audit.record("account.update", label="marker-3", by=db.session.get(User, world.users.admin))
        db.session.commit()
    login(world.users.admin)
    assert _entries_shown(client, "?actor=expert_renamed") == {"marker-1", "marker-2"}


def test_actor_filter_by_part_of_a_name_matches_the_names_recorded_on_entries(app, world, client, login):
    from core.accounts.models import User

    with app.app_context():
        audit.record("account.update", label="marker-1", by=db.session.get(User, world.users.expert))
        audit.record("account.update", label="marker-2", by=db.session.get(User, world.users.admin))
        audit.record("account.update", label="marker-3")  # by the system
        db.session.commit()
    login(world.users.admin)
    assert _entries_shown(client, "?actor=xper") == {"marker-1"}
    assert _entries_shown(client, "?actor=syst") == {"marker-3"}
    assert _entries_shown(client, "?actor=50%25") == set()  # a LIKE wildcard is plain text


def test_admin_filters_the_log_by_date(world, client, login):
    login(world.users.admin)
    assert "没有符合条件的记录" in client.get("/admin/audit/?until=2000-01-01").get_data(as_text=True)
    assert "account.create" in client.get("/admin/audit/?since=2000-01-01").get_data(as_text=True)


def test_only_administrators_read_the_log(world, client, login):
    login(world.users.reviewer)
    assert client.get("/admin/audit/").status_code == 403


def _recorded_actions() -> set[str]:
    """Every action the product's code records under a literal name (``audit.record("…", …)``)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    actions = set()
    for package in ("api", "certificates", "competitions", "core", "craftsmen", "indicators", "innovation_studios"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"
                        and node.args and isinstance(node.args[0], ast.Constant)):
                    actions.add(node.args[0].value)
    return actions


def test_every_recorded_action_reads_as_words_in_the_log(app):
    """Whoever reads the log sees what was done, never the generic "其他操作"."""
    from core.audit.describe import action_label

    actions = _recorded_actions()
    assert len(actions) > 50  # the scan found the product's actions
    with app.test_request_context():
        generic = {action for action in actions if action_label(action) == "其他操作"}
    assert generic == set()
