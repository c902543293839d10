"""The certificate PDF's electronic seal (PAdES, pyHanko): a genuine file verifies in the CLI,
on the public /verify page and in poppler's ``pdfsig``; forged copies made here the way a forger
would (painted over in an editor, a page replaced, bytes appended, the signature stripped,
re-signed with another key) are each refused with their own message."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import white
from reportlab.pdfgen.canvas import Canvas

from certificates import config as cert_config
from certificates import fonts, pdf, sealing
from certificates.services import issuing
from core.config import ConfigurationError
from core.extensions import db
from tests.certificates.conftest import load, pdf_attachment, pdf_text
from tests.conftest import csrf_token


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def genuine(app, issued) -> bytes:
    with app.app_context():
        return issuing.render_pdf(load(issued.id))


def _overlay(draw) -> bytes:
    """A one-page landscape A4 PDF drawn by ``draw(canvas, font)``."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(pdf.PAGE_WIDTH, pdf.PAGE_HEIGHT))
    draw(canvas, fonts.font_name())
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def painted_over(data: bytes) -> bytes:
    """As a PDF editor saves it: a white box over the name and the award, new text drawn on top,
    the old text left underneath and the attachment untouched."""
    def draw(canvas, font):
        canvas.setFillColor(white)
        canvas.rect(110, 300, 500, 110, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(font, 30)
        canvas.drawString(118, 373, "王五同志：")
        canvas.setFont(font, 24)
        canvas.drawString(118, 320, "经评审、公示，被命名为“北京大工匠（特级）”。")

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(_overlay(draw))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_replaced(data: bytes) -> bytes:
    """An incremental update that gives page 1 other contents (the signed revision untouched)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader

    def draw(canvas, font):
        canvas.setFont(font, 30)
        canvas.drawString(118, 373, "王五同志：北京大工匠（特级）")

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    other = PdfFileReader(io.BytesIO(_overlay(draw))).root["/Pages"]["/Kids"][0].get_object()
    for key in ("/Contents", "/Resources"):
        page[key] = writer.import_object(other.raw_get(key))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stripped(data: bytes) -> bytes:
    """The file as it was before the seal's incremental update (the last): the signature cut off."""
    end = data.rindex(b"%%EOF", 0, data.rindex(b"%%EOF")) + len(b"%%EOF")
    return data[:end] + b"\n"


def resigned(data: bytes) -> bytes:
    """The stripped file sealed again by someone else's key and certificate."""
    other = sealing.self_signed("北京市总工会")
    return sealing.seal_pdf(stripped(data), other, box=pdf.SEAL_BOX, reason="伪造", signer_name="北京市总工会")


FORGERIES = {
    "painted": (painted_over, "电子签章校验失败：签章之后页面或文件内容被改动"),
    "page_replaced": (page_replaced, "签章之后文件被增量修改（页面被替换或添加了内容）"),
    "appended": (lambda data: data + b"\n% appended after signing\n", "签章之后文件末尾被追加了数据"),
    "stripped": (stripped, "PDF 没有发证机构的电子签章"),
    "resigned": (resigned, "电子签章不是发证机构的签章"),
}


def test_a_genuine_pdf_carries_a_pades_seal_over_the_whole_file(app, genuine):
    with app.app_context():
        verdict = sealing.check_pdf(genuine, sealing.known_certificates(app.config))
    assert verdict.ok and "覆盖整个文件" in verdict.message
    signature = PdfReader(io.BytesIO(genuine)).trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    assert signature["/FT"] == "/Sig" and signature["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"
    rect = [float(v) for v in signature["/Rect"]]
    assert rect == pytest.approx(pdf.SEAL_BOX, abs=0.01)  # the field lies over the printed seal


def test_the_forgeries_are_really_what_they_claim(app, genuine):
    """The forged files still carry what a reader would be fooled by."""
    painted = painted_over(genuine)
    assert "王五" in pdf_text(painted) and "李明" in pdf_text(painted)  # old text left underneath
    assert pdf_attachment(painted) == pdf_attachment(genuine)
    assert "王五" in pdf_text(page_replaced(genuine))
    assert b"/ByteRange" not in stripped(genuine) and pdf_attachment(stripped(genuine))


@pytest.mark.parametrize("name", list(FORGERIES))
def test_the_cli_refuses_each_forgery_with_its_own_message(app, runner, genuine, tmp_path, name):
    forge, message = FORGERIES[name]
    file = tmp_path / f"{name}.pdf"
    file.write_bytes(forge(genuine))
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 1, result.output
    assert message in result.output and "核验未通过" in result.output
    assert "签名：有效" not in result.output  # nothing read from a file that fails its seal
    others = [m for n, (_, m) in FORGERIES.items() if n != name]
    assert not any(other in result.output for other in others)


def test_the_cli_passes_the_genuine_file_with_its_seal(app, runner, genuine, tmp_path):
    file = tmp_path / "genuine.pdf"
    file.write_bytes(genuine)
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 0, result.output
    assert "✓ 电子签章：电子签章有效，覆盖整个文件" in result.output


def test_a_flipped_byte_in_the_attachment_gives_one_clear_line_and_no_zlib_error(app, runner, genuine, tmp_path):
    start = genuine.index(b"/EmbeddedFile")
    offset = genuine.index(b"stream", start) + 40
    damaged = genuine[:offset] + bytes([genuine[offset] ^ 0xFF]) + genuine[offset + 1:]
    file = tmp_path / "damaged.pdf"
    file.write_bytes(damaged)
    result = runner.invoke(args=["certificates", "verify", str(file)])
    assert result.exit_code == 1
    assert "电子签章校验失败" in result.output
    assert "zlib" not in result.output.lower() and "Error -3" not in result.output


def test_the_cli_says_so_in_one_line_when_the_file_is_missing_or_not_a_certificate(app, runner, tmp_path):
    missing = runner.invoke(args=["certificates", "verify", str(tmp_path / "none.pdf")])
    assert missing.exit_code == 2 and len(missing.output.strip().splitlines()) == 1
    text = tmp_path / "note.txt"
    text.write_text("hello", "utf-8")
    other = runner.invoke(args=["certificates", "verify", str(text)])
    assert other.exit_code == 2 and len(other.output.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is installed by make test")
def test_pdfsig_finds_the_genuine_seal_valid_and_the_painted_copy_invalid(genuine, tmp_path):
    good, bad = tmp_path / "genuine.pdf", tmp_path / "painted.pdf"
    good.write_bytes(genuine)
    bad.write_bytes(painted_over(genuine))
    pdfsig = shutil.which("pdfsig")
    genuine_report = subprocess.run([pdfsig, str(good)], capture_output=True, text=True, check=False).stdout  # noqa: S603
    painted_report = subprocess.run([pdfsig, str(bad)], capture_output=True, text=True, check=False).stdout  # noqa: S603
    assert "Signature is Valid." in genuine_report and "Total document signed" in genuine_report
    assert "Signature is Valid." not in painted_report
    assert "Digest Mismatch" in painted_report or "Signature is Invalid" in painted_report


# --- The public /verify page -------------------------------------------------------------------


def _upload(client, data: bytes, name: str = "certificate.pdf"):
    token = csrf_token(client, "/verify")
    return client.post("/verify/file", data={"csrf_token": token, "upload-file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_verify_page_accepts_a_genuine_pdf(app, client, genuine, issued):
    response = _upload(client, genuine)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-valid="true"' in html
    assert "电子签章有效，覆盖整个文件" in html and issued.serial in html


@pytest.mark.parametrize("name", list(FORGERIES))
def test_the_verify_page_refuses_each_forgery_with_the_same_message(app, client, genuine, name):
    forge, message = FORGERIES[name]
    html = _upload(client, forge(genuine)).get_data(as_text=True)
    assert 'data-valid="false"' in html and message in html


def test_the_verify_page_upload_needs_csrf_and_a_file(app, client):
    assert client.post("/verify/file", data={"upload-file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                       content_type="multipart/form-data").status_code == 400
    token = csrf_token(client, "/verify")
    missing = client.post("/verify/file", data={"csrf_token": token}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "请选择要核验的证书文件" in missing.get_data(as_text=True)
    junk = _upload(client, b"not a certificate", "a.txt")
    assert junk.status_code == 400 and "文件既不是证书 PDF" in junk.get_data(as_text=True)


def test_the_verify_page_upload_is_rate_limited(app, client, genuine):
    app.config["CERTIFICATE_UPLOAD_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [_upload(client, genuine).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert "核验失败次数过多" in _upload(client, genuine).get_data(as_text=True)
    finally:
        app.config["CERTIFICATE_UPLOAD_RATE_LIMIT"] = cert_config.DEFAULTS["CERTIFICATE_UPLOAD_RATE_LIMIT"]


# --- Keys ---------------------------------------------------------------------------------------


def test_pdfs_sealed_before_a_key_rotation_keep_verifying(app, genuine):
    previous = dict(app.config)
    new = sealing.self_signed("北京市总工会")
    try:
        app.config.update(CERTIFICATE_PDF_KEY=new.key_pem.decode(), CERTIFICATE_PDF_CERT=new.chain_pem.decode())
        with app.app_context():
            assert not sealing.check_pdf(genuine, sealing.known_certificates(app.config)).ok
            app.config["CERTIFICATE_PDF_KNOWN_CERTS"] = previous["CERTIFICATE_PDF_CERT"]
            assert sealing.check_pdf(genuine, sealing.known_certificates(app.config)).ok
    finally:
        app.config.update(previous)


def test_the_seal_key_must_be_p256_or_rsa_2048_and_match_its_certificate():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused below
    with pytest.raises(sealing.SealConfigurationError, match="2048"):
        sealing.load_private_key(small.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    strong = sealing.self_signed("北京市总工会", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    sealing.check_seal_key(strong)
    curve = ec.generate_private_key(ec.SECP384R1())
    pem = curve.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    with pytest.raises(sealing.SealConfigurationError, match="P-256"):
        sealing.load_private_key(pem)
    one, two = sealing.self_signed("甲"), sealing.self_signed("乙")
    with pytest.raises(sealing.SealConfigurationError, match="不匹配"):
        sealing.check_seal_key(sealing.SealKey(one.key_pem, two.chain_pem))
    sealing.check_seal_key(sealing.SealKey(one.key_pem, one.chain_pem))


def test_production_refuses_to_start_without_a_seal_key_and_certificate(tmp_path):
    good = {"CERTIFICATE_SIGNING_KEY": "BQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQ=",
            "PUBLIC_BASE_URL": "https://gj.example.org"}
    with pytest.raises(ConfigurationError, match="CERTIFICATE_PDF_KEY"):
        cert_config.check_production(good)
    seal = sealing.self_signed("北京市总工会")
    (tmp_path / "key.pem").write_bytes(seal.key_pem)
    (tmp_path / "cert.pem").write_bytes(seal.chain_pem)
    with pytest.raises(ConfigurationError, match="无法读取文件"):
        cert_config.check_production({**good, "CERTIFICATE_PDF_KEY": str(tmp_path / "missing.pem"),
                                      "CERTIFICATE_PDF_CERT": str(tmp_path / "cert.pem")})
    cert_config.check_production({**good, "CERTIFICATE_PDF_KEY": str(tmp_path / "key.pem"),
                                  "CERTIFICATE_PDF_CERT": str(tmp_path / "cert.pem")})


def test_development_keeps_a_generated_seal_in_the_instance_folder(tmp_path):
    key, cert = cert_config._development_seal(tmp_path, "北京市总工会")
    again = cert_config._development_seal(tmp_path, "北京市总工会")
    assert (key, cert) == again and (tmp_path / "certificate_pdf_key.pem").stat().st_mode & 0o777 == 0o600
    seal = sealing.seal_key({"CERTIFICATE_PDF_KEY": key, "CERTIFICATE_PDF_CERT": cert})
    assert seal.key_pem == (tmp_path / "certificate_pdf_key.pem").read_bytes()


def test_an_administrators_copy_of_a_revoked_certificate_is_stamped_and_still_sealed(app, issued):
    with app.app_context():
        certificate = load(issued.id)
        issuing.revoke(certificate, "内部原因", by=None)
        db.session.commit()
        data = issuing.render_pdf(certificate)
        assert sealing.check_pdf(data, sealing.known_certificates(app.config)).ok
    text = pdf_text(data)
    assert "已撤销" in text and "起失效" in text


def test_generate_seal_writes_a_usable_key_and_certificate_and_never_overwrites(app, runner, tmp_path):
    key, cert = tmp_path / "seal.key.pem", tmp_path / "seal.cert.pem"
    result = runner.invoke(args=["certificates", "generate-seal", "--key", str(key), "--cert", str(cert)])
    assert result.exit_code == 0, result.output
    seal = sealing.seal_key({"CERTIFICATE_PDF_KEY": str(key), "CERTIFICATE_PDF_CERT": str(cert)})
    assert "北京市总工会" in sealing.load_certificates(seal.chain_pem)[0].subject.rfc4514_string()
    again = runner.invoke(args=["certificates", "generate-seal", "--key", str(key), "--cert", str(cert)])
    assert again.exit_code == 2 and key.read_bytes() == seal.key_pem


def test_the_cli_exits_with_3_when_this_installations_seal_settings_are_broken(app, runner, genuine, tmp_path):
    file = tmp_path / "genuine.pdf"
    file.write_bytes(genuine)
    previous = app.config["CERTIFICATE_PDF_CERT"]
    app.config["CERTIFICATE_PDF_CERT"] = str(tmp_path / "missing-cert.pem")
    try:
        result = runner.invoke(args=["certificates", "verify", str(file)])
    finally:
        app.config["CERTIFICATE_PDF_CERT"] = previous
    assert result.exit_code == 3 and "无法读取文件" in result.output
    assert len(result.output.strip().splitlines()) == 1


def _red_near(png: bytes, x: float, y: float) -> bool:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return any(r > 170 and g < 110 and b < 110
               for dx in range(-3, 4) for dy in range(-3, 4)
               for r, g, b in [image.getpixel((round(x) + dx, round(y) + dy))])


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is installed by make test")
def test_the_seal_on_the_page_is_the_signatures_appearance(genuine, tmp_path):
    """The seal's rings and star are drawn by the signature field: a copy whose signature was
    cut off loses them, while the issuer's name stays printed."""
    def page_png(data: bytes) -> bytes:
        file = tmp_path / "page.pdf"
        file.write_bytes(data)
        subprocess.run([shutil.which("pdftoppm"), "-r", "72", "-png", "-singlefile", str(file),  # noqa: S603
                        str(tmp_path / "page")], check=True)
        return (tmp_path / "page.png").read_bytes()

    cx, cy = pdf.SEAL_CENTRE
    ring_top = (cx, pdf.PAGE_HEIGHT - (cy + 58))  # image coordinates at 72 dpi
    assert _red_near(page_png(genuine), *ring_top)
    assert not _red_near(page_png(stripped(genuine)), *ring_top)


def test_the_verify_page_gives_the_verdict_in_english_to_an_english_browser(app, client, genuine):
    token = csrf_token(client, "/verify")
    response = client.post("/verify/file", data={"csrf_token": token,
                                                 "upload-file": (io.BytesIO(painted_over(genuine)), "a.pdf")},
                           content_type="multipart/form-data", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert "Electronic seal check failed: the page or file was changed after sealing" in html
    assert "电子签章校验失败" not in html



def test_a_changed_credential_is_refused_in_the_readers_language(client, issued):
    credential = client.get(f"/verify/{issued.serial}/credential.json?code={issued.code}").get_json()
    credential["credentialSubject"]["name"] = "李四"
    changed = json.dumps(credential, ensure_ascii=False).encode("utf-8")

    def verdict(language: str) -> str:
        token = csrf_token(client, "/verify")
        return client.post("/verify/file", data={"csrf_token": token, "upload-file": (io.BytesIO(changed), "c.json")},
                           content_type="multipart/form-data",
                           headers={"Accept-Language": language}).get_data(as_text=True)

    english = verdict("en")
    assert "Signature: invalid: the content was changed after signing, or was not signed by the issuer" in english
    assert "签名后内容已被改动" not in english
    assert "签名：无效，签名后内容已被改动，或并非由发证机构签发" in verdict("zh")

def test_the_production_app_refuses_to_start_without_the_seal(monkeypatch):
    from core import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", "9aEF6q8bB7yK8bRZbq2qTbZ2b0oFvXjv5dZ1lM9o8Ec=")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("ID_LOOKUP_KEY", "l" * 48)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("RATELIMIT_SINGLE_PROCESS", "true")
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", "BQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQ=")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://gj.example.org")
    monkeypatch.delenv("CERTIFICATE_PDF_KEY", raising=False)
    monkeypatch.delenv("CERTIFICATE_PDF_CERT", raising=False)
    with pytest.raises(ConfigurationError, match="CERTIFICATE_PDF_KEY"):
        create_app("production")
