"""The judge's whole-sheet save: every filled mark is saved in a savepoint of its own, so a mark
refused half-way (after something was written) takes back only its own writes and the other
marks of the sheet are kept."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from competitions.models import Mark
from competitions.services import marking
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from tests.competitions.test_marking import setup, sheet_url  # noqa: F401 - the scoring event
from tests.conftest import csrf_token


def test_a_mark_refused_after_writing_loses_only_itself_and_the_sheet_keeps_the_others(
        app, world, client, login, setup, monkeypatch):  # noqa: F811
    measured, judged = setup.ids.aspects["尺寸精度"], setup.ids.aspects["加工工艺合理性"]
    real_save = marking.save_mark

    def save_then_refuse_measured(event, judge, contestant, aspect, text, **kwargs):
        result = real_save(event, judge, contestant, aspect, text, **kwargs)
        if aspect.id == measured:  # written and audited, then refused by a later check
            raise DomainError("复核未通过")
        return result

    monkeypatch.setattr(marking, "save_mark", save_then_refuse_measured)
    login(world.users.judge)
    response = client.post(sheet_url(setup), data={
        "csrf_token": csrf_token(client, sheet_url(setup)),
        f"mark-{measured}-1": "38", f"key-{measured}-1": uuid.uuid4().hex,
        f"mark-{judged}-1": "2", f"key-{judged}-1": uuid.uuid4().hex})
    assert response.status_code == 422 and "复核未通过" in response.get_data(as_text=True)
    with app.app_context():
        kept = db.session.execute(select(Mark.aspect_id, Mark.value)).all()
        assert [(aspect_id, int(value)) for aspect_id, value in kept] == [(judged, 2)]
        audited = db.session.scalars(select(AuditEntry.target_id).where(AuditEntry.action.like("mark.%"))).all()
        assert len(audited) == 1
