"""Paging, sorting and the list envelope, the same for every list operation.

* ``page`` (from 1) and ``per_page`` (1 to :data:`MAX_PER_PAGE`, default
  :data:`DEFAULT_PER_PAGE`);
* ``sort=field,-field``: fields from the operation's allow-list, ``-`` for descending; an
  unknown field is a 422 naming the allowed ones;
* the answer: ``{"data": [...], "meta": {"total", "page", "per_page", "pages"},
  "links": {"self", "first", "last", "prev", "next"}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request, url_for

from api import fields as f
from core.extensions import db
from core.pagination import MAX_PAGE

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
SORT_MAX = 200


def split_sort(value: str) -> list[tuple[str, bool]]:
    pairs = []
    for part in (value or "").split(","):
        part = part.strip()
        if part:
            pairs.append((part.removeprefix("-").strip(), part.startswith("-")))
    return pairs


def sort_field(sortable: dict, default: tuple) -> f.String:
    """The ``sort`` parameter of a list: its allow-list is the pattern (so the document says
    exactly what is accepted) and the description."""
    default_text = ",".join(("-" if descending else "") + name for name, descending in default)
    one = "-?(" + "|".join(re.escape(name) for name in sortable) + ")"
    allowed = ", ".join(sortable)
    return f.String(load_default="", validate=[f.length(max=SORT_MAX), f.pattern(
        f"^({one}(,{one})*)?$", f"只能按以下字段排序（逗号分隔，前加 - 为降序）：{allowed}",
        f"Sort by these fields only (comma-separated, - for descending): {allowed}.")], metadata={
        "description": "排序：逗号分隔的字段，前加 - 为降序 / Comma-separated fields, - for "
                       f"descending. 可选 / allowed: {', '.join(sortable)}; 默认 / default: "
                       f"{default_text}"})


class PageQuery(f.ApiSchema):
    """The paging and sorting parameters every list operation takes; a list's query schema
    extends it with its filters and its sort allow-list."""

    page = f.QueryInteger(load_default=1, validate=f.between(1, MAX_PAGE),
                          metadata={"description": "页码，从 1 开始 / Page number, from 1"})
    per_page = f.QueryInteger(load_default=DEFAULT_PER_PAGE, validate=f.between(1, MAX_PER_PAGE),
                              metadata={"description": f"每页条数，最多 {MAX_PER_PAGE} / Items per page"})

    #: field name -> column (or expression); set by each list's query schema.
    SORTABLE: dict = {}
    #: The order used when ``sort`` is empty, as (name, descending) pairs.
    DEFAULT_SORT: tuple[tuple[str, bool], ...] = ()
    #: Each list declares its own: ``sort = sort_field(SORTABLE, DEFAULT_SORT)``.
    sort = sort_field({}, ())



def ordered(query, args: dict, schema_cls, tiebreak):
    """``query`` ordered by the requested fields (else the default), then by ``tiebreak``."""
    pairs = split_sort(args.get("sort", "")) or list(schema_cls.DEFAULT_SORT)
    columns = []
    for name, descending in pairs:
        column = schema_cls.SORTABLE[name]
        columns.append(column.desc() if descending else column.asc())
    return query.order_by(None).order_by(*columns, tiebreak)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query, args: dict) -> Page:
    result = db.paginate(query, page=args["page"], per_page=args["per_page"],
                         max_per_page=MAX_PER_PAGE, error_out=False, count=True)
    return Page(list(result.items), result.total or 0, args["page"], args["per_page"])


def page_of(items: list, args: dict) -> Page:
    """A page of an already computed list (small lists built in Python)."""
    start = (args["page"] - 1) * args["per_page"]
    return Page(items[start:start + args["per_page"]], len(items), args["page"], args["per_page"])


def envelope(page: Page, **extra) -> dict:
    """The list answer: the page's items, meta and links (other keys may be added)."""
    def link(number: int | None) -> str | None:
        if number is None:
            return None
        args = request.args.to_dict()
        args.update(page=number, per_page=page.per_page)
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    last = page.pages
    return {"data": page.items,
            "meta": {"total": page.total, "page": page.page, "per_page": page.per_page,
                     "pages": last},
            "links": {"self": link(page.page), "first": link(1), "last": link(last),
                      "prev": link(page.page - 1) if 1 < page.page <= last + 1 else None,
                      "next": link(page.page + 1) if page.page < last else None},
            **extra}



def sorted_items(items: list, args: dict, schema_cls) -> list:
    """A list computed in Python, sorted like :func:`ordered` sorts a query: the schema's
    ``SORTABLE`` maps a name to a key function (None: the list's own order). Missing values
    (None) come last either way."""
    pairs = split_sort(args.get("sort", "")) or list(schema_cls.DEFAULT_SORT)
    position = {id(item): index for index, item in enumerate(items)}
    result = list(items)
    for name, descending in reversed(pairs):  # stable sorts, the last key first
        key = schema_cls.SORTABLE[name] or (lambda item: position[id(item)])
        present = [item for item in result if key(item) is not None]
        missing = [item for item in result if key(item) is None]
        result = sorted(present, key=key, reverse=descending) + missing
    return result
