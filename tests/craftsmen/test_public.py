"""The public notice (公示), objections, naming (命名), the public registry (名录) and the
administrators' exports: anyone may read and object, nothing private is shown, every objection
is resolved before naming, and spam is refused without losing what was typed."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.roles import Role
from craftsmen.models import (
    AchievementKind,
    CraftsmanTitle,
    CycleStatus,
    Nomination,
    NominationAchievement,
    NominationAttachment,
    NominationState,
    Objection,
    ObjectionStatus,
    PublicNotice,
    SelectionCycle,
)
from craftsmen.services import naming, nominations, notice, review
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice

P = NominationState.PROPOSED


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


RUBRIC_KEYS = ("skill", "innovation", "contribution", "legacy")


def _score(cycle: SelectionCycle, totals: dict[Nomination, list], expert_ids: list[int], *, by) -> None:
    """Each occupation's panel (these experts, led by the first) scores: one total per expert for
    each nomination, typed as the same mark on every criterion (so the sheet's total is that mark)."""
    experts = [db.session.get(User, i) for i in expert_ids]
    for occupation in cycle.occupations:
        review.form_panel(occupation, expert_ids, expert_ids[0], by=by)
    for nomination, marks in totals.items():
        panel = review.panel_of(nomination.occupation)
        for expert, mark in zip(experts, marks, strict=True):
            review.SCOPE.save_sheet(panel, nomination, expert, dict.fromkeys(RUBRIC_KEYS, str(mark)), submit=True)


def _generate(cycle: SelectionCycle, *, by) -> None:
    """Generate the proposed list of every occupation with nominees in the talent pool."""
    for occupation in cycle.occupations:
        if review.standings(occupation).entries:
            review.generate_proposed_list(occupation, by=by)


@pytest.fixture
def reviewing(app, world) -> SimpleNamespace:
    """A cycle at the end of review, its lists generated from the panels' scores: 李明 (91.50)
    and 王芳 (88.25) proposed for 钳工; 赵强, alone for 焊工, taken off the list by the
    administrator (not proposed)."""
    with app.app_context():
        cycle = make_cycle(status=CycleStatus.REVIEWING.value)
        a = make_nomination(cycle, world.worker_a, "钳工")
        b = make_nomination(cycle, world.worker_b, "钳工")
        c = make_nomination(cycle, world.worker_c, "焊工")
        admin = db.session.get(User, world.users.admin)
        _score(cycle, {a: ["91.5"], b: ["88.25"], c: ["80"]}, [world.users.expert], by=admin)
        _generate(cycle, by=admin)
        review.adjust_proposal(c, "资格复核中，暂不列入建议名单", by=admin)
        db.session.commit()
        assert (a.state, a.rank, b.state, b.rank) == (P, 1, P, 2)
        return SimpleNamespace(cycle=cycle.id, a=a.id, b=b.id, c=c.id)


@pytest.fixture
def noticed(app, reviewing) -> SimpleNamespace:
    """The same cycle with its notice open from today."""
    with app.app_context():
        cycle = db.session.get(SelectionCycle, reviewing.cycle)
        published = notice.publish_notice(cycle, notice.beijing_today(),
                                          text="受理异议电话：010-65000000", by=None)
        db.session.commit()
        return SimpleNamespace(notice=published.id, **vars(reviewing))


def _objection(noticed, **overrides) -> dict:
    data = {"nomination_id": str(noticed.a), "name": "刘群众", "contact": "13800138000",
            "facts": "该人选申报的一项市级竞赛获奖情况与事实不符，请核实。"}
    data.update(overrides)
    return data


def _end_period(app, notice_id: int) -> None:
    with app.app_context():
        row = db.session.get(PublicNotice, notice_id)
        row.starts_on = notice.beijing_today() - timedelta(days=10)
        row.ends_on = notice.beijing_today() - timedelta(days=4)
        db.session.commit()


def _objections(app) -> list[Objection]:
    with app.app_context():
        return db.session.scalars(select(Objection).order_by(Objection.id)).all()


def _file(app, noticed, **overrides) -> int:
    """An objection stored through the service (not the rate-limited page)."""
    with app.app_context():
        row = db.session.get(PublicNotice, noticed.notice)
        data = _objection(noticed, **overrides)
        objection = notice.file_objection(row, notice.ObjectionData(
            int(data["nomination_id"]), data["name"], data["contact"], data["facts"]))
        db.session.commit()
        return objection.id


# --- Publishing the notice -------------------------------------------------------------------

def test_admin_publishes_the_notice_for_the_cycles_notice_days(app, world, client, login, reviewing,
                                                               no_csrf):
    login(world.users.admin)
    page = client.get(f"/craftsmen/cycles/{reviewing.cycle}/publication").get_data(as_text=True)
    assert 'data-testid="publish-blockers"' not in page
    assert "disabled" not in re.search(r'<input[^>]*value="发布公示"[^>]*>', page).group(0)
    start = notice.beijing_today() + timedelta(days=1)
    response = client.post(f"/craftsmen/cycles/{reviewing.cycle}/publication/notice",
                           data={"starts_on": start.isoformat(), "days": "7", "text": "受理电话：010-65000000"})
    assert response.status_code == 302
    with app.app_context():
        cycle = db.session.get(SelectionCycle, reviewing.cycle)
        published = notice.notice_of(cycle)
        assert cycle.status == CycleStatus.NOTICE
        assert (published.starts_on, published.ends_on) == (start, start + timedelta(days=6))
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert {"cycle.publish_notice", "notice.publish"} <= set(actions)


def test_notice_needs_a_proposed_list_and_a_start_date_not_in_the_past(app, world):
    with app.app_context():
        cycle = make_cycle(status=CycleStatus.REVIEWING.value)
        make_nomination(cycle, world.worker_a, "钳工", NominationState.QUALIFIED)
        with pytest.raises(DomainError, match="还没有拟命名人选"):
            notice.publish_notice(cycle, notice.beijing_today(), by=None)
        make_nomination(cycle, world.worker_b, "钳工", P)
        with pytest.raises(DomainError, match="不能早于今天"):
            notice.publish_notice(cycle, notice.beijing_today() - timedelta(days=1), by=None)
        assert cycle.status == CycleStatus.REVIEWING


def _publish(cycle_id: int):
    return notice.publish_notice(db.session.get(SelectionCycle, cycle_id), notice.beijing_today(), by=None)


def test_notice_is_refused_over_a_list_made_stale_by_a_rescored_sheet(app, world):
    """The list was generated; then the lead sent a sheet back and it came back higher, so the
    ranking changed: the notice waits until the list is generated again."""
    with app.app_context():
        cycle = make_cycle(status=CycleStatus.REVIEWING.value)
        a = make_nomination(cycle, world.worker_a, "钳工")
        b = make_nomination(cycle, world.worker_b, "钳工")
        c = make_nomination(cycle, world.worker_c, "钳工")
        admin, lead = db.session.get(User, world.users.admin), db.session.get(User, world.users.expert)
        second = factories.user("expert_b", [Role.EXPERT])
        _score(cycle, {a: [90, 90], b: [95, 70], c: [80, 80]}, [lead.id, second.id], by=admin)
        panel = review.panel_of(b.occupation)
        review.SCOPE.resolve_disagreement(panel, b, "经合议，维持评分", by=lead)  # 王芳's 25-point spread
        _generate(cycle, by=admin)
        assert [n.state for n in (a, b, c)] == [P, P, NominationState.NOT_PROPOSED]
        review.SCOPE.reopen_sheet(panel, b, second.id, "请核对评分", by=lead)
        review.SCOPE.save_sheet(panel, b, second, dict.fromkeys(RUBRIC_KEYS, "92"), submit=True)

        with pytest.raises(DomainError, match="“钳工”的建议名单已过时"):
            _publish(cycle.id)
        assert cycle.status == CycleStatus.REVIEWING
        review.generate_proposed_list(b.occupation, by=admin)
        assert (b.rank, a.rank) == (1, 2)
        _publish(cycle.id)
        assert cycle.status == CycleStatus.NOTICE


def test_notice_is_refused_until_every_occupation_in_the_pool_has_a_list(app, world):
    with app.app_context():
        cycle = make_cycle(status=CycleStatus.REVIEWING.value)
        a = make_nomination(cycle, world.worker_a, "钳工")
        c = make_nomination(cycle, world.worker_c, "焊工")
        admin = db.session.get(User, world.users.admin)
        _score(cycle, {a: [90]}, [world.users.expert], by=admin)
        review.generate_proposed_list(a.occupation, by=admin)
        with pytest.raises(DomainError, match="“焊工”：以下提名评分未完成：赵强（0/1）"):
            _publish(cycle.id)
        _score(cycle, {c: [85]}, [world.users.expert], by=admin)
        with pytest.raises(DomainError, match="“焊工”尚未生成建议名单"):
            _publish(cycle.id)
        _generate(cycle, by=admin)
        _publish(cycle.id)
        assert cycle.status == CycleStatus.NOTICE


def test_notice_is_refused_while_a_nomination_awaits_its_qualification_decision(app, world, reviewing):
    """Submitted and returned nominations would be stuck once the cycle leaves review: the union
    reviewer decides them first (a returned one the enterprise gave up on is rejected)."""
    with app.app_context():
        cycle = db.session.get(SelectionCycle, reviewing.cycle)
        waiting = make_nomination(cycle, factories.worker(world.ent_a, name="周待审").id, "焊工",
                                  NominationState.SUBMITTED)
        returned = make_nomination(cycle, factories.worker(world.ent_a, name="吴退回").id, "钳工",
                                   NominationState.RETURNED)
        undecided = "须先审查通过或不通过：吴退回（钳工，退回修改）、周待审（焊工，待资格审查）"
        with pytest.raises(DomainError, match=undecided):
            _publish(cycle.id)
        reviewer = db.session.get(User, world.users.reviewer)
        nominations.reject(waiting, "不符合条件", expected_version=waiting.version, by=reviewer)
        nominations.reject(returned, "逾期未补充材料", expected_version=returned.version, by=reviewer)
        _publish(cycle.id)
        assert cycle.status == CycleStatus.NOTICE


def test_publication_page_says_why_the_notice_cannot_be_published_yet(app, world, client, login, reviewing):
    with app.app_context():
        make_nomination(db.session.get(SelectionCycle, reviewing.cycle),
                        factories.worker(world.ent_a, name="周待审").id, "焊工", NominationState.SUBMITTED)
        db.session.commit()
    login(world.users.admin)
    html = client.get(f"/craftsmen/cycles/{reviewing.cycle}/publication").get_data(as_text=True)
    blockers = re.search(r'data-testid="publish-blockers">(.*?)</div>', html, re.S).group(1)
    assert "周待审（焊工，待资格审查）" in blockers
    assert "disabled" in re.search(r'<input[^>]*value="发布公示"[^>]*>', html).group(0)


def test_public_notice_lists_proposed_names_without_id_numbers_or_phones(app, world, client, noticed):
    with app.app_context():
        workers = [db.session.get(Worker, w) for w in (world.worker_a, world.worker_b)]
        private = [v for w in workers for v in (w.id_number, w.id_number_masked, w.mobile)]
    listing = client.get("/notices").get_data(as_text=True)
    assert "第四届北京大工匠选树" in listing and "公示中" in listing
    html = client.get(f"/notices/{noticed.notice}").get_data(as_text=True)
    for shown in ("李明", "王芳", "钳工", "朝阳精工有限公司", "海淀机械有限公司", "受理异议电话"):
        assert shown in html
    assert "赵强" not in html  # in the talent pool but not proposed
    for secret in private:
        assert secret not in html


# --- Filing objections -----------------------------------------------------------------------

def test_anyone_may_file_an_objection_while_the_notice_is_open(app, client, noticed, no_csrf):
    response = client.post(f"/notices/{noticed.notice}/objections", data=_objection(noticed))
    assert response.status_code == 302
    assert "异议已收到" in client.get(response.headers["Location"]).get_data(as_text=True)
    [stored] = _objections(app)
    assert (stored.nomination_id, stored.name, stored.contact, stored.status) == (
        noticed.a, "刘群众", "13800138000", ObjectionStatus.OPEN)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "objection.file"))
        assert "13800138000" not in str(entry.changes) + entry.target_label


