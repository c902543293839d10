"""Naming a cycle issues each named craftsman's title certificate; revoking a title revokes
it; a cycle is a scope of batch issuing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from certificates import sources
from certificates.models import Certificate, CertificateStatus
from certificates.services import batches
from core.accounts.models import User
from core.extensions import db
from core.timeutil import beijing_today
from craftsmen import certificates as craftsman_certificates
from craftsmen.models import CraftsmanTitle, NominationState, PublicNotice
from craftsmen.services import naming
from tests.craftsmen.conftest import make_cycle, make_nomination


def _name(world, *, names=None, district=False) -> list[int]:
    """A cycle whose notice has ended, with 李明 (钳工, 朝阳精工) and 王芳 (焊工, 海淀机械)
    proposed; named by the administrator. Returns the title ids."""
    cycle = make_cycle(status="notice")
    if district:
        cycle.level, cycle.organizer_union_id = "district", world.chaoyang
    for worker_id, occupation in ((world.worker_a, "钳工"), (world.worker_b, "焊工")):
        nomination = make_nomination(cycle, worker_id, occupation, NominationState.PROPOSED)
        if names and worker_id in names:
            nomination.worker.name = names[worker_id]
    db.session.add(PublicNotice(cycle_id=cycle.id, starts_on=beijing_today() - timedelta(days=10),
                                ends_on=beijing_today() - timedelta(days=3)))
    db.session.flush()
    titles = naming.name_cycle(cycle, by=db.session.get(User, world.users.admin))
    db.session.commit()
    return [t.id for t in titles]


def _certificate(title_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.source_key == f"craftsmen.title:{title_id}"))


def test_naming_issues_each_named_craftsman_a_title_certificate(app, world):
    with app.app_context():
        first, second = _name(world)
        certificate = _certificate(first)
        snapshot = certificate.snapshot
        assert (certificate.kind, certificate.holder_type, certificate.holder_name) == (
            "craftsman_title", "worker", "李明")
        assert (snapshot["honour"], certificate.issuer, certificate.issued_on) == (
            "北京大工匠", "北京市总工会", beijing_today())
        assert dict(snapshot["details"]) == {"选树周期": "第四届北京大工匠选树", "工种": "钳工",
                                             "工作单位": "朝阳精工有限公司", "所属地区": "朝阳区总工会"}
        assert (certificate.worker_id, certificate.enterprise_id) == (world.worker_a, world.ent_a)
        assert certificate.serial.startswith(f"BJGJ-{beijing_today().year}-")
        assert _certificate(second).holder_name == "王芳"


def test_the_named_craftsman_downloads_the_certificate_from_my_certificates(app, world, client, login):
    with app.app_context():
        serial = _certificate(_name(world)[0]).serial
    login(world.users.worker)
    html = client.get("/my/certificates").get_data(as_text=True)
    assert serial in html and "北京大工匠" in html


def test_a_district_cycles_certificates_are_issued_by_its_union(app, world):
    with app.app_context():
        assert _certificate(_name(world, district=True)[0]).issuer == "朝阳区总工会"


def test_a_district_title_prints_the_title_the_cycle_confers_with_a_serial_of_its_own(app, world):
    with app.app_context():
        city = _certificate(_name(world)[0])
        certificate = _certificate(_name(world, district=True)[0])
        year = beijing_today().year
        assert certificate.snapshot["honour"] == "朝阳工匠"
        assert "被命名为“朝阳工匠”" in certificate.snapshot["body"] and "区级工匠" not in certificate.snapshot["body"]
        assert certificate.serial == f"BJQGJ-{year}-000001"  # numbered on its own, after the city's
        assert city.serial == f"BJGJ-{year}-000001"


@pytest.mark.parametrize(("title", "level", "union", "expected"), [
    ("2026年朝阳工匠选树", "district", "朝阳区总工会", "朝阳工匠"),
    ("第二届海淀工匠评选", "district", "海淀区总工会", "海淀工匠"),
    ("2026年区级工匠选树", "district", "丰台区总工会", "丰台工匠"),
    ("机械冶金建材行业选树", "industry", "北京市机械冶金建材工会", "机械冶金建材工匠"),
    ("第四届北京大工匠选树", "city", None, "北京大工匠"),
])
def test_the_conferred_title_comes_from_the_cycle_or_its_union(title, level, union, expected):
    from types import SimpleNamespace

    cycle = SimpleNamespace(title=title, level=level,
                            organizer_union=SimpleNamespace(name=union) if union else None)
    assert craftsman_certificates.conferred_title(cycle) == expected


def test_revoking_a_title_revokes_its_certificate_keeping_the_reason_internal(app, world, client):
    with app.app_context():
        first, _ = _name(world)
        naming.revoke_title(db.session.get(CraftsmanTitle, first), "经查实申报材料造假",
                            by=db.session.get(User, world.users.admin))
        db.session.commit()
        certificate = _certificate(first)
        assert certificate.status == CertificateStatus.REVOKED
        assert certificate.revoke_reason == "经查实申报材料造假"
        assert certificate.revoke_category == "honour_revoked"
        page = f"/verify/{certificate.serial}?code={certificate.verification_code}"
    html = client.get(page).get_data(as_text=True)
    assert "荣誉称号已被撤销" in html and "申报材料造假" not in html


def test_a_name_the_font_cannot_print_does_not_stop_the_naming(app, world):
    with app.app_context():
        first, second = _name(world, names={world.worker_a: "李\U00020000"})
        assert db.session.get(CraftsmanTitle, first).nomination.state == NominationState.NAMED
        assert _certificate(first) is None and _certificate(second) is not None


def test_naming_issues_nothing_when_certificates_are_not_enabled(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "FEATURES", ("craftsmen", "competitions", "innovation_studios"))
    with app.app_context():
        _name(world)
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_cycle_with_titles_is_a_batch_scope_without_its_revoked_titles(app, world):
    with app.app_context():
        first, second = _name(world)
        cycle_id = db.session.get(CraftsmanTitle, first).cycle_id
        source = sources.get(craftsman_certificates.SOURCE)
        assert (str(cycle_id), "第四届北京大工匠选树") in source.scopes()
        naming.revoke_title(db.session.get(CraftsmanTitle, first), "撤销", by=None)
        assert [r.source_key for r in source.requests(str(cycle_id))] == [f"craftsmen.title:{second}"]
        assert source.requests("not-a-number") == [] and source.requests("99999999999") == []


def test_a_batch_for_a_named_cycle_packs_the_certificates_naming_issued(app, world):
    with app.app_context():
        first, _ = _name(world)
        cycle_id = db.session.get(CraftsmanTitle, first).cycle_id
        batch = batches.queue(craftsman_certificates.SOURCE, str(cycle_id),
                              by=db.session.get(User, world.users.admin))
        db.session.commit()
        batches.run_batch(batch.id)
        db.session.refresh(batch)
        assert (batch.state, batch.done, batch.issued_new) == ("done", 2, 0)
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


@pytest.mark.parametrize("named_on", [date(2023, 9, 28)])
def test_titles_named_before_certificates_existed_are_issued_by_a_batch(app, world, named_on):
    """As the demo's third edition: registry entries written directly, no certificate yet."""
    with app.app_context():
        cycle = make_cycle(status="closed", title="第三届北京大工匠选树")
        nomination = make_nomination(cycle, world.worker_c, "焊工", NominationState.NAMED)
        title = CraftsmanTitle(nomination_id=nomination.id, worker_id=world.worker_c, cycle_id=cycle.id,
                               name="赵强", title="北京大工匠", level="city", year=2023, occupation="焊工",
                               enterprise_name="海淀软件有限公司", district="海淀区总工会", named_on=named_on)
        db.session.add(title)
        db.session.commit()
        batch = batches.queue(craftsman_certificates.SOURCE, str(cycle.id), by=None)
        db.session.commit()
        batches.run_batch(batch.id)
        certificate = _certificate(title.id)
        assert (certificate.issued_on, certificate.enterprise_id) == (named_on, world.ent_c)
        assert certificate.serial.startswith("BJGJ-2023-")
