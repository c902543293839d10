"""Chinese names in the order readers expect: by pinyin (汉语拼音), or by stroke count
(姓氏笔画, the federation's practice for lists of honour) as the ``NAME_ORDER`` setting says.

Lists sort in the database on two stored keys per name (:func:`pinyin_key`,
:func:`stroke_key`), kept by the models that need them, so paging stays a plain query.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json

from flask import current_app

#: The orders the setting accepts.
ORDERS = ("pinyin", "strokes")
KEY_LENGTH = 600


@functools.cache
def _stroke_counts() -> dict[str, int]:
    """Total strokes per character (Unicode Unihan kTotalStrokes, from the ``strokes`` package)."""
    files = importlib.metadata.files("strokes") or []
    path = next(f for f in files if f.name == "strokeCount.json")
    with open(path.locate(), encoding="utf-8") as handle:
        return json.load(handle)


def _syllables(text: str) -> list[str]:
    """One pinyin syllable with its tone number per character (other characters as they are).

    pypinyin (its phrase dictionary holds tens of MB) is loaded on the first name to sort, so
    processes that only read stored keys never carry it."""
    from pypinyin import Style, lazy_pinyin

    return [s.lower() for s in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True,
                                           errors=lambda chars: list(chars))]  # type: ignore[arg-type,return-value]  # pypinyin's hints omit the documented list return


def pinyin_key(text: str | None) -> str:
    """``张建国`` → ``zhang1 jian4 guo2``: sorts 安 before 白 before 张, and by tone within a
    syllable."""
    return " ".join(_syllables(text or ""))[:KEY_LENGTH]


def stroke_key(text: str | None) -> str:
    """``王芳`` → ``04wang2 07fang1``: fewer strokes first, character by character (the
    surname first); pinyin orders characters with the same number of strokes."""
    counts = _stroke_counts()
    text = text or ""
    parts = [f"{counts.get(char, 99):02d}{syllable}" for char, syllable in zip(text, _syllables(text),
                                                                             strict=False)]
    return " ".join(parts)[:KEY_LENGTH]


def name_order() -> str:
    order = current_app.config.get("NAME_ORDER", "pinyin")
    return order if order in ORDERS else "pinyin"


def order_by_name(model):
    """The column ordering ``model`` by name as configured (the model has ``name_pinyin`` and
    ``name_strokes``)."""
    return model.name_strokes if name_order() == "strokes" else model.name_pinyin


def keys_default(source_column: str, kind: str):
    """A column default computing the sort key of ``source_column`` on insert (also for bulk
    inserts, row by row)."""
    make = stroke_key if kind == "strokes" else pinyin_key

    def default(context):
        return make(context.get_current_parameters().get(source_column))

    return default


def keep_name_keys(name_attribute) -> None:
    """Recompute the sort keys whenever the ORM sets the name (``Model.name``)."""
    from sqlalchemy import event

    @event.listens_for(name_attribute, "set")
    def _set(target, value, _old, _initiator):
        target.name_pinyin = pinyin_key(value)
        target.name_strokes = stroke_key(value)
