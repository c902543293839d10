"""Expert review and the proposed list, per role and per transition: automatic and declared
recusal, refused marks that keep what was typed, blind scoring until one's own sheet is in,
disagreement flags for the panel lead, and the ranked list within quota."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.review_panels import services as panels
from core.review_panels.models import ConflictDeclaration, ReviewPanel, ReviewScore
from core.roles import Role
from craftsmen.models import CycleOccupation, Nomination, NominationState, SelectionCycle
from craftsmen.services import review
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination

N = NominationState
KEYS = ("skill", "innovation", "contribution", "legacy")


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def rv(app, world) -> SimpleNamespace:
    """A cycle in review; the 钳工 panel of five experts led by ``world.users.expert``; one of
    them (``own``) works at 朝阳精工, the enterprise of nominee 李明; three qualified nominees."""
    with app.app_context():
        cycle = make_cycle(status="reviewing")
        fitter = next(o for o in cycle.occupations if o.name == "钳工")
        welder = next(o for o in cycle.occupations if o.name == "焊工")
        own = factories.user("exp_own", [Role.EXPERT], employer_id=world.ent_a)
        others = [factories.user(f"exp{i}", [Role.EXPERT]) for i in (2, 3, 4)]
        outsider = factories.user("exp_out", [Role.EXPERT])
        a = make_nomination(cycle, world.worker_a)  # 李明, 朝阳精工
        b = make_nomination(cycle, world.worker_b)  # 王芳, 海淀机械
        c = make_nomination(cycle, world.worker_c)  # 赵强, 海淀软件
        welder_worker = factories.worker(world.ent_b, name="孙焊")
        w = make_nomination(cycle, welder_worker.id, "焊工")
        admin = db.session.get(User, world.users.admin)
        members = [world.users.expert, own.id] + [u.id for u in others]
        panel = review.form_panel(fitter, members, world.users.expert, by=admin)
        db.session.commit()
        return SimpleNamespace(
            cycle=cycle.id, fitter=fitter.id, welder=welder.id, panel=panel.id, lead=world.users.expert,
            own=own.id, others=[u.id for u in others], outsider=outsider.id, members=members,
            a=a.id, b=b.id, c=c.id, w=w.id, admin=world.users.admin)


def _marks(value, **overrides) -> dict:
    marks = {k: str(value) for k in KEYS}
    marks.update({k: str(v) for k, v in overrides.items()})
    return marks


def _score(nomination_id, user_id, panel_id, value, *, submit=True, **overrides):
    """Save one sheet through the service and commit (inside an app context)."""
    panel = db.session.get(ReviewPanel, panel_id)
    nomination = db.session.get(Nomination, nomination_id)
    sheet = review.SCOPE.save_sheet(panel, nomination, db.session.get(User, user_id),
                              _marks(value, **overrides), submit=submit)
    db.session.commit()
    return sheet


def _score_all(rv, values_by_nomination: dict, overrides=None):
    """Every eligible expert scores: values are given in the order of ``rv.members``, skipping
    the expert from 朝阳精工 on 李明's nomination."""
    for nomination_id, values in values_by_nomination.items():
        experts = [m for m in rv.members if not (nomination_id == rv.a and m == rv.own)]
        assert len(values) == len(experts)
        for user_id, value in zip(experts, values, strict=True):
            _score(nomination_id, user_id, rv.panel, value, **(overrides or {}).get((nomination_id, user_id), {}))


def _sheet_url(rv, nomination_id) -> str:
    return f"/craftsmen/review/panels/{rv.panel}/nominations/{nomination_id}"


def _form(value=None, submit=True, **marks) -> dict:
    data = {f"mark_{k}": str(value) for k in KEYS} if value is not None else {}
    data.update({f"mark_{k}": v for k, v in marks.items()})
    data["submit_sheet" if submit else "save_draft"] = "1"
    return data


def _state(nomination_id) -> str:
    return db.session.get(Nomination, nomination_id).state


def _standings(rv):
    return review.standings(db.session.get(CycleOccupation, rv.fitter))


# Panels ---------------------------------------------------------------------------------------

