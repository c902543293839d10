"""Rendering and sealing certificates: one at a time on one core, beside the same certificate
rendered without its PAdES seal and a minimal ReportLab page with the same text, font and QR code,
and a batch of 1,000 sealed certificates over both cores.

Issues 1,000 certificates through the issuing service (serial, code, snapshot, signature), then
measures the product's own rendering and sealing (:func:`certificates.pdf.render`: frame, seal,
fitted text, QR code, metadata, attached credential, then the PAdES signature over the file)
against the same rendering without the signature and against a page that only draws the same
strings in the same font and the same QR code with ReportLab's widget, in the same run. Then the
batch renderer background batches use (:func:`certificates.pdf.render_many`, two processes) on
the 1,000 certificates, sealing each. Targets: at most 20 ms a certificate (CPU time of one
core), within 1.5x of rendering without the signature, 1,000 in under 15 s, each PDF under 60 KB. Wall-clock figures are
printed too; on a machine busy with other work they exceed the CPU figures. Prints one figure a line as
``name: value unit``. Runs on a temporary SQLite database by default; with
``BENCH_DATABASE_URL`` set, on that PostgreSQL database inside a schema of its own.
"""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics import renderPDF  # noqa: E402
from reportlab.graphics.barcode.qr import QrCodeWidget  # noqa: E402
from reportlab.graphics.shapes import Drawing  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from bench.common import database  # noqa: E402
from certificates import fonts, pdf  # noqa: E402
from certificates.models import CertificateKind, HolderType  # noqa: E402
from certificates.services import issuing  # noqa: E402
from core import create_app  # noqa: E402
from core.extensions import db  # noqa: E402

COUNT = 1_000
SINGLE = 200
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = ["建国", "志强", "秀英", "喆", "海燕", "明", "卫东", "晓峰", "丽娟", "德华", "振宇", "雪梅"]
OCCUPATIONS = ["钳工", "焊工", "数控车工", "电工", "汽车维修工", "化工总控工", "砌筑工", "茶艺师"]


def _requests() -> list[issuing.IssueRequest]:
    requests = []
    for n in range(COUNT):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
        occupation = OCCUPATIONS[n % len(OCCUPATIONS)]
        requests.append(issuing.IssueRequest(
            kind=CertificateKind.CRAFTSMAN_TITLE, source_key=f"bench.title:{n}", holder_type=HolderType.WORKER,
            holder_id=n + 1, holder_name=name, honour=f"2026年度北京大工匠（{occupation}）",
            details={"工作单位": f"北京第{n % 97 + 1}精密制造有限公司", "职业（工种）": occupation},
            issued_on=date(2026, 5, 1)))
    return requests


