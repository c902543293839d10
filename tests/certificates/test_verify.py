"""Public verification (/verify/<serial>?code=...) and the administrators' certificate pages.

Without the right code the page reveals nothing, not even whether the serial exists; failed
look-ups are rate-limited. Valid, revoked (reason and date) and replaced (link to the current
certificate) are told apart. Administrators list, filter, revoke and replace.
"""

from __future__ import annotations

import re

import pytest

from certificates.models import Certificate, CertificateKind
from certificates.services import issuing
from core.extensions import db
from tests.certificates.conftest import load
from tests.certificates.samples import issue_for
from tests.conftest import csrf_token


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_the_qr_link_shows_a_valid_certificate_as_issued(client, issued):
    response = client.get(f"/verify/{issued.serial}?code={issued.code}")
    html = _page(response)
    assert response.status_code == 200
    assert 'data-status="valid"' in html and "该证书真实有效" in html
    for printed in ("李明", "2026年度北京大工匠（钳工）", "北京市总工会", "二〇二六年五月一日", issued.serial,
                    "朝阳精工有限公司", "电子签名校验通过"):
        assert printed in html, printed


def test_the_code_may_be_typed_in_lower_case_with_a_dash(client, issued):
    code = f"{issued.code[:4].lower()}-{issued.code[4:].lower()}"
    assert client.get(f"/verify/{issued.serial}?code={code}").status_code == 200


def test_a_wrong_code_says_so_and_reveals_nothing_else(client, issued):
    wrong = "".join("A" if ch != "A" else "B" for ch in issued.code)
    wrong_code = client.get(f"/verify/{issued.serial}?code={wrong}")
    unknown = client.get(f"/verify/BJGJ-2026-999999?code={issued.code}")
    for response in (wrong_code, unknown):
        html = _page(response)
        assert response.status_code == 404
        assert "证书编号或验证码不正确" in html
        assert "李明" not in html and "钳工" not in html and "有效" not in html.split("<main")[1]


def test_without_a_code_the_page_asks_for_it_and_shows_nothing_of_the_certificate(client, issued):
    response = client.get(f"/verify/{issued.serial}")
    html = _page(response)
    assert response.status_code == 200
    assert "请输入证书上印的验证码" in html and f'value="{issued.serial}"' in html
    assert "李明" not in html
    unknown = client.get("/verify/BJGJ-2026-999999")  # answered exactly alike: no existence oracle
    assert unknown.status_code == 200 and "请输入证书上印的验证码" in _page(unknown)