def test_panel_copies_the_cycles_rubric_and_threshold(app, rv):
    with app.app_context():
        panel = db.session.get(ReviewPanel, rv.panel)
        cycle = db.session.get(SelectionCycle, rv.cycle)
        assert panel.scope == "craftsman_occupation" and panel.rubric == cycle.rubric
        assert panel.disagreement_threshold == cycle.disagreement_threshold
        assert panel.lead_user_id == rv.lead and panel.member_ids() == set(rv.members)


def test_only_experts_sit_on_a_panel_and_the_lead_is_one_of_them(app, world, rv):
    with app.app_context():
        welder = db.session.get(CycleOccupation, rv.welder)
        admin = db.session.get(User, rv.admin)
        with pytest.raises(DomainError, match="只能选择评审专家"):
            review.form_panel(welder, [world.users.judge], world.users.judge, by=admin)
        with pytest.raises(DomainError, match="组长须是评审组成员"):
            review.form_panel(welder, [rv.own], rv.lead, by=admin)
        with pytest.raises(DomainError, match="请选择评审组长"):
            review.form_panel(welder, [rv.own], None, by=admin)


def test_admin_forms_a_panel_through_the_page(app, world, client, login, no_csrf, rv):
    login(world.users.admin)
    page = client.get(f"/craftsmen/review/occupations/{rv.welder}/panel").get_data(as_text=True)
    assert "exp_own（朝阳精工有限公司）" in page
    response = client.post(f"/craftsmen/review/occupations/{rv.welder}/panel",
                           data={"members": [str(rv.others[0]), str(rv.others[1])],
                                 "lead_user_id": str(rv.others[1])})
    assert response.status_code == 302
    with app.app_context():
        panel = review.panel_of(db.session.get(CycleOccupation, rv.welder))
        assert panel.member_ids() == {rv.others[0], rv.others[1]} and panel.lead_user_id == rv.others[1]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "panel.members",
                                                          AuditEntry.target_id == panel.id))


def test_expert_with_a_submitted_sheet_cannot_be_removed(app, rv):
    with app.app_context():
        _score(rv.b, rv.others[0], rv.panel, 80)
        admin = db.session.get(User, rv.admin)
        with pytest.raises(DomainError, match="已提交评分的专家不能移出"):
            review.form_panel(db.session.get(CycleOccupation, rv.fitter), [rv.lead], rv.lead, by=admin)


@pytest.mark.parametrize("identity", ["expert", "enterprise", "reviewer"])
def test_only_admins_manage_panels_and_lists(world, client, login, rv, identity):
    login(getattr(world.users, identity))
    for url in (f"/craftsmen/review/cycles/{rv.cycle}", f"/craftsmen/review/occupations/{rv.fitter}/panel",
                f"/craftsmen/review/occupations/{rv.fitter}/proposed"):
        assert client.get(url).status_code == 403


# Recusal --------------------------------------------------------------------------------------

def test_expert_from_the_nominees_enterprise_is_excluded_automatically(app, rv):
    with app.app_context():
        panel = db.session.get(ReviewPanel, rv.panel)
        own = db.session.get(User, rv.own)
        subject = review.subject_of(db.session.get(Nomination, rv.a))
        assert "同属一个单位" in panels.exclusion_reason(panel, own, subject)
        assert panels.result(panel, subject).expected == 4
        other = review.subject_of(db.session.get(Nomination, rv.b))
        assert panels.exclusion_reason(panel, own, other) is None


def test_on_panel_says_which_experts_may_open_a_nominations_files(app, rv):
    with app.app_context():
        a, b = db.session.get(Nomination, rv.a), db.session.get(Nomination, rv.b)
        own, outsider = db.session.get(User, rv.own), db.session.get(User, rv.outsider)
        assert review.SCOPE.on_panel(own, b) and not review.SCOPE.on_panel(own,
                                                                           a) and not review.SCOPE.on_panel(outsider, b)


def test_panel_experts_open_the_nomination_and_its_evidence_others_get_403(app, rv, client, login, tmp_path):
    from craftsmen import uploads
    from craftsmen.models import NominationAttachment

    app.config["UPLOAD_FOLDER"], saved_folder = str(tmp_path), app.config["UPLOAD_FOLDER"]
    try:
        with app.app_context():
            from werkzeug.datastructures import FileStorage

            stored = uploads.store(FileStorage(io.BytesIO(b"%PDF-1.4 evidence"), "证书.pdf"),
                                   max_bytes=1024, room_bytes=1024)
            attachment = NominationAttachment(nomination_id=rv.b, **vars(stored))
            db.session.add(attachment)
            db.session.commit()
            url = f"/craftsmen/nominations/{rv.b}/attachments/{attachment.id}"
        for user_id, status in ((rv.own, 200), (rv.outsider, 403)):
            login(user_id)
            assert client.get(f"/craftsmen/nominations/{rv.b}").status_code == status
            assert client.get(url).status_code == status
        login(rv.own)  # excluded from 李明's nomination: their own enterprise
        assert client.get(f"/craftsmen/nominations/{rv.a}").status_code == 403
    finally:
        app.config["UPLOAD_FOLDER"] = saved_folder


