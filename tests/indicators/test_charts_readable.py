"""Indicator charts stay readable: values show even when the target dwarfs them, labels never
cover each other, and a rate without a baseline is not passed off as nearly complete."""

from __future__ import annotations

import re
from decimal import Decimal as D

from indicators.charts import _label_box, _overlaps, trend_chart
from indicators.progress import progress_share

TEXT = re.compile(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)" font-size="10"[^>]*>([^<]+)</text>')
CIRCLE = re.compile(r'<circle cx="[\d.]+" cy="([\d.]+)"')


def _labels(svg: str):
    return [(float(x), float(y), anchor, text) for x, y, anchor, text in TEXT.findall(str(svg))]


def test_values_far_below_the_target_are_drawn_to_their_own_scale_and_labelled(app):
    with app.test_request_context():
        svg = str(trend_chart("t", "职工创新工作室", {2021: D(20), 2022: D(25), 2023: D(31)}, "家",
                              target=D(8000), target_year=2025))
    heights = [float(y) for y in CIRCLE.findall(svg)]
    # The largest value reaches the upper half of the plot (18..160): not flattened at the bottom.
    assert min(heights) < 89 and max(heights) - min(heights) > 20
    texts = [label[3] for label in _labels(svg)]
    assert {"20", "25", "31"} <= set(texts)
    assert any("8,000家" in t and "未按比例" in t for t in texts)
    assert 'stroke-dasharray="6 4"' not in svg  # no target line drawn at a false height


def test_labels_of_close_values_and_the_target_do_not_overlap(app):
    with app.test_request_context():
        svg = trend_chart("t", "全市工会组织职工覆盖率", {2021: D("85.1"), 2022: D("86.3"), 2023: D("87.2"),
                                                  2024: D("88.0"), 2025: D("88.9")}, "%",
                          target=D(90), target_year=2025, baseline=D(85), baseline_year=2020)
    boxes = [_label_box(x, y, text, anchor) for x, y, anchor, text in _labels(svg)
             if not text.isdigit() or len(text) != 4]  # year ticks sit on their own axis
    clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _overlaps(a, b)]
    assert not clashes


def test_a_rate_without_a_baseline_has_no_progress_but_a_count_counts_from_zero():
    assert progress_share(D("88.9"), D(90), None, is_rate=True) is None
    assert progress_share(D("88.9"), D(90), D(85), is_rate=True) == D("0.78")
    assert progress_share(D(1400), D(2000)) == D("0.7")


def test_the_dashboard_says_a_rate_awaits_its_baseline(app, client, world, login):
    from core.extensions import db
    from indicators import demo

    with app.app_context():
        demo.load()
        db.session.commit()
    login(world.users.admin)
    html = client.get("/indicators/").get_data(as_text=True)
    assert "待录入基期值" in html
