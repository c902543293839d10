"""Amounts in 万元, as typed by people: parsed exactly (``Decimal``), refused with a clear message.

Accepted: ``12.5``, ``12.50万元``, ``1,234.5``, full-width digits. Refused: text that is not a
plain decimal number (``十万``, ``1e5``), negative amounts, more than four decimals (finer than
a yuan), and amounts too large for the column. Nothing is rounded: what is stored is what was
typed.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from core.i18n import format_wan

__all__ = ["InvalidAmount", "format_wan", "parse_amount"]

#: Four decimals of 万元 = one yuan; the columns are Numeric(16, 4).
PLACES = 4
LIMIT = Decimal(10) ** 11  # 1000亿元, far beyond any studio
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)
_SUFFIXES = ("万元", "万")


class InvalidAmount(ValueError):
    """An amount that cannot be stored as typed; ``str()`` says why, in Chinese."""


def parse_amount(value, *, label, positive: bool = False) -> Decimal | None:
    """The amount in ``value`` (text or Decimal), or None when empty.

    ``label`` names the amount in messages (经济效益, 金额); ``positive`` refuses zero too.
    """
    if value is None:
        return None
    if isinstance(value, Decimal):
        amount = value
        if not amount.is_finite():
            raise InvalidAmount(_l("%(label)s应为数字（单位：万元），如 12.5", label=label))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"[\s,]", "", text)
        if text.endswith("元") and not text.endswith("万元"):
            raise InvalidAmount(_l("%(label)s的单位是万元，请换算后填写（如 5000 元填 0.5）", label=label))
        for suffix in _SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        if not text:
            return None
        if not _NUMBER.match(text):
            raise InvalidAmount(_l("%(label)s应为数字（单位：万元），如 12.5", label=label))
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
            raise InvalidAmount(_l("%(label)s应为数字（单位：万元），如 12.5", label=label)) from None
    if amount < 0:
        raise InvalidAmount(_l("%(label)s不能为负数", label=label))
    if positive and amount == 0:
        raise InvalidAmount(_l("%(label)s应大于 0", label=label))
    if amount.as_tuple().exponent < -PLACES and amount != amount.quantize(Decimal(1).scaleb(-PLACES)):
        raise InvalidAmount(_l("%(label)s最多保留 4 位小数（单位万元，精确到元）", label=label))
    if amount >= LIMIT:
        raise InvalidAmount(_l("%(label)s数额过大，请核对单位（万元）", label=label))
    return amount.quantize(Decimal(1).scaleb(-PLACES)) + 0  # "+ 0" turns -0 into 0