def test_excluded_expert_sees_回避_with_the_reason_in_the_list(rv, world, client, login):
    login(rv.own)
    html = client.get("/craftsmen/review/my").get_data(as_text=True)
    assert "回避" in html and "被评审人与您同属一个单位" in html
    assert "王芳" in html and "赵强" in html


def test_excluded_expert_scoring_is_refused_with_a_clear_message_and_nothing_saved(app, rv, client, login,
                                                                                  no_csrf):
    login(rv.own)
    page = client.get(_sheet_url(rv, rv.a))
    assert page.status_code == 200 and 'data-testid="excluded"' in page.get_data(as_text=True)
    response = client.post(_sheet_url(rv, rv.a), data=_form(90))
    assert response.status_code == 403
    assert "回避：被评审人与您同属一个单位" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReviewScore).where(ReviewScore.user_id == rv.own)) is None
        with pytest.raises(DomainError, match="回避"):
            _score(rv.a, rv.own, rv.panel, 90)


def test_declared_conflict_removes_the_expert_from_that_nomination(app, rv, client, login, no_csrf):
    with app.app_context():
        _score(rv.b, rv.others[0], rv.panel, 70, submit=False)  # a draft, discarded by the declaration
    login(rv.others[0])
    response = client.post(_sheet_url(rv, rv.b) + "/conflict", data={"reason": "被推荐人是我的徒弟"})
    assert response.status_code == 302
    with app.app_context():
        panel = db.session.get(ReviewPanel, rv.panel)
        user = db.session.get(User, rv.others[0])
        subject = review.subject_of(db.session.get(Nomination, rv.b))
        assert panels.exclusion_reason(panel, user, subject) == "回避：被推荐人是我的徒弟"
        assert panels.result(panel, subject).expected == 4
        assert panels.own_sheet(panel, user, subject) is None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "panel.declare_conflict"))
    assert client.post(_sheet_url(rv, rv.b), data=_form(80)).status_code == 403
    assert "被推荐人是我的徒弟" in client.get("/craftsmen/review/my").get_data(as_text=True)


def test_a_conflict_needs_a_reason(app, rv, client, login, no_csrf):
    login(rv.others[0])
    response = client.post(_sheet_url(rv, rv.b) + "/conflict", data={"reason": "  "}, follow_redirects=True)
    assert "请说明回避理由" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ConflictDeclaration)) is None


def test_a_conflict_cannot_be_declared_after_submitting(app, rv):
    with app.app_context():
        _score(rv.b, rv.others[0], rv.panel, 80)
        with pytest.raises(DomainError, match="已提交评分，不能再声明回避"):
            review.SCOPE.declare_conflict(db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.b),
                                    db.session.get(User, rv.others[0]), "后来想起是亲戚")


# Marks ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("marks, messages", [
    ({"skill": "101", "innovation": "abc", "contribution": "80", "legacy": "-1"},
     ["“技艺技能”的评分应在 0 到 100 之间", "“创新成果”的评分应为数字", "“精神传承”的评分应在 0 到 100 之间"]),
    ({"skill": "85.555", "innovation": "80", "contribution": "80", "legacy": "80"}, ["最多保留两位小数"]),
    ({"skill": "NaN", "innovation": "80", "contribution": "80", "legacy": ""},
     ["“技艺技能”的评分应在 0 到 100 之间", "请填写“精神传承”的评分"]),
])
def test_bad_marks_are_refused_with_a_message_and_the_typed_values_kept(app, rv, client, login, no_csrf,
                                                                       marks, messages):
    login(rv.others[1])
    response = client.post(_sheet_url(rv, rv.b), data=_form(**marks))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in messages:
        assert message in html
    for key, typed in marks.items():
        assert f'name="mark_{key}" type="text" value="{typed}"' in html
    with app.app_context():
        assert db.session.scalar(select(ReviewScore)) is None


