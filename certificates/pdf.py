"""The certificate as a PDF: A4 landscape, a red and gold frame, the title 荣誉证书, the holder and
the honour, the issuing body with a red seal and the date, the serial and a QR code that links
to the public verification page. The Chinese font is embedded (a TrueType subset, so copied text
is real Chinese), and the signed credential travels inside the file as ``credential.json``.
The finished file is sealed (:mod:`certificates.sealing`): a PAdES signature of the issuing body
over the whole file, its field over the printed seal.

Everything printed comes from the certificate's snapshot: rendering needs neither the database
nor the app, so :func:`render_many` can spread a batch over several processes.
"""

from __future__ import annotations

import functools
import io
import json
import math
import multiprocessing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import segno
from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from certificates import fonts, sealing
from certificates.lookup import format_code, verification_link

#: Binary (Flate only) streams: ASCII85 on top makes files 25% larger and costs a fifth of the
#: rendering time. (ReportLab's documented process-wide setting, as a ``reportlab_settings.py``
#: would set it; nothing here needs 7-bit-clean PDFs.)
rl_config.useA85 = 0

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
RED = Color(0.70, 0.07, 0.11)
SEAL_RED = Color(0.86, 0.08, 0.10)
GOLD = Color(0.78, 0.60, 0.22)
LIGHT_GOLD = Color(0.91, 0.78, 0.42)
PAPER = Color(1.0, 0.985, 0.94)
INK = Color(0.13, 0.11, 0.10)
GREY = Color(0.38, 0.34, 0.30)

#: The body's left and right edges.
BODY_LEFT = 118
BODY_RIGHT = PAGE_WIDTH - 118
BODY_WIDTH = BODY_RIGHT - BODY_LEFT
#: Characters that must not start a line (they stay with the previous one).
NO_LINE_START = set("，。、；：！？）》」』”’·…—%")
#: Characters that must not end a line.
NO_LINE_END = set("（《「『“‘")

CREDENTIAL_NAME = "credential.json"
PRODUCER = "北京市总工会 证书系统"
#: Holders addressed as a person ("同志") rather than an organisation.
PERSON_HOLDERS = {"worker"}


@dataclass(frozen=True)
class RenderInput:
    """Everything a certificate's PDF shows and carries; plain data (picklable)."""

    snapshot: dict
    verification_code: str
    holder_type: str
    credential: bytes
    font_path: str
    #: The electronic seal that signs the file (None: unsigned, for comparison only).
    seal: sealing.SealKey | None = None
    #: Printed across the page of a copy of a revoked certificate: (label, date text).
    revoked_stamp: tuple[str, str] | None = None


def render_input(certificate, font_path: str | None = None) -> RenderInput:
    """What :func:`render` needs from ``certificate`` (call inside the app)."""
    from flask import current_app

    from certificates import credentials

    return RenderInput(
        snapshot=dict(certificate.snapshot), verification_code=certificate.verification_code,
        holder_type=certificate.holder_type,
        credential=json.dumps(credentials.credential(certificate), ensure_ascii=False, indent=2).encode("utf-8"),
        font_path=font_path or fonts.font_path(), seal=sealing.seal_key(current_app.config),
        revoked_stamp=revoked_stamp(certificate))


def revoked_stamp(certificate) -> tuple[str, str] | None:
    """("已撤销" or "已换发", the date) for a certificate no longer valid, else None."""
    from certificates.models import CertificateStatus
    from core.timeutil import utc_to_beijing

    if certificate.status == CertificateStatus.VALID.value or certificate.revoked_at is None:
        return None
    day = utc_to_beijing(certificate.revoked_at).date()
    label = "已撤销" if certificate.status == CertificateStatus.REVOKED.value else "已换发"
    return label, f"{day.year}年{day.month}月{day.day}日"


def render_pdf(certificate) -> bytes:
    """The PDF of ``certificate``."""
    return render(render_input(certificate))


