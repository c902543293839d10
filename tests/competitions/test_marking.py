"""Judges enter marks at the venue: blind numbers only, checked marks, idempotent saves,
separate rows per judge, read-only after the sheet is submitted."""

from __future__ import annotations

import dataclasses
import re
import threading
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from competitions.models import (
    Contestant,
    Event,
    JudgeAssignment,
    JudgeSheetSubmission,
    Mark,
    SchemeAspect,
    SchemeModule,
)
from competitions.services import marking
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from core.roles import Role
from tests import factories
from tests.competitions.conftest import event_ids, make_competition, make_event
from tests.conftest import csrf_token


def scoring_event(world, *, contestants: int = 3, judges: int = 3, title: str = "评分中的竞赛",
                  **overrides) -> SimpleNamespace:
    """A scoring event with checked-in contestants (A001...; the first three are 李明, 王芳, 赵强),
    ``judges`` judges (the first is ``world.users.judge``) and a chief judge. Needs an app context."""
    event = make_event(make_competition(title), state="scoring", **overrides)
    workers = [world.worker_a, world.worker_b, world.worker_c]
    workers += [factories.worker(world.ent_c, name=f"选手{i}").id for i in range(3, contestants)]
    people = []
    for i, worker_id in enumerate(workers[:contestants], start=1):
        enterprise = db.session.get(Worker, worker_id).enterprise_id
        people.append(Contestant(event_id=event.id, worker_id=worker_id, enterprise_id=enterprise,
                                 status="checked_in", blind_number=f"A{i:03d}", station=f"S{i}"))
    judge_ids = [world.users.judge] + [factories.user(f"judge{i}_{event.id}", [Role.JUDGE]).id
                                       for i in range(2, judges + 1)]
    chief = factories.user(f"chief_{event.id}", [Role.JUDGE])
    db.session.add_all(people)
    db.session.add_all([JudgeAssignment(event_id=event.id, user_id=j) for j in judge_ids])
    db.session.add(JudgeAssignment(event_id=event.id, user_id=chief.id, is_chief=True))
    db.session.flush()
    ids = event_ids(event)
    return SimpleNamespace(event=ids.id, ids=ids, contestants=[c.id for c in people], judges=judge_ids,
                           chief=chief.id, blinds={c.id: c.blind_number for c in people})


def save(setup, judge_id, contestant_id, aspect_name, value, *, key=None, entry=1):
    """Save a mark through the service (app context)."""
    event = db.session.get(Event, setup.event)
    aspect = next(a for a in event.aspects() if a.name == aspect_name)
    return marking.save_mark(event, db.session.get(User, judge_id), db.session.get(Contestant, contestant_id),
                             aspect, str(value), client_key=key or uuid.uuid4().hex, entry=entry)


def mark_all(setup, judge_id, values=None):
    """The judge marks every contestant on every aspect (defaults: 80, 30, 2) and submits both sheets."""
    values = values or {}
    for contestant_id in setup.contestants:
        for name, default in (("笔试成绩", 80), ("尺寸精度", 30), ("加工工艺合理性", 2)):
            save(setup, judge_id, contestant_id, name, values.get((contestant_id, name), default))
    event = db.session.get(Event, setup.event)
    for module in event.modules:
        marking.submit_sheet(event, db.session.get(User, judge_id), module)


def sheet_url(setup, contestant_index=0, module="practical"):
    return (f"/judging/events/{setup.event}/modules/{getattr(setup.ids, module)}"
            f"/contestants/{setup.blinds[setup.contestants[contestant_index]]}")


@pytest.fixture
def setup(app, world):
    with app.app_context():
        created = scoring_event(world)
        db.session.commit()
        return created


def marks_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Mark))


# Who may score whom --------------------------------------------------------------------------------

def test_judge_cannot_see_or_score_another_event(app, world, client, login, setup):
    with app.app_context():
        other = make_event(make_competition("另一个竞赛"), state="scoring", occupation="焊工")
        contestant = Contestant(event_id=other.id, worker_id=world.worker_a, enterprise_id=world.ent_a,
                                status="checked_in", blind_number="B001")
        db.session.add(contestant)
        db.session.commit()
        other_ids = event_ids(other)
    login(world.users.judge)
    assert client.get(f"/judging/events/{other_ids.id}").status_code == 403
    assert client.get(f"/judging/events/{other_ids.id}/modules/{other_ids.practical}"
                      f"/contestants/B001").status_code == 403
    token = csrf_token(client, sheet_url(setup))
    response = client.post(f"/judging/events/{other_ids.id}/marks", data={
        "csrf_token": token, "aspect_id": other_ids.aspects["尺寸精度"], "blind_number": "B001",
        "value": "30", "client_key": uuid.uuid4().hex})
    assert response.status_code == 403
    assert marks_count(app) == 0


