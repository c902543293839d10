"""Marshmallow fields and validators whose error messages are bilingual.

A validation message is a :class:`Bilingual` string: it reads as Chinese (``str``) and carries
its English twin in ``.en``; formatting (``{max}``, ``{choices}``) fills both. The API's 422
answer lists every field's messages in both languages (see :mod:`api.errors`).

Body fields are strict (a JSON ``"5"`` is not the integer 5); query fields accept the text of
the query string.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate


class Bilingual(str):
    """A Chinese message with its English translation in ``en``."""

    en: str

    def __new__(cls, zh: str, en: str):
        obj = super().__new__(cls, zh)
        obj.en = en
        return obj

    def format(self, *args, **kwargs) -> Bilingual:  # marshmallow formats its messages
        return Bilingual(str.format(self, *args, **kwargs), self.en.format(*args, **kwargs))


def english(message) -> str:
    """The English twin of a validation message (itself when it has none)."""
    return getattr(message, "en", str(message))


REQUIRED = Bilingual("缺少必填字段", "Missing data for required field.")
NULL = Bilingual("不能为 null", "Field may not be null.")
INVALID = Bilingual("值无效", "Invalid value.")
UNKNOWN = Bilingual("未知字段", "Unknown field.")
WRONG_TYPE = Bilingual("应为 JSON 对象", "Invalid input type: a JSON object is expected.")

_BASE = {"required": REQUIRED, "null": NULL, "validator_failed": INVALID}


class ApiSchema(Schema):
    """Base of every request and response schema: unknown body fields are refused."""

    error_messages = {"type": WRONG_TYPE, "unknown": UNKNOWN}


class Integer(fields.Integer):
    default_error_messages = {**_BASE,
                              "invalid": Bilingual("应为整数", "Not a valid integer."),
                              "too_large": Bilingual("数值过大", "Number too large.")}

    def __init__(self, *, strict: bool = True, **kwargs):
        super().__init__(strict=strict, **kwargs)


class Version(Integer):
    """The version of a record read before changing it. Anything that is not a positive
    integer loads as None, which the service refuses like a stale version (409)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from core.versions import parse_version

        return parse_version(value) if isinstance(value, int) else None


class QueryInteger(Integer):
    """An integer typed in a query string (``?page=2``)."""

    def __init__(self, **kwargs):
        super().__init__(strict=False, **kwargs)

    def _validated(self, value):
        # The query string is text: refuse "2.5" rather than truncating it.
        if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            raise self.make_error("invalid")
        return super()._validated(value)


class String(fields.String):
    """Text. A NUL character is refused here: no database column can hold it (PostgreSQL
    refuses it in any string), so it is bad input, not a server or range error."""

    default_error_messages = {**_BASE, "invalid": Bilingual("应为字符串", "Not a valid string."),
                              "invalid_utf8": Bilingual("不是有效的 UTF-8 字符串",
                                                        "Not a valid utf-8 string."),
                              "nul": Bilingual("不能包含空字符（NUL, \\u0000）",
                                               "Must not contain the NUL character (\\u0000).")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class Boolean(fields.Boolean):
    default_error_messages = {**_BASE, "invalid": Bilingual("应为布尔值 true 或 false",
                                                            "Not a valid boolean.")}


class StrictBoolean(Boolean):
    """Only JSON ``true`` and ``false`` (no "yes", 1 or "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Date(fields.Date):
    default_error_messages = {**_BASE,
                              "invalid": Bilingual("应为日期（YYYY-MM-DD）", "Not a valid date."),
                              "format": Bilingual("日期格式无效", "Invalid date format.")}


class DateTime(fields.DateTime):
    """A naive UTC timestamp written as ISO 8601 with ``Z``."""

    default_error_messages = {**_BASE,
                              "invalid": Bilingual("应为日期时间", "Not a valid datetime."),
                              "format": Bilingual("日期时间格式无效", "Invalid datetime format.")}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(microsecond=0).isoformat() + "Z"


class DecimalString(fields.Decimal):
    """An exact decimal written as a string ("8.50"): marks, scores, 万元. Never a float."""

    default_error_messages = {**_BASE, "invalid": Bilingual("应为数字", "Not a valid number."),
                              "special": Bilingual("应为有限的数字", "Special numeric values are not permitted.")}

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(value), "f")


class List(fields.List):
    default_error_messages = {**_BASE, "invalid": Bilingual("应为数组", "Not a valid list.")}


class Nested(fields.Nested):
    default_error_messages = {**_BASE, "type": WRONG_TYPE}


class Raw(fields.Raw):
    default_error_messages = dict(_BASE)


# Validators -------------------------------------------------------------------------------

def length(*, min: int | None = None, max: int | None = None) -> validate.Length:  # noqa: A002
    if min and max:
        error = Bilingual("长度应为 {min} 至 {max} 个字符", "Length must be between {min} and {max}.")
    elif max:
        error = Bilingual("不能超过 {max} 个字符", "Longer than maximum length {max}.")
    else:
        error = Bilingual("至少 {min} 个字符", "Shorter than minimum length {min}.")
    return validate.Length(min=min, max=max, error=error)


def items(*, min: int | None = None, max: int | None = None) -> validate.Length:  # noqa: A002
    """How many items a list holds."""
    return validate.Length(min=min, max=max, error=Bilingual(
        "应包含 {min} 至 {max} 项", "Must hold between {min} and {max} items."))


def between(min=None, max=None) -> validate.Range:  # noqa: A002
    if min is not None and max is not None:
        error = Bilingual("应在 {min} 至 {max} 之间", "Must be between {min} and {max}.")
    elif min is not None:
        error = Bilingual("不能小于 {min}", "Must be greater than or equal to {min}.")
    else:
        error = Bilingual("不能大于 {max}", "Must be less than or equal to {max}.")
    return validate.Range(min=min, max=max, error=error)


def one_of(choices) -> validate.OneOf:
    return validate.OneOf(list(choices), error=Bilingual("应为以下之一：{choices}",
                                                         "Must be one of: {choices}."))


def pattern(regex: str, zh: str, en: str) -> validate.Regexp:
    return validate.Regexp(regex, error=Bilingual(zh, en))
