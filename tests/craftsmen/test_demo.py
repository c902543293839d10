"""The demo data gives every role something to do in craftsman selection."""

from sqlalchemy import func, select

from core import demo as core_demo
from core.extensions import db
from craftsmen import demo
from craftsmen.models import CraftsmanTitle, Nomination, NominationState


def test_demo_data_fills_the_registry_the_queues_and_the_experts_panel(app):
    with app.app_context():
        core_demo.load(workers_per_enterprise=10)
        demo.load()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CraftsmanTitle)) == 28
        states = dict(db.session.execute(select(Nomination.state, func.count()).group_by(Nomination.state)).all())
        assert states[NominationState.SUBMITTED] == 1 and states[NominationState.QUALIFIED] == 4


def test_seed_demo_command_prints_the_logins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "expert2" in result.output and "Beijing2026" in result.output