# --- Text fitting ----------------------------------------------------------------------------

def wrap(text: str, font: str, size: float, width: float, first_indent: float = 0,
         keep: Sequence[str] = ()) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (Chinese breaks between characters;
    Latin words and the phrases in ``keep`` (names, organisations) stay whole when they can;
    closing punctuation never starts a line)."""
    return _wrap_measured(_measure(text, font, keep), font, width / size, (width - first_indent) / size)


#: Where a name or an organisation too long for one line may break: after these endings
#: (北京京城精工机床有限公司 | 数控车工创新工作室), or before an opening bracket.
BREAK_AFTER = ("有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "集团", "总工会", "工会", "委员会",
               "研究院", "研究所", "学院", "大学", "中心", "工厂", "厂", "局", "院", "所", "站", "处", "室")


def break_points(text: str) -> list[int]:
    """Positions in ``text``, in order, where a line may break without splitting a word: after
    organisation endings, before brackets, after spaces and Chinese punctuation."""
    points = set()
    for ending in BREAK_AFTER:
        start = text.find(ending)
        while start >= 0:
            points.add(start + len(ending))
            start = text.find(ending, start + 1)
    for i, char in enumerate(text):
        if char in "（(《“" and i:
            points.add(i)
        elif char in " ：:、，）)》”　":
            points.add(i + 1)
    return sorted(p for p in points if 0 < p < len(text)
                  and text[p] not in NO_LINE_START and text[p - 1] not in NO_LINE_END)


def _tokens(text: str, keep: Sequence[str] = ()) -> list[str]:
    """Characters, except that runs of ASCII letters/digits (with a leading space) and the
    phrases in ``keep`` stay together."""
    tokens: list[str] = []
    i = 0
    phrases = sorted((k for k in keep if k), key=len, reverse=True)
    while i < len(text):
        phrase = next((k for k in phrases if text.startswith(k, i)), None)
        if phrase is not None:
            tokens.append(phrase)
            i += len(phrase)
            continue
        char = text[i]
        if tokens and char.isascii() and char.isalnum() and tokens[-1][-1:].isascii() \
                and (tokens[-1][-1:].isalnum() or tokens[-1] == " "):
            tokens[-1] += char
        else:
            tokens.append(char)
        i += 1
    return tokens


def _measure(text: str, font: str, keep: Sequence[str] = ()) -> list[tuple[str, float, float]]:
    """(token, width, width without its leading space) at size 1: widths scale with the size."""
    measured = []
    for token in _tokens(text, keep):
        unit = stringWidth(token, font, 1)
        stripped = token.lstrip()
        measured.append((token, unit, unit if stripped == token else stringWidth(stripped, font, 1)))
    return measured


def _split_wide(measured, font: str, width: float):
    """Tokens wider than a whole line split at sensible points (see :func:`_cut`)."""
    for token, unit, stripped_unit in measured:
        if unit <= width or len(token) < 2:
            yield token, unit, stripped_unit
            continue
        word = token
        while len(word) > 1 and stringWidth(word, font, 1) > width:
            cut = _cut(word, font, width)
            piece = word[:cut]
            yield piece, stringWidth(piece, font, 1), stringWidth(piece.lstrip(), font, 1)
            word = word[cut:]
        if word:
            unit = stringWidth(word, font, 1)
            yield word, unit, stringWidth(word.lstrip(), font, 1)


def _wrap_measured(measured, font: str, width: float, first_width: float) -> list[str]:
    """:func:`wrap` on measured tokens, in units of the font size."""
    measured = list(_split_wide(measured, font, min(width, first_width)))
    lines: list[str] = []
    current: list[tuple[str, float]] = []
    used = 0.0
    limit = first_width
    for token, unit, stripped_unit in measured:
        if not current or used + unit <= limit or token[0] in NO_LINE_START:
            current.append((token, unit))  # closing punctuation may hang over the edge a little
            used += unit
            continue
        carried = [current.pop()] if current[-1][0][-1] in NO_LINE_END else []
        lines.append("".join(t for t, _ in current))
        current = carried + [(token.lstrip(), stripped_unit)]
        used = sum(u for _, u in current)
        limit = width
        if used > limit and len(current) == 1 and len(current[0][0]) > 1:  # a word wider than a line
            word = current[0][0]
            while stringWidth(word, font, 1) > limit and len(word) > 1:
                cut = _cut(word, font, limit)
                lines.append(word[:cut])
                word = word[cut:]
            current = [(word, stringWidth(word, font, 1))]
            used = current[0][1]
    if current:
        lines.append("".join(t for t, _ in current))
    return [line for line in lines if line]


def _cut(word: str, font: str, limit: float) -> int:
    """Where to break ``word`` (wider than ``limit``): the last sensible break point that fits,
    else as many characters as fit."""
    fitting = [p for p in break_points(word) if stringWidth(word[:p], font, 1) <= limit]
    if fitting:
        return fitting[-1]
    cut = len(word)
    while cut > 1 and stringWidth(word[:cut], font, 1) > limit:
        cut -= 1
    return cut


def fit_line(text: str, font: str, largest: float, smallest: float, width: float) -> float:
    """The largest size (not below ``smallest``) at which ``text`` fits ``width`` on one line."""
    natural = stringWidth(text, font, 1)
    if natural <= 0:
        return largest
    return max(smallest, min(largest, width / natural))


def fit_block(text: str, font: str, largest: float, smallest: float, width: float, height: float,
              leading: float = 1.55, first_indent_chars: float = 0,
              keep: Sequence[str] = ()) -> tuple[float, list[str]]:
    """The size and lines of ``text`` wrapped into ``width`` x ``height``.

    The largest size that fits is taken (shrinking in half points), with every phrase of ``keep``
    whole on one line, except that a short last line (under a third of the width) is avoided by
    shrinking up to 15% more. At ``smallest`` the lines are returned even if they are taller than
    ``height`` (a phrase still too long then breaks at a sensible point, see :func:`break_points`).
    """
    if keep:
        size, lines = _fit_block(text, font, largest, smallest, width, height, leading, first_indent_chars, keep)
        if len(lines) * size * leading <= height and all(
                any(phrase in line for line in lines) for phrase in keep if phrase in text):
            return size, lines
    return _fit_block(text, font, largest, smallest, width, height, leading, first_indent_chars, ())


def _fit_block(text, font, largest, smallest, width, height, leading, first_indent_chars, keep):
    """:func:`fit_block` with ``keep`` as a requirement."""
    size = largest
    fitting = None
    measured = _measure(text, font, keep)
    while True:
        lines = _wrap_measured(measured, font, width / size, width / size - first_indent_chars)
        fits = len(lines) * size * leading <= height and all(
            any(phrase in line for line in lines) for phrase in keep if phrase in text)
        if fits and fitting is None:
            fitting = (size, lines)
        if fits and (len(lines) == 1 or stringWidth(lines[-1], font, size) >= width * 0.35):
            return size, lines
        if size <= smallest or (fitting is not None and size <= fitting[0] * 0.85):
            return fitting or (size, lines)
        size = max(smallest, size - 0.5)


def break_units(name: str) -> list[str]:
    """The parts of a long name that should each stay on one line: split at its sensible break
    points (北京京城精工机床有限公司 | 张明数控技术创新工作室)."""
    points = [0, *break_points(name), len(name)]
    return [name[a:b] for a, b in zip(points, points[1:], strict=False) if name[a:b]]


# --- Drawing ---------------------------------------------------------------------------------

def _frame(canvas: Canvas) -> None:
    """The frame, the same on every certificate: drawn once, then copied as PDF operators."""
    canvas.addLiteral(_frame_operators())


@functools.cache
def _frame_operators() -> str:
    def draw(scratch: Canvas) -> None:
        scratch.saveState()
        _draw_frame(scratch)
        scratch.restoreState()
    return _operators(draw, (PAGE_WIDTH, PAGE_HEIGHT))


def _operators(draw, pagesize: tuple[float, float]) -> str:
    """The PDF operators that ``draw`` adds to a fresh page of ``pagesize``."""
    scratch = Canvas(io.BytesIO(), pagesize=pagesize)
    before = scratch.getCurrentPageContent()
    draw(scratch)
    content = scratch.getCurrentPageContent()
    return content[len(before):].lstrip("\n")


def _draw_frame(canvas: Canvas) -> None:
    """Paper, a red band with a gold rule inside it, a double gold frame, corner ornaments."""
    w, h = PAGE_WIDTH, PAGE_HEIGHT
    canvas.setFillColor(RED)
    canvas.rect(0, 0, w, h, stroke=0, fill=1)
    canvas.setFillColor(PAPER)
    canvas.rect(26, 26, w - 52, h - 52, stroke=0, fill=1)
    canvas.setStrokeColor(LIGHT_GOLD)
    canvas.setLineWidth(0.9)
    canvas.rect(11, 11, w - 22, h - 22, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(2.2)
    canvas.rect(36, 36, w - 72, h - 72, stroke=1, fill=0)
    canvas.setLineWidth(0.7)
    canvas.rect(42, 42, w - 84, h - 84, stroke=1, fill=0)
    # Corner ornaments: a gold lozenge with a fret (回纹) corner.
    canvas.setFillColor(GOLD)
    for cx, cy, sx, sy in ((42, 42, 1, 1), (w - 42, 42, -1, 1), (42, h - 42, 1, -1), (w - 42, h - 42, -1, -1)):
        path = canvas.beginPath()
        path.moveTo(cx, cy)
        path.lineTo(cx + sx * 34, cy)
        path.lineTo(cx + sx * 34, cy + sy * 6)
        path.lineTo(cx + sx * 6, cy + sy * 6)
        path.lineTo(cx + sx * 6, cy + sy * 34)
        path.lineTo(cx, cy + sy * 34)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)
        diamond = canvas.beginPath()
        mx, my = cx + sx * 18, cy + sy * 18
        diamond.moveTo(mx, my - 7)
        diamond.lineTo(mx + 7, my)
        diamond.lineTo(mx, my + 7)
        diamond.lineTo(mx - 7, my)
        diamond.close()
        canvas.drawPath(diamond, stroke=0, fill=1)
    # Rules either side of the title.
    canvas.setLineWidth(1.2)
    y = h - 112
    for x0, x1 in ((180, 300), (w - 300, w - 180)):
        canvas.line(x0, y, x1, y)
        canvas.line(x0 + 20, y - 5, x1 - 20, y - 5)


def _title(canvas: Canvas, font: str, title: str) -> None:
    size, spacing = 46, 16
    width = stringWidth(title, font, size) + spacing * (len(title) - 1)
    canvas.saveState()
    text = canvas.beginText((PAGE_WIDTH - width) / 2, PAGE_HEIGHT - 128)
    text.setFont(font, size)
    text.setCharSpace(spacing)
    text.setTextRenderMode(2)  # fill and stroke: a heavier face than the font's regular weight
    canvas.setFillColor(RED)
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(1.1)
    text.textOut(title)
    text.setCharSpace(0)
    text.setTextRenderMode(0)
    canvas.drawText(text)
    canvas.restoreState()


def _seal_rings(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    canvas.setLineWidth(3.2)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    canvas.setLineWidth(0.8)
    canvas.circle(cx, cy, radius - 5, stroke=1, fill=0)
    _star(canvas, cx, cy, radius * 0.30)


@functools.cache
def seal_appearance() -> bytes:
    """The seal's rings and star as PDF operators in the signature field's box: the electronic
    seal shows as the printed seal, and a copy whose signature was removed loses them."""
    def draw(scratch: Canvas) -> None:
        scratch.setStrokeColor(SEAL_RED)
        scratch.setFillColor(SEAL_RED)
        _seal_rings(scratch, SEAL_RADIUS, SEAL_RADIUS, SEAL_RADIUS - 2)
    return _operators(draw, (2 * SEAL_RADIUS, 2 * SEAL_RADIUS)).encode("ascii")


def _star(canvas: Canvas, cx: float, cy: float, outer: float) -> None:
    inner = outer * 0.382
    path = canvas.beginPath()
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _seal(canvas: Canvas, font: str, cx: float, cy: float, issuer: str, radius: float = 58,
          rings: bool = True) -> None:
    """A round red seal: double ring, a star, the issuing body's name along the upper arc.
    Without ``rings`` the rings and the star are left to the signature's appearance."""
    canvas.saveState()
    canvas.setFillAlpha(0.82)
    canvas.setStrokeAlpha(0.82)
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    if rings:
        _seal_rings(canvas, cx, cy, radius)
    # The name along the arc, clockwise from the lower left to the lower right, in heavy strokes:
    # characters as large as fit (closely spaced, as carved), over at most 270 degrees.
    n = len(issuer)
    size = 19.0
    while True:
        text_radius = radius - 6 - 0.9 * size
        span = math.degrees(1.12 * size * (n - 1) / text_radius) if n > 1 else 0
        if span <= 270 or size <= 6:
            break
        size -= 0.5
    canvas.setLineWidth(0.5)
    for i, char in enumerate(issuer):
        angle = 90 + span / 2 - (span * i / (n - 1) if n > 1 else 0)
        rad = math.radians(angle)
        canvas.saveState()
        canvas.translate(cx + text_radius * math.cos(rad), cy + text_radius * math.sin(rad))
        canvas.rotate(angle - 90)
        text = canvas.beginText(-stringWidth(char, font, size) / 2, 0)
        text.setFont(font, size)
        text.setTextRenderMode(2)
        text.textOut(char)
        canvas.drawText(text)
        canvas.restoreState()
    canvas.setFont(font, 9)
    canvas.drawCentredString(cx, cy - radius * 0.58, "证书专用章")
    canvas.restoreState()