def test_the_form_leads_to_the_result(client, issued):
    token = csrf_token(client, "/verify")
    response = client.post("/verify", data={"csrf_token": token, "serial": f" {issued.serial.lower()} ",
                                            "code": issued.code.lower()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{issued.serial}?code={issued.code}")


def test_the_form_refuses_empty_input_and_keeps_what_was_typed(client):
    token = csrf_token(client, "/verify")
    html = _page(client.post("/verify", data={"csrf_token": token, "serial": "BJGJ-2026-000001", "code": ""}))
    assert "请填写验证码" in html and 'value="BJGJ-2026-000001"' in html


def test_a_revoked_certificate_shows_the_date_and_public_category_never_the_internal_reason(
        app, client, issued):
    with app.app_context():
        issuing.revoke(load(issued.id), "经查实，申报材料不实（举报人：王某，电话 13800138000）", by=None,
                       category="issued_in_error")
        db.session.commit()
    html = _page(client.get(f"/verify/{issued.serial}?code={issued.code}"))
    assert 'data-status="revoked"' in html and "已于" in html and "撤销，不再有效" in html
    assert "证书系误发，已作废" in html
    assert "申报材料不实" not in html and "13800138000" not in html
    assert "该证书真实有效" not in html
    api = client.post("/api/v1/certificates/verify", json={"serial": issued.serial, "code": issued.code})
    assert api.get_json()["reason"] == "证书系误发，已作废" and "申报材料不实" not in api.get_data(as_text=True)


def test_a_replaced_certificate_links_to_the_current_one(app, client, issued):
    with app.app_context():
        old = load(issued.id)
        second = issuing.replace(old, issuing.request_for_correction(old, holder_name="李明", honour="第二版"),
                                 "更正荣誉名称", by=None)
        third = issuing.replace(second, issuing.request_for_correction(second, holder_name="李明", honour="第三版"),
                                "再次更正", by=None)
        db.session.commit()
        current = (third.serial, third.verification_code)
    html = _page(client.get(f"/verify/{issued.serial}?code={issued.code}"))
    assert 'data-status="replaced"' in html and "证书信息有误，已换发" in html
    assert "更正荣誉名称" not in html
    assert f"/verify/{current[0]}?code={current[1]}" in html  # the end of the chain
    assert 'data-status="valid"' in _page(client.get(f"/verify/{current[0]}?code={current[1]}"))


def test_the_credential_can_be_downloaded_with_the_code_only(client, issued):
    response = client.get(f"/verify/{issued.serial}/credential.json?code={issued.code}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["credentialSubject"]["licenseNumber"] == issued.serial
    assert client.get(f"/verify/{issued.serial}/credential.json?code=WRONG").status_code == 404
    assert client.get(f"/verify/{issued.serial}/credential.json").status_code == 404


def test_failed_look_ups_are_rate_limited_keeping_the_serial(app, client, issued):
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "3 per 10 minutes"
    try:
        for _ in range(3):
            assert client.get(f"/verify/{issued.serial}?code=WRONG123").status_code == 404
        refused = client.get(f"/verify/{issued.serial}?code={issued.code}")
        html = _page(refused)
        assert refused.status_code == 429
        assert "核验失败次数过多" in html and f'value="{issued.serial}"' in html and "李明" not in html
    finally:
        app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "20 per 10 minutes"


def test_successful_look_ups_do_not_count_toward_the_limit(app, client, issued):
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "2 per 10 minutes"
    try:
        for _ in range(5):
            assert client.get(f"/verify/{issued.serial}?code={issued.code}").status_code == 200
    finally:
        app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "20 per 10 minutes"


def test_a_serial_longer_than_any_real_one_is_not_found(client):
    assert client.get("/verify/" + "A" * 61 + "?code=ABCDEFGH").status_code == 404


# --- Administrators --------------------------------------------------------------------------


@pytest.fixture
def several(app, world):
    with app.app_context():
        issue_for(world.worker_a, "a", honour="北京大工匠")
        issue_for(world.worker_b, "b", honour="竞赛一等奖", kind=CertificateKind.COMPETITION_AWARD)
        revoked = issue_for(world.worker_c, "c", honour="北京大工匠")
        issuing.revoke(revoked, "材料不实", by=None)
        db.session.commit()


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"李明", "王芳", "赵强"}),
    ("?kind=competition_award", {"王芳"}),
    ("?status=revoked", {"赵强"}),
    ("?q=bjgj-2026-000001", {"李明"}),
    ("?q=王芳", {"王芳"}),
    ("?year=2025", set()),
    ("?year=2026&kind=craftsman_title&status=valid", {"李明"}),
    ("?kind=nonsense&status=whatever&year=abc", {"李明", "王芳", "赵强"}),
])
def test_administrators_list_and_filter_certificates(client, login, world, several, query, expected):
    login(world.users.admin)
    html = _page(client.get("/certificates" + query))
    assert {name for name in ("李明", "王芳", "赵强") if name in html} == expected


def test_only_administrators_see_the_certificate_pages(client, login, world, issued):
    for user in (world.users.enterprise, world.users.worker, world.users.reviewer):
        login(user)
        assert client.get("/certificates").status_code == 403
        assert client.get(f"/certificates/{issued.id}").status_code == 403
    assert client.get("/certificates").status_code in (302, 403)


def test_an_administrator_revokes_with_a_reason_a_public_category_and_confirmation(
        app, client, login, world, issued):
    login(world.users.admin)
    page = f"/certificates/{issued.id}"
    html = _page(client.get(page))
    assert issued.serial in html and pdf_code(issued.code) in html
    token = csrf_token(client, page)
    refused = _page(client.post(f"{page}/revoke", data={"csrf_token": token, "revoke-reason": "材料不实",
                                                        "revoke-category": "honour_revoked"}))
    assert "请先勾选确认" in refused and "材料不实" in refused
    unknown = client.post(f"{page}/revoke", data={"csrf_token": token, "revoke-reason": "材料不实",
                                                  "revoke-category": "nonsense", "revoke-confirmed": "y"})
    assert unknown.status_code == 200 and "is-invalid" in _page(unknown)
    with app.app_context():
        assert load(issued.id).status == "valid"
    done = client.post(f"{page}/revoke", data={"csrf_token": token, "revoke-reason": "材料不实",
                                                     "revoke-category": "honour_revoked", "revoke-confirmed": "y"})
    assert done.status_code == 302
    with app.app_context():
        certificate = load(issued.id)
        assert (certificate.status, certificate.revoke_reason, certificate.revoke_category) == (
            "revoked", "材料不实", "honour_revoked")
    admin_page = _page(client.get(page))
    assert "已于" in admin_page and "荣誉称号已被撤销" in admin_page and "材料不实" in admin_page


def test_an_administrator_replaces_with_a_corrected_name(app, client, login, world, issued):
    login(world.users.admin)
    page = f"/certificates/{issued.id}"
    token = csrf_token(client, page)
    response = client.post(f"{page}/replace", data={
        "csrf_token": token, "replace-holder_name": "李明（更正）", "replace-honour": "2026年度北京大工匠（钳工）",
        "replace-reason": "姓名有误", "replace-confirmed": "y"})
    assert response.status_code == 302
    with app.app_context():
        old = load(issued.id)
        new = db.session.get(Certificate, old.replaced_by_id)
        assert response.headers["Location"].endswith(f"/certificates/{new.id}")
        assert (old.status, new.holder_name, new.replaces_id) == ("replaced", "李明（更正）", old.id)