def minimal_page(data: pdf.RenderInput) -> bytes:
    """The same strings, font and QR code on a plain page: what any ReportLab page costs."""
    snap = data.snapshot
    font = fonts.font_name(data.font_path)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(pdf.PAGE_WIDTH, pdf.PAGE_HEIGHT), pageCompression=1,
                    initialFontName=font)
    canvas.setFont(font, 46)
    canvas.drawCentredString(pdf.PAGE_WIDTH / 2, 467, snap["title"])
    canvas.setFont(font, 28)
    canvas.drawString(118, 373, snap["holder_name"] + "同志：")
    canvas.setFont(font, 22)
    canvas.drawString(118, 320, snap["body"])
    canvas.setFont(font, 14)
    canvas.drawString(146, 280, "　　".join(f"{label}：{value}" for label, value in snap["details"]))
    canvas.setFont(font, 20)
    canvas.drawString(158, 240, "特发此证，以资鼓励。")
    canvas.drawCentredString(627, 142, snap["issuer"])
    canvas.setFont(font, 17)
    canvas.drawCentredString(627, 112, snap["issued_on_text"])
    canvas.setFont(font, 11)
    canvas.drawString(162, 130, f"证书编号：{snap['serial']}")
    canvas.drawString(162, 110, f"验证码：{pdf.format_code(data.verification_code)}")
    canvas.setFont(font, 8.5)
    canvas.drawString(162, 78, f"{snap['base_url']}/verify")
    widget = QrCodeWidget(pdf.verification_link(snap, data.verification_code), barLevel="M",
                          barWidth=88, barHeight=88, barBorder=2)
    drawing = Drawing(88, 88)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 64, 62)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _median_ms(fn, inputs) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``fn`` over ``inputs`` (CPU time is what one
    core spends, unaffected by other processes competing for the cores)."""
    fn(inputs[0])  # warm up
    wall, cpu = [], []
    for item in inputs:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(item)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _timed_chunk(items) -> float:
    start = time.process_time()
    for item in items:
        pdf.render(item)
    return time.process_time() - start


def _batch_cpu_seconds(inputs) -> float:
    """The CPU seconds the two workers spend rendering the batch (the same chunks and rendering
    as :func:`certificates.pdf.render_many`, timed inside the workers): what the batch takes on
    two otherwise idle cores."""
    context = multiprocessing.get_context("forkserver")
    chunk = max(1, min(50, len(inputs) // 8))
    with context.Pool(2, initializer=pdf._warm_font, initargs=(inputs[0].font_path,)) as pool:
        return sum(pool.map(_timed_chunk, [inputs[i:i + chunk] for i in range(0, len(inputs), chunk)]))


def main() -> None:
    with database("bench_certificates") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                                     "PUBLIC_BASE_URL": "https://gj.bjzgh.org"})
        with app.app_context():
            db.create_all()
            print(f"# bench_certificates on {backend}; load average {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} cores", file=sys.stderr)
            fonts.font_name()  # registering the TTC once is part of starting, not of rendering
            start = time.perf_counter()
            certificates = [issuing.issue(request, by=None) for request in _requests()]
            db.session.commit()
            issue_s = time.perf_counter() - start
            print(f"certificates_issued: {len(certificates)} certificates")
            print(f"certificate_issue: {issue_s * 1000 / COUNT:.2f} ms per certificate")

            inputs = [pdf.render_input(c) for c in certificates[:SINGLE]]
            unsigned = [dataclasses.replace(item, seal=None) for item in inputs]
            product_ms, product_cpu = _median_ms(pdf.render, inputs)
            unsigned_ms, unsigned_cpu = _median_ms(pdf.render, unsigned)
            minimal_ms, minimal_cpu = _median_ms(minimal_page, inputs)
            print(f"certificate_render_and_seal: {product_ms:.1f} ms")
            print(f"certificate_render_and_seal_cpu: {product_cpu:.1f} ms")
            print(f"certificate_render_unsigned: {unsigned_ms:.1f} ms")
            print(f"certificate_render_unsigned_cpu: {unsigned_cpu:.1f} ms")
            print(f"certificate_minimal_page: {minimal_ms:.1f} ms")
            print(f"certificate_minimal_page_cpu: {minimal_cpu:.1f} ms")
            print(f"certificate_seal_ratio: {product_cpu / unsigned_cpu:.2f} x")
            print(f"certificate_render_ratio_to_minimal_page: {product_cpu / minimal_cpu:.2f} x")
            print(f"certificate_minimal_page_size: {len(minimal_page(inputs[0])) / 1024:.1f} KB")

            start = time.perf_counter()
            pdfs = pdf.render_many(certificates, processes=2)
            batch_s = time.perf_counter() - start
            assert len(pdfs) == COUNT
            sizes = [len(data) for data in pdfs]
            print(f"certificate_batch_1000_two_cores: {batch_s:.1f} s")
            print(f"certificate_batch_rate: {COUNT / batch_s:.0f} certificates/s")
            batch_cpu = _batch_cpu_seconds([pdf.render_input(c) for c in certificates])
            print(f"certificate_batch_cpu: {batch_cpu:.1f} s")
            print(f"certificate_batch_cpu_per_core: {batch_cpu / 2:.1f} s")
            print(f"certificate_pdf_size_mean: {statistics.mean(sizes) / 1024:.1f} KB")
            print(f"certificate_pdf_size_max: {max(sizes) / 1024:.1f} KB")
            small = max(sizes) < 60 * 1024
            by_cpu = product_cpu <= 20 and product_cpu / unsigned_cpu <= 1.5 and batch_cpu / 2 < 15 and small
            by_wall = product_ms <= 20 and product_ms / unsigned_ms <= 1.5 and batch_s < 15 and small
            print(f"certificate_targets_met_cpu: {'yes' if by_cpu else 'no'}")
            print(f"certificate_targets_met_wall: {'yes' if by_wall else 'no'}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