#: The QR mask pattern. The standard's choice of the "best" of the eight masks (a penalty score
#: for each) costs six times the encoding itself; any mask decodes, and with a URL of random
#: characters every mask gives an evenly mixed pattern (tests decode every certificate's code).
QR_MASK = 0


def qr_modules(value: str) -> Sequence[Sequence[int]]:
    """The modules (rows of dark 1 / light 0, no quiet zone) of ``value``'s QR code, error
    correction level M (not raised: a larger version would only make the modules smaller)."""
    return segno.make_qr(value, error="m", mask=QR_MASK, boost_error=False).matrix


def _qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """The QR code as one path in module units (runs of dark modules merged), written as raw
    operators: a few hundred rectangles would otherwise each format four floats."""
    modules = qr_modules(value)
    count = len(modules)
    border = 2
    box = size / (count + 2 * border)
    canvas.setFillColor(Color(1, 1, 1))
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    ops = []
    for r, row in enumerate(modules):
        top = count - 1 - r
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                ops.append(f"{start} {top} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColor(Color(0, 0, 0))
    canvas.translate(x + border * box, y + border * box)
    canvas.scale(box, box)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def _draw_lines(canvas: Canvas, font: str, size: float, lines: Sequence[str], x: float, y: float,
                leading: float, first_indent: float = 0) -> float:
    """Draw ``lines`` from baseline ``y`` down; returns the baseline after the last."""
    canvas.setFont(font, size)
    for i, line in enumerate(lines):
        canvas.drawString(x + (first_indent if i == 0 else 0), y, line)
        y -= leading
    return y


def render(data: RenderInput) -> bytes:
    """The certificate PDF for ``data``."""
    snap = data.snapshot
    font = fonts.font_name(data.font_path)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, lang="zh-CN",
                    initialFontName=font, initialFontSize=12)
    canvas.setTitle(f"{snap['title']} {snap['serial']}")
    canvas.setAuthor(snap["issuer"])
    canvas.setSubject(f"{snap['holder_name']}：{snap['honour']}")
    canvas.setKeywords([snap["kind_label"], snap["serial"]])
    canvas.setCreator(PRODUCER)
    canvas.setProducer(PRODUCER)

    _frame(canvas)
    _title(canvas, font, snap["title"])

    # The holder: one line, shrinking; very long names wrap onto a second line, then shrink more.
    salutation = "同志：" if data.holder_type in PERSON_HOLDERS else "："
    name = snap["holder_name"]
    canvas.setFillColor(INK)
    y = PAGE_HEIGHT - 222
    suffix_size = 20
    name_room = BODY_WIDTH - stringWidth(salutation, font, suffix_size) - 6
    name_size = fit_line(name, font, 30, 16, name_room)
    if stringWidth(name, font, name_size) <= name_room:
        canvas.setFont(font, name_size)
        canvas.drawString(BODY_LEFT, y, name)
        canvas.setFont(font, suffix_size)
        canvas.drawString(BODY_LEFT + stringWidth(name, font, name_size) + 3, y, salutation)
        y -= 56
    else:
        size, lines = fit_block(name + salutation, font, 16, 6, BODY_WIDTH, 64, leading=1.3,
                                keep=break_units(name))
        y += 8
        y = _draw_lines(canvas, font, size, lines, BODY_LEFT, y, size * 1.3) - 28

    # The body: the sentence of the kind with the honour, indented two characters.
    body_height = 124 if not snap.get("details") else 100
    size, lines = fit_block(snap["body"], font, 24, 9, BODY_WIDTH, body_height, leading=1.65,
                            first_indent_chars=2, keep=[snap["holder_name"], snap["honour"]])
    y = _draw_lines(canvas, font, size, lines, BODY_LEFT, y, size * 1.65, first_indent=2 * size)

    units = [f"{label}：{value}" for label, value in snap.get("details") or []]
    details = "　　".join(units)
    if details:
        canvas.setFillColor(GREY)
        dsize, dlines = fit_block(details, font, 14, 7, BODY_WIDTH - 28, 44, leading=1.45, keep=units)
        y = _draw_lines(canvas, font, dsize, dlines, BODY_LEFT + 28, y - 4, dsize * 1.45) - 6
        canvas.setFillColor(INK)
    closing = min(20.0, size)
    canvas.setFont(font, closing)
    canvas.drawString(BODY_LEFT + 2 * closing, max(y - 8, 172), "特发此证，以资鼓励。")

    # The issuing body and the date, with the seal over them.
    issuer_x = PAGE_WIDTH - 215
    canvas.setFillColor(INK)
    isize = fit_line(snap["issuer"], font, 20, 9, 240)
    canvas.setFont(font, isize)
    canvas.drawCentredString(issuer_x, 142, snap["issuer"])
    canvas.setFont(font, 17)
    canvas.drawCentredString(issuer_x, 112, snap["issued_on_text"])
    _seal(canvas, font, issuer_x, SEAL_CENTRE[1], snap["issuer"], rings=data.seal is None)

    # Verification: QR code, serial and code.
    link = verification_link(snap, data.verification_code)
    _qr(canvas, link, 64, 62, 88)
    canvas.setFillColor(INK)
    canvas.setFont(font, 11)
    canvas.drawString(162, 130, f"证书编号：{snap['serial']}")
    canvas.drawString(162, 110, f"验证码：{format_code(data.verification_code)}")
    canvas.setFillColor(GREY)
    canvas.setFont(font, 8.5)
    verify_page = f"{snap['base_url']}/verify"
    canvas.drawString(162, 90, "扫描二维码，或访问")
    canvas.setFont(font, fit_line(verify_page, font, 8.5, 5, 200))
    canvas.drawString(162, 78, verify_page)
    canvas.setFont(font, 8.5)
    canvas.drawString(162, 66, "输入证书编号和验证码核验真伪")

    if data.revoked_stamp:
        _revoked(canvas, font, *data.revoked_stamp)
    canvas.showPage()
    canvas.save()
    # ReportLab has no public API for attached files: the credential goes in an update of its
    # own (pyHanko's), before the seal's, which then covers it.
    credential = sealing.Attachment(CREDENTIAL_NAME, data.credential, "application/json",
                                    "可验证电子证书（Open Badges 3.0，W3C VC）")
    unsealed = sealing.attach(buffer.getvalue(), credential)
    if data.seal is None:
        return unsealed
    return sealing.seal_pdf(unsealed, data.seal, box=SEAL_BOX, appearance=seal_appearance(),
                            reason=f"签发荣誉证书 {snap['serial']}", signer_name=snap["issuer"])


