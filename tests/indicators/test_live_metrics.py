"""Live indicators are computed from the product's own records: named studios by level,
named craftsmen by level, competitions held and their contestants, alliances and joint
projects; each with a value per year and breakdowns by district and industry union."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.extensions import db
from core.timeutil import beijing_today
from indicators import metrics
from tests.indicators.conftest import make_studio, make_title, progress_of

D = Decimal
CHAOYANG, HAIDIAN, MACHINERY = "朝阳区总工会", "海淀区总工会", "北京市机械冶金建材工会"


def _studios(world):
    """朝阳精工 (朝阳, no industry union): three named studios of three levels.
    海淀机械 (海淀, 机械冶金): one under rectification (still named), one delisted.
    海淀软件: one only applied for."""
    a, b = world.ent_a, world.ent_b
    make_studio(a, world.worker_a, level="city_demo", named_on=date(2022, 3, 1))
    make_studio(a, world.worker_a, level="city", named_on=date(2023, 3, 1))
    make_studio(a, world.worker_a, level="district", named_on=date(2024, 3, 1))
    make_studio(b, world.worker_b, level="city", state="rectification", named_on=date(2023, 9, 1))
    make_studio(b, world.worker_b, level="city", state="delisted", named_on=date(2021, 5, 1),
                delisted_on=date(2023, 11, 1))
    make_studio(world.ent_c, world.worker_c, level="city", state="applied", named_on=None)
    db.session.commit()


def test_named_studios_count_named_and_rectifying_not_delisted_or_applied(app, plan):
    with app.app_context():
        _studios(plan)
        p = progress_of("innovation_studios")
        assert p.source == "live" and p.value == 4
        assert p.target == 8000 and p.progress == D("0.0005")


def test_named_studios_by_level_district_and_industry(app, plan):
    with app.app_context():
        _studios(plan)
        p = progress_of("innovation_studios")
        assert p.by_level == {"市级示范": 1, "市级": 2, "区级": 1}
        assert p.by_district == {CHAOYANG: 3, HAIDIAN: 1}
        assert p.by_industry == {"—": 3, MACHINERY: 1}


def test_named_studios_per_year_are_the_standing_at_each_year_end(app, plan):
    with app.app_context():
        _studios(plan)
        series = progress_of("innovation_studios").series
        assert [series[y] for y in range(2021, 2026)] == [1, 2, 3, 4, 4]
        assert max(series) == beijing_today().year


def test_a_level_metric_counts_only_that_level(app, plan):
    with app.app_context():
        _studios(plan)
        assert progress_of("city_demo_studios").value == 1
        assert metrics.get("studios.named.city").compute().value == 2


def test_named_craftsmen_by_level_and_breakdowns_revoked_titles_leave(app, plan):
    with app.app_context():
        make_title(plan, plan.worker_a, "city", date(2023, 4, 1), district=CHAOYANG)
        make_title(plan, plan.worker_b, "district", date(2024, 4, 1), district=HAIDIAN)
        make_title(plan, plan.worker_c, "city", date(2023, 4, 1), revoked_on=date(2025, 2, 1), district=HAIDIAN)
        db.session.commit()
        p = progress_of("craftsmen")
        assert p.value == 2 and p.target == 2000 and p.progress == D("0.001")
        assert p.by_level == {"北京大工匠": 1, "区级工匠": 1}
        assert p.by_district == {CHAOYANG: 1, HAIDIAN: 1}
        assert p.by_industry == {"—": 1, MACHINERY: 1}
        assert [p.series[y] for y in (2023, 2024, 2025)] == [2, 3, 2]
        assert progress_of("city_craftsmen").value == 1


def test_competitions_held_and_contestants_who_competed(app, plan):
    from competitions.models import Contestant
    from tests.competitions.conftest import make_competition, make_event

    with app.app_context():
        competition = make_competition()
        held = make_event(competition, "published")
        held.held_on = date(2025, 5, 20)
        make_event(competition, "registration", occupation="焊工")  # not held yet
        db.session.add_all([
            Contestant(event_id=held.id, worker_id=plan.worker_a, enterprise_id=plan.ent_a, status="checked_in"),
            Contestant(event_id=held.id, worker_id=plan.worker_b, enterprise_id=plan.ent_b, status="checked_in"),
            Contestant(event_id=held.id, worker_id=plan.worker_c, enterprise_id=plan.ent_c, status="absent"),
        ])
        db.session.commit()
        events = progress_of("skills_competitions")
        assert events.value == 1 and events.series == {2025: 1}
        contestants = progress_of("competition_contestants")
        assert contestants.value == 2 and contestants.series == {2025: 2}
        assert contestants.by_district == {CHAOYANG: 1, HAIDIAN: 1}
        assert contestants.by_industry == {"—": 1, MACHINERY: 1}
        assert metrics.get("competitions.held").compute().value == 1


def test_alliances_running_and_joint_projects_not_cancelled(app, plan):
    from innovation_studios.alliances.models import Alliance, AllianceLeadTerm, JointProject

    with app.app_context():
        lead = make_studio(plan.ent_b, plan.worker_b, named_on=date(2022, 1, 1))
        other = make_studio(plan.ent_a, plan.worker_a, named_on=date(2022, 1, 1))
        running = Alliance(name="高端装备创新联盟", kind="related", founded_on=date(2023, 3, 1))
        dissolved = Alliance(name="已解散联盟", kind="related", founded_on=date(2022, 3, 1),
                             dissolved_on=date(2024, 6, 1))
        db.session.add_all([running, dissolved])
        db.session.flush()
        db.session.add_all([
            AllianceLeadTerm(alliance_id=running.id, studio_id=lead.id, starts_on=date(2023, 3, 1)),
            AllianceLeadTerm(alliance_id=dissolved.id, studio_id=other.id, starts_on=date(2022, 3, 1)),
            JointProject(alliance_id=running.id, title="数控机床精度提升", lead_studio_id=lead.id,
                         starts_on=date(2023, 5, 1), due_on=date(2024, 5, 1), status="completed"),
            JointProject(alliance_id=running.id, title="焊接机器人工艺", lead_studio_id=lead.id,
                         starts_on=date(2024, 5, 1), due_on=date(2025, 5, 1), status="in_progress"),
            JointProject(alliance_id=running.id, title="已取消项目", lead_studio_id=other.id,
                         starts_on=date(2024, 5, 1), due_on=date(2025, 5, 1), status="cancelled"),
        ])
        db.session.commit()
        alliances = progress_of("studio_alliances")
        assert alliances.value == 1
        assert [alliances.series[y] for y in (2022, 2023, 2024)] == [1, 2, 1]
        assert alliances.by_district == {HAIDIAN: 1} and alliances.by_industry == {MACHINERY: 1}
        projects = progress_of("alliance_joint_projects")
        assert projects.value == 2 and projects.series == {2023: 1, 2024: 1}
        assert projects.by_district == {HAIDIAN: 2}


def test_live_values_are_dated_today_and_a_missing_metric_shows_no_value(app, plan):
    from tests.indicators.conftest import indicator

    with app.app_context():
        assert progress_of("innovation_studios").as_of == beijing_today()
        indicator("craftsmen").metric_key = "no.such.metric"
        db.session.commit()
        p = progress_of("craftsmen")
        assert p.value is None and p.progress is None and p.metric_label == ""
