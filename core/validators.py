"""Validation of Chinese identifiers, as pure functions.

* Resident ID numbers (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character.
* Unified social credit codes (GB 32100-2015): 18 characters over a 31-character alphabet,
  the last one a MOD 31 check character.
* Mainland mobile numbers: 11 digits starting 1[3-9].

Each ``check_*`` function returns the normalised value or raises :class:`InvalidIdentifier`
with a Chinese message that says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l


class InvalidIdentifier(ValueError):
    """An identifier that fails its format or check-character rule."""


# --- Resident identity card number (GB 11643) -------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$", re.ASCII)


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    """What a valid resident ID number says about its holder."""

    number: str
    region_code: str
    birth_date: date
    gender: str  # "male" or "female"


def check_id_number(value: str, today: date | None = None) -> ResidentId:
    """Validate an 18-digit resident ID number and derive birth date and gender."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise InvalidIdentifier(_l("身份证号应为 18 位，当前为 %(n)s 位", n=len(number)))
    if not _ID_PATTERN.match(number):
        raise InvalidIdentifier(_l("身份证号前 17 位应为数字，最后一位为数字或 X"))
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(_l("身份证号中的出生日期无效")) from None
    today = today or date.today()
    if birth > today or birth.year < 1900:
        raise InvalidIdentifier(_l("身份证号中的出生日期无效"))
    if id_number_check_char(number[:17]) != number[17]:
        raise InvalidIdentifier(_l("身份证号校验位错误，请核对后重新输入"))
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, region_code=number[:6], birth_date=birth, gender=gender)


def mask_id_number(number: str) -> str:
    """Show the region code and the last four characters only: 110105********002X."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- Unified social credit code (GB 32100) ----------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> str:
    """Validate a unified social credit code and return it upper-cased."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise InvalidIdentifier(_l("统一社会信用代码应为 18 位，当前为 %(n)s 位", n=len(code)))
    if not _USCC_PATTERN.match(code):
        raise InvalidIdentifier(
            _l("统一社会信用代码含有无效字符（不使用 I、O、S、V、Z；第 3-8 位为行政区划代码）")
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier(_l("统一社会信用代码校验位错误，请核对后重新输入"))
    return code


# --- Mobile numbers ----------------------------------------------------------------------

_MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def check_mobile(value: str) -> str:
    """Validate a mainland mobile number (spaces, dashes and a +86 prefix are allowed)."""
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not _MOBILE_PATTERN.match(number):
        raise InvalidIdentifier(_l("手机号码应为 11 位数字，以 13-19 开头"))
    return number


def mask_mobile(number: str) -> str:
    """138****5678."""
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]


_OCCUPATION_CODE_PATTERN = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$", re.ASCII)


def check_occupation_code(value: str) -> str:
    """An occupation code from the national classification (GB/T 6565), e.g. 6-18-01-01."""
    code = (value or "").strip()
    if not _OCCUPATION_CODE_PATTERN.match(code):
        raise InvalidIdentifier(_l("职业编码格式应为 6-18-01-01"))
    return code
