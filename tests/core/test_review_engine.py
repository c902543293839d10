"""The review-panel engine on its own, with a made-up feature: a trial of gadgets scored by a
panel of experts. The feature only describes its panels (a PanelScope) and how its pages are
reached and worded (ReviewPages); scoring, conflicts, disagreements, sent-back sheets and the
pages themselves (panel form, task list, score sheet, conflicts, the lead's flags) are the
engine's, the same for every feature."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import Blueprint, abort, url_for
from sqlalchemy import false, literal, select, union_all

from core import create_app
from core.accounts.models import User
from core.errors import DomainError
from core.extensions import db
from core.review_panels import scope as scope_registry
from core.review_panels import scoring
from core.review_panels import services as panels
from core.review_panels import workbench as panel_work
from core.review_panels.models import ConflictDeclaration, DisagreementResolution, ReviewPanel, ReviewScore
from core.review_panels.scope import PanelScope
from core.review_panels.views import ReviewPages, add_review_routes
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

    @property
    def name(self) -> str:
        return f"样品{self.id}"


@dataclass(frozen=True)
class Trial:
    """What a gadget panel is for."""

    id: int
    name: str


TRIALS = {1: Trial(1, "一号样品评审"), 2: Trial(2, "二号样品评审")}
GADGETS: dict[int, Gadget] = {}


def _panel_of(trial: Trial) -> ReviewPanel | None:
    return panels.panel_for_scope("gadget_trial", trial.id)


def _open_subjects():
    """The open gadgets of each trial's panel, as the workbench counts them."""
    selects = [select(ReviewPanel.id.label("panel_id"), literal(g.id).label("subject_id"),
                      literal(g.enterprise_id).label("enterprise_id"))
               .where(ReviewPanel.scope == "gadget_trial", ReviewPanel.scope_id == g.trial)
               for g in GADGETS.values() if g.open]
    if not selects:
        return select(ReviewPanel.id.label("panel_id"), ReviewPanel.id.label("subject_id"),
                      ReviewPanel.scope_id.label("enterprise_id")).where(false())
    return union_all(*selects) if len(selects) > 1 else selects[0]


SCOPE = PanelScope(
    "gadget_trial", "gadget",
    subject_of=lambda g: panels.Subject(type="gadget", id=g.id, label=g.name, enterprise_id=g.enterprise_id),
    load=GADGETS.get, name_of=lambda g: g.name, owner_of=lambda g: f"企业{g.enterprise_id}",
    records=lambda panel: [g for g in GADGETS.values() if g.trial == panel.scope_id and g.open],
    is_subject=lambda panel, g: panel.scope_id == g.trial,
    is_open=lambda panel: any(g.open for g in GADGETS.values() if g.trial == panel.scope_id),
    closed_reason=lambda g: None if g.open else "样品评审已结束",
    outside="该样品不在本评审组的评审范围内",
    panel_for=lambda g: _panel_of(TRIALS[g.trial]),
    endpoint="gadget_review", open_subjects=_open_subjects, flags_title="样品评分分歧待组长处理")


def _form_panel(trial: Trial, expert_ids, lead_id, *, by) -> ReviewPanel:
    if not expert_ids:
        raise DomainError("请至少选择一位评审专家", field="members")
    panel = _panel_of(trial) or panels.create_panel("gadget_trial", trial.id, trial.name, RUBRIC,
                                                    threshold=Decimal(10), by=by)
    panels.set_members(panel, expert_ids, lead_id, by=by)
    return panel


PAGES = ReviewPages(
    templates="gadgets/review", subject_path="gadgets", form_prefix="g",
    panel_rule="/trials/<int:trial_id>/panel",
    target=lambda trial_id: TRIALS.get(trial_id) or abort(404),
    target_of=lambda panel: TRIALS[panel.scope_id], panel_of=_panel_of, form_panel=_form_panel,
    overlaps=lambda trial: {g.enterprise_id: 1 for g in GADGETS.values() if g.trial == trial.id},
    rubric=lambda trial: RUBRIC, threshold=lambda trial: Decimal(10),
    saved=lambda trial, panel: (f"已保存{trial.name}", url_for("gadget_review.flags", panel_id=panel.id)),
    overlap_note=lambda n: f"，回避 {n} 个样品", conflict_example="如：样品由本人设计", tasks_title="样品评审")


