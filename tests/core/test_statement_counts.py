"""How many SQL statements the busiest requests run, fixed so that a regression fails.

A judge's tablet saves a mark every few seconds all day; the public pages and every role's
workbench are the most visited. Each figure below is what the request runs today on the demo
data (SQLite and PostgreSQL alike): when a change lowers one, lower it here; when a change
raises one, the test says which request and shows its statements, so the new query is a
decision, not an accident.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from core.accounts.models import User
from core.extensions import db
from tests.conftest import csrf_token

#: Statements of one save-as-you-go request (core/static/js/marks.js): signing in (the user
#: with roles), what the save needs (one query), the mark's upsert and its audit entry (on
#: PostgreSQL one statement writes both).
MARK_SAVE_NEW = {"postgresql": 3, "sqlite": 4}
#: A replayed client key: signing in and the same one query, which finds the stored mark.
MARK_SAVE_REPLAY = 2

#: A registry search of one or two characters: on PostgreSQL the page's keys come from the grams
#: index first with the total of the matches, then its rows by id; SQLite reads the rows
#: directly and counts them.
REGISTRY_SHORT_SEARCH = {"postgresql": 2, "sqlite": 2}

#: Pages on the demo data (``flask seed-demo``): statements per request.
PAGES = {
    "registry": 2,
    "registry search": REGISTRY_SHORT_SEARCH,
    "studio directory": 3,
    "competition results": 7,
    "certificate verification": 1,
    "workbench admin": 8,
    "workbench reviewer": 6,
    "workbench enterprise": 8,
    "workbench expert": 6,
    "workbench judge": 3,
    "workbench chief judge": 3,
    "workbench worker": 9,
    "judge's score sheet": 12,
}


@contextmanager
def statements(app):
    """Collect the SQL statements run inside the block."""
    with app.app_context():
        engine = db.engine
    found: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        found.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def _shown(found: list[str]) -> str:
    return "\n".join(f"  {n}. {s[:160]}" for n, s in enumerate(found, start=1))


def _sign_in(client, cookie_id: str):
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True
    return client


# The mark save path -------------------------------------------------------------------------------

@pytest.fixture
def scoring(app, world, client, login):
    from tests.competitions.test_marking import scoring_event, sheet_url

    with app.app_context():
        setup = scoring_event(world)
        db.session.commit()
    login(world.users.judge)
    token = csrf_token(client, sheet_url(setup))
    return setup, f"/judging/events/{setup.event}/marks", token


def _mark(setup, token, value, key=None):
    return {"csrf_token": token, "aspect_id": setup.ids.aspects["尺寸精度"], "blind_number": "A001",
            "value": value, "client_key": key or uuid.uuid4().hex, "entry": 1}


def test_saving_a_new_mark_runs_at_most_four_statements(app, client, scoring):
    setup, url, token = scoring
    with statements(app) as found:
        response = client.post(url, data=_mark(setup, token, "30"))
    assert response.get_json() == {"ok": True, "value": "30", "changed": True}
    assert len(found) == MARK_SAVE_NEW[_dialect(app)], _shown(found)


def test_changing_a_mark_runs_as_many_statements_as_a_new_one(app, client, scoring):
    setup, url, token = scoring
    client.post(url, data=_mark(setup, token, "30"))
    with statements(app) as found:
        response = client.post(url, data=_mark(setup, token, "31"))
    assert response.get_json() == {"ok": True, "value": "31", "changed": True}
    assert len(found) == MARK_SAVE_NEW[_dialect(app)], _shown(found)


def test_a_replayed_save_runs_two_statements_and_changes_nothing(app, client, scoring):
    setup, url, token = scoring
    client.post(url, data=_mark(setup, token, "30", key="replayed"))
    with statements(app) as found:
        response = client.post(url, data=_mark(setup, token, "35", key="replayed"))
    assert response.get_json() == {"ok": True, "value": "30", "changed": False}
    assert len(found) == MARK_SAVE_REPLAY, _shown(found)
    assert not [s for s in found if not s.lstrip().upper().startswith("SELECT")], _shown(found)


# Pages -------------------------------------------------------------------------------------------

@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {u.username: u.get_id() for u in db.session.scalars(select(User))}


def _page_requests(app, demo) -> dict[str, tuple[str | None, str]]:
    """(signed-in user's cookie id or None, path) of every page whose count is fixed."""
    from certificates.models import Certificate
    from competitions.models import Event, JudgeAssignment

    with app.app_context():
        published = db.session.scalar(select(Event.id).where(Event.state == "published").order_by(Event.id))
        certificate = db.session.scalars(select(Certificate).where(Certificate.status == "valid")
                                         .order_by(Certificate.id)).first()
        judge = db.session.scalar(select(User).where(User.username == "judge"))
        assignment = db.session.scalars(select(JudgeAssignment).join(Event).where(
            JudgeAssignment.user_id == judge.id, JudgeAssignment.is_chief.is_(False),
            Event.state == "scoring").order_by(Event.id)).first()
        sheet = None
        if assignment is not None:
            from competitions.services import marking

            scored = assignment.event
            contestant = marking.competing(scored)[0]
            sheet = (f"/judging/events/{scored.id}/modules/{scored.modules[0].id}"
                     f"/contestants/{contestant.blind_number}")
        assert published and certificate and sheet, "the demo data lacks a page this test needs"
        verify = f"/verify/{certificate.serial}?code={certificate.verification_code}"
    return {
        "registry": (None, "/registry"),
        "registry search": (None, "/registry?q=王"),
        "studio directory": (None, "/studio-directory/"),
        "competition results": (None, f"/competition-results/{published}"),
        "certificate verification": (None, verify),
        "workbench admin": (demo["admin"], "/home/admin"),
        "workbench reviewer": (demo["reviewer"], "/home/reviewer"),
        "workbench enterprise": (demo["enterprise"], "/home/enterprise"),
        "workbench expert": (demo["expert"], "/home/expert"),
        "workbench judge": (demo["judge"], "/home/judge"),
        "workbench chief judge": (demo["judge2"], "/home/judge"),
        "workbench worker": (demo["worker"], "/home/worker"),
        "judge's score sheet": (demo["judge"], sheet),
    }


def test_main_pages_run_their_fixed_number_of_statements(app, demo):
    measured, shown = {}, {}
    for name, (cookie_id, path) in _page_requests(app, demo).items():
        client = app.test_client()
        if cookie_id is not None:
            _sign_in(client, cookie_id)
        client.get(path)  # first visit: anything cached per process is filled
        with statements(app) as found:
            response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        measured[name] = len(found)
        shown[name] = _shown(found)
    dialect = _dialect(app)
    fixed = {name: count[dialect] if isinstance(count, dict) else count for name, count in PAGES.items()}
    changed = {name: (fixed[name], count) for name, count in measured.items() if count != fixed[name]}
    assert not changed, "statements (fixed, now): " + repr(changed) + "\n" + "\n".join(
        f"{name}:\n{shown[name]}" for name in changed)
