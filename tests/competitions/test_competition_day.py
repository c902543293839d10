"""A competition day without dead ends: no-shows and contestants out of the event, judge
coverage, conflicts declared after the draw, two devices saving one mark, the judge's own
landing page, and registrations racing for the last place."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from competitions.models import Contestant, ContestantStatus, Event, Mark
from competitions.services import competitions, control, judges, marking, registration, results
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.timeutil import beijing_today
from tests import factories
from tests.competitions.conftest import assign_judges, make_event
from tests.competitions.test_marking import _post_together, scoring_event, sheet_url
from tests.conftest import csrf_token


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _worker(enterprise_id: int, name: str) -> Worker:
    return factories.worker(enterprise_id, name=name, skill_level="level_2",
                            id_number=factories.id_number(birth=date(1990, 5, 1)))


def _drawn_event(world, names=("甲", "乙", "丙"), *, check_in: int | None = None) -> Event:
    """An event in check-in with one worker of ent_a, ent_b, ent_c each registered, the first
    ``check_in`` of them (all by default) checked in, and lots drawn."""
    event = make_event()
    competitions.open_registration(event, by=None)
    event.quota_per_enterprise = 5
    for name, enterprise in zip(names, (world.ent_a, world.ent_b, world.ent_c), strict=False):
        registration.import_contestants(event, [(2, {"姓名": name, "身份证号": _worker(enterprise, name).id_number})],
                                        by=None)
    competitions.start_check_in(event, by=None)
    event.held_on = beijing_today()  # the competition day
    people = registration.contestants(event)
    for contestant in people[:len(people) if check_in is None else check_in]:
        registration.check_in(contestant, by=None)
    registration.draw_lots(event, by=None)
    return event


# 1. No-shows, 弃赛, 取消资格 ------------------------------------------------------------------------

def test_a_contestant_never_checked_in_is_absent_when_scoring_starts_and_the_event_still_locks(app, world):
    with app.app_context():
        event = _drawn_event(world, check_in=2)
        scorers = assign_judges(event)
        competitions.start_scoring(event, by=None)
        no_show = next(c for c in registration.contestants(event) if c.blind_number is None)
        assert no_show.status == ContestantStatus.ABSENT and no_show.status_reason == "评分开始时未检录"
        assert len(marking.competing(event)) == 2
        for judge_id in scorers:
            judge = _user(judge_id)
            for contestant in marking.competing(event):
                for aspect in event.aspects():
                    marking.save_mark(event, judge, contestant, aspect, "2" if aspect.is_judgement else "20",
                                      client_key=f"{judge_id}-{contestant.id}-{aspect.id}")
            for module in event.modules:
                marking.submit_sheet(event, judge, module)
        chief = _user(judges.chief_of(event).user_id)
        assert control.lock_problems(event) == []
        control.lock_event(event, by=chief)
        for item in control.recheck_items(event):
            control.record_recheck(item, "correct", by=chief)
        control.complete_recheck(event, by=chief)
        computed = results.publish(event, by=None)
        assert len(computed) == 2
        assert [c.status for c in results.not_ranked(event)] == ["absent"]


def test_the_published_results_list_the_absent_contestant_as_absent(app, world, client):
    with app.app_context():
        event = _drawn_event(world, check_in=2)
        scorers = assign_judges(event)
        competitions.start_scoring(event, by=None)
        for judge_id in scorers:
            judge = _user(judge_id)
            for contestant in marking.competing(event):
                for aspect in event.aspects():
                    marking.save_mark(event, judge, contestant, aspect, "2" if aspect.is_judgement else "20",
                                      client_key=f"{judge_id}-{contestant.id}-{aspect.id}")
            for module in event.modules:
                marking.submit_sheet(event, judge, module)
        chief = _user(judges.chief_of(event).user_id)
        control.lock_event(event, by=chief)
        for item in control.recheck_items(event):
            control.record_recheck(item, "correct", by=chief)
        control.complete_recheck(event, by=chief)
        results.publish(event, by=None)
        db.session.commit()
        event_id = event.id
    page = client.get(f"/competition-results/{event_id}").get_data(as_text=True)
    row = re.search(r'<tr class="text-muted" data-testid="not-ranked">(.*?)</tr>', page, re.S)
    assert row and "缺考" in row.group(1) and "丙" in row.group(1)


def test_chief_judge_records_abandoned_with_a_reason_and_the_contestant_leaves_the_sheets(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        db.session.commit()
    login(setup.chief)
    url = f"/judging/events/{setup.event}/contestants/out"
    token = csrf_token(client, f"/judging/events/{setup.event}/control")
    refused = client.post(url, data={"csrf_token": token, "blind_number": "A002", "status": "abandoned",
                                     "reason": ""})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Contestant, setup.contestants[1]).status == "checked_in"
    client.post(url, data={"csrf_token": token, "blind_number": "A002", "status": "abandoned", "reason": "身体不适"})
    with app.app_context():
        contestant = db.session.get(Contestant, setup.contestants[1])
        assert (contestant.status, contestant.status_reason) == ("abandoned", "身体不适")
        event = db.session.get(Event, setup.event)
        assert [c.blind_number for c in marking.competing(event)] == ["A001", "A003"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "contestant.abandoned")) == 1
        # The sheets ask nothing for A002: marking the others is enough to submit.
        for contestant_id in (setup.contestants[0], setup.contestants[2]):
            for aspect in event.aspects():
                marking.save_mark(event, _user(world.users.judge), db.session.get(Contestant, contestant_id), aspect,
                                  "2" if aspect.is_judgement else "20", client_key=f"k{contestant_id}-{aspect.id}")
        for module in event.modules:
            marking.submit_sheet(event, _user(world.users.judge), module)


def test_only_the_administrator_withdraws_a_contestant_after_the_draw_and_with_a_reason(app, world):
    with app.app_context():
        event = _drawn_event(world)
        contestant = registration.contestants(event)[0]
        with pytest.raises(DomainError, match="抽签后不能撤回"):
            registration.withdraw(contestant, by=_user(world.users.enterprise))
        assign_judges(event)
        chief = _user(judges.chief_of(event).user_id)
        with pytest.raises(DomainError, match="只有管理员"):
            registration.take_out(contestant, "withdrawn", reason="单位调整", by=chief, is_chief=True)
        with pytest.raises(DomainError, match="请填写原因"):
            registration.take_out(contestant, "withdrawn", reason=" ", by=_user(world.users.admin))
        registration.take_out(contestant, "withdrawn", reason="单位调整", by=_user(world.users.admin))
        assert contestant.status == "withdrawn" and contestant.status_changed_by_id == world.users.admin


def test_nothing_is_recorded_out_after_the_lock(app, world):
    with app.app_context():
        setup = scoring_event(world)
        event = db.session.get(Event, setup.event)
        event.state = "locked"
        with pytest.raises(DomainError, match="不能登记"):
            registration.take_out(db.session.get(Contestant, setup.contestants[0]), "disqualified",
                                  reason="违规", by=_user(world.users.admin))


def test_the_administrator_records_a_no_show_from_the_contestants_page(app, world, client, login):
    with app.app_context():
        event = _drawn_event(world, check_in=2)
        db.session.commit()
        event_id = event.id
        waiting = next(c.id for c in registration.contestants(event) if c.status == "registered")
    login(world.users.admin)
    page = f"/competitions/events/{event_id}/contestants"
    response = client.post(f"/competitions/contestants/{waiting}/out",
                           data={"csrf_token": csrf_token(client, page), "status": "absent", "reason": "未到场"})
    assert response.status_code == 302
    assert "未到场" in client.get(page).get_data(as_text=True)


# 2. Judge coverage ------------------------------------------------------------------------------

def test_scoring_cannot_start_while_recusal_leaves_a_contestant_with_too_few_judges(app, world):
    with app.app_context():
        event = _drawn_event(world)
        scorers = assign_judges(event)
        _user(scorers[0]).employer_id = world.ent_a  # recused from 甲
        with pytest.raises(DomainError, match=r"可评分裁判不足：\d+ 甲（2/3）") as refusal:
            competitions.start_scoring(event, by=None)
        assert "请增派" in str(refusal.value)
        assert event.state == "check_in"


def test_the_control_page_lists_contestants_without_enough_judges(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        _user(setup.judges[0]).employer_id = world.ent_a  # 李明 (A001) works there
        db.session.commit()
        event = db.session.get(Event, setup.event)
        assert any("A001（2/3）" in p for p in control.lock_problems(event))
    login(setup.chief)
    assert "A001（2/3）" in client.get(f"/judging/events/{setup.event}/control").get_data(as_text=True)


def test_the_judges_page_warns_when_an_assignment_leaves_a_contestant_uncovered(app, world, client, login):
    with app.app_context():
        event = _drawn_event(world)
        db.session.commit()
        event_id = event.id
    login(world.users.admin)
    page = client.get(f"/competitions/events/{event_id}/judges").get_data(as_text=True)
    assert "可评分裁判不足" in page and "甲" in page


# #12 item 9: conflicts after the draw, no ids in registration order ---------------------------------

def test_a_conflict_declared_after_the_draw_changes_nothing_the_judge_sees_until_the_chief_decides(
        app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        event = db.session.get(Event, setup.event)
        event.lots_drawn_at = event.created_at
        db.session.commit()
    login(world.users.judge)
    page = f"/competitions/judging/events/{setup.event}"
    response = client.post(f"{page}/conflicts", data={"csrf_token": csrf_token(client, page),
                                                      "enterprise_id": world.ent_b, "reason": "曾在该单位任职"})
    assert response.status_code == 302
    assert "· 回避" not in client.get(f"/judging/events/{setup.event}").get_data(as_text=True)
    assert "回避：" not in client.get(page).get_data(as_text=True)
    with app.app_context():
        conflict = judges.pending_conflicts(db.session.get(Event, setup.event))[0]
        assert marking.recusal_reason(_user(world.users.judge), db.session.get(Contestant, setup.contestants[1])) \
            is None
        conflict_id = conflict.id
    login(setup.chief)
    control_page = f"/judging/events/{setup.event}/control"
    assert "曾在该单位任职" in client.get(control_page).get_data(as_text=True)
    client.post(f"/judging/events/{setup.event}/conflicts/{conflict_id}/decide",
                data={"csrf_token": csrf_token(client, control_page), "decision": "accept"})
    with app.app_context():
        assert marking.recusal_reason(_user(world.users.judge), db.session.get(Contestant, setup.contestants[1]))


def test_judges_pages_and_the_api_never_name_contestants_by_database_id(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        db.session.commit()
    login(world.users.judge)
    event_page = client.get(f"/judging/events/{setup.event}").get_data(as_text=True)
    links = re.findall(r'/contestants/([^"/]+)"', event_page)
    assert links and set(links) == {"A001", "A002", "A003"}
    sheet = client.get(sheet_url(setup)).get_data(as_text=True)
    assert not re.search(r'/contestants/\d+"', sheet)
    assert "contestant_id" not in sheet and 'data-contestant="A001"' in sheet


# 4. Two devices, one mark --------------------------------------------------------------------------

def test_many_saves_of_one_mark_from_three_devices_end_as_one_row_with_the_last_value(app, world, login):
    """Three tablets of one judge save the same mark 10 times each at the same moment (one
    thread and connection each): never an error, one row, and it holds the value saved last."""
    with app.app_context():
        setup = scoring_event(world)
        db.session.commit()
    url = f"/judging/events/{setup.event}/marks"
    aspect = setup.ids.aspects["尺寸精度"]
    posters = [(world.users.judge, url, sheet_url(setup),
                [{"aspect_id": aspect, "blind_number": "A001", "value": str(device * 10 + n),
                  "client_key": f"device{device}-{n}", "entry": 1} for n in range(10)])
               for device in (1, 2, 3)]
    outcomes = _post_together(app, login, posters)
    assert len(outcomes) == 30
    for outcome in outcomes:
        data, status, body = outcome
        assert status == 200 and body["ok"], outcome
    with app.app_context():
        values = db.session.scalars(select(Mark.value)).all()
        last = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.save")
                                  .order_by(AuditEntry.id.desc())).first()
        assert len(values) == 1 and str(values[0].normalize()) == last.changes["value"][1].rstrip("0").rstrip(".")


def test_a_save_that_replaces_another_devices_value_says_so(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        db.session.commit()
    login(world.users.judge)
    url = f"/judging/events/{setup.event}/marks"
    token = csrf_token(client, sheet_url(setup))
    base = {"csrf_token": token, "aspect_id": setup.ids.aspects["尺寸精度"], "blind_number": "A001", "entry": 1}
    first = client.post(url, data={**base, "value": "31", "client_key": "tablet-a", "base": ""}).get_json()
    assert "replaced" not in first
    # The second tablet still showed an empty field when its judge typed 32.
    second = client.post(url, data={**base, "value": "32", "client_key": "tablet-b", "base": ""}).get_json()
    assert second == {"ok": True, "value": "32", "changed": True, "replaced": "31"}
    third = client.post(url, data={**base, "value": "33", "client_key": "tablet-b2", "base": "32"}).get_json()
    assert "replaced" not in third


# 5. The judge's landing page -----------------------------------------------------------------------

def test_the_judges_landing_page_lists_their_events_with_state_and_progress(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        event = db.session.get(Event, setup.event)
        for aspect in event.aspects():
            marking.save_mark(event, _user(world.users.judge), db.session.get(Contestant, setup.contestants[0]),
                              aspect, "2" if aspect.is_judgement else "20", client_key=f"k{aspect.id}")
        db.session.commit()
        title = str(event)
    login(world.users.judge)
    landing = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert title in landing and "当前没有分配给您的赛项" not in landing
    events = client.get("/judging/").get_data(as_text=True)
    assert title in events and "评分中" in events and "已录入 3 / 9 项" in events


# Registration quota -----------------------------------------------------------------------------

def _slow_quota_check(monkeypatch):
    """Widen the race window: each registration pauses after counting the places taken, as a
    loaded server would, so that concurrent requests all count before any of them writes."""
    real = registration.places_taken

    def counted_then_paused(event, enterprise_id):
        taken = real(event, enterprise_id)
        time.sleep(0.3)
        return taken

    monkeypatch.setattr(registration, "places_taken", counted_then_paused)


def test_concurrent_registrations_after_a_withdrawal_never_exceed_the_quota(app, world, login, monkeypatch):
    """Quota 2: two registered, one of them withdrawn; then four registrations for the freed place
    at the same moment (one client, thread and connection each): exactly one gets it."""
    with app.app_context():
        event = make_event()
        competitions.open_registration(event, by=None)
        enterprise = _user(world.users.enterprise)
        first, second, *others = [_worker(world.ent_a, f"职工{n}") for n in range(6)]
        registration.register(event, first, by=enterprise)
        registration.withdraw(registration.register(event, second, by=enterprise), by=enterprise)
        db.session.commit()
        event_id, candidates = event.id, [second.id] + [w.id for w in others[:3]]
    page = f"/competitions/registration/events/{event_id}"
    _slow_quota_check(monkeypatch)
    posters = [(world.users.enterprise, f"{page}/workers/{worker_id}", page, [{}]) for worker_id in candidates]
    outcomes = _post_together(app, login, posters)
    assert [status for _, status, _ in outcomes] == [302] * 4, outcomes
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert registration.places_taken(event, world.ent_a) == 2


def test_the_quota_race_holds_for_direct_service_calls_too(app, world, monkeypatch):
    """The same race through the service, each thread with its own session."""
    with app.app_context():
        event = make_event()
        competitions.open_registration(event, by=None)
        enterprise = _user(world.users.enterprise)
        workers = [_worker(world.ent_a, f"工人{n}") for n in range(5)]
        registration.register(event, workers[0], by=enterprise)
        db.session.commit()
        event_id, ids = event.id, [w.id for w in workers[1:]]
    _slow_quota_check(monkeypatch)
    barrier = threading.Barrier(len(ids))
    errors = []

    def run(worker_id):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                registration.register(db.session.get(Event, event_id), db.session.get(Worker, worker_id),
                                      by=db.session.get(User, world.users.enterprise))
                db.session.commit()
            except DomainError:
                db.session.rollback()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        assert registration.places_taken(db.session.get(Event, event_id), world.ent_a) == 2


# Guidance for the people doing the work ------------------------------------------------------------

def test_a_redraw_needs_the_confirmation_box(app, world, client, login):
    with app.app_context():
        event = _drawn_event(world)
        db.session.commit()
        event_id = event.id
        before = sorted(c.blind_number for c in registration.contestants(event))
    login(world.users.admin)
    page = f"/competitions/events/{event_id}/contestants"
    client.post(f"/competitions/events/{event_id}/draw", data={"csrf_token": csrf_token(client, page)})
    with app.app_context():
        assert sorted(c.blind_number for c in registration.contestants(db.session.get(Event, event_id))) == before
    client.post(f"/competitions/events/{event_id}/draw", data={"csrf_token": csrf_token(client, page),
                                                               "confirmed": "y"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "event.redraw_lots")) == 1


def test_submitting_a_sheet_needs_the_confirmation_box(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        event = db.session.get(Event, setup.event)
        for contestant_id in setup.contestants:
            for aspect in event.modules[0].aspects():
                marking.save_mark(event, _user(world.users.judge), db.session.get(Contestant, contestant_id), aspect,
                                  "80", client_key=f"k{contestant_id}-{aspect.id}")
        db.session.commit()
    login(world.users.judge)
    url = f"/judging/events/{setup.event}/modules/{setup.ids.theory}/submit"
    token = csrf_token(client, f"/judging/events/{setup.event}")
    client.post(url, data={"csrf_token": token})
    with app.app_context():
        assert not marking.sheet_submitted(db.session.get(Event, setup.event), _user(world.users.judge),
                                           db.session.get(Event, setup.event).modules[0])
    client.post(url, data={"csrf_token": token, "confirmed": "y"})
    with app.app_context():
        assert marking.sheet_submitted(db.session.get(Event, setup.event), _user(world.users.judge),
                                       db.session.get(Event, setup.event).modules[0])


def test_the_chief_judge_confirms_several_discrepancies_with_one_note(app, world, client, login):
    from tests.competitions.test_marking import mark_all

    with app.app_context():
        setup = scoring_event(world)
        spread = {(c, "加工工艺合理性"): 0 for c in setup.contestants}
        mark_all(setup, setup.judges[0], spread)
        mark_all(setup, setup.judges[1])
        mark_all(setup, setup.judges[2])
        db.session.commit()
        open_ids = [d.id for d in control.open_discrepancies(db.session.get(Event, setup.event))]
    assert len(open_ids) == 3
    login(setup.chief)
    page = f"/judging/events/{setup.event}/control"
    html = client.get(page).get_data(as_text=True)
    assert 'data-testid="bulk-confirm"' in html and 'data-testid="judge-progress"' in html
    client.post(f"/judging/events/{setup.event}/discrepancies/confirm",
                data={"csrf_token": csrf_token(client, page), "discrepancy_id": open_ids,
                      "note": "现场复看，维持原分"})
    with app.app_context():
        event = db.session.get(Event, setup.event)
        assert control.open_discrepancies(event) == []
        assert {d.note for d in control.discrepancies(event)} == {"现场复看，维持原分"}


def test_a_reopened_sheet_says_which_contestant_and_item_to_rescore(app, world, client, login):
    from tests.competitions.test_marking import mark_all

    with app.app_context():
        setup = scoring_event(world)
        mark_all(setup, setup.judges[0], {(setup.contestants[1], "加工工艺合理性"): 0})
        mark_all(setup, setup.judges[1])
        mark_all(setup, setup.judges[2])
        (discrepancy,) = control.open_discrepancies(db.session.get(Event, setup.event))
        control.resolve_discrepancy(discrepancy, "rescored", judge_id=setup.judges[0], by=_user(setup.chief))
        db.session.commit()
    login(setup.judges[0])
    html = client.get(f"/judging/events/{setup.event}").get_data(as_text=True)
    listed = re.search(r'data-testid="rescore-list">(.*?)</div>', html, re.S).group(1)
    assert "A002 · 加工工艺合理性" in listed and "A001" not in listed


def test_the_tie_break_note_names_modules_not_internal_keys(app, world, client, login):
    from competitions.results_views import _tie_break_names

    with app.app_context():
        event = make_event()
        assert _tie_break_names(event)[0] == "技能操作" and "practical" not in _tie_break_names(event)


# Data rules ----------------------------------------------------------------------------------------

def test_scoring_does_not_start_before_the_competition_day_without_a_reason(app, world):
    with app.app_context():
        event = _drawn_event(world)
        assign_judges(event)
        event.held_on = beijing_today() + timedelta(days=1)
        db.session.commit()
        with pytest.raises(DomainError, match="尚未到来"):
            competitions.start_scoring(event, by=_user(world.users.admin))
        db.session.rollback()  # as the view does: nothing of the refused move stays
        assert event.state == "check_in" and not event.scheme_frozen
        competitions.start_scoring(event, by=_user(world.users.admin), early_reason="场地提前交付")
        assert event.state == "scoring"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.start_scoring_early")).one()
        assert entry.changes["reason"] == [None, "场地提前交付"]


def test_plan_indicators_count_an_event_as_held_only_once_its_results_are_published(app, world):
    from indicators import metrics

    with app.app_context():
        locked = make_event(state="locked")
        db.session.commit()
        assert metrics.get("competitions.events_held").compute().value == 0
        locked.state = "published"
        db.session.commit()
        assert metrics.get("competitions.events_held").compute().value == 1


def test_a_worker_is_at_least_16_and_has_no_more_years_in_the_trade_than_age_minus_16(app, world):
    from core.people import services as people

    with app.app_context():
        today = beijing_today()
        young = factories.worker_data(world.ent_a, id_number=factories.id_number(
            birth=today.replace(year=today.year - 15)), years_in_occupation=0)
        assert any(field == "id_number" and "未满 16 周岁" in message for field, message in people.problems(young)[0])
        thirty = date(today.year - 30, 1, 1)
        veteran = factories.worker_data(world.ent_a, id_number=factories.id_number(birth=thirty),
                                        years_in_occupation=15)
        (problem,) = people.problems(veteran)[0]
        assert problem[0] == "years_in_occupation" and "最多 14 年" in problem[1]
        fine = factories.worker_data(world.ent_a, id_number=factories.id_number(birth=thirty), years_in_occupation=14)
        assert people.problems(fine)[0] == []


def test_the_demo_data_is_consistent(app):
    """Years in the trade within age, nominations in the worker's own trade with a statement
    about it, standards numbered with the year they were issued."""
    from core import demo as core_demo
    from core.people.models import Worker as DemoWorker
    from craftsmen import demo as craftsmen_demo
    from craftsmen.models import Nomination
    from innovation_studios import demo as studios_demo
    from innovation_studios.achievements.models import Achievement

    with app.app_context():
        core_demo.load(workers_per_enterprise=10)
        craftsmen_demo.load()
        studios_demo.load()
        today = beijing_today()
        assert all(w.years_in_occupation <= w.age_on(today) - 16 for w in db.session.scalars(select(DemoWorker)))
        for nomination in db.session.scalars(select(Nomination)):
            assert nomination.occupation.name == nomination.worker.occupation
            assert nomination.occupation.name in nomination.statement
        for achievement in db.session.scalars(select(Achievement).where(Achievement.kind == "standard")):
            assert achievement.issuer.endswith(str(achievement.achieved_on.year))
