"""Charts as server-side SVG (no script, no CDN, no inline style: the CSP forbids both).

Each chart is an accessible image: ``role="img"`` with a ``<title>`` and a ``<desc>`` that
says in words what the chart shows; the pages print the same numbers in a table beside it.
Only presentation attributes are used (fill, stroke, ...), never ``style``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
COLOR = "#b71c1c"        # the union red: values
COLOR_DONE = "#2e7d32"   # reached the target
COLOR_TRACK = "#e9ecef"  # empty part of a bar
COLOR_MUTED = "#6c757d"  # axes, target lines, labels
COLOR_GRID = "#dee2e6"


def format_number(value: Decimal | int | None, unit: str = "") -> str:
    """8000 -> "8,000"; 87.50 -> "87.5"; with the unit appended when given; "—" when None."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        text = f"{int(value):,}"
    else:
        text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP).normalize():,f}"
    return f"{text}{unit}" if unit else text


def _n(x: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str],
         css_class: str = "", stretch: bool = False) -> Markup:
    """``stretch``: fill the width at the drawn height (a bar), instead of scaling as a picture."""
    size = f'width="100%" height="{height}" preserveAspectRatio="none"' if stretch else 'width="100%"'
    parts = [
        f'<svg xmlns="{SVG_NS}" role="img" viewBox="0 0 {width} {height}" {size} '
        f'class="indicator-chart {escape(css_class)}" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="sans-serif" id="{chart_id}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text inside was escaped


def progress_bar(chart_id: str, name: str, share: Decimal | None, expected: Decimal | None = None,
                 missing: str | None = None) -> Markup:
    """A horizontal bar filled to ``share`` (capped at the end), with a tick at ``expected``;
    ``missing`` says why there is no share (default: no value or no target)."""
    width, height = 200, 14
    if share is None:
        desc = missing or _("%(name)s：暂无进度（缺少当前值或目标值）", name=name)
        fill = 0.0
    else:
        desc = _("%(name)s：已完成目标的 %(p)s", name=name, p=_percent(share))
        if expected is not None:
            desc += _("；按时序进度应完成 %(p)s", p=_percent(expected))
        fill = float(min(share, Decimal(1))) * width
    color = COLOR_DONE if share is not None and share >= 1 else COLOR
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="{COLOR_TRACK}"/>']
    if fill > 0:
        body.append(f'<rect x="0" y="0" width="{_n(fill)}" height="{height}" fill="{color}"/>')
    if expected is not None:
        x = _n(float(expected) * width)
        body.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height}" stroke="#212529" stroke-width="2" '
                    f'stroke-dasharray="3 2" vector-effect="non-scaling-stroke"/>')
    return _svg(chart_id, _("%(name)s 完成进度", name=name), desc, width, height, body, "indicator-progress",
                stretch=True)


#: A target more than five times every value is drawn off scale (see :func:`trend_chart`).
DWARFED = Decimal("0.2")


