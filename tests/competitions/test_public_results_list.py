"""The public list of published competition results: newest first, a page at a time."""

from __future__ import annotations

from datetime import date, datetime

from competitions.models import Competition, Event, EventState
from core.extensions import db


def _events(app) -> None:
    with app.app_context():
        competition = Competition(title="2026年北京市职工职业技能大赛", year=2026)
        for day, occupation, state in ((1, "钳工", EventState.PUBLISHED), (3, "焊工", EventState.PUBLISHED),
                                       (2, "电工", EventState.PUBLISHED), (4, "车工", EventState.LOCKED)):
            db.session.add(Event(competition=competition, occupation=occupation, venue="北京",
                                 held_on=date(2026, 6, day), registration_opens=datetime(2026, 4, 1),
                                 registration_closes=datetime(2026, 5, 1), state=state.value,
                                 published_at=datetime(2026, 6, day + 1) if state == EventState.PUBLISHED else None))
        db.session.commit()


def test_published_results_are_listed_newest_first_a_page_at_a_time(app, world, client):
    _events(app)
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get("/competition-results").get_data(as_text=True)
        second = client.get("/competition-results?page=2").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 50
    assert first.index("焊工") < first.index("电工") and "钳工" not in first
    assert "钳工" in second and "焊工" not in second
    assert "page=2" in first
    assert "车工" not in first + second  # locked, not published
