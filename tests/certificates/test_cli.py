"""``flask certificates verify FILE``: a certificate PDF or its JSON credential checked offline
(signature, serial, the printed page against the credential) and, from the database or a
published status list, for revocation. Exit 0 when valid, 1 when not, 2 when unreadable."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from certificates import credentials, pdf, verification
from certificates.services import issuing
from core.extensions import db
from tests.certificates.conftest import load


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _files(app, issued, tmp_path):
    with app.app_context():
        certificate = load(issued.id)
        pdf_file = tmp_path / "certificate.pdf"
        pdf_file.write_bytes(issuing.render_pdf(certificate))
        json_file = tmp_path / "credential.json"
        json_file.write_text(json.dumps(credentials.credential(certificate), ensure_ascii=False), "utf-8")
    return pdf_file, json_file


def test_a_genuine_pdf_and_its_json_credential_pass(app, runner, issued, tmp_path):
    for file in _files(app, issued, tmp_path):
        result = runner.invoke(args=["certificates", "verify", str(file)])
        assert result.exit_code == 0, result.output
        assert f"证书编号：{issued.serial}" in result.output and "持有人：李明" in result.output
        assert "签名：有效" in result.output and "撤销状态：有效（已在数据库中核对）" in result.output
        assert "核验通过" in result.output
    assert "PDF：页面上的编号和姓名与电子证书一致" in runner.invoke(
        args=["certificates", "verify", str(tmp_path / "certificate.pdf")]).output


def test_a_tampered_credential_fails(app, runner, issued, tmp_path):
    _, json_file = _files(app, issued, tmp_path)
    document = json.loads(json_file.read_text("utf-8"))
    document["credentialSubject"]["identifier"][0]["identityHash"] = "王五"
    json_file.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["certificates", "verify", str(json_file)])
    assert result.exit_code == 1
    assert "签名：无效" in result.output and "核验未通过" in result.output


def test_a_revoked_certificate_presented_as_valid_fails(app, runner, issued, tmp_path):
    pdf_file, _ = _files(app, issued, tmp_path)  # printed while still valid
    with app.app_context():
        issuing.revoke(load(issued.id), "材料不实", by=None)
        db.session.commit()
    result = runner.invoke(args=["certificates", "verify", str(pdf_file)])
    assert result.exit_code == 1
    assert "签名：有效" in result.output and "撤销（发证机构已收回该证书）" in result.output
    assert "材料不实" not in result.output


def test_a_replaced_certificate_names_its_successor(app, runner, issued, tmp_path):
    _, json_file = _files(app, issued, tmp_path)
    with app.app_context():
        old = load(issued.id)
        new = issuing.replace(old, issuing.request_for_correction(old, holder_name="李明", honour="更正"), "更正",
                              by=None)
        db.session.commit()
        new_serial = new.serial
    result = runner.invoke(args=["certificates", "verify", str(json_file)])
    assert result.exit_code == 1 and new_serial in result.output


def test_revocation_can_be_checked_against_the_published_status_list(app, client, runner, issued, tmp_path,
                                                                      monkeypatch):
    _, json_file = _files(app, issued, tmp_path)
    fetched = []

    def fetch(url, timeout=10):
        fetched.append(url)
        response = client.get(urlsplit(url).path)
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code}")
        return response.get_json()

    monkeypatch.setattr(verification, "fetch_json", fetch)
    online = ["certificates", "verify", str(json_file), "--online", "https://gj.example.org"]
    result = runner.invoke(args=online)
    assert result.exit_code == 0, result.output
    assert fetched == ["https://gj.example.org/certificates/status/1"]
    assert "据 https://gj.example.org/certificates/status/1 公布的状态列表" in result.output
    with app.app_context():
        issuing.revoke(load(issued.id), "材料不实", by=None)
        db.session.commit()
    result = runner.invoke(args=online)
    assert result.exit_code == 1 and "已撤销" in result.output


def test_a_status_list_that_cannot_be_fetched_leaves_the_status_unchecked(app, runner, issued, tmp_path,
                                                                          monkeypatch):
    _, json_file = _files(app, issued, tmp_path)

    def unreachable(url, timeout=10):
        raise OSError("connection refused")

    monkeypatch.setattr(verification, "fetch_json", unreachable)
    result = runner.invoke(args=["certificates", "verify", str(json_file), "--online", "https://gj.example.org"])
    assert result.exit_code == 0 and "? 撤销状态：无法获取状态列表" in result.output


def test_without_database_or_status_list_the_status_is_reported_unchecked(app, runner, issued, tmp_path):
    _, json_file = _files(app, issued, tmp_path)
    result = runner.invoke(args=["certificates", "verify", str(json_file), "--no-db"])
    assert result.exit_code == 0 and "撤销状态：未核对" in result.output


def test_a_credential_unknown_to_the_database_fails(app, runner, issued, tmp_path):
    _, json_file = _files(app, issued, tmp_path)
    with app.app_context():
        load(issued.id).serial = "BJGJ-2026-777777"
        db.session.commit()
    result = runner.invoke(args=["certificates", "verify", str(json_file)])
    assert result.exit_code == 1 and "数据库中没有编号为" in result.output


def test_a_pdf_whose_page_does_not_match_its_credential_fails(app, world, runner, issued, tmp_path):
    """A genuine credential attached to a page printed with another name (and sealed: the seal
    alone does not vouch for what the page says)."""
    with app.app_context():
        certificate = load(issued.id)
        data = pdf.render_input(certificate)
        forged = pdf.RenderInput({**data.snapshot, "holder_name": "王五"}, data.verification_code,
                                 data.holder_type, data.credential, data.font_path, data.seal)
        file = tmp_path / "forged.pdf"
        file.write_bytes(pdf.render(forged))
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 1 and "页面上印的编号或姓名与嵌入的电子证书不一致" in result.output


@pytest.mark.parametrize(("content", "message"), [
    (b"%PDF-1.4 broken", "PDF 文件已损坏"),
    (b"hello", "既不是证书 PDF"),
    (b"[1, 2]", "不是电子证书"),
])
def test_an_unreadable_file_exits_with_2(runner, tmp_path, content, message):
    file = tmp_path / "file"
    file.write_bytes(content)
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 2 and message in result.output


def test_a_json_that_is_no_open_badge_fails(runner, tmp_path):
    file = tmp_path / "other.json"
    file.write_text(json.dumps({"type": ["VerifiableCredential"]}), "utf-8")
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 1 and "不是 Open Badges 3.0 电子证书" in result.output


def test_a_pdf_without_an_embedded_credential_exits_with_2(app, runner, tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    file = tmp_path / "plain.pdf"
    canvas = Canvas(str(file))
    canvas.drawString(100, 100, "BJGJ-2026-000001")
    canvas.save()
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 2 and "没有嵌入电子证书" in result.output


def test_a_missing_file_exits_with_2(runner, tmp_path):
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2 and "无法读取文件" in result.output


def test_generate_key_prints_a_usable_key(runner):
    from certificates import signing

    result = runner.invoke(args=["certificates", "generate-key"])
    assert result.exit_code == 0
    seed = result.output.splitlines()[0].split("=", 1)[1]
    signing.load_private_key(seed)
