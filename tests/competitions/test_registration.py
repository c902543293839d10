"""Registration, check-in and the lot draw: enterprises register their own eligible workers
within the quota while registration is open and withdraw them before check-in; administrators
import contestants from Excel (all rows or nothing), check them in and draw stations and
blind numbers; only administrators see which person stands behind which number."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from competitions.models import Contestant, Event
from competitions.services import competitions, registration
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.excel import workbook
from core.extensions import db
from core.people.importer import ImportRefused
from core.people.models import Worker
from core.timeutil import beijing_today, utcnow
from tests import factories
from tests.competitions.conftest import assign_judges, make_event
from tests.conftest import csrf_token
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice, resaved


def _open_event(**overrides) -> Event:
    """An event moved into registration through the state machine (window open now)."""
    event = make_event(**overrides)
    competitions.open_registration(event, by=None)
    return event


def _worker(enterprise_id: int, name: str, *, born: date = date(1990, 5, 1), level: str = "level_2") -> Worker:
    return factories.worker(enterprise_id, name=name, skill_level=level,
                            id_number=factories.id_number(birth=born))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def open_event(app, world):
    """Id of an event taking registrations: 技能等级 ≥ 三级, 18-55 岁, 2 places per enterprise."""
    with app.app_context():
        event = _open_event()
        db.session.commit()
        return event.id


# Enterprises register ---------------------------------------------------------------------

def test_enterprise_registers_its_own_eligible_worker(app, world, client, login, open_event):
    login(world.users.enterprise)
    url = f"/competitions/registration/events/{open_event}"
    page = client.get(url).get_data(as_text=True)
    assert "李明" in page
    response = client.post(f"{url}/workers/{world.worker_a}", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    with app.app_context():
        contestant = db.session.scalar(select(Contestant))
        assert (contestant.worker_id, contestant.enterprise_id, contestant.status) == (
            world.worker_a, world.ent_a, "registered")
        assert contestant.blind_number is None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contestant.register"))


def test_open_events_page_lists_events_in_registration(app, world, client, login, open_event):
    with app.app_context():
        make_event(occupation="焊工", competition=db.session.get(Event, open_event).competition)
        db.session.commit()
    login(world.users.enterprise)
    page = client.get("/competitions/registration/").get_data(as_text=True)
    assert "钳工" in page and "焊工" not in page


def test_registration_refused_when_skill_level_is_below_the_events_minimum(app, world, open_event):
    with app.app_context():
        worker = _worker(world.ent_a, "低级工", level="level_4")
        with pytest.raises(DomainError, match="技能等级未达到"):
            registration.register(db.session.get(Event, open_event), worker, by=_user(world.users.enterprise))


@pytest.mark.parametrize(("age", "rule"), [(17, "未满 18 周岁"), (56, "超过 55 周岁")])
def test_registration_refused_when_age_on_the_event_day_is_outside_the_range(app, world, open_event, age, rule):
    with app.app_context():
        event = db.session.get(Event, open_event)
        day = event.held_on if (event.held_on.month, event.held_on.day) != (2, 29) else event.held_on - timedelta(1)
        worker = factories.worker(world.ent_a, name="年龄不符", skill_level="level_2", years_in_occupation=0,
                                  id_number=factories.id_number(birth=day.replace(year=day.year - age)))
        with pytest.raises(DomainError, match=rule):
            registration.register(event, worker, by=_user(world.users.enterprise))


def test_registration_refused_when_the_enterprise_quota_is_full(app, world, open_event):
    with app.app_context():
        event, by = db.session.get(Event, open_event), _user(world.users.enterprise)
        for name in ("甲", "乙"):
            registration.register(event, _worker(world.ent_a, name), by=by)
        with pytest.raises(DomainError, match="名额已满"):
            registration.register(event, _worker(world.ent_a, "丙"), by=by)
        # Another enterprise's places are its own.
        registration.register(event, _worker(world.ent_b, "丁"), by=_user(world.users.other_enterprise))


def test_registering_the_same_worker_twice_is_refused(app, world, open_event):
    with app.app_context():
        event, by = db.session.get(Event, open_event), _user(world.users.enterprise)
        worker = db.session.get(Worker, world.worker_a)
        registration.register(event, worker, by=by)
        with pytest.raises(DomainError, match="已报名本赛项"):
            registration.register(event, worker, by=by)


def test_registration_refused_before_the_event_opens_it_or_outside_the_window(app, world):
    with app.app_context():
        by, worker = _user(world.users.enterprise), db.session.get(Worker, world.worker_a)
        draft = make_event()
        with pytest.raises(DomainError, match="不接受报名"):
            registration.register(draft, worker, by=by)
        closed = _open_event(occupation="焊工", competition=draft.competition,
                             registration_opens=utcnow() - timedelta(days=10),
                             registration_closes=utcnow() - timedelta(days=1))
        with pytest.raises(DomainError, match="不在报名时间内"):
            registration.register(closed, worker, by=by)


def test_enterprise_cannot_register_another_enterprises_worker(app, world, client, login, open_event):
    login(world.users.enterprise)
    url = f"/competitions/registration/events/{open_event}"
    response = client.post(f"{url}/workers/{world.worker_b}", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Contestant)) is None
        with pytest.raises(DomainError, match="只能为本单位的职工报名"):
            registration.register(db.session.get(Event, open_event), db.session.get(Worker, world.worker_b),
                                  by=_user(world.users.enterprise))


# Enterprises withdraw -----------------------------------------------------------------------

def test_withdrawing_before_check_in_frees_the_place_and_allows_registering_again(app, world, client, login,
                                                                                   open_event):
    with app.app_context():
        contestant = registration.register(db.session.get(Event, open_event),
                                           db.session.get(Worker, world.worker_a), by=_user(world.users.enterprise))
        db.session.commit()
        contestant_id = contestant.id
    login(world.users.enterprise)
    url = f"/competitions/registration/events/{open_event}"
    response = client.post(f"/competitions/registration/contestants/{contestant_id}/withdraw",
                           data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.get(Event, open_event)
        assert db.session.get(Contestant, contestant_id).status == "withdrawn"
        assert registration.places_taken(event, world.ent_a) == 0
        again = registration.register(event, db.session.get(Worker, world.worker_a), by=_user(world.users.enterprise))
        assert again.id == contestant_id and again.status == "registered"


def test_withdrawing_is_refused_once_checked_in(app, world, open_event):
    with app.app_context():
        event = db.session.get(Event, open_event)
        contestant = registration.register(event, db.session.get(Worker, world.worker_a),
                                           by=_user(world.users.enterprise))
        competitions.start_check_in(event, by=None)
        registration.check_in(contestant, by=None)
        with pytest.raises(DomainError, match="不能撤回报名"):
            registration.withdraw(contestant, by=_user(world.users.enterprise))


def test_enterprise_cannot_withdraw_another_enterprises_contestant(app, world, client, login, open_event):
    with app.app_context():
        contestant = registration.register(db.session.get(Event, open_event), db.session.get(Worker, world.worker_b),
                                           by=_user(world.users.other_enterprise))
        db.session.commit()
        contestant_id = contestant.id
    login(world.users.enterprise)
    url = f"/competitions/registration/events/{open_event}"
    response = client.post(f"/competitions/registration/contestants/{contestant_id}/withdraw",
                           data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 403


def test_enterprise_page_shows_only_its_own_registrations(app, world, client, login, open_event):
    with app.app_context():
        event = db.session.get(Event, open_event)
        registration.register(event, db.session.get(Worker, world.worker_a), by=_user(world.users.enterprise))
        registration.register(event, db.session.get(Worker, world.worker_b), by=_user(world.users.other_enterprise))
        db.session.commit()
    login(world.users.enterprise)
    page = client.get(f"/competitions/registration/events/{open_event}").get_data(as_text=True)
    assert "李明" in page and "王芳" not in page


# Administrators import ----------------------------------------------------------------------

def _sheet(rows) -> io.BytesIO:
    return io.BytesIO(workbook("参赛选手", registration.IMPORT_COLUMNS, rows))


def _post_sheet(client, event_id: int, rows):
    url = f"/competitions/events/{event_id}/contestants/import"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (_sheet(rows), "选手.xlsx")},
                       content_type="multipart/form-data")


def test_admin_imports_contestants_from_excel(app, world, client, login, open_event):
    with app.app_context():
        rows = [(w.name, w.id_number, "钳工") for w in (db.session.get(Worker, world.worker_a),
                                                       db.session.get(Worker, world.worker_b))]
    login(world.users.admin)
    response = _post_sheet(client, open_event, rows)
    assert response.status_code == 302
    with app.app_context():
        imported = db.session.scalars(select(Contestant)).all()
        assert {c.worker_id for c in imported} == {world.worker_a, world.worker_b}
        assert {c.source for c in imported} == {"import"}


@needs_libreoffice
def test_a_contestant_sheet_saved_again_in_libreoffice_calc_imports_alike(app, world, client, login, open_event):
    with app.app_context():
        rows = [(w.name, w.id_number, "钳工") for w in (db.session.get(Worker, world.worker_a),
                                                       db.session.get(Worker, world.worker_b))]
    login(world.users.admin)
    template = client.get("/competitions/contestants-template.xlsx").data
    assert_calc_reads_alike(template)
    url = f"/competitions/events/{open_event}/contestants/import"
    sheet = resaved(_sheet(rows).getvalue())
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "file": (io.BytesIO(sheet), "选手.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert {c.worker_id for c in db.session.scalars(select(Contestant))} == {world.worker_a, world.worker_b}


def test_import_lists_every_bad_row_and_imports_nothing(app, world, client, login, open_event):
    with app.app_context():
        worker_a = db.session.get(Worker, world.worker_a)
        junior = _worker(world.ent_c, "初级工", level="level_5")
        rows = [(worker_a.name, worker_a.id_number, ""),           # 2: fine on its own
                ("", "110105199001011234", ""),                     # 3: no name, bad check digit
                ("张三", factories.id_number(), ""),                 # 4: no such worker
                ("王五", worker_a.id_number, ""),                    # 5: same person as row 2, name
                (junior.name, junior.id_number, "焊工")]             # 6: wrong occupation, not eligible
        db.session.commit()
    login(world.users.admin)
    response = _post_sheet(client, open_event, rows)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="import-problems"' in page
    with app.app_context():
        assert db.session.scalar(select(Contestant)) is None
        event = db.session.get(Event, open_event)
        _ready, problems = registration.parse_import(event, [(n, dict(zip(registration.IMPORT_COLUMNS[:3], r,
                                                                          strict=True)))
                                                             for n, r in enumerate(rows, start=2)])
    found = {(p.row, p.column) for p in problems}
    assert {(3, "姓名"), (3, "身份证号"), (4, "身份证号"), (5, "身份证号"), (6, "工种"), (6, "身份证号")} <= found
    assert not any(p.row == 2 for p in problems)


def test_import_respects_the_quota_counting_rows_of_the_same_file(app, world, open_event):
    with app.app_context():
        event = db.session.get(Event, open_event)
        workers = [_worker(world.ent_a, name) for name in ("甲", "乙", "丙")]
        rows = [(n, {"姓名": w.name, "身份证号": w.id_number}) for n, w in enumerate(workers, start=2)]
        with pytest.raises(ImportRefused) as refused:
            registration.import_contestants(event, rows, by=None)
        assert [(p.row, p.column) for p in refused.value.problems] == [(4, "身份证号")]
        assert "名额已满" in refused.value.problems[0].reason


def test_import_problems_never_repeat_the_id_number(app, world, open_event):
    with app.app_context():
        number = factories.id_number()
        _ready, problems = registration.parse_import(db.session.get(Event, open_event),
                                                     [(2, {"姓名": "张三", "身份证号": number})])
        assert problems and all(number not in p.reason for p in problems)


def test_admin_downloads_the_import_template(world, client, login):
    login(world.users.admin)
    response = client.get("/competitions/contestants-template.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_only_administrators_import_or_see_the_contestant_list(world, client, login, open_event):
    for identity in ("enterprise", "judge", "worker"):
        login(getattr(world.users, identity))
        assert client.get(f"/competitions/events/{open_event}/contestants").status_code == 403
        assert client.get(f"/competitions/events/{open_event}/contestants/import").status_code == 403


# Check-in and the lot draw ------------------------------------------------------------------

def _checked_in_event(world, names=("甲", "乙", "丙")) -> Event:
    """An event in check-in with the given ent_a/ent_b/ent_c workers registered (one each)."""
    event = _open_event(quota_per_enterprise=5)
    for name, enterprise in zip(names, (world.ent_a, world.ent_b, world.ent_c) * 3, strict=False):
        registration.import_contestants(event, [(2, {"姓名": name, "身份证号": _worker(enterprise, name).id_number})],
                                        by=None)
    competitions.start_check_in(event, by=None)
    event.held_on = beijing_today()  # the competition day
    return event


def test_check_in_is_refused_before_check_in_starts(app, world, open_event):
    with app.app_context():
        event = db.session.get(Event, open_event)
        contestant = registration.register(event, db.session.get(Worker, world.worker_a),
                                           by=_user(world.users.enterprise))
        with pytest.raises(DomainError, match="只有检录阶段"):
            registration.check_in(contestant, by=None)


def test_admin_checks_in_one_contestant_then_all_the_others(app, world, client, login):
    with app.app_context():
        event = _checked_in_event(world)
        db.session.commit()
        event_id, first = event.id, registration.contestants(event)[0].id
    login(world.users.admin)
    page_url = f"/competitions/events/{event_id}/contestants"
    token = csrf_token(client, page_url)
    assert client.post(f"/competitions/contestants/{first}/check-in", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Contestant, first).status == "checked_in"
    assert client.post(f"/competitions/events/{event_id}/check-in-all", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert {c.status for c in db.session.scalars(select(Contestant))} == {"checked_in"}


def test_the_draw_gives_each_checked_in_contestant_a_unique_station_and_blind_number(app, world):
    with app.app_context():
        event = _checked_in_event(world, names=("甲", "乙", "丙", "丁", "戊"))
        absent = registration.contestants(event)[-1]
        for contestant in registration.contestants(event)[:-1]:
            registration.check_in(contestant, by=None)
        assert registration.draw_lots(event, by=_user(world.users.admin)) == 4
        drawn = [c for c in registration.contestants(event) if c.blind_number]
        assert len(drawn) == 4 and absent.blind_number is None and absent.station is None
        assert len({c.blind_number for c in drawn}) == 4 and len({c.station for c in drawn}) == 4
        assert sorted(c.station for c in drawn) == ["01", "02", "03", "04"]
        assert all(len(c.blind_number) >= 3 and c.blind_number.isdigit() for c in drawn)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.draw_lots"))
        assert entry is not None and "甲" not in str(entry.changes) and event.lots_drawn_at is not None


def test_blind_numbers_are_random_not_in_registration_order(app, world):
    with app.app_context():
        event = _checked_in_event(world, names=("甲", "乙", "丙", "丁", "戊", "己"))
        registration.check_in_all(event, by=None)
        draws = set()
        for _ in range(5):
            registration.draw_lots(event, by=None)
            draws.add(tuple(c.blind_number for c in registration.contestants(event)))
        assert len(draws) > 1  # six random three-digit numbers drawn alike five times: ~never
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.redraw_lots"))


def test_draw_refused_without_checked_in_contestants_or_before_check_in(app, world, open_event):
    with app.app_context():
        event = db.session.get(Event, open_event)
        with pytest.raises(DomainError, match="只有检录阶段"):
            registration.draw_lots(event, by=None)
        competitions.start_check_in(event, by=None)
        with pytest.raises(DomainError, match="还没有已检录的选手"):
            registration.draw_lots(event, by=None)


def test_redraw_is_refused_once_scoring_has_started(app, world):
    with app.app_context():
        event = _checked_in_event(world)
        registration.check_in_all(event, by=None)
        registration.draw_lots(event, by=None)
        assign_judges(event)
        competitions.start_scoring(event, by=None)
        numbers = [c.blind_number for c in registration.contestants(event)]
        with pytest.raises(DomainError, match="评分开始后不能重新抽签"):
            registration.draw_lots(event, by=None)
        assert [c.blind_number for c in registration.contestants(event)] == numbers


def test_only_the_administrator_sees_names_beside_blind_numbers(app, world, client, login):
    from competitions.services import judges

    with app.app_context():
        event = _checked_in_event(world)
        registration.check_in_all(event, by=None)
        registration.draw_lots(event, by=None)
        judges.assign_judge(event, _user(world.users.judge), by=None)
        db.session.commit()
        event_id = event.id
        numbers = [c.blind_number for c in registration.contestants(event)]
    login(world.users.admin)
    admin_page = client.get(f"/competitions/events/{event_id}/contestants").get_data(as_text=True)
    assert all(n in admin_page for n in numbers) and "甲" in admin_page
    login(world.users.judge)
    judge_page = client.get(f"/competitions/judging/events/{event_id}").get_data(as_text=True)
    assert all(n in judge_page for n in numbers)
    assert not any(name in judge_page for name in ("甲", "乙", "丙"))


def test_scoring_cannot_start_while_a_checked_in_contestant_has_no_blind_number(app, world):
    with app.app_context():
        event = _checked_in_event(world)
        registration.check_in_all(event, by=None)
        with pytest.raises(DomainError, match="没有抽签"):
            competitions.start_scoring(event, by=None)
        registration.draw_lots(event, by=None)
        assign_judges(event)
        competitions.start_scoring(event, by=None)
        assert event.state == "scoring"


def test_a_worker_of_another_trade_enters_only_through_the_administrator_with_a_reason(app, world):
    with app.app_context():
        event = _open_event()
        welder = factories.worker(world.ent_a, name="焊工甲", occupation="焊工", skill_level="level_2",
                                  id_number=factories.id_number(birth=date(1990, 5, 1)))
        with pytest.raises(DomainError, match="与本赛项“钳工”不符"):
            registration.register(event, welder, by=_user(world.users.enterprise))
        with pytest.raises(ImportRefused):
            registration.import_contestants(event, [(2, {"姓名": "焊工甲", "身份证号": welder.id_number})], by=None)
        registration.import_contestants(event, [(2, {"姓名": "焊工甲", "身份证号": welder.id_number,
                                                     "跨工种理由": "钳焊复合岗位，组委会同意"})],
                                        by=_user(world.users.admin))
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contestant.register")).one()
        assert entry.changes["cross_trade_reason"] == [None, "钳焊复合岗位，组委会同意"]
