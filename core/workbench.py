"""The workbench (工作台): what waits for a person, gathered from every feature.

Core names no feature. Each feature registers *sources* for a role with :func:`add_source`
when it starts; a source is a function ``(user, today) -> list[WorkItem]`` that asks the
database with one or two aggregate queries (the whole page stays within ten). The landing page
of a role calls :func:`items_for` and shows the items most urgent first: past deadlines, then
the nearest deadlines, then the rest in the order the sources gave them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from core.roles import Role
from core.timeutil import BEIJING_OFFSET, beijing_today


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting for the person: what it is, how many, by when, and where to act."""

    #: What waits, in words (already translated), e.g. "待资格审查的提名".
    title: str
    #: Where to act.
    url: str
    #: How many (None when the item is one thing, e.g. "your nomination is returned").
    count: int | None = None
    #: The last day (Beijing) to act, when there is one.
    deadline: date | None = None
    #: What it belongs to, e.g. the cycle or the event.
    context: str = ""
    #: A state or a short note shown beside it, e.g. "退回修改".
    note: str = ""
    #: Something to act on (True) or only to know (False: e.g. a certificate issued).
    actionable: bool = True
    #: The date is the day something happens (e.g. the competition day), not a deadline.
    is_event_day: bool = False

    def days_left(self, today: date) -> int | None:
        return None if self.deadline is None else (self.deadline - today).days


Source = Callable[[object, date], list[WorkItem]]

_SOURCES: dict[Role, list[tuple[str, Source]]] = {}


def add_source(role: Role, name: str, source: Source) -> None:
    """Register ``source`` for holders of ``role`` (once per name: re-registering replaces it)."""
    sources = _SOURCES.setdefault(role, [])
    sources[:] = [(n, s) for n, s in sources if n != name]
    sources.append((name, source))


def beijing_date(value: datetime | date | None) -> date | None:
    """The Beijing calendar day of a stored UTC timestamp (a date stays as it is)."""
    if value is None or not isinstance(value, datetime):
        return value
    return (value + BEIJING_OFFSET).date()


def urgency(item: WorkItem, today: date, position: int) -> tuple:
    """Sort key: things to act on before things to know; by deadline; then as given."""
    days = item.days_left(today)
    return (not item.actionable, days is None, days if days is not None else 0, position)


def items_for(user, role: Role, today: date | None = None) -> list[WorkItem]:
    """Every item the sources of ``role`` give for ``user``, most urgent first."""
    today = today or beijing_today()
    found: list[WorkItem] = []
    for _name, source in _SOURCES.get(role, []):
        found.extend(source(user, today))
    ranked = sorted(enumerate(found), key=lambda pair: urgency(pair[1], today, pair[0]))
    return [item for _position, item in ranked]