def test_a_draft_may_be_partial_and_a_submission_may_not(app, rv, client, login, no_csrf):
    login(rv.others[1])
    assert client.post(_sheet_url(rv, rv.b), data=_form(submit=False, skill="88.5")).status_code == 302
    with app.app_context():
        sheet = db.session.scalar(select(ReviewScore))
        assert sheet.marks == {"skill": "88.5"} and sheet.total is None and not sheet.is_submitted
    page = client.get(_sheet_url(rv, rv.b)).get_data(as_text=True)
    assert 'value="88.5"' in page and 'inputmode="decimal"' in page
    html = client.post(_sheet_url(rv, rv.b), data=_form(skill="88.5")).get_data(as_text=True)
    assert "请填写“创新成果”的评分" in html
    with app.app_context():
        assert not db.session.scalar(select(ReviewScore)).is_submitted


def test_submitted_marks_are_exact_decimals_and_final(app, rv, client, login, no_csrf):
    login(rv.others[1])
    client.post(_sheet_url(rv, rv.b), data=_form(skill="90.5", innovation="80", contribution="70.25",
                                               legacy="1E+2"))
    with app.app_context():
        sheet = db.session.scalar(select(ReviewScore))
        assert sheet.is_submitted and sheet.marks["legacy"] == "100"
        assert sheet.total == Decimal("90.5") * 4 / 10 + 24 + Decimal("70.25") / 5 + 10
    html = client.post(_sheet_url(rv, rv.b), data=_form(60)).get_data(as_text=True)
    assert "您已提交该评分，不能修改" in html


def test_scoring_is_refused_outside_the_review_phase(app, rv):
    with app.app_context():
        db.session.get(SelectionCycle, rv.cycle).status = "nominating"
        db.session.commit()
        with pytest.raises(DomainError, match="不在评审阶段"):
            _score(rv.b, rv.others[0], rv.panel, 80)


# Who sees what --------------------------------------------------------------------------------

def test_expert_sees_other_scores_only_after_submitting_their_own(app, rv, client, login, no_csrf):
    with app.app_context():
        _score(rv.b, rv.others[0], rv.panel, "73.21")
    login(rv.others[1])
    before = client.get(_sheet_url(rv, rv.b)).get_data(as_text=True)
    assert 'data-testid="others-hidden"' in before and "73.21" not in before and "exp2" not in before
    client.post(_sheet_url(rv, rv.b), data=_form(80))
    after = client.get(_sheet_url(rv, rv.b)).get_data(as_text=True)
    assert 'data-testid="others"' in after and "73.21" in after and "exp2" in after


def test_expert_not_on_the_panel_gets_403(rv, client, login):
    login(rv.outsider)
    assert client.get(_sheet_url(rv, rv.b)).status_code == 403
    assert client.get(f"/craftsmen/review/panels/{rv.panel}/flags").status_code == 403
    assert "钳工" not in client.get("/craftsmen/review/my").get_data(as_text=True)


def test_a_nomination_of_another_occupation_is_not_on_the_panel(rv, client, login):
    login(rv.lead)
    assert client.get(_sheet_url(rv, rv.w)).status_code == 404


def test_expert_home_counts_pending_sheets_and_links_to_the_task_list(app, rv, client, login):
    with app.app_context():
        _score(rv.b, rv.others[1], rv.panel, 80)
    login(rv.others[1])
    html = client.get("/home/expert").get_data(as_text=True)
    assert re.search(r'待评分的推荐</a>\s*<span[^>]*data-testid="work-count">2<', html)
    assert 'href="/craftsmen/review/my"' in html


# Disagreement and the panel lead --------------------------------------------------------------

def _flag_b(rv):
    """Totals 60..90 on 王芳's nomination: a spread of 30 over the threshold of 15."""
    _score_all(rv, {rv.b: [90, 85, 80, 75, 60]})


