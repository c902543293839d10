"""Templates as the browser gets them: nothing the Content-Security-Policy blocks, and the
app-wide filters that every feature's templates may use."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: An inline style attribute, an inline <style> block, an inline event handler or script.
BLOCKED = re.compile(r"""\sstyle\s*=|<style[\s>]|\son[a-z]+\s*=\s*["']|<script>|<script\s+(?![^>]*\bsrc=)""")


def test_no_template_carries_inline_style_or_script_that_the_csp_blocks():
    offenders = [f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
                 for path in sorted(TEMPLATES.rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if BLOCKED.search(line)]
    assert offenders == []


@pytest.mark.parametrize(("amount", "shown"), [
    (Decimal("12.5"), "12.50"), (Decimal("0.1234"), "0.1234"), (Decimal("1234567"), "1,234,567.00"),
    (Decimal("0"), "0.00"), (None, ""),
])
def test_amounts_in_wan_show_two_decimals_in_every_template(app, amount, shown):
    with app.test_request_context("/"):
        assert render_template_string("{{ amount|wan }}", amount=amount) == shown
