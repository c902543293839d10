"""Naming a studio issues its naming certificate and delisting revokes it; a studio joining an
alliance (at the founding or later) gets a membership certificate, revoked when it leaves or
the alliance dissolves; naming rounds and alliances are scopes of batch issuing; the host
enterprise downloads its studios' certificates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from certificates import sources
from certificates.models import Certificate, CertificateStatus
from certificates.services import batches
from core.extensions import db
from core.timeutil import beijing_today
from innovation_studios import certificates as studio_certificates
from innovation_studios.alliances import services as alliances
from innovation_studios.alliances.models import Alliance, AllianceKind
from innovation_studios.studios import review
from innovation_studios.studios import services as studio_services
from innovation_studios.studios.models import Studio
from tests import factories
from tests.innovation_studios.factories import make_studio, user

MARKS = {"leader": "90", "innovation": "85", "team": "88", "conditions": "80", "plan": "86"}
CHARTER = "第一条 本联盟由创新工作室自愿组成。"


def _named(world, **kwargs) -> Studio:
    """A studio of 朝阳精工 scored by a panel and named a city-level studio today."""
    studio = make_studio(world, "under_review", name="精工数控创新工作室", **kwargs)
    experts = [factories.user(f"cert_expert{i}", ["expert"]).id for i in range(3)]
    panel = review.form_panel(studio.applied_year, studio.level_sought, experts, experts[0],
                              by=user(world.users.admin))
    for expert_id in experts:
        review.SCOPE.save_sheet(panel, studio, user(expert_id), MARKS, submit=True)
    studio_services.name_studio(studio, named_on=beijing_today(), level="city", expected_version=studio.version,
                                by=user(world.users.admin))
    db.session.commit()
    return studio


def _live(source_key: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.live_key == source_key))


def _any(source_key: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.source_key == source_key))


def test_naming_a_studio_issues_its_naming_certificate(app, world):
    with app.app_context():
        studio = _named(world)
        certificate = _live(studio_certificates.naming_key(studio))
        assert (certificate.kind, certificate.holder_type, certificate.holder_id, certificate.holder_name) == (
            "studio_naming", "studio", studio.id, "精工数控创新工作室")
        assert certificate.snapshot["honour"] == "市级职工创新工作室"
        assert dict(certificate.snapshot["details"]) == {
            "工作室编号": studio.number, "依托单位": "朝阳精工有限公司", "领办人": "李明", "专业领域": "数控加工"}
        assert (certificate.issuer, certificate.issued_on) == ("北京市总工会", beijing_today())
        assert (certificate.enterprise_id, certificate.worker_id) == (world.ent_a, None)


def test_delisting_revokes_the_naming_certificate_with_the_reason(app, world):
    with app.app_context():
        studio = _named(world)
        studio_services.delist(studio, delisted_on=beijing_today(), reason="连续两年考核不合格",
                               expected_version=studio.version, by=user(world.users.admin))
        db.session.commit()
        certificate = _any(studio_certificates.naming_key(studio))
        assert certificate.status == CertificateStatus.REVOKED
        assert certificate.revoke_reason == "工作室已摘牌：连续两年考核不合格"


def test_the_host_enterprise_downloads_its_studios_certificate(app, world, client, login):
    with app.app_context():
        serial = _live(studio_certificates.naming_key(_named(world))).serial
    login(world.users.enterprise)
    assert serial in client.get("/enterprise/certificates").get_data(as_text=True)
    login(world.users.other_enterprise)
    assert serial not in client.get("/enterprise/certificates").get_data(as_text=True)


def _studios(world) -> list[Studio]:
    named_on = date(2024, 1, 10)
    return [make_studio(world, enterprise=world.ent_a, name="精工数控创新工作室", named_on=named_on),
            make_studio(world, enterprise=world.ent_b, name="海淀机械创新工作室", named_on=named_on),
            make_studio(world, enterprise=world.ent_c, name="软件工匠创新工作室", named_on=named_on)]


def _found(world, lead: Studio, members: list[Studio]) -> Alliance:
    alliance = alliances.create_alliance(alliances.AllianceData(
        name="数控加工创新工作室联盟", kind=AllianceKind.RELATED.value, founded_on=date(2024, 3, 1),
        charter=CHARTER, lead=lead, members=members), by=user(world.users.admin))
    db.session.commit()
    return alliance


def test_founding_members_and_studios_joining_later_get_membership_certificates(app, world):
    with app.app_context():
        a, b, c = _studios(world)
        alliance = _found(world, a, [b])
        founding = [_live(studio_certificates.membership_key(m)) for m in alliance.memberships]
        assert [cert.holder_name for cert in founding] == ["精工数控创新工作室", "海淀机械创新工作室"]
        first = founding[0]
        assert (first.kind, first.snapshot["honour"], first.issued_on, first.enterprise_id) == (
            "alliance_membership", "数控加工创新工作室联盟", date(2024, 3, 1), world.ent_a)
        assert dict(first.snapshot["details"])["联盟类型"] == AllianceKind.RELATED.label
        joined = alliances.add_member(alliance, c, date(2025, 1, 1), by=user(world.users.admin))
        db.session.commit()
        later = _live(studio_certificates.membership_key(joined))
        assert (later.holder_name, later.issued_on) == ("软件工匠创新工作室", date(2025, 1, 1))


def test_leaving_and_dissolution_revoke_membership_certificates(app, world):
    with app.app_context():
        a, b, c = _studios(world)
        alliance = _found(world, a, [b, c])
        leaving = alliance.membership_of(c.id)
        alliances.record_leaving(leaving, date(2025, 6, 30), "转入其他联盟", by=user(world.users.admin))
        db.session.commit()
        left = _any(studio_certificates.membership_key(leaving))
        assert left.status == CertificateStatus.REVOKED
        assert left.revoke_reason == "已于2025年6月30日退出联盟：转入其他联盟"
        staying = [alliance.membership_of(a.id), alliance.membership_of(b.id)]
        alliances.dissolve(alliance, date(2025, 12, 31), "完成使命", by=user(world.users.admin))
        db.session.commit()
        for membership in staying:
            certificate = _any(studio_certificates.membership_key(membership))
            assert certificate.status == CertificateStatus.REVOKED
            assert certificate.revoke_reason == "联盟已于2025年12月31日解散"


def test_naming_rounds_and_alliances_are_batch_scopes(app, world):
    with app.app_context():
        a, b, c = _studios(world)
        make_studio(world, "delisted", enterprise=world.ent_b, name="已摘牌工作室", named_on=date(2024, 1, 10))
        alliance = _found(world, a, [b, c])
        naming = sources.get(studio_certificates.NAMING_SOURCE)
        assert ("2024-city", "2024年度市级创新工作室命名") in naming.scopes()
        assert [r.holder_name for r in naming.requests("2024-city")] == [
            "精工数控创新工作室", "海淀机械创新工作室", "软件工匠创新工作室"]
        assert naming.requests("2024-nope") == [] and naming.requests("x") == []
        members = sources.get(studio_certificates.ALLIANCE_SOURCE)
        assert (str(alliance.id), "数控加工创新工作室联盟") in members.scopes()
        assert len(members.requests(str(alliance.id))) == 3
        batch = batches.queue(studio_certificates.NAMING_SOURCE, "2024-city", by=None)
        db.session.commit()
        batches.run_batch(batch.id)
        db.session.refresh(batch)
        assert (batch.state, batch.done, batch.issued_new) == ("done", 3, 3)
        assert db.session.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.kind == "studio_naming")) == 3