def test_invalid_contact_is_refused_and_every_typed_value_is_kept(app, client, noticed, no_csrf):
    data = _objection(noticed, contact="1380013800")
    html = client.post(f"/notices/{noticed.notice}/objections", data=data).get_data(as_text=True)
    assert "请填写 11 位手机号码或电子邮箱" in html
    for typed in ("刘群众", "1380013800", data["facts"]):
        assert typed in html
    assert f'<option selected value="{noticed.a}"' in html or f'value="{noticed.a}" selected' in html
    assert _objections(app) == []


@pytest.mark.parametrize("field, value, message", [
    ("facts", "不符合", "至少 10 个字"),
    ("name", "", "请填写您的姓名"),
    ("contact", "someone@", "电子邮箱格式不正确"),
])
def test_bad_objections_get_a_chinese_error_and_nothing_is_stored(app, client, noticed, no_csrf,
                                                                  field, value, message):
    html = client.post(f"/notices/{noticed.notice}/objections",
                       data=_objection(noticed, **{field: value})).get_data(as_text=True)
    assert message in html
    assert _objections(app) == []


def test_email_is_accepted_as_contact(app, client, noticed, no_csrf):
    response = client.post(f"/notices/{noticed.notice}/objections",
                           data=_objection(noticed, contact="Liu.QZ@Example.com"))
    assert response.status_code == 302
    assert _objections(app)[0].contact == "liu.qz@example.com"


