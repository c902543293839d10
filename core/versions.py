"""Versioned edits: every edit of a versioned record names the version it was opened at.

Forms carry it in a hidden field (:class:`core.forms.VersionedForm`), API bodies in
``version``. :func:`check_version` refuses a stale version, and equally a missing or tampered
one (not a positive integer), with :class:`ConcurrentEditError`: the user is told the record
was changed by someone else (a form error or flash, 409 in the API), never a server error, and
nothing is saved.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import ConcurrentEditError

#: The default answer to a stale edit.
STALE = _l("该记录已被他人修改，请刷新后再保存。您填写的内容仍保留在下方。")
#: Versions are positive 32-bit integers (the column's range).
MAX_VERSION = 2**31 - 1


def parse_version(value) -> int | None:
    """The version ``value`` names (an int, or its decimal text), or None when it is missing
    or tampered with."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            return None
        number = int(text)
    return number if 0 < number <= MAX_VERSION else None


def check_version(record, expected, message=None) -> None:
    """Refuse the edit unless ``expected`` is the record's current version."""
    if parse_version(expected) is None or record.version != parse_version(expected):
        raise ConcurrentEditError(message or STALE)