def _label_box(x: float, baseline_y: float, text: str, anchor: str) -> tuple[float, float, float, float]:
    """The box a 10 px label takes: CJK characters about 10 px wide, others about 6 px."""
    width = sum(10 if ord(c) > 0x2E7F else 6 for c in text)
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return (left, baseline_y - 9, left + width, baseline_y + 2)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _nice_max(value: Decimal) -> Decimal:
    """A round upper bound for an axis at or above ``value`` (1, 2, 2.5 or 5 times 10^n)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        bound = step.scaleb(exponent)
        if bound >= value:
            return bound
    return Decimal(10).scaleb(exponent)  # pragma: no cover - the loop always returns


def trend_chart(chart_id: str, name: str, series: Mapping[int, Decimal], unit: str = "", *,
                target: Decimal | None = None, target_year: int | None = None,
                baseline: Decimal | None = None, baseline_year: int | None = None) -> Markup:
    """Values by year as a line with points, the target as a dashed line, and the plan's
    straight path from the baseline to the target when both are known."""
    width, height = 360, 190
    left, right, top, bottom = 52, 28, 18, 30
    values = {int(y): Decimal(v) for y, v in series.items()}
    years = set(values)
    if target_year and values:
        years.add(target_year)
    if baseline_year and values:
        years.add(baseline_year)
    title = _("%(name)s 历年变化", name=name)
    if not values:
        desc = _("%(name)s：暂无历年数据", name=name)
        body = [f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" '
                f'fill="{COLOR_MUTED}">{escape(_("暂无数据"))}</text>']
        return _svg(chart_id, title, desc, width, height, body, "indicator-trend")
    first, last = min(years), max(years)
    # A target far above every value would squash the values into the bottom line: then the
    # axis fits the values and the target is named at the top instead of drawn to scale.
    off_scale = target is not None and target > 0 and max(values.values()) < target * DWARFED
    candidates = [*values.values(), *(v for v in (target, baseline) if v is not None and not off_scale)]
    y_max = _nice_max(max(candidates) * Decimal("1.05"))
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(year: int) -> float:
        return left + (plot_w / 2 if first == last else (year - first) * plot_w / (last - first))

    def y_of(value: Decimal) -> float:
        return top + plot_h - float(value / y_max) * plot_h

    body = []
    placed: list[tuple[float, float, float, float]] = []  # label boxes already drawn

    def label(x: float, y: float, text: str, anchor: str = "middle", **attrs) -> None:
        body.append(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="10" '
                    + " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
                    + f'>{escape(text)}</text>')
        placed.append(_label_box(x, y, text, anchor))

    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        level = y_max * fraction
        y = _n(y_of(level))
        body.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{COLOR_GRID}"/>')
        body.append(f'<text x="{left - 4}" y="{y}" dy="4" text-anchor="end" font-size="10" '
                    f'fill="{COLOR_MUTED}">{escape(format_number(level))}</text>')
    step = max(1, (last - first + 1) // 7 + (1 if (last - first + 1) % 7 else 0))
    for year in range(first, last + 1, step):
        body.append(f'<text x="{_n(x_of(year))}" y="{height - 10}" text-anchor="middle" font-size="10" '
                    f'fill="{COLOR_MUTED}">{year}</text>')
    if off_scale:
        label(width - right, top - 6, _("↑ 目标 %(v)s（远高于现值，未按比例绘出）", v=format_number(target, unit)),
              "end", fill=COLOR_DONE)
    elif target is not None:
        y = _n(y_of(target))
        body.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{COLOR_DONE}" '
                    f'stroke-width="1.5" stroke-dasharray="6 4"/>')
        label(width - right, y_of(target) - 4, _("目标 %(v)s", v=format_number(target, unit)), "end",
              fill=COLOR_DONE)
        if baseline is not None and baseline_year and target_year:
            body.append(f'<line x1="{_n(x_of(baseline_year))}" y1="{_n(y_of(baseline))}" '
                        f'x2="{_n(x_of(target_year))}" y2="{y}" stroke="{COLOR_MUTED}" stroke-width="1" '
                        f'stroke-dasharray="2 3"/>')
    ordered = sorted(values.items())
    points = " ".join(f"{_n(x_of(y))},{_n(y_of(v))}" for y, v in ordered)
    if len(ordered) > 1:
        body.append(f'<polyline points="{points}" fill="none" stroke="{COLOR}" stroke-width="2"/>')
    for year, value in ordered:
        cx, cy = x_of(year), y_of(value)
        body.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="3.5" fill="{COLOR}"/>')
        text = format_number(value)
        # Above the point unless that covers a label already drawn; then below it.
        above, below = cy - 7, cy + 15
        free = [y for y in (above, below) if not any(_overlaps(_label_box(cx, y, text, "middle"), b)
                                                       for b in placed)]
        label(cx, free[0] if free else above, text, fill="#212529")
    described = "；".join(f"{y}年 {format_number(v, unit)}" for y, v in ordered)
    desc = _("%(name)s 历年数值：%(values)s", name=name, values=described)
    if target is not None:
        desc += _("。目标（%(year)s年）：%(v)s", year=target_year, v=format_number(target, unit))
    return _svg(chart_id, title, desc, width, height, body, "indicator-trend")


def breakdown_chart(chart_id: str, name: str, caption: str, rows: Mapping[str, Decimal], unit: str = "",
                    limit: int = 20) -> Markup:
    """Horizontal bars, one per district or industry union, largest first."""
    items = list(rows.items())[:limit]
    title = _("%(name)s：%(caption)s", name=name, caption=caption)
    row_h, left, right, width = 20, 120, 56, 360
    if not items:
        body = [f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="13" '
                f'fill="{COLOR_MUTED}">{escape(_("暂无数据"))}</text>']
        return _svg(chart_id, title, _("暂无分布数据"), width, 32, body, "indicator-breakdown")
    height = row_h * len(items) + 4
    top_value = max((v for _k, v in items), default=Decimal(0)) or Decimal(1)
    plot_w = width - left - right
    body = []
    for index, (label, value) in enumerate(items):
        y = 2 + index * row_h
        bar = float(Decimal(value) / top_value) * plot_w
        short = label if len(label) <= 9 else label[:8] + "…"
        body.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="11" '
                    f'fill="#212529">{escape(short)}</text>')
        body.append(f'<rect x="{left}" y="{y + 3}" width="{_n(max(bar, 1.0))}" height="{row_h - 6}" '
                    f'fill="{COLOR}"/>')
        body.append(f'<text x="{_n(left + max(bar, 1.0) + 4)}" y="{y + 14}" font-size="11" '
                    f'fill="#212529">{escape(format_number(value))}</text>')
    described = "；".join(f"{label} {format_number(value, unit)}" for label, value in items)
    return _svg(chart_id, title, described, width, height, body, "indicator-breakdown")