#: The seal's place on the page (centre and radius as :func:`render` draws it): the signature
#: field lies over it.
SEAL_CENTRE, SEAL_RADIUS = (PAGE_WIDTH - 215, 134), 60
SEAL_BOX = (SEAL_CENTRE[0] - SEAL_RADIUS, SEAL_CENTRE[1] - SEAL_RADIUS,
            SEAL_CENTRE[0] + SEAL_RADIUS, SEAL_CENTRE[1] + SEAL_RADIUS)


def _revoked(canvas: Canvas, font: str, label: str, day: str) -> None:
    """A red stamp across the page: 已撤销 (or 已换发) with the date; the page stays readable."""
    canvas.saveState()
    canvas.setFillColor(SEAL_RED)
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillAlpha(0.55)
    canvas.setStrokeAlpha(0.7)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 10)
    canvas.rotate(18)
    canvas.setLineWidth(4)
    canvas.roundRect(-190, -62, 380, 124, 14, stroke=1, fill=0)
    canvas.setFont(font, 72)
    canvas.drawCentredString(0, -4, label)
    canvas.setFont(font, 20)
    canvas.drawCentredString(0, -44, f"{day} 起失效")
    canvas.restoreState()


# --- Many at once ----------------------------------------------------------------------------

def _render_chunk(items: list[RenderInput]) -> list[bytes]:
    return [render(item) for item in items]