def test_wide_disagreement_is_flagged_and_blocks_the_list_until_the_lead_resolves(app, rv, client, login,
                                                                                 no_csrf):
    with app.app_context():
        _flag_b(rv)
        _score_all(rv, {rv.a: [80, 80, 80, 80], rv.c: [70, 70, 70, 70, 70]})
        standings = _standings(rv)
        flagged = [e.nomination.id for e in standings.flagged]
        assert flagged == [rv.b]
        assert any("分歧尚未由组长处理：王芳（30.00）" in p for p in standings.problems)
    login(rv.lead)
    page = client.get(f"/craftsmen/review/panels/{rv.panel}/flags").get_data(as_text=True)
    assert "王芳" in page and "30.00" in page and "60.00" in page
    response = client.post(f"/craftsmen/review/panels/{rv.panel}/nominations/{rv.b}/resolve",
                           data={f"n{rv.b}-note": "经合议，维持各专家评分。"})
    assert response.status_code == 302
    with app.app_context():
        assert _standings(rv).ready
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "panel.resolve_disagreement"))


def test_only_the_lead_handles_flags(app, rv, client, login, no_csrf):
    with app.app_context():
        _flag_b(rv)
    login(rv.others[0])
    assert client.get(f"/craftsmen/review/panels/{rv.panel}/flags").status_code == 403
    response = client.post(f"/craftsmen/review/panels/{rv.panel}/nominations/{rv.b}/resolve",
                           data={f"n{rv.b}-note": "我来确认"})
    assert response.status_code == 403
    with app.app_context():
        assert _standings(rv).flagged


def test_lead_resolves_only_once_every_sheet_is_in_and_with_a_note(app, rv):
    with app.app_context():
        _score(rv.b, rv.lead, rv.panel, 90)
        _score(rv.b, rv.others[0], rv.panel, 60)
        panel, nomination = db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.b)
        lead = db.session.get(User, rv.lead)
        with pytest.raises(DomainError, match="全部提交后再处理"):
            review.SCOPE.resolve_disagreement(panel, nomination, "确认", by=lead)
        _score(rv.b, rv.own, rv.panel, 80)
        _score(rv.b, rv.others[1], rv.panel, 80)
        _score(rv.b, rv.others[2], rv.panel, 80)
        with pytest.raises(DomainError, match="请填写处理意见"):
            review.SCOPE.resolve_disagreement(panel, nomination, " ", by=lead)


def test_lead_sends_one_sheet_back_and_the_rescored_sheet_counts(app, rv, client, login, no_csrf):
    with app.app_context():
        _flag_b(rv)
    login(rv.lead)
    response = client.post(f"/craftsmen/review/panels/{rv.panel}/nominations/{rv.b}/reopen",
                           data={f"n{rv.b}-expert_id": str(rv.others[2]), f"n{rv.b}-reason": "请核对创新成果评分"})
    assert response.status_code == 302
    with app.app_context():
        sheet = db.session.scalar(select(ReviewScore).where(ReviewScore.user_id == rv.others[2]))
        assert not sheet.is_submitted and sheet.reopen_reason == "请核对创新成果评分"
    login(rv.others[2])
    assert "请核对创新成果评分" in client.get("/craftsmen/review/my").get_data(as_text=True)
    page = client.get(_sheet_url(rv, rv.b)).get_data(as_text=True)
    assert 'value="60"' in page  # the marks come back for correction
    client.post(_sheet_url(rv, rv.b), data=_form(78))
    with app.app_context():
        result = next(e.result for e in _standings(rv).entries if e.nomination.id == rv.b)
        assert result.complete and not result.flagged
        assert result.aggregate == (Decimal(85) + 80 + 78) / 3


def test_a_resolution_is_dropped_when_a_sheet_is_sent_back(app, rv):
    with app.app_context():
        _flag_b(rv)
        panel, nomination = db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.b)
        lead = db.session.get(User, rv.lead)
        review.SCOPE.resolve_disagreement(panel, nomination, "维持", by=lead)
        db.session.commit()
        review.SCOPE.reopen_sheet(panel, nomination, rv.others[2], "再看一下", by=lead)
        db.session.commit()
        _score(rv.b, rv.others[2], rv.panel, 50)
        result = next(e.result for e in _standings(rv).entries if e.nomination.id == rv.b)
        assert result.needs_lead