def test_a_refused_replacement_keeps_what_was_typed(app, client, login, world, issued):
    login(world.users.admin)
    page = f"/certificates/{issued.id}"
    token = csrf_token(client, page)
    html = _page(client.post(f"{page}/replace", data={
        "csrf_token": token, "replace-holder_name": "刘䶮", "replace-honour": "更正后的称号",
        "replace-reason": "姓名有误", "replace-confirmed": "y"}))
    assert "U+4DAE" in html and "更正后的称号" in html and "姓名有误" in html
    with app.app_context():
        assert load(issued.id).status == "valid"


def pdf_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def test_the_navigation_offers_verification_to_everyone(client):
    assert re.search(r'href="/verify"[^>]*>证书核验<', _page(client.get("/")))


def test_a_certificate_page_is_cacheable_and_a_revocation_shows_at_once(app, client, issued):
    """The page holds no session token, so a proxy may keep it; revoking moves its tag on."""
    address = f"/verify/{issued.serial}?code={issued.code}"
    first = client.get(address)
    assert first.headers["Cache-Control"] == "public, no-cache" and "Set-Cookie" not in first.headers
    assert client.get(address, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        issuing.revoke(load(issued.id), "误发", by=None, category="issued_in_error")
        db.session.commit()
    after = client.get(address, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and 'data-status="revoked"' in _page(after)


def test_a_wrong_code_is_never_answered_from_a_tag(client, issued):
    tag = client.get(f"/verify/{issued.serial}?code={issued.code}").headers["ETag"]
    wrong = client.get(f"/verify/{issued.serial}?code=WRONG123", headers={"If-None-Match": tag})
    assert wrong.status_code == 404


@pytest.fixture
def page_store(app, monkeypatch):
    """The process's store of visitor pages turned on, empty, with no failures remembered."""
    from certificates.verify_views import recent_failures
    from core.public_cache import pages

    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_ENTRIES", 64)
    pages.clear()
    recent_failures.clear()
    yield pages
    pages.clear()
    recent_failures.clear()


@pytest.fixture
def storage_calls(monkeypatch):
    """Every call the rate limiter makes to its storage, by method name."""
    from core.extensions import limiter

    calls: list[str] = []
    storage = limiter.storage
    for name in ("get", "incr", "get_expiry", "acquire_entry", "get_moving_window",
                 "acquire_sliding_window_entry", "get_sliding_window"):
        method = getattr(storage, name, None)
        if method is not None:
            def spy(*args, _name=name, _method=method, **kwargs):
                calls.append(_name)
                return _method(*args, **kwargs)
            monkeypatch.setattr(storage, name, spy)
    return calls


def test_a_right_code_served_from_the_store_does_not_ask_the_limit_storage(
        app, client, issued, page_store, storage_calls):
    address = f"/verify/{issued.serial}?code={issued.code}"
    first = client.get(address)
    assert first.status_code == 200 and storage_calls  # rendered: checked against the limit
    storage_calls.clear()
    again = client.get(address)
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert client.get(address, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert storage_calls == []


def test_guessing_codes_is_limited_with_the_store_on_and_then_the_right_code_is_refused_too(
        app, client, issued, page_store, storage_calls, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "3 per 10 minutes")
    address = f"/verify/{issued.serial}?code={issued.code}"
    assert client.get(address).status_code == 200  # the holder's page is in the store
    for guess in ("AAAA2222", "BBBB3333", "CCCC4444"):
        assert client.get(f"/verify/{issued.serial}?code={guess}").status_code == 404
    guessed = client.get(f"/verify/{issued.serial}?code=DDDD5555")
    assert guessed.status_code == 429 and "核验失败次数过多" in _page(guessed)
    storage_calls.clear()
    right = client.get(address)
    assert right.status_code == 429 and "核验失败次数过多" in _page(right) and "李明" not in _page(right)
    assert storage_calls  # a failing address is checked against the limit every time


def test_a_wrong_code_is_never_exempt_from_the_limit(app, client, issued, page_store, storage_calls):
    client.get(f"/verify/{issued.serial}?code={issued.code}")
    storage_calls.clear()
    assert client.get(f"/verify/{issued.serial}?code=WRONG123").status_code == 404
    assert "incr" in storage_calls or "acquire_entry" in storage_calls  # the failure was counted


def test_the_failure_memory_fails_closed_when_it_overflows():
    from certificates.verify_views import RecentFailures

    failures = RecentFailures(size=2)
    failures.note("192.0.2.1")
    assert failures.within("192.0.2.1", 600) and not failures.within("192.0.2.9", 600)
    failures.note("192.0.2.2")
    failures.note("192.0.2.3")  # the first address is forgotten: everyone is checked again
    assert failures.within("192.0.2.1", 600) and failures.within("192.0.2.9", 600)
    assert not failures.within("192.0.2.9", 0)
