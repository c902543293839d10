"""Results of an event: computed from the marks with the event's tie-break and award rules,
published only from the rechecked state, shown to the public with names only once published,
to each worker only their own; judge analytics for the chief judge and administrators."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event as sa_event
from sqlalchemy import select

from competitions import scoring
from competitions.models import Award, Event, Result
from competitions.services import results
from competitions.states import IllegalTransition
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from tests import factories
from tests.competitions import results_data
from tests.competitions.conftest import event_ids
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice

D = Decimal


def _by_blind(data) -> dict[str, Result]:
    rows = db.session.scalars(select(Result).where(Result.event_id == data.event_id)).all()
    blind = {cid: b for b, cid in data.contestants.items()}
    return {blind[r.contestant_id]: r for r in rows}


def _compute(app, world, **overrides):
    with app.app_context():
        data = results_data.build(world, **overrides)
        results.compute_results(db.session.get(Event, data.event_id), by=None)
        db.session.commit()
        return data


def test_ranking_shares_a_place_on_equal_totals_and_breaks_ties_by_the_practical_module(app, world):
    data = _compute(app, world)
    with app.app_context():
        by_blind = _by_blind(data)
        assert {b: r.rank for b, r in by_blind.items()} == {"A101": 1, "B202": 1, "D404": 3, "C303": 4, "E505": 5}
        assert by_blind["A101"].rank_shared and by_blind["B202"].rank_shared
        assert not by_blind["D404"].rank_shared and not by_blind["C303"].rank_shared
        assert scoring.official(by_blind["D404"].total) == scoring.official(by_blind["C303"].total) == D("76.67")
        ids = event_ids(db.session.get(Event, data.event_id))
        practical = str(ids.practical)
        assert D(by_blind["D404"].module_totals[practical]) > D(by_blind["C303"].module_totals[practical])


def test_without_tie_break_keys_equal_totals_share_a_place(app, world):
    data = _compute(app, world, tie_break_kinds=[])
    with app.app_context():
        by_blind = _by_blind(data)
        assert by_blind["D404"].rank == by_blind["C303"].rank == 3
        assert by_blind["E505"].rank == 5


def test_award_counts_follow_the_event_ratios_and_tied_contestants_share_the_better_award(app, world):
    data = _compute(app, world)
    with app.app_context():
        awards = {b: r.award for b, r in _by_blind(data).items()}
    # 5 contestants at 10/20/30%: cumulative 0.5→1, 1.5→2, 3.0→3 places, so one of each,
    # but A101 and B202 share first place and both get the first prize.
    assert scoring.award_counts(5, (D("0.1"), D("0.2"), D("0.3"))) == (1, 1, 1)
    assert awards == {"A101": Award.FIRST.value, "B202": Award.FIRST.value, "D404": Award.THIRD.value,
                      "C303": None, "E505": None}


def test_award_ratios_are_read_from_the_event(app, world):
    data = _compute(app, world, first_prize_percent=D(20), second_prize_percent=D(20),
                    third_prize_percent=D(40))
    with app.app_context():
        awards = {b: r.award for b, r in _by_blind(data).items()}
    # cumulative 1, 2, 4 places
    assert awards == {"A101": "first", "B202": "first", "D404": "third", "C303": "third", "E505": None}


def test_results_store_standardised_scores_and_honours(app, world):
    data = _compute(app, world, promotion_top_n=2, title_top_n=1)
    with app.app_context():
        by_blind = _by_blind(data)
        # the median official total is 76.67 (D404 and C303): exactly 700
        assert by_blind["D404"].standardised == by_blind["C303"].standardised == D(700)
        assert by_blind["A101"].standardised > D(700) > by_blind["E505"].standardised
        assert {b for b, r in by_blind.items() if r.recommend_promotion} == {"A101", "B202"}
        assert {b for b, r in by_blind.items() if r.recommend_title} == {"A101", "B202"}


def test_computing_loads_all_marks_without_a_query_per_contestant(app, world):
    with app.app_context():
        data = results_data.build(world)
        event = db.session.get(Event, data.event_id)
        statements = []

        def count(*_args):
            statements.append(1)

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            results.compute_results(event, by=None)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        assert len(statements) <= 12  # scheme, contestants, marks, results, insert; not 5 × anything


def test_storing_new_results_moves_the_competition_pages_version(app, world):
    """New result rows are written in one SQL statement the session does not see; the public
    pages that show results must still be told (their cached copies would be stale)."""
    from core.public_cache import DataVersion

    version = select(DataVersion.version).where(DataVersion.feature == "competitions")
    with app.app_context():
        data = results_data.build(world)
        db.session.commit()
        before = db.session.scalar(version)
        event = db.session.get(Event, data.event_id)
        results._store(event, results.compute(event))  # the insert alone, no other change
        db.session.commit()
        assert db.session.scalar(version) != before


def test_a_missing_mark_is_refused_naming_the_blind_number(app, world):
    with app.app_context():
        data = results_data.build(world)
        from competitions.models import Mark

        mark = db.session.scalars(select(Mark).where(Mark.contestant_id == data.contestants["C303"])).first()
        db.session.delete(mark)
        db.session.flush()
        with pytest.raises(DomainError, match="C303"):
            results.compute_results(db.session.get(Event, data.event_id), by=None)


def test_results_cannot_be_computed_before_the_lock(app, world):
    with app.app_context():
        data = results_data.build(world, state="scoring")
        with pytest.raises(DomainError):
            results.compute_results(db.session.get(Event, data.event_id), by=None)


def test_publish_only_from_the_rechecked_state(app, world):
    with app.app_context():
        locked = results_data.build(world, state="locked")
        with pytest.raises(IllegalTransition):
            results.publish(db.session.get(Event, locked.event_id), by=None)
        assert db.session.scalar(select(Result.id).where(Result.event_id == locked.event_id)) is None
        data = results_data.build(world)
        admin = db.session.get(User, world.users.admin)
        stored = results.publish(db.session.get(Event, data.event_id), by=admin)
        db.session.commit()
        event = db.session.get(Event, data.event_id)
        assert event.state == "published" and event.published_at is not None
        rows = db.session.scalars(select(Result).where(Result.event_id == event.id)).all()
        assert len(stored) == len(rows) == 5 and all(r.published_at == event.published_at for r in rows)
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == event.id)))
        assert {"event.publish", "results.publish"} <= actions


def test_publish_route_refuses_a_locked_event(app, world, client, login):
    with app.app_context():
        data = results_data.build(world, state="locked")
        db.session.commit()
    login(world.users.admin)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post(f"/competitions/events/{data.event_id}/results/publish",
                               data={"confirmed": "y"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 200
    assert "不能变为" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, data.event_id).state == "locked"


def test_public_page_shows_names_only_after_publication_and_never_id_numbers(app, world, client):
    with app.app_context():
        data = results_data.build(world)
        results.compute_results(db.session.get(Event, data.event_id), by=None)
        db.session.commit()
    assert client.get(f"/competition-results/{data.event_id}").status_code == 404
    with app.app_context():
        results.publish(db.session.get(Event, data.event_id), by=None)
        db.session.commit()
        from core.people.models import Worker

        masked = db.session.get(Worker, world.worker_a).id_number_masked
    html = client.get(f"/competition-results/{data.event_id}").get_data(as_text=True)
    assert "李明" in html and "朝阳精工有限公司" in html and "82.33" in html
    assert "A101" not in html and masked not in html and masked[-4:] + "<" not in html
    assert "标准分 = 700 + 100" in html
    assert "四舍五入" in html


def test_worker_sees_only_own_published_results(app, world, client, login):
    with app.app_context():
        published = results_data.build(world)
        results.publish(db.session.get(Event, published.event_id), by=None)
        hidden = results_data.build(world, occupation="焊工")  # rechecked, not yet published
        results.compute_results(db.session.get(Event, hidden.event_id), by=None)
        db.session.commit()
    login(world.users.worker)  # worker_a: 李明, A101, 82.33
    html = client.get("/me/competition-results").get_data(as_text=True)
    assert "82.33" in html and "钳工" in html
    assert "焊工" not in html
    for other in ("76.67", "34.44"):
        assert other not in html


def _published_event(app, world) -> int:
    with app.app_context():
        data = results_data.build(world)
        results.publish(db.session.get(Event, data.event_id), by=None)
        db.session.commit()
        return data.event_id


def test_admin_exports_results_to_excel_without_id_numbers(app, world, client, login):
    event_id = _published_event(app, world)
    login(world.users.admin)
    response = client.get(f"/competitions/events/{event_id}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "并列", "加密号", "姓名", "企业")
    assert [r[3] for r in rows[1:]] == ["李明", "王芳", "孙伟", "赵强", "周杰"]
    assert all("身份证" not in str(h) for h in rows[0])


@needs_libreoffice
def test_libreoffice_calc_shows_the_results_export_as_written(app, world, client, login):
    event_id = _published_event(app, world)
    login(world.users.admin)
    shown = next(iter(assert_calc_reads_alike(client.get(f"/competitions/events/{event_id}/results.xlsx").data
                                              ).values()))
    assert [row[3] for row in shown[1:]] == ["李明", "王芳", "孙伟", "赵强", "周杰"]


def test_judge_analytics_visible_to_the_chief_judge_and_admin_only(app, world, client, login):
    with app.app_context():
        data = results_data.build(world, chief_user_id=world.users.judge)
        other = factories.user("other-judge", [Role.JUDGE])
        db.session.commit()
        other_id = other.id
    url = f"/competitions/events/{data.event_id}/judge-analytics"
    login(world.users.judge)
    assert client.get(url).status_code == 200
    login(world.users.admin)
    html = client.get(url).get_data(as_text=True)
    assert "平均偏差" in html and "results-judge" in html
    for user_id in (other_id, world.users.enterprise, world.users.worker):
        login(user_id)
        assert client.get(url).status_code == 403


def test_judge_analytics_show_severity_and_flag_rate(app, world):
    with app.app_context():
        data = results_data.build(world)
        # the third judge gives 1 where the others give 3 on C303: severe, flagged there
        from competitions.models import Mark

        mark = db.session.scalar(select(Mark).where(Mark.contestant_id == data.contestants["C303"],
                                                    Mark.judge_id == data.judges[2],
                                                    Mark.aspect_id == data.ids.aspects["加工工艺合理性"]))
        mark.value = D(1)
        db.session.flush()
        stats = results.judge_analytics(db.session.get(Event, data.event_id)).judgement
        severe = stats[data.judges[2]]
        assert severe.marks == 5 and severe.flagged == 1 and severe.mean_deviation < 0
        assert stats[data.judges[0]].mean_deviation > 0