def test_a_sheet_is_sent_back_only_when_the_nomination_is_flagged(app, rv, client, login, no_csrf):
    """Otherwise the lead could read the others' scores and have any sheet scored again."""
    with app.app_context():
        _score_all(rv, {rv.b: [82, 80, 80, 79, 78]})  # a spread of 4: no disagreement
        panel, b = db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.b)
        for by in (rv.lead, rv.admin):
            with pytest.raises(DomainError, match="没有超过分歧阈值，不能退回重新评分"):
                review.SCOPE.reopen_sheet(panel, b, rv.others[0], "再看看", by=db.session.get(User, by))
    login(rv.lead)
    html = client.post(f"/craftsmen/review/panels/{rv.panel}/nominations/{rv.b}/reopen",
                       data={f"n{rv.b}-expert_id": str(rv.others[0]), f"n{rv.b}-reason": "再看看"}
                       ).get_data(as_text=True)
    assert "没有超过分歧阈值" in html
    with app.app_context():
        assert db.session.scalar(select(ReviewScore).where(ReviewScore.user_id == rv.others[0])).is_submitted


def test_the_lead_cannot_send_back_their_own_sheet_only_an_administrator_can(app, rv, client, login):
    with app.app_context():
        _flag_b(rv)  # the lead's own total is 90
        panel, b = db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.b)
        with pytest.raises(DomainError, match="不能退回自己的评分；组长本人的评分须由管理员退回"):
            review.SCOPE.reopen_sheet(panel, b, rv.lead, "我想改一下", by=db.session.get(User, rv.lead))

    def offered(user_id) -> set[str]:
        login(user_id)
        page = client.get(f"/craftsmen/review/panels/{rv.panel}/flags").get_data(as_text=True)
        select_html = re.search(rf'<select[^>]*name="n{rv.b}-expert_id".*?</select>', page, re.S).group(0)
        return set(re.findall(r'value="(\d+)"', select_html))

    assert str(rv.lead) not in offered(rv.lead) and str(rv.others[0]) in offered(rv.lead)
    assert str(rv.lead) in offered(rv.admin)
    with app.app_context():
        review.SCOPE.reopen_sheet(db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.b),
                            rv.lead, "组长评分明显偏高，请复核", by=db.session.get(User, rv.admin))
        db.session.commit()
        assert not db.session.scalar(select(ReviewScore).where(ReviewScore.user_id == rv.lead)).is_submitted


def test_a_refused_conflict_declaration_shows_the_page_again_with_the_typed_reason(app, rv, client, login,
                                                                                  no_csrf):
    reason = "被推荐人是我带过的徒弟，" * 50  # over 500 characters
    login(rv.others[0])
    response = client.post(_sheet_url(rv, rv.b) + "/conflict", data={"reason": reason})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "回避理由不能超过 500 个字符" in html and reason in html
    assert "<details class=\"mt-4\" open>" in html  # the form is unfolded, not hidden
    with app.app_context():
        assert db.session.scalar(select(ConflictDeclaration)) is None


def test_a_refused_resolution_shows_the_flags_again_with_the_typed_note(app, rv, client, login, no_csrf):
    with app.app_context():
        _flag_b(rv)
    note = "经评审组合议，" * 300  # over 2000 characters
    login(rv.lead)
    response = client.post(f"/craftsmen/review/panels/{rv.panel}/nominations/{rv.b}/resolve",
                           data={f"n{rv.b}-note": note})
    assert response.status_code == 200 and note in response.get_data(as_text=True)
    with app.app_context():
        assert _standings(rv).flagged


def test_a_refused_reopen_shows_the_flags_again_with_the_typed_reason(app, rv, client, login, no_csrf):
    with app.app_context():
        _flag_b(rv)
    login(rv.lead)
    reason = "本人评分偏高，申请重评"
    response = client.post(f"/craftsmen/review/panels/{rv.panel}/nominations/{rv.b}/reopen",
                           data={f"n{rv.b}-expert_id": str(rv.lead), f"n{rv.b}-reason": reason})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and reason in html
    assert re.search(rf'<select[^>]*class="form-select is-invalid"[^>]*name="n{rv.b}-expert_id"', html)
    with app.app_context():
        assert db.session.scalar(select(ReviewScore).where(ReviewScore.user_id == rv.lead)).is_submitted


# The proposed list ----------------------------------------------------------------------------