def test_objection_after_the_period_is_refused(app, client, noticed, no_csrf):
    _end_period(app, noticed.notice)
    html = client.post(f"/notices/{noticed.notice}/objections",
                       data=_objection(noticed)).get_data(as_text=True)
    assert "已结束，不再受理异议" in html
    assert "提交异议" not in html  # no form any more
    assert _objections(app) == []


def test_objection_only_against_a_nominee_on_this_notice(app, client, noticed, no_csrf):
    html = client.post(f"/notices/{noticed.notice}/objections",
                       data=_objection(noticed, nomination_id=str(noticed.c))).get_data(as_text=True)
    assert "请选择本次公示名单中的人选" in html
    assert _objections(app) == []


def test_identical_duplicate_objection_is_refused(app, client, noticed, no_csrf):
    url = f"/notices/{noticed.notice}/objections"
    assert client.post(url, data=_objection(noticed)).status_code == 302
    html = client.post(url, data=_objection(noticed)).get_data(as_text=True)
    assert "您已提交过内容相同的异议" in html
    assert len(_objections(app)) == 1
    # The same person with different facts is a new objection.
    assert client.post(url, data=_objection(noticed, facts="另一件事：该人选近三年并未在岗。")
                       ).status_code == 302


def test_objection_spam_is_refused_with_429_and_the_typed_text_is_kept(app, client, noticed, no_csrf):
    url = f"/notices/{noticed.notice}/objections"
    for n in range(5):
        assert client.post(url, data=_objection(noticed, facts=f"第 {n} 条：申报材料与事实不符。")
                           ).status_code == 302
    spam = _objection(noticed, facts="第六条：仍然认为申报材料与事实不符。")
    response = client.post(url, data=spam)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "提交过于频繁" in html and spam["facts"] in html and "刘群众" in html
    assert len(_objections(app)) == 5
    # Another address is not affected.
    assert client.post(url, data=spam, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302


def test_invalid_attempts_do_not_use_up_the_limit(app, client, noticed, no_csrf):
    url = f"/notices/{noticed.notice}/objections"
    for _ in range(6):
        client.post(url, data=_objection(noticed, contact="bad"))
    assert client.post(url, data=_objection(noticed)).status_code == 302


def test_daily_total_cap_applies_across_addresses(app, client, noticed, no_csrf):
    saved = app.config["OBJECTION_RATE_LIMIT_TOTAL"]
    app.config["OBJECTION_RATE_LIMIT_TOTAL"] = "2 per day"
    try:
        url = f"/notices/{noticed.notice}/objections"
        for n in range(2):
            response = client.post(url, data=_objection(noticed, facts=f"第 {n} 条：材料与事实不符。"),
                                   environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
            assert response.status_code == 302
        response = client.post(url, data=_objection(noticed), environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert response.status_code == 429
        assert "今日受理的异议已达数量上限" in response.get_data(as_text=True)
    finally:
        app.config["OBJECTION_RATE_LIMIT_TOTAL"] = saved  # the app is shared by the whole session
    assert len(_objections(app)) == 2


# --- Resolving objections --------------------------------------------------------------------

def test_upheld_objection_withdraws_the_nominee(app, world, client, login, noticed, no_csrf):
    objection_id = _file(app, noticed)
    login(world.users.admin)
    page = client.get(f"/craftsmen/notices/{noticed.notice}/objections").get_data(as_text=True)
    assert "13800138000" in page and "刘群众" in page  # the administrator sees who to call
    response = client.post(f"/craftsmen/objections/{objection_id}/resolve", data={
        f"o{objection_id}-decision": "upheld", f"o{objection_id}-resolution": "经核实，获奖证书系伪造。"})
    assert response.status_code == 302
    with app.app_context():
        objection = db.session.get(Objection, objection_id)
        assert objection.status == ObjectionStatus.UPHELD and objection.resolved_at is not None
        assert objection.resolved_by_id == world.users.admin
        assert db.session.get(Nomination, noticed.a).state == NominationState.WITHDRAWN
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "objection.uphold"))
    assert "李明" not in client.get(f"/notices/{noticed.notice}").get_data(as_text=True)


def test_dismissing_an_objection_needs_a_reason_and_keeps_the_nominee(app, world, client, login,
                                                                      noticed, no_csrf):
    objection_id = _file(app, noticed)
    login(world.users.admin)
    url = f"/craftsmen/objections/{objection_id}/resolve"
    html = client.post(url, data={f"o{objection_id}-decision": "dismissed"}).get_data(as_text=True)
    assert "认定异议不成立时须写明理由" in html
    assert _objections(app)[0].status == ObjectionStatus.OPEN
    response = client.post(url, data={f"o{objection_id}-decision": "dismissed",
                                      f"o{objection_id}-resolution": "经核实，获奖情况属实。"})
    assert response.status_code == 302
    objection = _objections(app)[0]
    assert (objection.status, objection.resolution) == (ObjectionStatus.DISMISSED, "经核实，获奖情况属实。")
    with app.app_context():
        assert db.session.get(Nomination, noticed.a).state == P
    # A resolved objection cannot be resolved again.
    client.post(url, data={f"o{objection_id}-decision": "upheld"})
    assert _objections(app)[0].status == ObjectionStatus.DISMISSED


def test_only_administrators_see_and_resolve_objections(app, world, client, login, noticed, no_csrf):
    objection_id = _file(app, noticed)
    login(world.users.reviewer)
    assert client.get(f"/craftsmen/notices/{noticed.notice}/objections").status_code == 403
    assert client.post(f"/craftsmen/objections/{objection_id}/resolve").status_code == 403


# --- Naming ----------------------------------------------------------------------------------

CONFIRMED = {"confirmed": "y"}


def test_naming_needs_the_confirmation_box_ticked(app, world, client, login, noticed, no_csrf):
    _end_period(app, noticed.notice)
    login(world.users.admin)
    html = client.post(f"/craftsmen/cycles/{noticed.cycle}/publication/name").get_data(as_text=True)
    assert "请先勾选确认" in html
    with app.app_context():
        assert db.session.get(SelectionCycle, noticed.cycle).status == CycleStatus.NOTICE


def test_a_cycle_on_notice_goes_back_to_review_with_a_reason(app, world, client, login, noticed, no_csrf):
    login(world.users.admin)
    url = f"/craftsmen/cycles/{noticed.cycle}/publication/reopen"
    assert "请填写退回评审的理由" in client.post(url, data=CONFIRMED).get_data(as_text=True)
    response = client.post(url, data={**CONFIRMED, "reason": "异议成立后需调整建议名单"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SelectionCycle, noticed.cycle).status == CycleStatus.REVIEWING
    assert client.get(f"/notices/{noticed.notice}").status_code == 404

def test_naming_is_refused_before_the_notice_period_ends(app, world, client, login, noticed, no_csrf):
    login(world.users.admin)
    response = client.post(f"/craftsmen/cycles/{noticed.cycle}/publication/name", data=CONFIRMED,
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "不能命名：公示期至" in html and "期满后才能命名" in html
    with app.app_context():
        assert db.session.get(SelectionCycle, noticed.cycle).status == CycleStatus.NOTICE
        assert db.session.scalar(select(func.count()).select_from(CraftsmanTitle)) == 0


def test_naming_is_refused_while_an_objection_is_open(app, world, client, login, noticed, no_csrf):
    _file(app, noticed)
    _end_period(app, noticed.notice)
    login(world.users.admin)
    html = client.post(f"/craftsmen/cycles/{noticed.cycle}/publication/name", data=CONFIRMED,
                       follow_redirects=True).get_data(as_text=True)
    assert "还有 1 条异议未处理" in html and "期满后才能命名" not in html
    with app.app_context():
        assert db.session.get(SelectionCycle, noticed.cycle).status == CycleStatus.NOTICE


def test_naming_names_the_remaining_nominees_into_the_registry(app, world, client, login, noticed,
                                                               no_csrf):
    objection_id = _file(app, noticed, nomination_id=str(noticed.b))
    login(world.users.admin)
    client.post(f"/craftsmen/objections/{objection_id}/resolve", data={
        f"o{objection_id}-decision": "upheld", f"o{objection_id}-resolution": "不在岗"})
    _end_period(app, noticed.notice)
    with client.session_transaction() as session:
        session["lang"] = "en"  # the snapshot is Chinese whatever the administrator's language
    response = client.post(f"/craftsmen/cycles/{noticed.cycle}/publication/name", data=CONFIRMED)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SelectionCycle, noticed.cycle).status == CycleStatus.CLOSED
        assert db.session.get(Nomination, noticed.a).state == NominationState.NAMED
        assert db.session.get(Nomination, noticed.b).state == NominationState.WITHDRAWN
        [title] = db.session.scalars(select(CraftsmanTitle)).all()
        assert (title.name, title.title, title.level, title.year, title.occupation,
                title.enterprise_name, title.district, title.named_on) == (
            "李明", "北京大工匠", "city", 2026, "钳工", "朝阳精工有限公司", "朝阳区总工会",
            notice.beijing_today())
        # A snapshot: renaming the worker later does not change the registry.
        db.session.get(Worker, world.worker_a).name = "李明改"
        db.session.commit()
    with client.session_transaction() as session:
        session["lang"] = "zh"
    html = client.get("/registry").get_data(as_text=True)
    assert "李明" in html and "北京大工匠" in html and "王芳" not in html and "李明改" not in html
    # The closed notice now lists those named.
    assert "已命名人选" in client.get(f"/notices/{noticed.notice}").get_data(as_text=True)


def test_naming_needs_the_notice_state(app, world):
    with app.app_context():
        cycle = make_cycle(status=CycleStatus.REVIEWING.value)
        with pytest.raises(DomainError, match="公示中"):
            naming.name_cycle(cycle, by=None)


# --- Registry --------------------------------------------------------------------------------

def _named(cycle: SelectionCycle, worker_id: int, occupation: str = "钳工", **fields) -> CraftsmanTitle:
    """A named nomination and its registry entry, straight into the database."""
    nomination = make_nomination(cycle, worker_id, occupation, NominationState.NAMED)
    worker = db.session.get(Worker, worker_id)
    values = {"name": worker.name, "title": "北京大工匠", "level": cycle.level, "year": cycle.year,
              "occupation": occupation, "enterprise_name": worker.enterprise.name,
              "district": worker.enterprise.district_union.name, "named_on": date(2026, 5, 1)}
    values.update(fields)
    title = CraftsmanTitle(nomination_id=nomination.id, worker_id=worker_id, cycle_id=cycle.id, **values)
    db.session.add(title)
    db.session.flush()
    return title


@pytest.fixture
def titles(app, world) -> SimpleNamespace:
    """Three registry entries: 李明 (city 2026, 钳工, 朝阳), 王芳 (city 2026, 焊工, 海淀) and
    赵强 (district 2023, 钳工, 海淀)."""
    with app.app_context():
        city = make_cycle(status=CycleStatus.CLOSED.value)
        older = make_cycle(status=CycleStatus.CLOSED.value, title="2023年海淀工匠选树")
        older.year, older.level = 2023, "district"
        db.session.flush()
        a = _named(city, world.worker_a)
        b = _named(city, world.worker_b, "焊工")
        c = _named(older, world.worker_c, title="区级工匠")
        db.session.commit()
        return SimpleNamespace(a=a.id, b=b.id, c=c.id, nomination_a=a.nomination_id)


@pytest.mark.parametrize("query, shown", [
    ("", {"李明", "王芳", "赵强"}),
    ("?level=district", {"赵强"}),
    ("?year=2026", {"李明", "王芳"}),
    ("?occupation=钳工", {"李明", "赵强"}),
    ("?district=海淀区总工会", {"王芳", "赵强"}),
    ("?district=海淀区总工会&year=2026", {"王芳"}),
    ("?q=王", {"王芳"}),
    ("?q=芳", {"王芳"}),  # a character inside the name, not only its start
    ("?q=海淀机械", {"王芳"}),
    ("?q=焊", {"王芳"}),
    # two characters: a given name, part of an enterprise's name, an occupation
    ("?q=王芳", {"王芳"}),
    ("?q=海淀", {"王芳", "赵强"}),
    ("?q=钳工", {"李明", "赵强"}),
    ("?q=芳海", set()),  # the end of a name and the start of its enterprise are not a pair
    ("?q=%25", set()),  # a literal %, not a wildcard
    ("?q=%25%25", set()),
    ("?level=nonsense", {"李明", "王芳", "赵强"}),
])
def test_registry_filters_and_search(client, titles, query, shown):
    html = client.get("/registry" + query).get_data(as_text=True)
    for name in ("李明", "王芳", "赵强"):
        assert (f">{name}</a>" in html) == (name in shown), (query, name)


def test_registry_offers_the_filter_values_it_holds(client, titles):
    html = client.get("/registry").get_data(as_text=True)
    for option in ('<option value="2023"', '<option value="焊工"', '<option value="朝阳区总工会"'):
        assert option in html


def test_registry_is_paginated(app, client, titles):
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get("/registry").get_data(as_text=True)
        second = client.get("/registry?page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 50
    assert "共 3 条" in first and "page=2" in first
    assert sum(f">{n}</a>" in first for n in ("李明", "王芳", "赵强")) == 2
    assert sum(f">{n}</a>" in second for n in ("李明", "王芳", "赵强")) == 1


def test_detail_shows_only_publishable_achievements_and_no_private_data(app, world, client, titles):
    with app.app_context():
        attachment = NominationAttachment(
            nomination_id=titles.nomination_a, original_name="获奖证书扫描件.pdf", stored_name="x" * 32,
            content_type="application/pdf", size=10, sha256="0" * 64)
        db.session.add(attachment)
        db.session.flush()
        db.session.add_all([
            NominationAchievement(nomination_id=titles.nomination_a, kind=AchievementKind.COMPETITION.value,
                                  title="北京市职业技能大赛钳工项目第一名", achieved_on=date(2022, 10, 1),
                                  publishable=True, attachment_id=attachment.id),
            NominationAchievement(nomination_id=titles.nomination_a, kind=AchievementKind.PATENT.value,
                                  title="未公开的专利申请", achieved_on=date(2023, 3, 1), publishable=False),
        ])
        worker = db.session.get(Worker, world.worker_a)
        private = (worker.id_number, worker.id_number_masked, worker.mobile)
        db.session.commit()
    html = client.get(f"/registry/{titles.a}").get_data(as_text=True)
    assert "北京市职业技能大赛钳工项目第一名" in html and "2022年10月1日" in html
    assert "未公开的专利申请" not in html and "获奖证书扫描件" not in html
    for secret in private:
        assert secret not in html
    assert client.get("/registry/99999").status_code == 404


def test_revoked_title_shows_as_revoked_with_its_date(app, world, client, login, titles, no_csrf):
    login(world.users.admin)
    url = f"/craftsmen/titles/{titles.a}/revoke"
    assert "请写明撤销称号的理由" in client.post(url, data={"reason": " ", "confirmed": "y"}).get_data(as_text=True)
    unticked = client.post(url, data={"reason": "弄虚作假骗取荣誉"})
    assert unticked.status_code == 200 and "请先勾选确认" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CraftsmanTitle, titles.a).revoked_on is None
    assert client.post(url, data={"reason": "弄虚作假骗取荣誉", "confirmed": "y"}).status_code == 302
    today = notice.beijing_today()
    with app.app_context():
        title = db.session.get(CraftsmanTitle, titles.a)
        assert (title.revoked_on, title.revoke_reason) == (today, "弄虚作假骗取荣誉")
        assert title.nomination.state == NominationState.REVOKED
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "title.revoke"))
    client.post("/logout")
    stamp = f"{today.year}年{today.month}月{today.day}日"
    listing = client.get("/registry").get_data(as_text=True)
    assert f"已于 {stamp} 撤销" in listing
    detail = client.get(f"/registry/{titles.a}").get_data(as_text=True)
    assert f"该称号已于 {stamp} 撤销" in detail and "弄虚作假" not in detail
    assert ">李明</a>" not in client.get("/registry?status=active").get_data(as_text=True)


