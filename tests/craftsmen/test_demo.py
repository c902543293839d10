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


def test_demo_data_walks_the_competition_road_and_a_ladder(app):
    import importlib

    from competitions.models import Appeal
    from craftsmen import demo as craftsmen_demo
    from craftsmen.models import CycleOccupation, SelectionCycle
    from craftsmen.selection_route import ladder
    from craftsmen.selection_route import services as route

    with app.app_context():
        core_demo.load(workers_per_enterprise=10)
        features = [importlib.import_module(f"{name}.demo") for name in
                    ("craftsmen", "competitions", "innovation_studios")]
        for module in features:
            module.load()
        craftsmen_demo.load_late()
        db.session.commit()
        fourth = db.session.scalar(select(SelectionCycle).where(SelectionCycle.title == "第四届北京大工匠选树"))
        methods = {o.name: o.method for o in fourth.occupations}
        assert methods["数控车工"] == methods["钳工"] == "competition" and methods["电工"] == "comprehensive"
        turning = db.session.scalar(select(CycleOccupation).where(CycleOccupation.cycle_id == fourth.id,
                                                                  CycleOccupation.name == "数控车工"))
        standings = route.standings(turning)
        assert [e.rank for e in standings.entries][:3] == [1, 2, 3] and sum(e.proposed for e in standings.entries) == 3
        assert len(route.seeds(turning)) == 2 and len(route.challengers(turning)) >= 4
        appeal = db.session.scalar(select(Appeal).where(Appeal.status == "dismissed"))
        assert appeal.ruled_by_id in {u.id for u in route.arbitrators(turning)}
        fitting = next(o for o in fourth.occupations if o.name == "钳工")
        assert route.qualifier_of(fitting).state == "registration" and route.open_qualifiers()
        winner = db.session.scalar(select(CraftsmanTitle).where(
            CraftsmanTitle.selection_basis.like("竞赛选拔·终极挑战赛第 1 名%")))
        kinds = {s.kind for s in ladder.ladder(winner.worker_id, public=True)}
        assert {"results", "title", "studio", "certificate"} <= kinds
