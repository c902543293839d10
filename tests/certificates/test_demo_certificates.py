"""The demo data (``flask seed-demo``, every feature's demo in order) leaves the demo worker a
certificate to download, its enterprise its workers' and studios' certificates, and the
administrator scopes to issue in batches."""

from __future__ import annotations

from sqlalchemy import select

from certificates import sources
from certificates.models import Certificate
from certificates.services import downloads
from core.accounts.models import User
from core.extensions import db


def test_the_demo_gives_the_worker_a_certificate_and_the_administrator_batch_scopes(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        worker = db.session.scalar(select(User).where(User.username == "worker"))
        enterprise = db.session.scalar(select(User).where(User.username == "enterprise"))
        mine = db.session.scalars(downloads.certificates_query(worker)).all()
        assert mine and all(c.worker_id == worker.worker_id for c in mine)
        assert all(downloads.can_download(worker, c) for c in mine)
        theirs = db.session.scalars(downloads.certificates_query(enterprise)).all()
        assert {c.id for c in mine} <= {c.id for c in theirs}
        kinds = set(db.session.scalars(select(Certificate.kind).distinct()))
        assert {"competition_award", "alliance_membership"} <= kinds
        scope_sources = {scope.source for scope in sources.all_scopes()}
        assert {"craftsmen.titles", "competitions.awards", "innovation_studios.naming",
                "innovation_studios.alliances"} <= scope_sources