def test_only_administrators_revoke(app, world, client, login, titles):
    login(world.users.enterprise)
    assert client.get(f"/craftsmen/titles/{titles.a}/revoke").status_code == 403


# --- Exports ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/craftsmen/registry.xlsx", "/craftsmen/cycles/{cycle}/results.xlsx"])
def test_exports_are_for_administrators_only(world, client, login, reviewing, path):
    url = path.format(cycle=reviewing.cycle)
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for user in ("enterprise", "reviewer", "expert"):
        login(getattr(world.users, user))
        assert client.get(url).status_code == 403


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data)).active


def test_registry_export_opens_with_the_right_rows(app, world, client, login, titles):
    with app.app_context():
        title = db.session.get(CraftsmanTitle, titles.c)
        title.revoked_on, title.revoke_reason = date(2026, 6, 1), "违纪"
        worker = db.session.get(Worker, world.worker_a)
        private = (worker.id_number, worker.mobile)
        db.session.commit()
    login(world.users.admin)
    sheet = _sheet(client.get("/craftsmen/registry.xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "称号", "级别", "选树周期")
    assert {r[0] for r in rows[1:]} == {"李明", "王芳", "赵强"}
    zhao = next(r for r in rows[1:] if r[0] == "赵强")
    assert zhao[4] == 2023 and zhao[9] == "已撤销" and zhao[11] == "违纪"
    assert zhao[8].date() == date(2026, 5, 1) and zhao[10].date() == date(2026, 6, 1)  # real dates
    assert sheet.column_dimensions["G"].width >= 30
    assert not any(secret in str(rows) for secret in private)


def test_results_export_lists_every_nomination_with_state_score_rank_and_objections(
        app, world, client, login, noticed):
    _file(app, noticed)
    _file(app, noticed, facts="另一条异议：该人选并非一线职工。")
    with app.app_context():
        draft = make_nomination(db.session.get(SelectionCycle, noticed.cycle),
                                factories.worker(world.ent_a, name="草稿人").id, "焊工",
                                NominationState.DRAFT)
        db.session.commit()
        assert draft.id
    login(world.users.admin)
    rows = list(_sheet(client.get(f"/craftsmen/cycles/{noticed.cycle}/results.xlsx"))
                .iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:7] == ("工种", "排名", "姓名", "企业", "所在区", "状态", "综合得分")
    assert [r[2] for r in body] == ["李明", "王芳", "赵强"]  # no drafts; by occupation and rank
    li = body[0]
    assert (li[1], li[5], li[6], li[7], li[8]) == (1, "拟命名", 91.5, 2, "待处理 2")
    assert body[2][5] == "未入选" and body[2][7] == 0


@needs_libreoffice
def test_libreoffice_calc_shows_the_registry_and_results_exports_as_written(
        app, world, client, login, titles, noticed):
    _file(app, noticed)
    login(world.users.admin)
    registry = assert_calc_reads_alike(client.get("/craftsmen/registry.xlsx").data)
    assert {row[0] for row in next(iter(registry.values()))[1:]} >= {"李明", "王芳", "赵强"}
    results = assert_calc_reads_alike(client.get(f"/craftsmen/cycles/{noticed.cycle}/results.xlsx").data)
    assert "待处理 1" in next(iter(results.values()))[1]


def test_administrators_overview_says_where_each_cycle_stands(app, world, client, login, noticed):
    _file(app, noticed)
    login(world.users.admin)
    overview = client.get("/craftsmen/publication").get_data(as_text=True)
    assert "第四届北京大工匠选树" in overview and "公示中" in overview
    page = client.get(f"/craftsmen/cycles/{noticed.cycle}/publication").get_data(as_text=True)
    assert "共 1 条，待处理 1 条" in page
    assert "期满后才能命名" in page and "还有 1 条异议未处理" in page


def test_public_pages_are_in_the_navigation_for_everyone(world, client, login):
    html = client.get("/registry").get_data(as_text=True)
    assert 'href="/notices"' in html and 'href="/registry"' in html
    assert 'href="/craftsmen/publication"' not in html
    login(world.users.admin)
    html = client.get("/registry").get_data(as_text=True)
    assert 'href="/craftsmen/publication"' in html and "导出 Excel" in html
