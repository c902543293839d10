"""Issuing certificates: serials per kind and year, idempotence, snapshots that later edits of
the source records never change, revocation and replacement (both audited), bad input."""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate, CertificateKind, CertificateStatus
from certificates.services import issuing
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.people.models import Worker
from tests.certificates.conftest import load, pdf_text
from tests.certificates.samples import issue_for, request_for


def _request(world, key, **changes):
    request = request_for(world.worker_a, key)
    return issuing.IssueRequest(**{**request.__dict__, **changes})


def test_serial_follows_the_configured_format_counting_per_kind_and_year(app, world):
    with app.app_context():
        first = issue_for(world.worker_a, "a")
        second = issue_for(world.worker_b, "b")
        award = issue_for(world.worker_a, "c", kind=CertificateKind.COMPETITION_AWARD)
        next_year = issuing.issue(_request(world, "d", issued_on=date(2027, 1, 2)), by=None)
        assert [first.serial, second.serial] == ["BJGJ-2026-000001", "BJGJ-2026-000002"]
        assert award.serial == "BJJS-2026-000001"
        assert next_year.serial == "BJGJ-2027-000001"
        assert (next_year.year, next_year.sequence) == (2027, 1)


def test_serial_formats_are_configuration(app, world):
    with app.app_context():
        formats = app.config["CERTIFICATE_SERIAL_FORMATS"]
        app.config["CERTIFICATE_SERIAL_FORMATS"] = {**formats, "craftsman_title": "GJ{year}{seq:04d}"}
        try:
            assert issue_for(world.worker_a, "a").serial == "GJ20260001"
            app.config["CERTIFICATE_SERIAL_FORMATS"] = {}
            with pytest.raises(DomainError, match="CERTIFICATE_SERIAL_FORMATS"):
                issue_for(world.worker_a, "b")
        finally:
            app.config["CERTIFICATE_SERIAL_FORMATS"] = formats


def test_issuing_again_for_the_same_source_returns_the_live_certificate(app, world):
    with app.app_context():
        first = issue_for(world.worker_a, "title:7")
        again = issuing.issue(request_for(world.worker_a, "title:7", honour="另一个称号"), by=None)
        assert again.id == first.id
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.issue")).all()
        assert [(e.target_type, e.target_id) for e in entries] == [("Certificate", first.id)]


def test_the_snapshot_keeps_what_was_printed_when_the_worker_is_renamed_later(app, world):
    with app.app_context():
        certificate = issue_for(world.worker_a, "title:1")
        before = dict(certificate.snapshot)
        db.session.commit()
        worker = db.session.get(Worker, world.worker_a)
        worker.name = "李明明"
        worker.enterprise.name = "改名后的企业有限公司"
        db.session.commit()
        db.session.expire_all()

        certificate = load(certificate.id)
        assert certificate.holder_name == "李明"
        assert certificate.snapshot == before
        assert before["holder_name"] == "李明" and ["工作单位", "朝阳精工有限公司"] in before["details"]
        text = pdf_text(issuing.render_pdf(certificate))
        assert "李明同志" in text.replace("\n", "") and "李明明" not in text
        assert "朝阳精工有限公司" in text and "改名后" not in text


def test_the_snapshot_holds_every_printed_field(app, world):
    with app.app_context():
        certificate = issue_for(world.worker_a, "title:1", honour="2026年度北京大工匠（钳工）")
        snap = certificate.snapshot
        assert snap["title"] == "荣誉证书"
        assert snap["holder_name"] == "李明"
        assert snap["honour"] == "2026年度北京大工匠（钳工）"
        assert snap["body"] == "经评审、公示，被命名为“2026年度北京大工匠（钳工）”。"
        assert snap["issuer"] == "北京市总工会"
        assert (snap["issued_on"], snap["issued_on_text"]) == ("2026-05-01", "二〇二六年五月一日")
        assert snap["serial"] == certificate.serial
        assert snap["details"] == [["工种", "钳工"], ["工作单位", "朝阳精工有限公司"]]


@pytest.mark.parametrize(("value", "text"), [
    (date(2026, 5, 1), "二〇二六年五月一日"),
    (date(2026, 10, 10), "二〇二六年十月十日"),
    (date(2030, 12, 31), "二〇三〇年十二月三十一日"),
    (date(2026, 11, 20), "二〇二六年十一月二十日"),
])
def test_dates_are_printed_in_chinese_numerals(value, text):
    assert issuing.chinese_numeral_date(value) == text


def test_the_verification_code_uses_only_unambiguous_characters(app, world):
    with app.app_context():
        codes = [issue_for(world.worker_a, f"k{n}").verification_code for n in range(30)]
        assert all(len(code) == 8 for code in codes)
        assert not set("".join(codes)) & set("0O1IL")
        assert len(set(codes)) == 30