@pytest.fixture(scope="module")
def gadget_app(database_url, tmp_path_factory):
    """An app with the made-up feature's blueprint: every review page is the engine's."""
    app = create_app("testing", {"DATABASE_URL": database_url,
                                 "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("gadget_uploads"))})
    bp = Blueprint("gadget_review", __name__, url_prefix="/gadgets/review")
    add_review_routes(bp, SCOPE, PAGES)
    app.register_blueprint(bp)
    yield app
    scope_registry._SCOPES.pop(SCOPE.name, None)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def gclient(gadget_app, login):
    """A client of the gadget app; ``gclient.login(user_id)`` signs a user in."""
    client = gadget_app.test_client()
    client.login = lambda user_id: login(user_id, as_client=client)
    return client


@pytest.fixture
def no_csrf(gadget_app):
    gadget_app.config["WTF_CSRF_ENABLED"] = False
    yield
    gadget_app.config["WTF_CSRF_ENABLED"] = True


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
    GADGETS.clear()


def _score(panel, gadget, expert, design: str, finish: str):
    return SCOPE.save_sheet(panel, gadget, expert, {"design": design, "finish": finish}, submit=True)


def _disagreeing(panel, experts, gadget: Gadget) -> Gadget:
    """Every expert scores ``gadget``, 32 points apart (the threshold is 10): flagged for the lead."""
    for expert, mark in zip(experts, ("60", "90", "92"), strict=True):
        _score(panel, gadget, expert, mark, mark)
    db.session.commit()
    return gadget


def _gadget(**kwargs) -> Gadget:
    gadget = Gadget(**kwargs)
    GADGETS[gadget.id] = gadget
    return gadget


# The scope's actions ----------------------------------------------------------------------------

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


# The engine's pages, served for the made-up feature -----------------------------------------------

def test_admin_forms_a_panel_and_adds_members_on_the_engines_page(app, world, gclient, no_csrf):
    with app.app_context():
        experts = [factories.user(f"gadget_expert{i}", [Role.EXPERT],
                                  employer_id=world.ent_a if i == 1 else None).id for i in range(2)]
        db.session.commit()
    _gadget(id=20, trial=2, enterprise_id=world.ent_a)
    gclient.login(world.users.admin)
    page = gclient.get("/gadgets/review/trials/2/panel").get_data(as_text=True)
    assert "gadget_expert1" in page and "，回避 1 个样品" in page and "设计" in page  # the rubric
    response = gclient.post("/gadgets/review/trials/2/panel",
                            data={"members": experts, "lead_user_id": experts[0], "deadline": ""})
    assert response.status_code == 302
    with app.app_context():
        panel = panels.panel_for_scope("gadget_trial", 2)
        assert panel.member_ids() == set(experts) and panel.lead_user_id == experts[0]
        assert response.headers["Location"].endswith(f"/gadgets/review/panels/{panel.id}/flags")
    refused = gclient.post("/gadgets/review/trials/2/panel", data={"members": [], "lead_user_id": experts[0]})
    assert refused.status_code == 200 and "请至少选择一位评审专家" in refused.get_data(as_text=True)
    assert gclient.get("/gadgets/review/trials/9/panel").status_code == 404


def test_only_administrators_reach_the_panel_form_and_a_post_needs_its_csrf_token(trial, world, gclient):
    panel, experts, _admin = trial
    assert gclient.get("/gadgets/review/trials/1/panel").status_code == 302  # to the login page
    gclient.login(experts[0].id)
    assert gclient.get("/gadgets/review/trials/1/panel").status_code == 403
    gclient.login(world.users.admin)
    response = gclient.post("/gadgets/review/trials/1/panel", data={"members": [experts[1].id],
                                                                   "lead_user_id": experts[1].id})
    assert response.status_code == 400  # no CSRF token: refused before anything changes
    with gclient.application.app_context():
        assert db.session.get(ReviewPanel, panel.id).lead_user_id == experts[0].id


def test_an_expert_scores_on_the_engines_sheet_and_sees_it_on_the_task_list(trial, world, gclient, no_csrf):
    panel, experts, _admin = trial
    gadget = _gadget(id=21, trial=1, enterprise_id=world.ent_b)
    gclient.login(experts[1].id)
    sheet = f"/gadgets/review/panels/{panel.id}/gadgets/{gadget.id}"
    assert "评分：样品21" in gclient.get(sheet).get_data(as_text=True)
    bad = gclient.post(sheet, data={"mark_design": "101", "mark_finish": "80", "submit_sheet": "1"})
    assert bad.status_code == 200 and "“设计”的评分应在 0 到 100 之间" in bad.get_data(as_text=True)
    response = gclient.post(sheet, data={"mark_design": "80", "mark_finish": "70", "submit_sheet": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(sheet)
    with gclient.application.app_context():
        saved = db.session.scalar(select(ReviewScore).where(ReviewScore.subject_id == gadget.id))
        assert saved.is_submitted and saved.total == Decimal("76.00")
    tasks = gclient.get("/gadgets/review/my").get_data(as_text=True)
    assert "样品21" in tasks and f"企业{world.ent_b}" in tasks and "已提交" in tasks


def test_an_expert_from_the_gadgets_enterprise_is_refused_the_sheet(trial, world, gclient, no_csrf):
    panel, experts, _admin = trial
    gadget = _gadget(id=22, trial=1, enterprise_id=world.ent_a)
    gclient.login(experts[2].id)
    response = gclient.post(f"/gadgets/review/panels/{panel.id}/gadgets/{gadget.id}",
                            data={"mark_design": "90", "mark_finish": "90", "submit_sheet": "1"})
    assert response.status_code == 403 and "回避：被评审人与您同属一个单位" in response.get_data(as_text=True)
    with gclient.application.app_context():
        assert db.session.scalar(select(ReviewScore.id).where(ReviewScore.subject_id == gadget.id)) is None


def test_pages_refuse_experts_off_the_panel_and_gadgets_of_another_trial(trial, world, gclient):
    panel, experts, _admin = trial
    mine, other = _gadget(id=23, trial=1, enterprise_id=None), _gadget(id=24, trial=2, enterprise_id=None)
    gclient.login(world.users.expert)  # an expert, not on this panel
    assert gclient.get(f"/gadgets/review/panels/{panel.id}/gadgets/{mine.id}").status_code == 403
    gclient.login(experts[1].id)
    assert gclient.get(f"/gadgets/review/panels/{panel.id}/gadgets/{other.id}").status_code == 404
    assert gclient.get(f"/gadgets/review/panels/{panel.id}/gadgets/999").status_code == 404
    assert gclient.get(f"/gadgets/review/panels/{panel.id}/flags").status_code == 403  # not the lead
    gclient.login(world.users.worker)
    assert gclient.get("/gadgets/review/my").status_code == 403


def test_a_declared_conflict_needs_a_reason_and_takes_the_expert_off_the_gadget(trial, world, gclient, no_csrf):
    panel, experts, _admin = trial
    gadget = _gadget(id=25, trial=1, enterprise_id=None)
    gclient.login(experts[1].id)
    conflict = f"/gadgets/review/panels/{panel.id}/gadgets/{gadget.id}/conflict"
    empty = gclient.post(conflict, data={"reason": " "})
    assert empty.status_code == 200 and "请说明回避理由" in empty.get_data(as_text=True)
    response = gclient.post(conflict, data={"reason": "样品由本人设计"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/gadgets/review/my")
    with gclient.application.app_context():
        assert db.session.scalar(select(ConflictDeclaration.reason)) == "样品由本人设计"
        assert panels.result(db.session.get(ReviewPanel, panel.id), SCOPE.subject_of(gadget)).expected == 2
    assert "回避：样品由本人设计" in gclient.get("/gadgets/review/my").get_data(as_text=True)


def test_the_lead_decides_a_flagged_gadget_on_the_engines_flags_page(trial, world, gclient, no_csrf):
    panel, experts, _admin = trial
    gadget = _disagreeing(panel, experts, _gadget(id=26, trial=1, enterprise_id=world.ent_b))
    gclient.login(experts[0].id)
    page = gclient.get(f"/gadgets/review/panels/{panel.id}/flags").get_data(as_text=True)
    assert 'data-testid="flag-26"' in page and "样品26" in page
    assert "分歧处理（1）" in gclient.get("/gadgets/review/my").get_data(as_text=True)
    resolve = f"/gadgets/review/panels/{panel.id}/gadgets/{gadget.id}/resolve"
    empty = gclient.post(resolve, data={"g26-note": ""})
    assert empty.status_code == 200 and "请填写处理意见" in empty.get_data(as_text=True)
    response = gclient.post(resolve, data={"g26-note": "经合议，维持评分"})
    assert response.status_code == 302
    with gclient.application.app_context():
        assert db.session.scalar(select(DisagreementResolution.note)) == "经合议，维持评分"
    gclient.login(experts[1].id)  # a member, not the lead
    assert gclient.post(resolve, data={"g26-note": "维持"}).status_code == 403


def test_the_lead_sends_one_experts_sheet_back_through_the_page(trial, world, gclient, no_csrf):
    panel, experts, _admin = trial
    gadget = _disagreeing(panel, experts, _gadget(id=27, trial=1, enterprise_id=world.ent_b))
    gclient.login(experts[0].id)
    reopen = f"/gadgets/review/panels/{panel.id}/gadgets/{gadget.id}/reopen"
    own = gclient.post(reopen, data={"g27-expert_id": experts[0].id, "g27-reason": "再看看"})
    assert own.status_code == 200  # the lead's own sheet is not among the choices
    response = gclient.post(reopen, data={"g27-expert_id": experts[2].id, "g27-reason": "请核对做工评分"})
    assert response.status_code == 302
    gclient.login(experts[2].id)
    assert "请核对做工评分" in gclient.get("/gadgets/review/my").get_data(as_text=True)


def test_the_workbench_counts_the_features_flags_through_the_scope(trial, world, gclient):
    panel, experts, _admin = trial
    _disagreeing(panel, experts, _gadget(id=28, trial=1, enterprise_id=world.ent_b))
    with gclient.application.test_request_context():
        items = [i for i in panel_work.flagged_items(experts[0], None, lead=experts[0])
                 if i.title == "样品评分分歧待组长处理"]
        assert [(i.count, i.url) for i in items] == [(1, f"/gadgets/review/panels/{panel.id}/flags")]
