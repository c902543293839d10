"""Recording audit entries. Services call :func:`record`; nothing else writes the log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from core.audit.models import AuditEntry
from core.extensions import db


def _plain(value):
    """Make a value JSON-friendly for the ``changes`` column."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, fields: Iterable[str]) -> dict:
    """The current values of ``fields`` on ``obj``."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(
    before: Mapping, after: Mapping, masks: Mapping[str, Callable[[str], str]] | None = None
) -> dict:
    """Changed fields as ``{field: [old, new]}``; fields in ``masks`` are masked first."""
    masks = masks or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old == new:
            continue
        if name in masks:
            old = masks[name](old) if old else old
            new = masks[name](new) if new else new
        changes[name] = [old, new]
    return changes


def record(action: str, target=None, *, by=None, changes: dict | None = None,
           label: str | None = None) -> AuditEntry:
    """Append an entry for ``action`` on ``target`` done ``by`` a user (None: the system)."""
    entry = AuditEntry(
        action=action,
        actor_id=getattr(by, "id", None),
        actor_name=getattr(by, "username", None) or "system",
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        target_label=(label if label is not None else str(target or ""))[:200],
        changes=changes or {},
    )
    db.session.add(entry)
    return entry
