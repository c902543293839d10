"""The shared builders give consistent studios."""

from core.extensions import db
from innovation_studios.studios.models import Studio
from tests.innovation_studios.factories import make_studio


def test_make_studio_builds_a_named_studio_with_number_and_members(app, world):
    with app.app_context():
        studio = make_studio(world, "named", enterprise=world.ent_b, kind="craftsman", level="district")
        db.session.commit()
        studio = db.session.get(Studio, studio.id)
        assert studio.is_named and studio.number and studio.named_on
        assert studio.leader.enterprise_id == world.ent_b
        assert len(studio.members) == 3


def test_make_studio_in_draft_has_no_number(app, world):
    with app.app_context():
        studio = make_studio(world, "draft")
        assert studio.number is None and studio.submitted_at is None
