"""Who leads a studio: whether the leader is a model worker (劳模) or a registered craftsman.

A model worker is recognised from the worker record's honours (e.g. "2015年 北京市劳动模范");
a craftsman from the craftsman registry (名录) when the craftsmen feature is installed. The
registry is read for many workers in one query, so list pages stay at a constant number of
queries. Without the craftsmen feature the studio pages simply show no craftsman flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

#: Words of an honour that make its holder a model worker (劳动模范).
MODEL_WORKER_WORDS = ("劳动模范", "劳模")
_YEAR_PREFIX = re.compile(r"^\s*\d{4}\s*年?\s*")


@dataclass(frozen=True)
class LeaderFlag:
    """One distinction of a leader: ``kind`` is "model_worker" or "craftsman"."""

    kind: str
    title: str
    url: str | None = None

    @property
    def label(self):
        return _l("劳模") if self.kind == "model_worker" else _l("工匠")


def model_worker_titles(honors: str | None) -> list[str]:
    """The model-worker honours in a worker's honours text, without their year."""
    titles = []
    for line in (honors or "").splitlines():
        if any(word in line for word in MODEL_WORKER_WORDS):
            title = _YEAR_PREFIX.sub("", line).strip()
            if title and title not in titles:
                titles.append(title)
    return titles


def _craftsman_titles(worker_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    """Current registry titles by worker, from the craftsmen feature when it is installed."""
    if not worker_ids or "craftsmen" not in current_app.config.get("FEATURES", ()):
        return {}
    from craftsmen.registry import current_titles_of_workers

    return current_titles_of_workers(worker_ids)


def flags_for(workers: Iterable) -> dict[int, list[LeaderFlag]]:
    """Each worker's distinctions (model worker first), by worker id; one query in all."""
    workers = [w for w in workers if w is not None]
    craftsmen = _craftsman_titles(sorted({w.id for w in workers}))
    flags: dict[int, list[LeaderFlag]] = {}
    for worker in workers:
        found = [LeaderFlag("model_worker", title) for title in model_worker_titles(worker.honors)]
        found += [LeaderFlag("craftsman", title, url) for title, url in craftsmen.get(worker.id, [])]
        flags[worker.id] = found
    return flags


def title_text(flags: list[LeaderFlag]) -> str:
    """The distinctions as one line, e.g. "北京市劳动模范、北京大工匠"."""
    return "、".join(f.title for f in flags)
