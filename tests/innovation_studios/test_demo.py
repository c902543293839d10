"""The demo data gives every role something to do with innovation studios."""

from sqlalchemy import func, select

from core import demo as core_demo
from core.accounts.models import User
from core.extensions import db
from craftsmen import demo as craftsmen_demo
from innovation_studios import demo
from innovation_studios.studios import review
from innovation_studios.studios.models import Studio, StudioLeaderChange, StudioState


def _states() -> dict[str, int]:
    return dict(db.session.execute(select(Studio.state, func.count()).group_by(Studio.state)).all())


def test_demo_data_fills_the_register_the_queues_and_the_panels(app):
    with app.app_context():
        core_demo.load(workers_per_enterprise=10)
        craftsmen_demo.load()
        demo.load()
        db.session.commit()
        states = _states()
        assert states[StudioState.NAMED] + states.get(StudioState.RECTIFICATION, 0) >= 20
        assert states[StudioState.DELISTED] == 1 and states[StudioState.DRAFT] == 1
        assert states[StudioState.APPLIED] == 1 and states[StudioState.UNDER_REVIEW] == 6
        assert db.session.scalar(select(func.count()).select_from(StudioLeaderChange)) == 3
        kinds = set(db.session.scalars(select(Studio.kind).distinct()))
        assert kinds == {"model_worker", "craftsman", "worker"}
        expert = db.session.scalar(select(User).where(User.username == "expert"))
        with app.test_request_context():  # the task list carries the score sheets' addresses
            pending = [t for g in review.SCOPE.tasks_for(expert) for t in g.tasks if t.status.pending]
        assert len(pending) == 4


def test_demo_data_loads_without_the_craftsmen_demo(app):
    with app.app_context():
        core_demo.load(workers_per_enterprise=10)
        demo.load()
        db.session.commit()
        assert _states()[StudioState.UNDER_REVIEW] == 6