def test_the_top_candidates_within_quota_are_proposed(app, rv, client, login, no_csrf):
    with app.app_context():
        # 李明: 4 experts, plain mean 85.5; 王芳: 5 experts, 84 and 72 dropped, (82+81+81)/3;
        # 赵强: 5 experts, 70.
        _score_all(rv, {rv.a: [85, 86, 85, 86], rv.b: [84, 82, 81, 81, 72], rv.c: [70] * 5})
    login(rv.admin)
    response = client.post(f"/craftsmen/review/occupations/{rv.fitter}/proposed", data={})
    assert response.status_code == 302
    with app.app_context():
        a, b, c = (db.session.get(Nomination, i) for i in (rv.a, rv.b, rv.c))
        assert (a.state, a.rank, a.aggregate_score) == (N.PROPOSED, 1, Decimal("85.5"))
        assert (b.state, b.rank, b.aggregate_score) == (N.PROPOSED, 2, Decimal("81.33"))
        assert (c.state, c.rank) == (N.NOT_PROPOSED, 3)
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"nomination.propose", "nomination.not_propose", "proposed_list.generate"} <= actions
    page = client.get(f"/craftsmen/review/occupations/{rv.fitter}/proposed").get_data(as_text=True)
    assert "85.50" in page and "81.33" in page and "70.00" in page


def test_trimmed_mean_with_five_sheets_is_stored_to_two_decimals(app, rv):
    with app.app_context():
        _score_all(rv, {rv.a: [80, 80, 80, 80], rv.b: [90, 80, 81, 83, 78], rv.c: [60] * 5})
        review.generate_proposed_list(db.session.get(CycleOccupation, rv.fitter),
                                      by=db.session.get(User, rv.admin))
        assert db.session.get(Nomination, rv.b).aggregate_score == Decimal("81.33")  # (80+81+83)/3


def test_generation_is_refused_while_scores_are_incomplete_and_names_who(app, rv, client, login, no_csrf):
    with app.app_context():
        _score_all(rv, {rv.a: [80, 80, 80, 80], rv.c: [70] * 5})
        _score(rv.b, rv.lead, rv.panel, 90)
    login(rv.admin)
    html = client.post(f"/craftsmen/review/occupations/{rv.fitter}/proposed", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "以下提名评分未完成：王芳（1/5）" in html
    with app.app_context():
        assert {_state(i) for i in (rv.a, rv.b, rv.c)} == {N.QUALIFIED}


def test_generation_is_refused_while_a_nomination_awaits_its_qualification_check(app, world, rv):
    with app.app_context():
        pending = factories.worker(world.ent_c, name="周待审")
        make_nomination(db.session.get(SelectionCycle, rv.cycle), pending.id, state=N.SUBMITTED)
        _score_all(rv, {rv.a: [80] * 4, rv.b: [70] * 5, rv.c: [60] * 5})
        with pytest.raises(DomainError, match="尚未完成资格审查：周待审"):
            review.generate_proposed_list(db.session.get(CycleOccupation, rv.fitter),
                                          by=db.session.get(User, rv.admin))


def test_equal_scores_are_broken_by_the_first_criterion(app, rv):
    with app.app_context():
        # Both 80.00 as published (王芳's exact total is 80.001): 王芳 has 技艺技能 85, 赵强 80.
        overrides = {(rv.b, m): {"skill": 85, "innovation": "76.67", "contribution": "76.67",
                                 "legacy": "76.66"} for m in rv.members}
        _score_all(rv, {rv.a: [90] * 4, rv.b: [80] * 5, rv.c: [80] * 5}, overrides)
        standings = _standings(rv)
        by_id = {e.nomination.id: e for e in standings.entries}
        assert by_id[rv.b].score == by_id[rv.c].score == Decimal("80.00")
        assert (by_id[rv.b].rank, by_id[rv.c].rank) == (2, 3)
        assert not standings.cut.overflows


def test_a_tie_at_the_quota_line_is_refused_until_the_admin_confirms(app, rv, client, login, no_csrf):
    with app.app_context():
        _score_all(rv, {rv.a: [90] * 4, rv.b: [80] * 5, rv.c: [80] * 5})
    login(rv.admin)
    page = client.get(f"/craftsmen/review/occupations/{rv.fitter}/proposed").get_data(as_text=True)
    assert 'data-testid="boundary-tie"' in page and "第 2 名并列（80.00 分）：王芳、赵强" in page
    html = client.post(f"/craftsmen/review/occupations/{rv.fitter}/proposed", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "第 2 名并列（80.00 分）：王芳、赵强" in html
    with app.app_context():
        assert {_state(i) for i in (rv.a, rv.b, rv.c)} == {N.QUALIFIED}
    client.post(f"/craftsmen/review/occupations/{rv.fitter}/proposed", data={"accept_boundary_tie": "y"})
    with app.app_context():
        assert [_state(i) for i in (rv.a, rv.b, rv.c)] == [N.PROPOSED] * 3
        assert [db.session.get(Nomination, i).rank for i in (rv.a, rv.b, rv.c)] == [1, 2, 2]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposed_list.generate"))
        assert entry.changes["over_quota"] == [None, 1]


def test_adjustment_needs_a_reason_which_is_recorded(app, rv, client, login, no_csrf):
    with app.app_context():
        _score_all(rv, {rv.a: [90] * 4, rv.b: [80] * 5, rv.c: [70] * 5})
        review.generate_proposed_list(db.session.get(CycleOccupation, rv.fitter),
                                      by=db.session.get(User, rv.admin))
        db.session.commit()
    login(rv.admin)
    html = client.post(f"/craftsmen/review/nominations/{rv.b}/adjust", data={"reason": ""}).get_data(as_text=True)
    assert "请填写调整理由" in html
    with app.app_context():
        assert _state(rv.b) == N.PROPOSED
    response = client.post(f"/craftsmen/review/nominations/{rv.b}/adjust",
                           data={"reason": "公示前核实：获奖证书与申报不符"})
    assert response.status_code == 302
    with app.app_context():
        nomination = db.session.get(Nomination, rv.b)
        assert nomination.state == N.NOT_PROPOSED
        assert nomination.decision_note == "公示前核实：获奖证书与申报不符"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "nomination.unpropose"))
        assert entry.changes["note"] == [None, "公示前核实：获奖证书与申报不符"]