def test_judge_cannot_score_contestant_from_own_enterprise(app, world, client, login, setup):
    with app.app_context():
        db.session.get(User, world.users.judge).employer_id = world.ent_a  # 李明 (A001) works there
        db.session.commit()
        with pytest.raises(DomainError, match="回避"):
            save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 30)
        db.session.rollback()
    login(world.users.judge)
    page = client.get(f"/judging/events/{setup.event}").get_data(as_text=True)
    assert "A001 · 回避" in page
    token = csrf_token(client, sheet_url(setup, 1))
    response = client.post(f"/judging/events/{setup.event}/marks", data={
        "csrf_token": token, "aspect_id": setup.ids.aspects["尺寸精度"], "blind_number": "A001",
        "value": "30", "client_key": uuid.uuid4().hex})
    assert response.status_code == 422 and "回避" in response.get_json()["error"]
    assert marks_count(app) == 0


def test_judge_never_sees_names_before_lock(app, world, client, login, setup):
    login(world.users.judge)
    pages = [client.get(f"/judging/events/{setup.event}"), client.get(sheet_url(setup)),
             client.get(sheet_url(setup, 1, "theory")), client.get("/judging/")]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        for name in ("李明", "王芳", "赵强", "朝阳精工"):
            assert name not in html
    assert "A001" in pages[0].get_data(as_text=True) and "A002" in pages[0].get_data(as_text=True)


# Checked marks -------------------------------------------------------------------------------------

def test_out_of_range_and_off_step_marks_refused_with_typed_values_kept(app, world, client, login, setup):
    login(world.users.judge)
    token = csrf_token(client, sheet_url(setup))
    measured, judged = setup.ids.aspects["尺寸精度"], setup.ids.aspects["加工工艺合理性"]
    response = client.post(sheet_url(setup), data={"csrf_token": token, f"mark-{measured}-1": "41",
                                                   f"key-{measured}-1": uuid.uuid4().hex,
                                                   f"mark-{judged}-1": "2", f"key-{judged}-1": uuid.uuid4().hex})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "分数应在 0 到 40" in html and 'value="41"' in html
    assert re.search(rf'id="A001-mark-{judged}-1-2" value="2"\s+checked', html)  # the good one is kept and saved
    theory = setup.ids.aspects["笔试成绩"]
    url = sheet_url(setup, 0, "theory")
    response = client.post(url, data={"csrf_token": csrf_token(client, url), f"mark-{theory}-1": "80.3",
                                      f"key-{theory}-1": uuid.uuid4().hex})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "的整数倍" in html and 'value="80.3"' in html
    with app.app_context():
        assert db.session.scalars(select(Mark.value)).all() == [2]
        for bad in ("4", "1.5", "-1", "abc"):
            with pytest.raises(DomainError):
                save(setup, world.users.judge, setup.contestants[1], "加工工艺合理性", bad)


def test_measurement_page_shows_step_and_decimal_keyboard_judgement_big_buttons(app, world, client, login, setup):
    login(world.users.judge)
    html = client.get(sheet_url(setup)).get_data(as_text=True)
    assert 'inputmode="decimal"' in html and "步长 1" in html
    judged = setup.ids.aspects["加工工艺合理性"]
    assert all(f'id="A001-mark-{judged}-1-{s}"' in html for s in "0123")
    assert "<script" in html and "js/marks.js" in html and "onclick" not in html


def test_measurement_aspects_show_their_unit_to_the_judge_on_the_sheet(app, world, client, login, setup):
    with app.app_context():
        db.session.get(SchemeAspect, setup.ids.aspects["尺寸精度"]).unit = "mm"
        db.session.commit()
    login(world.users.judge)
    html = client.get(sheet_url(setup)).get_data(as_text=True)
    assert '<span data-testid="unit">单位 mm</span>' in html
    judged = html.split("· 加工工艺合理性", 1)[1].split("</legend>", 1)[0]
    assert "单位" not in judged  # a judgement aspect has no unit


