"""The chief judge: discrepancies, lock, recheck draw, full recheck, changes after lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from competitions.models import Event, Mark, MarkChange, RecheckItem
from competitions.services import control, marking
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from tests.competitions.test_marking import mark_all, save, scoring_event
from tests.conftest import csrf_token


def _all_judges_mark(setup, values=None, judged=None):
    """Every judge marks everything; ``judged`` maps a judge index to a judgement score."""
    for index, judge_id in enumerate(setup.judges):
        own = dict(values or {})
        if judged and index in judged:
            own.update({(c, "加工工艺合理性"): judged[index] for c in setup.contestants})
        mark_all(setup, judge_id, own)


def _chief(setup):
    return db.session.get(User, setup.chief)


def test_discrepancy_flagged_when_judgement_marks_more_than_one_apart_and_confirmed(app, world):
    with app.app_context():
        setup = scoring_event(world)
        _all_judges_mark(setup, judged={0: 0, 1: 2, 2: 1})
        event = db.session.get(Event, setup.event)
        flagged = control.open_discrepancies(event)
        assert len(flagged) == 3 and {d.kind for d in flagged} == {"judgement_spread"}
        with pytest.raises(DomainError, match="分歧"):
            control.lock_event(event, by=_chief(setup))
        with pytest.raises(DomainError, match="说明"):
            control.resolve_discrepancy(flagged[0], "confirmed", note="", by=_chief(setup))
        with pytest.raises(DomainError, match="裁判长"):
            control.resolve_discrepancy(flagged[0], "confirmed", note="已核对",
                                        by=db.session.get(User, world.users.judge))
        for d in flagged:
            control.resolve_discrepancy(d, "confirmed", note="现场核对无误", by=_chief(setup))
        assert control.open_discrepancies(event) == []
        assert control.lock_problems(event) == []


def test_rescore_reopens_one_judges_mark_and_resubmission_clears_discrepancy(app, world):
    with app.app_context():
        setup = scoring_event(world, contestants=1)
        _all_judges_mark(setup, judged={0: 0, 1: 2, 2: 2})
        event = db.session.get(Event, setup.event)
        (flagged,) = control.open_discrepancies(event)
        control.resolve_discrepancy(flagged, "rescored", note="请复看工艺", judge_id=world.users.judge,
                                    by=_chief(setup))
        assert "正在重新评分" in "".join(control.lock_problems(event))
        judge = world.users.judge
        with pytest.raises(DomainError, match="已提交"):  # only the reopened mark may change
            save(setup, judge, setup.contestants[0], "尺寸精度", 31)
        save(setup, judge, setup.contestants[0], "加工工艺合理性", 1)
        module = next(m for m in event.modules if m.name == "技能操作")
        marking.submit_sheet(event, db.session.get(User, judge), module)
        db.session.refresh(flagged)
        assert flagged.is_resolved and control.lock_problems(event) == []


def test_double_entry_measurement_disagreement_flagged(app, world):
    with app.app_context():
        setup = scoring_event(world, contestants=1)
        db.session.get(Event, setup.event).double_entry_measurement = True
        for judge_id in setup.judges:
            for entry in (1, 2):
                save(setup, judge_id, setup.contestants[0], "笔试成绩", 80, entry=entry)
                save(setup, judge_id, setup.contestants[0], "尺寸精度",
                     31 if (judge_id == world.users.judge and entry == 2) else 30, entry=entry)
            save(setup, judge_id, setup.contestants[0], "加工工艺合理性", 2)
            event = db.session.get(Event, setup.event)
            for module in event.modules:
                marking.submit_sheet(event, db.session.get(User, judge_id), module)
        (flagged,) = control.open_discrepancies(event)
        assert flagged.kind == "double_entry" and f"{world.users.judge}/2" in flagged.detail


def test_lock_refused_while_sheets_missing(app, world):
    with app.app_context():
        setup = scoring_event(world)
        mark_all(setup, world.users.judge)
        event = db.session.get(Event, setup.event)
        with pytest.raises(DomainError, match="尚未提交"):
            control.lock_event(event, by=_chief(setup))
        assert event.state == "scoring"


def test_recheck_list_contains_top_10_and_at_least_15_percent_of_the_rest(app, world):
    with app.app_context():
        setup = scoring_event(world, contestants=25)
        # Distinct totals: contestant i has 笔试成绩 50 + i, so the last registered ranks first.
        values = {(c, "笔试成绩"): 50 + i for i, c in enumerate(setup.contestants)}
        _all_judges_mark(setup, values)
        event = db.session.get(Event, setup.event)
        items = control.lock_event(event, by=_chief(setup), seed="seed-1")
        assert event.state == "locked" and event.locked_by_id == setup.chief
        top = [i.contestant_id for i in items if i.reason == "top"]
        drawn = [i.contestant_id for i in items if i.reason == "sample"]
        assert top == list(reversed(setup.contestants))[:10]
        assert len(drawn) >= 0.15 * 15 and not set(drawn) & set(top)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.recheck_draw"))
        assert entry.changes["recheck_seed"] == [None, "seed-1"]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.lock")) is not None


def test_more_than_5_percent_wrong_requires_full_recheck(app, world):
    with app.app_context():
        setup = scoring_event(world, contestants=12)
        _all_judges_mark(setup, {(c, "笔试成绩"): 50 + i for i, c in enumerate(setup.contestants)})
        event = db.session.get(Event, setup.event)
        items = control.lock_event(event, by=_chief(setup), seed="s")
        assert len(items) == 11  # top 10 + ceil(15% of 2)
        with pytest.raises(DomainError, match="说明"):
            control.record_recheck(items[0], "wrong", note="", by=_chief(setup))
        control.record_recheck(items[0], "wrong", note="加总错误", by=_chief(setup))
        for item in items[1:]:
            control.record_recheck(item, "correct", by=_chief(setup))
        assert event.full_recheck_required
        listed = {i.contestant_id for i in control.recheck_items(event)}
        assert listed == set(setup.contestants)
        with pytest.raises(DomainError, match="未复核"):
            control.complete_recheck(event, by=_chief(setup))
        for item in control.recheck_items(event):
            if item.outcome is None:
                control.record_recheck(item, "correct", by=_chief(setup))
        control.complete_recheck(event, by=_chief(setup))
        assert event.state == "rechecked" and event.rechecked_at is not None


def test_post_lock_change_needs_chief_and_reason_and_is_audited(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        _all_judges_mark(setup)
        event = db.session.get(Event, setup.event)
        control.lock_event(event, by=_chief(setup))
        mark = db.session.scalar(select(Mark).where(Mark.judge_id == world.users.judge).limit(1))
        with pytest.raises(DomainError, match="裁判长"):
            control.change_mark(mark, "70", reason="录入错误", by=db.session.get(User, world.users.judge))
        with pytest.raises(DomainError, match="理由"):
            control.change_mark(mark, "70", reason=" ", by=_chief(setup))
        old = mark.value
        control.change_mark(mark, "70", reason="录入错误，按原始记录更正", by=_chief(setup))
        db.session.commit()
        change = db.session.scalar(select(MarkChange))
        assert (change.old_value, change.new_value, change.approved_by_id) == (old, 70, setup.chief)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mark.change_after_lock"))
        assert entry.changes["value"] == [str(old), "70"] and entry.changes["reason"][1].startswith("录入错误")
        event_id, mark_id = setup.event, mark.id
    login(world.users.judge)  # an ordinary judge may not use the chief's page
    assert client.get(f"/judging/events/{event_id}/control").status_code == 403
    login(setup.chief)
    token = csrf_token(client, f"/judging/events/{event_id}/control")
    client.post(f"/judging/events/{event_id}/marks/{mark_id}/change",
                data={"csrf_token": token, "value": "60", "reason": ""})
    with app.app_context():
        assert db.session.get(Mark, mark_id).value == 70


def test_names_revealed_to_chief_judge_only_after_lock(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        _all_judges_mark(setup)
        db.session.commit()
    login(setup.chief)
    url = f"/judging/events/{setup.event}/control"
    assert "李明" not in client.get(url).get_data(as_text=True)
    client.post(f"/judging/events/{setup.event}/lock", data={"csrf_token": csrf_token(client, url),
                                                          "confirmed": "y"})
    with app.app_context():
        assert db.session.get(Event, setup.event).state == "locked"
        assert db.session.scalar(select(RecheckItem).limit(1)) is not None
    assert "李明" in client.get(url).get_data(as_text=True)


def test_locking_needs_the_confirmation_box_ticked(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        _all_judges_mark(setup)
        db.session.commit()
    login(setup.chief)
    url = f"/judging/events/{setup.event}/control"
    response = client.post(f"/judging/events/{setup.event}/lock",
                           data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "请先勾选确认" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, setup.event).state == "scoring"


def test_the_control_page_names_the_judges_of_a_discrepancy(app, world, client, login):
    with app.app_context():
        setup = scoring_event(world)
        _all_judges_mark(setup, judged={0: 0, 1: 2, 2: 1})
        db.session.commit()
        names = [db.session.get(User, j).display_name for j in setup.judges]
    login(setup.chief)
    html = client.get(f"/judging/events/{setup.event}/control").get_data(as_text=True)
    assert all(name in html for name in names)


def test_judges_measured_marks_close_together_are_not_a_discrepancy(app, world):
    """Several judges measuring the same aspect differ a little: that is not a double entry."""
    with app.app_context():
        setup = scoring_event(world, contestants=1)
        first = setup.contestants[0]
        for index, judge_id in enumerate(setup.judges):
            mark_all(setup, judge_id, {(first, "尺寸精度"): 30 + index})  # 30, 31, 32 of 40
        assert control.open_discrepancies(db.session.get(Event, setup.event)) == []


def test_a_measured_mark_far_from_the_other_judges_is_flagged_for_the_chief(app, world):
    with app.app_context():
        setup = scoring_event(world, contestants=1)
        first = setup.contestants[0]
        for judge_id, value in zip(setup.judges, (30, 31, 12), strict=True):  # 12 is 18.5 below, > 20% of 40
            mark_all(setup, judge_id, {(first, "尺寸精度"): value})
        (flagged,) = control.open_discrepancies(db.session.get(Event, setup.event))
        assert flagged.kind == "outlier"


def test_the_events_judgement_spread_setting_is_used(app, world):
    with app.app_context():
        setup = scoring_event(world, contestants=1)
        event = db.session.get(Event, setup.event)
        event.judgement_max_spread = 2
        _all_judges_mark(setup, judged={0: 0, 1: 2, 2: 1})
        assert control.open_discrepancies(event) == []
