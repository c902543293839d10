"""Someone checks a certificate in the browser: the QR code printed on the PDF opens the public
verification page, which says the certificate is valid and shows what was issued. Typing the
serial with a wrong code reveals nothing; the right code (typed in lower case, with the dash)
shows it. An administrator then revokes it through the certificate pages, and the same QR link
says it was revoked, with the public category chosen (never the internal reason). Someone who
received the PDF uploads it on the verification page: the genuine file passes, a copy painted
over in an editor is refused.

Only the certificate itself is issued directly, through the issuing service.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certificates.services import issuing
from core.extensions import db
from core.people.models import Worker
from tests.certificates.conftest import pdf_qr_codes
from tests.certificates.samples import request_for
from tests.e2e.helpers import log_in, path_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def certificate(app, live_server, demo_data):
    """A title certificate of a demo worker, printed with the live server's address."""
    previous = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = live_server
    try:
        with app.app_context():
            worker = db.session.scalars(select(Worker).order_by(Worker.id)).first()
            issued = issuing.issue(request_for(worker.id, "e2e", honour="2026年度北京大工匠（钳工）"), by=None)
            db.session.commit()
            data = issuing.render_pdf(issued)
            yield {"serial": issued.serial, "code": issued.verification_code, "name": worker.name,
                   "qr": pdf_qr_codes(data), "pdf": data}
            db.session.remove()
    finally:
        app.config["PUBLIC_BASE_URL"] = previous


def test_the_qr_code_opens_the_verification_page_and_a_revocation_shows_there(page, live_server, certificate):
    serial, code, name = certificate["serial"], certificate["code"], certificate["name"]
    assert certificate["qr"] == [f"{live_server}/verify/{serial}?code={code}"]

    # The QR code's link: valid, with what was issued.
    page.goto(certificate["qr"][0])
    expect(page.get_by_test_id("verify-status")).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id("verify-status")).to_contain_text("该证书真实有效")
    expect(page.get_by_test_id("holder-name")).to_have_text(name)
    expect(page.get_by_test_id("honour")).to_have_text("2026年度北京大工匠（钳工）")
    expect(page.get_by_test_id("serial")).to_have_text(serial)

    # The form from the navigation: a wrong code reveals nothing.
    page.get_by_role("link", name="证书核验", exact=True).click()
    assert path_of(page) == "/verify"
    page.get_by_label("证书编号").fill(serial)
    page.get_by_label("验证码").fill("ABCD-EFGH")
    with page.expect_navigation():
        page.get_by_role("button", name="核验", exact=True).click()
    expect(page.locator(".invalid-feedback")).to_contain_text("证书编号或验证码不正确")
    expect(page.get_by_text(name)).to_have_count(0)
    expect(page.get_by_label("证书编号")).to_have_value(serial)

    # The right code, typed as people type it.
    page.get_by_label("验证码").fill(f"{code[:4].lower()}-{code[4:].lower()}")
    with page.expect_navigation():
        page.get_by_role("button", name="核验", exact=True).click()
    expect(page.get_by_test_id("verify-status")).to_have_attribute("data-status", "valid")

    # An administrator finds it and revokes it.
    log_in(page, "admin")
    page.goto("/certificates")
    page.get_by_placeholder("证书编号或持有人").fill(serial.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=serial).click()
    page.get_by_label("对外公布的撤销类别").select_option("issued_in_error")
    page.get_by_label("撤销理由").fill("经复核，申报材料不实")
    page.locator("form[action$='/revoke']").get_by_label("我已核对，确认执行（此操作不可撤回）").check()
    with page.expect_navigation():
        page.get_by_role("button", name="撤销证书").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"证书 {serial} 已撤销")

    # The printed QR code now says so.
    page.goto(certificate["qr"][0])
    status = page.get_by_test_id("verify-status")
    expect(status).to_have_attribute("data-status", "revoked")
    expect(status).to_contain_text("撤销，不再有效")
    expect(status).to_contain_text("证书系误发，已作废")
    expect(page.get_by_text("经复核，申报材料不实")).to_have_count(0)


def test_a_received_pdf_is_checked_by_uploading_it(page, certificate, tmp_path):
    from tests.certificates.test_sealing import painted_over

    genuine, painted = tmp_path / "证书.pdf", tmp_path / "涂改.pdf"
    genuine.write_bytes(certificate["pdf"])
    painted.write_bytes(painted_over(certificate["pdf"]))

    page.goto("/verify")
    page.get_by_label("证书文件（PDF 或 JSON 电子证书）").set_input_files(str(genuine))
    with page.expect_navigation():
        page.get_by_role("button", name="核验文件").click()
    verdict = page.get_by_test_id("file-verdict")
    expect(verdict).to_have_attribute("data-valid", "true")
    expect(page.get_by_test_id("file-checks")).to_contain_text("电子签章有效，覆盖整个文件")
    expect(page.get_by_text(certificate["serial"]).first).to_be_visible()

    page.get_by_role("link", name="核验其他证书").click()
    page.get_by_label("证书文件（PDF 或 JSON 电子证书）").set_input_files(str(painted))
    with page.expect_navigation():
        page.get_by_role("button", name="核验文件").click()
    expect(page.get_by_test_id("file-verdict")).to_have_attribute("data-valid", "false")
    expect(page.get_by_test_id("file-checks")).to_contain_text("签章之后页面或文件内容被改动")