def test_marks_refused_when_event_not_scoring_or_locked(app, world, setup):
    with app.app_context():
        event = db.session.get(Event, setup.event)
        event.state = "check_in"
        with pytest.raises(DomainError, match="不在评分阶段"):
            save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 30)
        event.state = "locked"
        with pytest.raises(DomainError, match="已锁定"):
            save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 30)


# Saving --------------------------------------------------------------------------------------------

def test_replayed_client_key_changes_nothing(app, world, client, login, setup):
    login(world.users.judge)
    token = csrf_token(client, sheet_url(setup))
    data = {"csrf_token": token, "aspect_id": setup.ids.aspects["尺寸精度"],
            "blind_number": "A001", "value": "30", "client_key": "k-1"}
    first = client.post(f"/judging/events/{setup.event}/marks", data=data)
    replay = client.post(f"/judging/events/{setup.event}/marks", data={**data, "value": "35"})
    assert first.get_json() == {"ok": True, "value": "30", "changed": True}
    assert replay.get_json() == {"ok": True, "value": "30", "changed": False}
    with app.app_context():
        assert db.session.scalars(select(Mark.value)).all() == [30]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "mark.save")) == 1


def test_two_judges_marks_both_kept(app, world, client, login, setup):
    other_client = app.test_client()
    login(world.users.judge)
    login(setup.judges[1], as_client=other_client)
    # Both open the same sheet, then both save.
    tokens = [csrf_token(c, sheet_url(setup)) for c in (client, other_client)]
    judged = setup.ids.aspects["加工工艺合理性"]
    for c, token, score in zip((client, other_client), tokens, ("1", "3"), strict=True):
        response = c.post(sheet_url(setup), data={"csrf_token": token, f"mark-{judged}-1": score,
                                                  f"key-{judged}-1": uuid.uuid4().hex})
        assert response.status_code == 302
    with app.app_context():
        assert sorted(db.session.execute(select(Mark.judge_id, Mark.value)).all()) == sorted(
            [(world.users.judge, 1), (setup.judges[1], 3)])


def _post_together(app, login, posters) -> list:
    """Run each (user id, url, page with the form, [form data...]) poster in a thread of its own,
    with its own client and database connection, all released at the same moment by a barrier;
    returns (form data, status, JSON) of every post, or the exception a thread raised."""
    barrier = threading.Barrier(len(posters))
    outcomes: list = []

    def run(client, url, token, posts):
        try:
            barrier.wait(timeout=10)
            for data in posts:
                response = client.post(url, data={"csrf_token": token, **data})
                outcomes.append((data, response.status_code, response.get_json(silent=True)))
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcomes.append(error)

    threads = []
    for user_id, url, page, posts in posters:
        client = login(user_id, as_client=app.test_client())
        threads.append(threading.Thread(target=run, args=(client, url, csrf_token(client, page), posts)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_judges_saving_at_the_same_moment_lose_no_mark(app, world, login, setup):
    """Three judges save every mark of the event in parallel requests (one thread and one
    database connection each, released together): every mark is stored, each in its own row."""
    url = f"/judging/events/{setup.event}/marks"
    values = {"笔试成绩": "80", "尺寸精度": "30", "加工工艺合理性": "2"}
    posters = []
    for n, judge_id in enumerate(setup.judges):
        posts = [{"aspect_id": setup.ids.aspects[name], "blind_number": setup.blinds[contestant_id],
                  "value": str(int(value) - n), "client_key": f"{judge_id}-{contestant_id}-{name}", "entry": 1}
                 for contestant_id in setup.contestants for name, value in values.items()]
        posters.append((judge_id, url, sheet_url(setup), posts))
    outcomes = _post_together(app, login, posters)
    assert len(outcomes) == sum(len(posts) for *_, posts in posters)
    for outcome in outcomes:
        data, status, body = outcome  # an exception raised in a thread fails here, shown
        assert (status, body) == (200, {"ok": True, "value": data["value"], "changed": True}), outcome
    with app.app_context():
        stored = sorted(db.session.execute(select(Mark.judge_id, Mark.contestant_id, Mark.aspect_id, Mark.value)))
        ids = {blind: cid for cid, blind in setup.blinds.items()}
        expected = sorted((judge_id, ids[post["blind_number"]], post["aspect_id"], int(post["value"]))
                          for judge_id, _, _, posts in posters for post in posts)
        assert [tuple(row) for row in stored] == expected


def test_one_judge_saving_one_mark_from_two_tablets_at_once_ends_as_one_row(app, world, login, setup):
    """The same mark saved at the same moment from two tablets (two clients, two connections):
    one row, holding one of the two values; neither request fails."""
    url = f"/judging/events/{setup.event}/marks"
    aspect = setup.ids.aspects["尺寸精度"]
    posters = [(world.users.judge, url, sheet_url(setup),
                [{"aspect_id": aspect, "blind_number": "A001", "value": value,
                  "client_key": f"tablet-{value}", "entry": 1}]) for value in ("31", "32")]
    outcomes = _post_together(app, login, posters)
    assert [(status, body["ok"]) for _, status, body in outcomes] == [(200, True), (200, True)], outcomes
    with app.app_context():
        assert db.session.scalars(select(Mark.value)).all() in ([31], [32])


def test_same_judge_saving_one_mark_twice_at_once_ends_as_one_row(app, world, setup, monkeypatch):
    """The other tab's insert lands between our look-up and our write: we update its row, and
    the audit entry names the value its save stored as the one replaced."""
    with app.app_context():
        save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 30)
        db.session.commit()
        real = marking.save_context

        def missed_the_other_tab(*args, **kwargs):
            return dataclasses.replace(real(*args, **kwargs), existing=None)

        monkeypatch.setattr(marking, "save_context", missed_the_other_tab)
        result = save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 33)
        db.session.commit()
        assert result.changed
        assert db.session.scalars(select(Mark.value)).all() == [33]
        assert db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "mark.save")
                                  .order_by(AuditEntry.id)).all() == [{"value": [None, "30"]},
                                                                      {"value": ["30", "33"]}]


