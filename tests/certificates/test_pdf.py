"""The certificate PDF: Chinese text that copies as Chinese, the font embedded as a TrueType
subset, a QR code that decodes to the verification link, the signed credential attached,
metadata, long names shrunk instead of overflowing, and a batch over two processes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from certificates import credentials, fonts, pdf, signing
from certificates.services import issuing
from core.config import ConfigurationError
from core.extensions import db
from tests.certificates.conftest import load, pdf_attachment, pdf_qr_codes, pdf_text
from tests.certificates.samples import issue_for, request_for

A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture
def public_base(app):
    previous = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://gj.example.org"
    yield "https://gj.example.org"
    app.config["PUBLIC_BASE_URL"] = previous


def _compact(text: str) -> str:
    return "".join(text.split())


def test_the_text_copies_as_the_right_chinese(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        text = _compact(pdf_text(issuing.render_pdf(certificate)))
        for printed in ("荣誉证书", "李明同志：", "经评审、公示，被命名为“2026年度北京大工匠（钳工）”。",
                        "工作单位：朝阳精工有限公司", "特发此证，以资鼓励。", "北京市总工会",
                        "二〇二六年五月一日", f"证书编号：{certificate.serial}"):
            assert printed in text, printed
        assert f"验证码：{pdf.format_code(certificate.verification_code)}" in text


def test_the_page_is_a4_landscape_with_metadata(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        reader = PdfReader(io.BytesIO(issuing.render_pdf(certificate)))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == (841.9, 595.3)
        assert reader.metadata.title == f"荣誉证书 {certificate.serial}"
        assert reader.metadata.author == "北京市总工会"
        assert reader.metadata.subject == "李明：2026年度北京大工匠（钳工）"


def test_the_chinese_font_is_embedded_as_a_truetype_subset(app, world, issued):
    with app.app_context():
        reader = PdfReader(io.BytesIO(issuing.render_pdf(load(issued.id))))
        embedded = []
        for font in reader.pages[0]["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
            else:
                assert font["/Subtype"] != "/Type1", "no unembedded standard font may be used"
        assert embedded and all(has_file for _, has_file in embedded)
        assert all("+WenQuanYiMicroHei" in name for name, _ in embedded)  # ABCDEF+Name: a subset


def test_the_qr_code_decodes_to_the_absolute_verification_link_with_the_code(app, world, public_base):
    with app.app_context():
        certificate = issue_for(world.worker_a, "qr")
        codes = pdf_qr_codes(issuing.render_pdf(certificate))
        assert codes == [f"{public_base}/verify/{certificate.serial}?code={certificate.verification_code}"]


def test_the_verification_link_uses_the_request_host_when_no_public_address_is_set(app, world):
    with app.test_request_context("/", base_url="https://certs.example.com"):
        certificate = issue_for(world.worker_a, "host")
        assert certificate.snapshot["base_url"] == "https://certs.example.com"
        assert pdf_qr_codes(issuing.render_pdf(certificate))[0].startswith(
            "https://certs.example.com/verify/")


def test_the_signed_credential_is_attached_and_verifies(app, world, issued):
    with app.app_context():
        certificate = load(issued.id)
        attached = pdf_attachment(issuing.render_pdf(certificate))
        assert attached == credentials.credential(certificate)
        assert signing.verify(attached, signing.keyring().public) == certificate.key_id


def test_a_rare_character_the_font_has_prints_and_copies(app, world):
    with app.app_context():
        assert fonts.missing_characters("张喆") == []
        certificate = issuing.issue(request_for(world.worker_a, "rare", name="张喆"), by=None)
        assert "张喆同志" in _compact(pdf_text(issuing.render_pdf(certificate)))


def _char_boxes(data: bytes):
    import pypdfium2

    page = pypdfium2.PdfDocument(data)[0]
    text = page.get_textpage()
    return [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]


@pytest.mark.parametrize(("name", "honour"), [
    ("阿卜杜热西提·艾合买提江·买买提明·阿不都克里木",
     "北京市第十二届职工职业技能大赛数控机床装调维修工（职工组）一等奖"),
    ("名" * 200, "奖" * 300),
    ("Maximilian Alexander von Hohenzollern-Sigmaringen " * 3, "Beijing Grand Craftsman " * 10),
])
def test_long_names_and_honours_shrink_to_stay_inside_the_frame(app, world, name, honour):
    with app.app_context():
        certificate = issuing.issue(request_for(world.worker_a, "long", name=name, honour=honour), by=None)
        data = issuing.render_pdf(certificate)
        text = _compact(pdf_text(data))
        assert _compact(name) in text and _compact(honour) in text
        width, height = A4_LANDSCAPE
        for char, (left, bottom, right, top) in _char_boxes(data):
            if char.strip():
                inside = 40 <= left <= right <= width - 40 and 40 <= bottom <= top <= height - 40
                assert inside, (char, left, bottom, right, top)


def test_closing_punctuation_never_starts_a_line():
    name = fonts.font_name()
    lines = pdf.wrap("被命名为“北京市职工创新工作室”，特此表彰。" * 3, name, 20, 200)
    assert len(lines) > 2
    assert not any(line[0] in pdf.NO_LINE_START for line in lines[1:])
    assert not any(line[-1] in pdf.NO_LINE_END for line in lines)


def _page_lines(data: bytes) -> list[str]:
    return [_compact(line) for line in pdf_text(data).splitlines()]


def test_organisation_names_in_the_details_never_break_inside_a_word(app, world):
    enterprise = "北京京城精工机床有限公司"
    with app.app_context():
        certificate = issue_for(world.worker_a, "layout", details={
            "选树周期": "第四届北京大工匠选树（2026年）", "工作单位": enterprise,
            "所属地区": "朝阳区总工会", "职业（工种）": "数控机床装调维修工"})
        lines = _page_lines(issuing.render_pdf(certificate))
    assert any(f"工作单位：{enterprise}" in line for line in lines), lines
    name = fonts.font_name()
    units = ["工种：钳工", f"工作单位：{enterprise}", "所属地区：朝阳区总工会"]
    size, wrapped = pdf.fit_block("　　".join(units), name, 14, 7, 300, 44, leading=1.45, keep=units)
    assert all(any(unit in line for line in wrapped) for unit in units), wrapped


def test_a_name_too_long_for_one_line_breaks_after_the_organisation_not_inside_it():
    name = fonts.font_name()
    studio = "北京京城精工机床有限公司" + "张明数控机床装调维修技术创新工作室"
    size, lines = pdf.fit_block(studio + "：", name, 16, 6, 16 * 17, 64, leading=1.3,
                                keep=pdf.break_units(studio))
    assert lines == ["北京京城精工机床有限公司", "张明数控机床装调维修技术创新工作室："], size
    assert pdf.break_points(studio)[0] == len("北京京城精工机床有限公司")
    assert pdf.break_units("北京京城精工机床有限公司（集团）") == ["北京京城精工机床有限公司", "（集团）"]


def test_a_certificate_pdf_stays_small(app, world, issued):
    with app.app_context():
        assert len(issuing.render_pdf(load(issued.id))) < 60_000


def test_render_many_renders_a_batch_over_two_processes_in_order(app, world):
    with app.app_context():
        certificates = [issue_for(world.worker_a, f"batch:{n}", honour=f"第{n}名") for n in range(10)]
        db.session.commit()
        pdfs = pdf.render_many(certificates, processes=2)
        assert len(pdfs) == 10
        for certificate, data in zip(certificates, pdfs, strict=True):
            assert pdf_attachment(data)["credentialSubject"]["licenseNumber"] == certificate.serial


def test_a_missing_font_fails_naming_the_setting():
    with pytest.raises(ConfigurationError, match="CERTIFICATE_FONT_PATH"):
        fonts.font_path("/nonexistent/font.ttc")


def test_the_font_is_found_in_the_known_locations_when_not_configured(app):
    with app.app_context():
        assert app.config["CERTIFICATE_FONT_PATH"] is None
        assert fonts.font_path() in fonts.candidate_paths(None)


def test_an_unusable_font_file_fails_naming_the_setting(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    with pytest.raises(ConfigurationError, match="CERTIFICATE_FONT_PATH"):
        fonts.font_name(str(broken))
