"""Committee members whose votes each complete the majority at the same moment: one seed
player is recorded (one audit entry), nobody gets an error page. Real concurrent clients, on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from craftsmen.selection_route import committee
from craftsmen.selection_route import services as route
from craftsmen.selection_route.models import SeedPlayer
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.craftsmen.route_data import competition_route
from tests.craftsmen.test_public import no_csrf  # noqa: F401 - fixture

LATE = 3


def test_simultaneous_votes_completing_the_majority_make_one_seed_player(app, world, login, no_csrf):  # noqa: F811
    with app.app_context():
        cycle = make_cycle()
        fitter = next(o for o in cycle.occupations if o.name == "钳工")
        competition_route(fitter)
        members = [factories.user(f"race_expert_{i}", [Role.EXPERT]) for i in range(5)]
        committee.form_committee(fitter, [u.id for u in members], by=db.session.get(User, world.users.admin))
        nomination = make_nomination(cycle, world.worker_b)
        committee.support(fitter, nomination, "全国技术能手", by=members[0])
        committee.support(fitter, nomination, "", by=members[1])  # 2 of 5: the next vote makes 3
        db.session.commit()
        url = f"/craftsmen/route/occupations/{fitter.id}/seeds/{nomination.id}/support"
        late = [u.id for u in members[2:]]
        field = f"n{nomination.id}-reason"
    clients = [login(user_id, as_client=app.test_client()) for user_id in late]
    barrier = threading.Barrier(LATE)
    statuses: list[int] = []
    lock = threading.Lock()

    def vote(client):
        barrier.wait()
        status = client.post(url, data={field: ""}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=vote, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == LATE and set(statuses) <= {302, 422}, statuses
    assert 302 in statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SeedPlayer)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "route.seed")) == 1


def test_a_vote_that_reads_the_ballot_across_another_members_commit_is_refused_not_failed(app, world, monkeypatch):
    """Between the ballot's two reads (seed players, then the nominees not yet seed players)
    another member's vote can make the nominee a seed player, so neither read holds them: the
    member is asked to reload, in Chinese, and nothing is half written."""
    with app.app_context():
        cycle = make_cycle()
        fitter = next(o for o in cycle.occupations if o.name == "钳工")
        competition_route(fitter)
        members = [factories.user(f"ballot_expert_{i}", [Role.EXPERT]) for i in range(3)]
        committee.form_committee(fitter, [u.id for u in members], by=db.session.get(User, world.users.admin))
        nomination = make_nomination(cycle, world.worker_b)
        committee.support(fitter, nomination, "全国技术能手", by=members[0])
        assert committee.support(fitter, nomination, "", by=members[1]) is not None  # 2 of 3
        db.session.commit()
        # The first read ran before that commit: it saw no seed player yet.
        monkeypatch.setattr(route, "seeds", lambda occupation: [])
        with pytest.raises(DomainError, match="种子选手状态刚刚有变化，请刷新页面后再操作"):
            committee._candidate(fitter, committee.committee_of(fitter), nomination)
