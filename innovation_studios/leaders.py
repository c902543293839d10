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

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db

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


def _craftsman_titles(worker_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Current (not revoked) registry titles by worker: [(title, registry entry id)]."""
    try:
        from craftsmen.models import CraftsmanTitle
    except ModuleNotFoundError:  # the craftsmen feature is not installed
        return {}
    if not worker_ids:
        return {}
    found: dict[int, list[tuple[str, int]]] = {}
    for start in range(0, len(worker_ids), 1000):  # one query per thousand (an export of every studio)
        rows = db.session.execute(
            select(CraftsmanTitle.worker_id, CraftsmanTitle.title, CraftsmanTitle.id)
            .where(CraftsmanTitle.worker_id.in_(worker_ids[start:start + 1000]),
                   CraftsmanTitle.revoked_on.is_(None))
            .order_by(CraftsmanTitle.named_on.desc(), CraftsmanTitle.id.desc()))
        for worker_id, title, title_id in rows:
            found.setdefault(worker_id, []).append((title, title_id))
    return found


def _registry_url(title_id: int) -> str | None:
    endpoint = "craftsmen_public.title_detail"
    if has_request_context() and endpoint in current_app.view_functions:
        return url_for(endpoint, title_id=title_id)
    return None


def flags_for(workers: Iterable) -> dict[int, list[LeaderFlag]]:
    """Each worker's distinctions (model worker first), by worker id; one query in all."""
    workers = [w for w in workers if w is not None]
    craftsmen = _craftsman_titles(sorted({w.id for w in workers}))
    flags: dict[int, list[LeaderFlag]] = {}
    for worker in workers:
        found = [LeaderFlag("model_worker", title) for title in model_worker_titles(worker.honors)]
        found += [LeaderFlag("craftsman", title, _registry_url(title_id))
                  for title, title_id in craftsmen.get(worker.id, [])]
        flags[worker.id] = found
    return flags


def title_text(flags: list[LeaderFlag]) -> str:
    """The distinctions as one line, e.g. "北京市劳动模范、北京大工匠"."""
    return "、".join(f.title for f in flags)