def test_marks_read_only_after_submission(app, world, client, login, setup):
    with app.app_context():
        mark_all(setup, world.users.judge)
        db.session.commit()
        with pytest.raises(DomainError, match="已提交"):
            save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 31)
        db.session.rollback()
        assert save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 30).changed is False
    login(world.users.judge)
    html = client.get(sheet_url(setup)).get_data(as_text=True)
    assert "分数为只读" in html and "readonly" in html


def test_sheet_refused_while_marks_missing(app, world, setup):
    with app.app_context():
        event = db.session.get(Event, setup.event)
        module = db.session.get(SchemeModule, setup.ids.practical)
        save(setup, world.users.judge, setup.contestants[0], "尺寸精度", 30)
        with pytest.raises(DomainError, match="未评分"):
            marking.submit_sheet(event, db.session.get(User, world.users.judge), module)
        assert db.session.scalar(select(func.count()).select_from(JudgeSheetSubmission)) == 0


def test_judge_sees_other_judges_marks_only_after_submitting_own_sheet(app, world, client, login, setup):
    with app.app_context():
        mark_all(setup, setup.judges[1], {(setup.contestants[0], "尺寸精度"): 37})
        db.session.commit()
    login(world.users.judge)
    assert "其他裁判" not in client.get(sheet_url(setup)).get_data(as_text=True)
    with app.app_context():
        mark_all(setup, world.users.judge)
        db.session.commit()
    html = client.get(sheet_url(setup)).get_data(as_text=True)
    assert "其他裁判：37" in html


def test_out_of_range_numbers_in_a_save_are_refused_in_chinese_not_failed(app, world, client, login, setup):
    login(world.users.judge)
    token = csrf_token(client, sheet_url(setup))
    url = f"/judging/events/{setup.event}/marks"
    data = {"csrf_token": token, "aspect_id": setup.ids.aspects["尺寸精度"], "blind_number": "A001",
            "value": "30", "client_key": uuid.uuid4().hex}
    too_far = client.post(url, data={**data, "entry": "99999999999"})
    assert too_far.status_code == 422 and too_far.get_json()["error"] == "录入次序无效"
    assert client.post(url, data={**data, "aspect_id": "99999999999"}).status_code == 404
    assert marks_count(app) == 0
