"""Progress arithmetic, pure and exact (Decimal): no database, no request.

Progress share is how far a value has moved from the baseline toward the target:
0 at the baseline, 1 at the target, above 1 beyond it, never below 0. It works the same for
targets below their baseline (an indicator meant to fall): moving down is progress there.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Shares are kept to four places (0.0001 = 0.01 %).
SHARE_PLACES = Decimal("0.0001")


def progress_share(value: Decimal | None, target: Decimal | None,
                   baseline: Decimal | None = None, *, is_rate: bool = False) -> Decimal | None:
    """The share of the way from ``baseline`` (0 when unknown) to ``target`` that ``value``
    has covered; None when the value or the target is unknown.

    A rate (a percentage) never starts from 0: 88 % coverage against a 90 % target says
    nothing about progress until the baseline is entered, so a rate without one has none."""
    if value is None or target is None or (is_rate and baseline is None):
        return None
    start = baseline if baseline is not None else Decimal(0)
    span = Decimal(target) - Decimal(start)
    if span == 0:
        # Target equal to the baseline: reached (1) or not (0), nothing in between.
        return Decimal(1) if value >= target else Decimal(0)
    share = (Decimal(value) - Decimal(start)) / span
    share = max(share, Decimal(0))
    return share.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def expected_share(year: int | None, baseline_year: int | None, target_year: int) -> Decimal | None:
    """The share expected by ``year`` on a straight line from the baseline year to the
    target year (None without a baseline year); capped to 0..1."""
    if year is None or baseline_year is None or target_year <= baseline_year:
        return None
    share = Decimal(year - baseline_year) / Decimal(target_year - baseline_year)
    share = min(max(share, Decimal(0)), Decimal(1))
    return share.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def is_decreasing(target: Decimal | None, baseline: Decimal | None) -> bool:
    """True when the target lies below the baseline (the indicator should fall)."""
    return target is not None and baseline is not None and target < baseline


def percent(share: Decimal | None, places: int = 1) -> str:
    """A share as a percentage text, e.g. Decimal("0.4567") -> "45.7%"; "—" when unknown."""
    if share is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    return f"{(share * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"