def test_list_is_generated_and_adjusted_only_while_the_cycle_is_in_review(app, rv):
    with app.app_context():
        _score_all(rv, {rv.a: [90] * 4, rv.b: [80] * 5, rv.c: [70] * 5})
        occupation = db.session.get(CycleOccupation, rv.fitter)
        admin = db.session.get(User, rv.admin)
        review.generate_proposed_list(occupation, by=admin)
        db.session.get(SelectionCycle, rv.cycle).status = "notice"
        db.session.flush()
        with pytest.raises(DomainError, match="不在评审阶段"):
            review.generate_proposed_list(occupation, by=admin)
        with pytest.raises(DomainError, match="不在评审阶段"):
            review.adjust_proposal(db.session.get(Nomination, rv.c), "补位", by=admin)


def test_a_changed_score_after_generation_marks_the_list_stale(app, rv):
    with app.app_context():
        _score_all(rv, {rv.a: [70, 90, 90, 90], rv.b: [80] * 5, rv.c: [70] * 5})  # 李明: flagged
        occupation = db.session.get(CycleOccupation, rv.fitter)
        admin = db.session.get(User, rv.admin)
        panel, a = db.session.get(ReviewPanel, rv.panel), db.session.get(Nomination, rv.a)
        review.SCOPE.resolve_disagreement(panel, a, "经合议，维持评分", by=admin)
        review.generate_proposed_list(occupation, by=admin)
        assert not _standings(rv).stale
        review.SCOPE.reopen_sheet(panel, a, rv.lead, "复核", by=admin)  # the lead's own sheet: an administrator
        _score(rv.a, rv.lead, rv.panel, 86)
        standings = _standings(rv)
        assert standings.stale
        review.generate_proposed_list(occupation, by=admin)  # regenerating follows the new scores
        assert db.session.get(Nomination, rv.a).aggregate_score == Decimal("89.00")
        assert not _standings(rv).stale


def test_admin_pages_show_progress_and_flags(app, rv, client, login):
    with app.app_context():
        _flag_b(rv)
    login(rv.admin)
    overview = client.get(f"/craftsmen/review/cycles/{rv.cycle}").get_data(as_text=True)
    assert "钳工" in overview and "焊工" in overview and "未组建" in overview
    progress = client.get(f"/craftsmen/review/occupations/{rv.fitter}/progress").get_data(as_text=True)
    assert "待组长处理" in progress and "60.00" in progress and "回避" in progress
    assert client.get(f"/craftsmen/review/panels/{rv.panel}/flags").status_code == 200
