"""The review-panel engine on its own, with a made-up feature: a trial of gadgets scored by a
panel of experts. The feature only describes its panels (a PanelScope); scoring, conflicts,
disagreements and sent-back sheets are the engine's, the same for every feature."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.accounts.models import User
from core.errors import DomainError
from core.extensions import db
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels.scope import PanelScope
from core.roles import Role
from tests import factories

RUBRIC = {"max_score": "100", "criteria": [{"key": "design", "name": "设计", "weight": "60"},
                                          {"key": "finish", "name": "做工", "weight": "40"}]}


@dataclass
class Gadget:
    """A record of the made-up feature: which trial it belongs to, whose it is, whether open."""

    id: int
    trial: int
    enterprise_id: int | None
    open: bool = True


PANELS: dict[int, panels.ReviewPanel] = {}

SCOPE = PanelScope(
    "gadget_trial",
    subject_of=lambda g: panels.Subject(type="gadget", id=g.id, label=f"样品{g.id}", enterprise_id=g.enterprise_id),
    is_subject=lambda panel, g: panel.scope_id == g.trial,
    closed_reason=lambda g: None if g.open else "样品评审已结束",
    outside="该样品不在本评审组的评审范围内",
    panel_for=lambda g: PANELS.get(g.trial))


@pytest.fixture
def trial(app, world):
    """Trial 1's panel: three experts (the first leads), the third employed by enterprise A."""
    with app.app_context():
        admin = db.session.get(User, world.users.admin)
        experts = [factories.user(f"gadget_expert{i}", [Role.EXPERT],
                                  employer_id=world.ent_a if i == 2 else None) for i in range(3)]
        panel = panels.create_panel("gadget_trial", 1, "样品评审组", RUBRIC, threshold=Decimal(10), by=admin)
        panels.set_members(panel, [e.id for e in experts], experts[0].id, by=admin)
        db.session.commit()
        yield panel, experts, admin
        PANELS.clear()


def _score(panel, gadget, expert, design: str, finish: str):
    return SCOPE.save_sheet(panel, gadget, expert, {"design": design, "finish": finish}, submit=True)


def test_experts_score_a_subject_through_the_scope_and_the_engine_aggregates(trial, world):
    panel, experts, _admin = trial
    gadget = Gadget(id=7, trial=1, enterprise_id=world.ent_b)
    for expert, mark in zip(experts, ("80", "84", "90"), strict=True):
        _score(panel, gadget, expert, mark, mark)
    result = panels.result(panel, SCOPE.subject_of(gadget))
    assert result.complete and result.submitted == 3
    assert scoring.official(result.aggregate) == Decimal("84.67")  # fewer than five sheets: the mean


def test_a_record_of_another_panel_or_no_longer_open_is_refused_with_the_features_words(trial, world):
    panel, experts, _admin = trial
    with pytest.raises(DomainError, match="不在本评审组的评审范围内"):
        _score(panel, Gadget(id=8, trial=2, enterprise_id=None), experts[0], "80", "80")
    with pytest.raises(DomainError, match="样品评审已结束"):
        _score(panel, Gadget(id=9, trial=1, enterprise_id=None, open=False), experts[0], "80", "80")


def test_an_expert_from_the_subjects_enterprise_steps_aside_automatically(trial, world):
    panel, experts, _admin = trial
    PANELS[1] = panel
    own = Gadget(id=10, trial=1, enterprise_id=world.ent_a)
    with pytest.raises(DomainError):
        _score(panel, own, experts[2], "90", "90")
    assert not SCOPE.on_panel(experts[2], own)
    assert SCOPE.on_panel(experts[0], own)
    assert panels.result(panel, SCOPE.subject_of(own)).expected == 2


def test_the_lead_handles_a_disagreement_and_sends_a_sheet_back_only_to_a_member(trial, world):
    panel, experts, admin = trial
    gadget = Gadget(id=11, trial=1, enterprise_id=world.ent_b)
    for expert, mark in zip(experts, ("60", "90", "92"), strict=True):
        _score(panel, gadget, expert, mark, mark)
    subject = SCOPE.subject_of(gadget)
    assert panels.result(panel, subject).needs_lead
    with pytest.raises(DomainError) as refused:
        SCOPE.reopen_sheet(panel, gadget, admin.id, "请复核", by=experts[0])
    assert refused.value.field == "expert_id"
    SCOPE.reopen_sheet(panel, gadget, experts[1].id, "请复核", by=experts[0])
    assert panels.result(panel, subject).submitted == 2
    _score(panel, gadget, experts[1], "62", "62")
    SCOPE.resolve_disagreement(panel, gadget, "经合议，维持评分", by=experts[0])
    assert not panels.result(panel, subject).needs_lead
