"""Downloading certificates: a worker their own, an enterprise its workers', administrators
any; nobody else. A certificate that is not yours answers 404, the same as one that does not
exist, so ids cannot be probed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from certificates.models import Certificate
from certificates.services import issuing
from core.extensions import db
from tests import factories
from tests.certificates.samples import issue_for


@pytest.fixture
def issued(app, world) -> SimpleNamespace:
    """Certificates of worker_a (朝阳精工, the demo ``worker`` and ``enterprise``), worker_b
    (海淀机械) and a replaced one of worker_a."""
    with app.app_context():
        own = issue_for(world.worker_a, "own", honour="北京大工匠")
        second = issue_for(world.worker_a, "award", honour="焊工项目")
        other = issue_for(world.worker_b, "other", honour="北京大工匠")
        old = issue_for(world.worker_a, "old", honour="旧的荣誉")
        new = issuing.replace(old, issuing.request_for_correction(old, holder_name="李明", honour="新的荣誉"),
                              "更正荣誉名称", by=None)
        db.session.commit()
        return SimpleNamespace(own=own.id, own_serial=own.serial, second=second.id,
                               other=other.id, other_serial=other.serial, old=old.id,
                               old_serial=old.serial, new_serial=new.serial)


def _is_pdf(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "application/pdf"
            and response.data.startswith(b"%PDF-"))


# --- Workers ---------------------------------------------------------------------------------

def test_a_worker_lists_only_their_own_certificates(client, login, world, issued):
    login(world.users.worker)
    html = client.get("/my/certificates").get_data(as_text=True)
    assert "我的证书" in html
    assert issued.own_serial in html and issued.old_serial in html
    assert issued.other_serial not in html
    assert "已被替换" in html and "已换发新证书" in html


def test_a_worker_downloads_their_own_certificate_as_a_pdf(client, login, world, issued):
    login(world.users.worker)
    response = client.get(f"/certificates/{issued.own}/download")
    assert _is_pdf(response)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert issued.own_serial in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]


def test_a_worker_asking_for_someone_elses_certificate_gets_a_chinese_404(client, login, world, issued):
    login(world.users.worker)
    response = client.get(f"/certificates/{issued.other}/download")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    # The same answer as for an id that does not exist: nothing to probe.
    missing = client.get(f"/certificates/{issued.other + 1000}/download")
    assert missing.status_code == 404


def test_a_replaced_certificate_is_not_downloaded_and_shows_the_verify_verdict(client, login, world, issued):
    login(world.users.worker)
    response = client.get(f"/certificates/{issued.old}/download", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == f"/verify/{issued.old_serial}" and response.mimetype == "text/html"
    assert 'data-status="replaced"' in html and issued.new_serial in html
    assert f"证书 {issued.old_serial} 已被换发，请下载新证书 {issued.new_serial}" in html


def test_a_revoked_certificate_stays_listed_but_cannot_be_downloaded(app, client, login, world, issued):
    with app.app_context():
        issuing.revoke(db.session.get(Certificate, issued.second), "称号撤销", by=None)
        db.session.commit()
    login(world.users.worker)
    assert "已撤销" in client.get("/my/certificates").get_data(as_text=True)
    response = client.get(f"/certificates/{issued.second}/download", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "当前为“已撤销”，不能下载" in html
    assert 'data-status="revoked"' in html and "发证机构已收回该证书" in html and "称号撤销" not in html


def test_an_administrator_downloads_a_revoked_certificate_stamped_with_the_date(app, client, login, world, issued):
    from core.timeutil import beijing_today
    from tests.certificates.conftest import pdf_text

    with app.app_context():
        issuing.revoke(db.session.get(Certificate, issued.second), "称号撤销", by=None)
        db.session.commit()
    login(world.users.admin)
    response = client.get(f"/certificates/{issued.second}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    today = beijing_today()
    text = "".join(pdf_text(response.data).split())
    assert "已撤销" in text and f"{today.year}年{today.month}月{today.day}日起失效" in text


def test_a_worker_with_no_certificates_is_told_so(app, client, login, world, issued):
    with app.app_context():
        account = factories.user("worker_c", ["worker"], worker_id=world.worker_c)
        db.session.commit()
        account_id = account.id
    login(account_id)
    html = client.get("/my/certificates").get_data(as_text=True)
    assert "您还没有证书" in html and issued.own_serial not in html
    assert client.get(f"/certificates/{issued.own}/download").status_code == 404


def test_workers_find_my_certificates_in_the_navigation(client, login, world):
    login(world.users.worker)
    assert 'href="/my/certificates"' in client.get("/home/worker").get_data(as_text=True)
    login(world.users.enterprise)
    html = client.get("/home/enterprise").get_data(as_text=True)
    assert 'href="/my/certificates"' not in html and 'href="/enterprise/certificates"' in html


# --- Enterprises -----------------------------------------------------------------------------

def test_an_enterprise_lists_and_downloads_its_workers_certificates(client, login, world, issued):
    login(world.users.enterprise)
    html = client.get("/enterprise/certificates").get_data(as_text=True)
    assert issued.own_serial in html and issued.other_serial not in html
    assert _is_pdf(client.get(f"/certificates/{issued.own}/download"))


def test_an_enterprise_cannot_download_another_enterprises_certificate(client, login, world, issued):
    login(world.users.enterprise)
    assert client.get(f"/certificates/{issued.other}/download").status_code == 404
    login(world.users.other_enterprise)
    assert client.get(f"/certificates/{issued.own}/download").status_code == 404
    assert _is_pdf(client.get(f"/certificates/{issued.other}/download"))


def test_an_enterprise_searches_by_name_serial_kind_and_validity(client, login, world, issued):
    login(world.users.enterprise)
    by_serial = client.get("/enterprise/certificates", query_string={"q": issued.own_serial}).get_data(as_text=True)
    assert issued.own_serial in by_serial and issued.old_serial not in by_serial
    by_name = client.get("/enterprise/certificates", query_string={"q": "李明"}).get_data(as_text=True)
    assert issued.own_serial in by_name
    nobody = client.get("/enterprise/certificates", query_string={"q": "王芳"}).get_data(as_text=True)
    assert "没有符合条件的证书" in nobody
    valid = client.get("/enterprise/certificates", query_string={"valid": "1"}).get_data(as_text=True)
    assert issued.own_serial in valid and issued.old_serial not in valid
    awards = client.get("/enterprise/certificates", query_string={"kind": "competition_award"}).get_data(as_text=True)
    assert "没有符合条件的证书" in awards
    # A search with LIKE wildcards matches them literally.
    wildcard = client.get("/enterprise/certificates", query_string={"q": "%"})
    assert "没有符合条件的证书" in wildcard.get_data(as_text=True)


# --- Administrators and everyone else --------------------------------------------------------

def test_an_administrator_downloads_any_certificate_even_a_replaced_one(client, login, world, issued):
    login(world.users.admin)
    assert _is_pdf(client.get(f"/certificates/{issued.other}/download"))
    assert _is_pdf(client.get(f"/certificates/{issued.old}/download"))


@pytest.mark.parametrize("identity", ["reviewer", "expert", "judge"])
def test_other_roles_may_not_download_certificates(client, login, world, issued, identity):
    login(getattr(world.users, identity))
    assert client.get(f"/certificates/{issued.own}/download").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, issued):
    response = client.get(f"/certificates/{issued.own}/download")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