def test_a_serial_taken_meanwhile_is_retried_with_the_next_free_number(app, world, monkeypatch):
    """Another process took the number this one read: the insert fails on the unique constraint
    (kind, series, year, sequence) inside a savepoint, and the next attempt reads again."""
    with app.app_context():
        issue_for(world.worker_a, "a")
        issue_for(world.worker_b, "b")
        real = issuing._next_numbers
        reads = []

        def stale_first(kind, series, year):
            reads.append(kind)
            return (2, 1) if len(reads) == 1 else real(kind, series, year)  # already taken, as if read earlier

        monkeypatch.setattr(issuing, "_next_numbers", stale_first)
        third = issue_for(world.worker_c, "c")
        assert len(reads) == 2
        assert (third.serial, third.status_index) == ("BJGJ-2026-000003", 2)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 3


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="concurrent writers need PostgreSQL (SQLite serialises whole transactions)")
def test_parallel_issuing_in_separate_transactions_gives_distinct_serials(app, world):
    """Six threads, one connection each, issue at the same moment and commit."""
    count = 6
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(n):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                certificate = issuing.issue(request_for(world.worker_a, f"parallel:{n}"), by=None)
                db.session.commit()
                results.append(certificate.serial)
                db.session.remove()
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(results) == [f"BJGJ-2026-{n:06d}" for n in range(1, count + 1)]


def test_parallel_issuing_of_the_same_source_gives_one_certificate(app, world):
    """Two requests for the same source that both miss the live one: the second insert fails on
    ``live_key`` and returns the first certificate instead of an error."""
    with app.app_context():
        first = issue_for(world.worker_a, "same")
        db.session.commit()
        original = issuing.live_certificate
        calls = []

        def missed_once(source_key):
            calls.append(source_key)
            return None if len(calls) == 1 else original(source_key)

        issuing.live_certificate = missed_once
        try:
            again = issuing.issue(request_for(world.worker_a, "same"), by=None)
        finally:
            issuing.live_certificate = original
        assert again.id == first.id
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_revoking_needs_a_reason_and_is_audited(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        with pytest.raises(DomainError, match="撤销理由"):
            issuing.revoke(certificate, "  ", by=None)
        issuing.revoke(certificate, "经查实，申报材料不实", by=None)
        assert certificate.status == CertificateStatus.REVOKED.value
        assert certificate.revoke_reason == "经查实，申报材料不实"
        assert certificate.revoked_at is not None and certificate.live_key is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
        assert entry.target_id == certificate.id and entry.changes["reason"][1] == "经查实，申报材料不实"
        with pytest.raises(DomainError, match="已撤销"):
            issuing.revoke(certificate, "再次撤销", by=None)


def test_replacing_issues_a_new_certificate_linked_to_the_old_one(app, world, issued):
    with app.app_context():
        old = load(issued.id)
        request = issuing.request_for_correction(old, holder_name="李 明", honour="2026年度北京大工匠（焊工）")
        new = issuing.replace(old, request, "工种填写错误", by=None)
        assert new.serial == "BJGJ-2026-000002" and new.verification_code != old.verification_code
        assert (old.status, old.replaced_by_id, new.replaces_id) == ("replaced", new.id, old.id)
        assert old.revoke_reason == "工种填写错误" and old.live_key is None
        assert new.snapshot["honour"] == "2026年度北京大工匠（焊工）"
        assert new.snapshot["details"] == old.snapshot["details"]
        assert issuing.issue(request_for(world.worker_a, "title:1"), by=None).id == new.id
        actions = sorted(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.target_type == "Certificate")))
        assert actions == ["certificate.issue", "certificate.issue", "certificate.replace"]
        with pytest.raises(DomainError):
            issuing.replace(old, request, "再次换发", by=None)


def test_a_refused_replacement_leaves_the_old_certificate_valid(app, world, issued):
    with app.app_context():
        old = load(issued.id)
        with pytest.raises(DomainError):
            issuing.replace(old, issuing.request_for_correction(old, holder_name="", honour="x"), "更正", by=None)
        assert old.status == "valid"


@pytest.mark.parametrize(("changes", "message"), [
    ({"holder_name": "   "}, "持有人姓名"),
    ({"holder_name": "名" * 201}, "不能超过 200"),
    ({"honour": ""}, "荣誉名称"),
    ({"honour": "奖" * 301}, "不能超过 300"),
    ({"source_key": ""}, "来源"),
    ({"kind": "diploma"}, "未知的证书类别"),
    ({"details": {"工作单位": "企" * 201}}, "过长"),
])
def test_bad_requests_are_refused_with_a_clear_message(app, world, changes, message):
    with app.app_context(), pytest.raises(DomainError, match=message):
        issuing.issue(_request(world, "bad", **changes), by=None)


def test_a_character_the_font_lacks_is_refused_naming_it_rather_than_printed_as_a_box(app, world):
    """䶮 (U+4DAE, CJK Extension A) is not in WenQuanYi Micro Hei; 喆 is and prints fine."""
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            issuing.issue(_request(world, "rare", holder_name="刘䶮"), by=None)
        assert "䶮" in str(refused.value) and "U+4DAE" in str(refused.value)
        assert "CERTIFICATE_FONT_PATH" in str(refused.value)
        assert refused.value.field == "holder_name"
        assert issuing.issue(_request(world, "fine", holder_name="张喆"), by=None).holder_name == "张喆"


def test_whitespace_in_printed_text_is_tidied(app, world):
    with app.app_context():
        certificate = issuing.issue(_request(world, "ws", holder_name="  李\t明 ", honour=" 北京  大工匠 "),
                                    by=None)
        assert (certificate.holder_name, certificate.snapshot["honour"]) == ("李 明", "北京 大工匠")