def render_many(items: Iterable, processes: int = 2) -> list[bytes]:
    """PDFs of many certificates (or :class:`RenderInput`), in order, over ``processes`` cores.

    Certificates are turned into plain inputs here, in the caller's app context; the workers
    only draw. The font is registered once per worker process.
    """
    inputs = [item if isinstance(item, RenderInput) else render_input(item) for item in items]
    if processes <= 1 or len(inputs) < 8:
        return [render(item) for item in inputs]
    # forkserver: a clean process to fork from, never a copy of a web server's threads and locks
    # (batches render from a background thread). As usual with multiprocessing, the caller's main
    # module must be safe to import (its work under ``if __name__ == "__main__":``).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        # The server starts once per process and stays: workers of every later batch fork from
        # it with ReportLab already imported.
        context.set_forkserver_preload(["__main__", __name__])
    chunk = max(1, min(50, len(inputs) // (processes * 4) or 1))
    chunks = [inputs[i:i + chunk] for i in range(0, len(inputs), chunk)]
    with context.Pool(processes, initializer=_warm_font, initargs=(inputs[0].font_path,)) as pool:
        results = pool.map(_render_chunk, chunks)
    return [pdf for part in results for pdf in part]


def _warm_font(path: str) -> None:
    fonts.font_name(path)
