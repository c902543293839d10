"""Publishing an event's results issues award certificates to the award winners; an upheld
appeal brings them in line (issue, replace, revoke); a published event is a batch scope."""

from __future__ import annotations

from sqlalchemy import func, select

from certificates import sources
from certificates.models import Certificate, CertificateStatus
from certificates.services import batches
from competitions import certificates as award_certificates
from competitions.models import Appeal, Event, Mark, Result
from competitions.services import appeals, results
from core.accounts.models import User
from core.extensions import db
from core.timeutil import utc_to_beijing
from tests.competitions import results_data

AWARD_TEXT = {"first": "一等奖", "second": "二等奖", "third": "三等奖"}


def _publish(world, **overrides):
    data = results_data.build(world, **overrides)
    results.publish(db.session.get(Event, data.event_id), by=db.session.get(User, world.users.admin))
    db.session.commit()
    return data


def _live(contestant_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.live_key == award_certificates.source_key(contestant_id)))


def _assert_certificates_match_awards(data) -> None:
    for blind, contestant_id in data.contestants.items():
        result = db.session.scalar(select(Result).where(Result.contestant_id == contestant_id))
        certificate = _live(contestant_id)
        if result is not None and result.award:
            assert certificate is not None, blind
            assert dict(certificate.snapshot["details"])["奖项"] == AWARD_TEXT[result.award], blind
            assert certificate.snapshot["body"].endswith(f"中成绩优异，荣获{AWARD_TEXT[result.award]}。"), blind
        else:
            assert certificate is None, blind


def test_publishing_results_issues_a_certificate_to_each_award_winner(app, world):
    with app.app_context():
        data = _publish(world)
        event = db.session.get(Event, data.event_id)
        awarded = db.session.scalars(select(Result).where(Result.event_id == event.id,
                                                          Result.award.is_not(None))).all()
        assert awarded and len(awarded) < len(data.contestants)
        _assert_certificates_match_awards(data)
        certificate = _live(data.contestants["A101"])
        assert (certificate.kind, certificate.holder_name, certificate.worker_id, certificate.enterprise_id) == (
            "competition_award", "李明", world.worker_a, world.ent_a)
        snapshot = certificate.snapshot
        assert snapshot["honour"] == f"{event.competition.title}{event.occupation}项目"
        assert dict(snapshot["details"]) == {"奖项": "一等奖", "赛项": event.occupation,
                                             "工作单位": "朝阳精工有限公司"}
        assert certificate.issued_on == utc_to_beijing(event.published_at).date()
        assert certificate.issuer == (event.competition.organizer or "北京市总工会")


def test_an_upheld_appeal_reissues_replaces_and_revokes_as_the_awards_change(app, world):
    with app.app_context():
        data = _publish(world)
        before = {blind: _live(cid) for blind, cid in data.contestants.items()}
        admin = db.session.get(User, world.users.admin)
        result = db.session.scalar(select(Result).where(Result.contestant_id == data.contestants["C303"]))
        appeal = appeals.file_appeal(result, "尺寸精度测量有误", by=admin)
        size = db.session.scalar(select(Mark).where(Mark.contestant_id == data.contestants["C303"],
                                                    Mark.aspect_id == data.ids.aspects["尺寸精度"]))
        appeals.uphold(db.session.get(Appeal, appeal.id), "复测确认应为 30 分", {size.id: "30"}, by=admin)
        db.session.commit()
        _assert_certificates_match_awards(data)
        assert dict(_live(data.contestants["C303"]).snapshot["details"])["奖项"] == "一等奖"
        changed = [blind for blind, old in before.items()
                   if old is not None and db.session.get(Certificate, old.id).status != CertificateStatus.VALID]
        assert changed  # someone's award moved
        for blind in changed:
            old = db.session.get(Certificate, before[blind].id)
            new = _live(data.contestants[blind])
            if new is None:
                assert old.status == CertificateStatus.REVOKED and "不再获奖" in old.revoke_reason
            else:
                assert old.status == CertificateStatus.REPLACED and old.replaced_by_id == new.id


def test_the_winners_download_their_award_from_my_certificates(app, world, client, login):
    with app.app_context():
        data = _publish(world)
        serial = _live(data.contestants["A101"]).serial
    login(world.users.worker)
    assert serial in client.get("/my/certificates").get_data(as_text=True)


def test_publishing_issues_nothing_when_certificates_are_not_enabled(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "FEATURES", ("craftsmen", "competitions"))
    with app.app_context():
        _publish(world)
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_published_event_is_a_batch_scope_of_its_award_winners(app, world):
    with app.app_context():
        unpublished = results_data.build(world)
        source = sources.get(award_certificates.SOURCE)
        assert all(scope_id != str(unpublished.event_id) for scope_id, _ in source.scopes())
        assert source.requests(str(unpublished.event_id)) == []
        data = _publish(world)
        event = db.session.get(Event, data.event_id)
        assert (str(event.id), f"{event.competition.title} · {event.occupation}") in source.scopes()
        winners = db.session.scalar(select(func.count()).select_from(Result).where(
            Result.event_id == event.id, Result.award.is_not(None)))
        assert len(source.requests(str(event.id))) == winners
        batch = batches.queue(award_certificates.SOURCE, str(event.id), by=None)
        db.session.commit()
        batches.run_batch(batch.id)
        db.session.refresh(batch)
        assert (batch.state, batch.done, batch.issued_new) == ("done", winners, 0)
