"""Chinese patent numbers (专利申请号 / 专利号), as pure functions.

A patent application number carries its own check digit:

* since 1 October 2003: 12 digits + check, e.g. ``2017 1 0601862.3`` — year (4), type (1),
  serial (7); the check digit is the sum of the digits weighted 2,3,4,5,6,7,8,9,2,3,4,5
  modulo 11, a remainder of 10 written ``X``;
* before: 8 digits + check, e.g. ``97 1 01765.4`` — year (2), type (1), serial (5), weights
  2..9.

The patent granted on an application is numbered ``ZL`` + the application number
(ZL201710601862.3). People type these with or without the ``ZL`` prefix, with spaces, with or
without the dot, in full-width characters or lower case; :func:`check_patent_number` accepts
all of that and returns one normalised form (``201710601862.3``), or raises
:class:`InvalidPatentNumber` with a Chinese message that says what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from core.validators import InvalidIdentifier

WEIGHTS_12 = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
WEIGHTS_8 = (2, 3, 4, 5, 6, 7, 8, 9)

#: The application-type digit: 1 invention, 2 utility model, 3 design, 8 and 9 international
#: (PCT) applications for an invention or a utility model entering China.
TYPE_LABELS = {
    "1": _l("发明专利"),
    "2": _l("实用新型专利"),
    "3": _l("外观设计专利"),
    "8": _l("发明专利（PCT）"),
    "9": _l("实用新型专利（PCT）"),
}
#: The first year of the 12-digit form (it started on 1 October 2003) and of the Patent Law.
FIRST_LONG_YEAR = 2003
FIRST_SHORT_YEAR = 1985
LAST_SHORT_YEAR = 2003

_SEPARATORS = re.compile(r"[\s\-_·]+")
_SHAPE = re.compile(r"^(\d+)\.?([0-9X]?)$", re.ASCII)


class InvalidPatentNumber(InvalidIdentifier):
    """A patent number that fails its format or check-digit rule."""


def check_digit(digits: str) -> str:
    """The check character of an application number's 12 (or old 8) digits."""
    weights = WEIGHTS_12 if len(digits) == 12 else WEIGHTS_8
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True)
class PatentNumber:
    """A valid application number, split into its parts."""

    digits: str   # the 12 or 8 digits before the check digit
    check: str    # "0".."9" or "X"
    year: int
    type_code: str
    serial: str

    @property
    def normalized(self) -> str:
        """The stored form: ``201710601862.3``."""
        return f"{self.digits}.{self.check}"

    @property
    def patent_number(self) -> str:
        """The number of the patent granted on it: ``ZL201710601862.3``."""
        return "ZL" + self.normalized

    @property
    def display(self) -> str:
        """Grouped for reading: ``2017 1 0601862.3`` (old form ``97 1 01765.4``)."""
        cut = 4 if len(self.digits) == 12 else 2
        return f"{self.digits[:cut]} {self.type_code} {self.serial}.{self.check}"

    @property
    def type_label(self):
        return TYPE_LABELS[self.type_code]


def _clean(value: str) -> str:
    """Full-width to half-width, upper case, no separators, no ZL prefix."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    text = _SEPARATORS.sub("", text).replace("。", ".")
    if text.startswith("ZL"):
        text = text[2:]
    return text.lstrip(":：")


def check_patent_number(value: str, today: date | None = None) -> PatentNumber:
    """Validate a patent or application number and split it; raises :class:`InvalidPatentNumber`."""
    text = _clean(value)
    if not text:
        raise InvalidPatentNumber(_l("请填写专利号"))
    match = _SHAPE.match(text)
    if not match:
        raise InvalidPatentNumber(
            _l("专利号格式应为 ZL + 12 位数字 + 校验位，如 ZL201710601862.3（2003 年以前的申请为 8 位数字 + 校验位）"))
    digits, check = match.groups()
    if not check and "." not in text and len(digits) in (9, 13):
        digits, check = digits[:-1], digits[-1]
    if len(digits) not in (8, 12):
        raise InvalidPatentNumber(
            _l("专利号应为 12 位数字加 1 位校验位（如 ZL201710601862.3），当前为 %(n)s 位数字", n=len(digits)))
    if not check:
        raise InvalidPatentNumber(_l("专利号缺少最后的校验位（小数点后的一位数字或 X）"))
    today = today or date.today()
    if len(digits) == 12:
        year, type_code, serial = int(digits[:4]), digits[4], digits[5:]
        if not FIRST_LONG_YEAR <= year <= today.year:
            raise InvalidPatentNumber(_l("专利号中的申请年份 %(year)s 无效（12 位申请号始于 2003 年，且不能晚于今年）",
                                         year=year))
    else:
        short, type_code, serial = int(digits[:2]), digits[2], digits[3:]
        year = 1900 + short if short >= 85 else 2000 + short
        if not FIRST_SHORT_YEAR <= year <= LAST_SHORT_YEAR:
            raise InvalidPatentNumber(_l("8 位的旧专利申请号只用于 1985 年至 2003 年的申请，年份“%(yy)s”无效",
                                         yy=digits[:2]))
    if type_code not in TYPE_LABELS:
        raise InvalidPatentNumber(
            _l("专利号中表示专利类型的数字应为 1、2、3、8 或 9（发明、实用新型、外观设计、PCT），当前为 %(d)s",
               d=type_code))
    if int(serial) == 0:
        raise InvalidPatentNumber(_l("专利号中的流水号不能全为 0"))
    expected = check_digit(digits)
    if check != expected:
        # The expected digit is not shown: a wrong check digit usually means a mistyped digit
        # elsewhere, and "correcting" the check digit would hide that.
        raise InvalidPatentNumber(
            _l("专利号校验位错误（最后一位与前面的数字不符），请对照专利证书或受理通知书逐位核对"))
    return PatentNumber(digits=digits, check=check, year=year, type_code=type_code, serial=serial)


def normalize_patent_number(value: str, today: date | None = None) -> str:
    """The stored form of a valid number (``201710601862.3``), or raise."""
    return check_patent_number(value, today).normalized
