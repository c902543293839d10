"""Administrators run selection cycles: rules, quotas and the rubric are data typed or pasted
from Excel; bad lines are reported with their line numbers; phases move only forward."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from craftsmen.forms import LineError, parse_occupations, parse_rubric
from craftsmen.models import CycleStatus, SelectionCycle
from craftsmen.services import cycles, review
from craftsmen.states import IllegalTransition
from tests.conftest import csrf_token
from tests.craftsmen.conftest import make_cycle


def _form(token, **overrides):
    data = {
        "title": "第四届北京大工匠选树", "level": "city", "organizer_union_id": "0", "year": "2026",
        "nomination_opens": "2026-03-01T09:00", "nomination_closes": "2026-04-30T17:00",
        "notice_days": "7", "occupations": "钳工\t3\t综合评审\t6-18-01-07\n焊工，2，竞赛选拔\n电工, 1",
        "min_years": "5", "min_skill_level": "level_2", "min_age": "", "max_age": "",
        "in_post_required": "y", "max_per_enterprise": "2", "max_per_union": "",
        "rubric": "技艺技能, 40\n创新成果, 30\n贡献价值, 20\n精神传承, 10",
        "disagreement_threshold": "15", "description": "", "csrf_token": token,
    }
    data.update(overrides)
    return data


def test_admin_creates_a_cycle_with_occupations_pasted_from_excel(app, world, client, login):
    login(world.users.admin)
    response = client.post("/craftsmen/cycles/new", data=_form(csrf_token(client, "/craftsmen/cycles/new")))
    assert response.status_code == 302
    with app.app_context():
        cycle = db.session.scalar(select(SelectionCycle))
        assert [(o.name, o.quota, o.method, o.code) for o in cycle.occupations] == [
            ("钳工", 3, "comprehensive", "6-18-01-07"), ("焊工", 2, "competition", ""),
            ("电工", 1, "comprehensive", "")]
        assert cycle.nomination_opens.hour == 1  # 09:00 Beijing time is 01:00 UTC
        assert cycle.status == CycleStatus.DRAFT
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cycle.create"))


@pytest.mark.parametrize("overrides, message", [
    ({"occupations": "钳工, 3\n焊工, 零"}, "第 2 行"),
    ({"occupations": "钳工, 3\n钳工, 1"}, "工种不能重复"),
    ({"rubric": "技艺技能, 40\n创新成果, 30"}, "权重之和应为 100"),
    ({"nomination_closes": "2026-02-01T09:00"}, "截止时间须晚于开始时间"),
    ({"level": "district"}, "主办"),
])
def test_bad_cycle_settings_are_explained_and_kept(app, world, client, login, overrides, message):
    login(world.users.admin)
    html = client.post("/craftsmen/cycles/new", data=_form(
        csrf_token(client, "/craftsmen/cycles/new"), **overrides)).get_data(as_text=True)
    assert message in html and "第四届北京大工匠选树" in html
    with app.app_context():
        assert db.session.scalar(select(SelectionCycle)) is None


def test_parsers_report_every_bad_line_at_once():
    with pytest.raises(LineError, match="第 1 行.*第 3 行"):
        parse_occupations("钳工\n焊工, 2\n电工, x")
    assert parse_rubric("技艺, 60\n创新, 40", {"criteria": [{"key": "skill", "name": "技艺"}]})["criteria"][0][
        "key"] == "skill"


def test_cycle_moves_forward_and_illegal_moves_are_refused(app, world):
    with app.app_context():
        cycle = make_cycle(status="draft")
        cycles.open_nominations(cycle, by=None)
        assert cycle.status == CycleStatus.NOMINATING
        with pytest.raises(IllegalTransition, match="不能变为"):
            cycles.open_nominations(cycle, by=None)
        cycles.start_review(cycle, by=None)
        assert cycle.status == CycleStatus.REVIEWING


NEW_RUBRIC = {"max_score": "100", "criteria": [
    {"key": "skill", "name": "技艺技能", "weight": "50"},
    {"key": "innovation", "name": "创新成果", "weight": "30"},
    {"key": "legacy", "name": "精神传承", "weight": "20"},
]}


def _data_of(cycle: SelectionCycle, **changes) -> cycles.CycleData:
    """The cycle's settings as the edit form would send them, with ``changes``."""
    values = {name: getattr(cycle, name) for name in cycles.AUDITED_FIELDS}
    values["occupations"] = [cycles.OccupationData(o.name, o.quota, o.code, o.method)
                             for o in cycle.occupations]
    values.update(changes)
    return cycles.CycleData(**values)


def _fitters_panel(cycle: SelectionCycle, world):
    from core.accounts.models import User

    fitters = next(o for o in cycle.occupations if o.name == "钳工")
    return review.form_panel(fitters, [world.users.expert], world.users.expert,
                             by=db.session.get(User, world.users.admin))


def test_a_panel_formed_early_follows_the_cycles_new_rubric_and_threshold(app, world):
    with app.app_context():
        cycle = make_cycle()
        panel = _fitters_panel(cycle, world)
        cycles.update_cycle(cycle, _data_of(cycle, rubric=NEW_RUBRIC, disagreement_threshold=Decimal(10)),
                            expected_version=cycle.version, by=None)
        assert panel.rubric == NEW_RUBRIC and panel.disagreement_threshold == Decimal(10)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "panel.rubric"))
        assert entry.target_id == panel.id


def test_review_starts_with_every_panel_on_the_cycles_rubric(app, world):
    """Whatever the panel was given when formed, scoring starts on the cycle's rules."""
    with app.app_context():
        cycle = make_cycle()
        panel = _fitters_panel(cycle, world)
        cycle.rubric, cycle.disagreement_threshold = NEW_RUBRIC, Decimal(12)
        cycles.start_review(cycle, by=None)
        assert panel.rubric == NEW_RUBRIC and panel.disagreement_threshold == Decimal(12)


def test_rules_cannot_change_once_review_starts(app, world, client, login):
    with app.app_context():
        cycle = make_cycle(status="reviewing")
        db.session.commit()
        cycle_id, version = cycle.id, cycle.version
    login(world.users.admin)
    token = csrf_token(client, f"/craftsmen/cycles/{cycle_id}")
    html = client.post(f"/craftsmen/cycles/{cycle_id}/edit", data=_form(token, version=str(version))).get_data(
        as_text=True)
    assert "评审开始后不能再修改" in html


def test_only_administrators_manage_cycles(world, client, login):
    login(world.users.enterprise)
    assert client.get("/craftsmen/cycles").status_code == 403


def test_cycle_dashboard_counts_nominations_per_occupation(app, world, client, login):
    from tests.craftsmen.conftest import make_nomination

    with app.app_context():
        cycle = make_cycle()
        make_nomination(cycle, world.worker_a)
        db.session.commit()
        cycle_id = cycle.id
    login(world.users.admin)
    html = client.get(f"/craftsmen/cycles/{cycle_id}").get_data(as_text=True)
    assert "钳工" in html and "已入人才库" in html
