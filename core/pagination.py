"""Paging for list pages.

Counting every matching row of a large table costs as much as reading it, and a reader gains
nothing from knowing that a list holds 3,481,207 rather than "more than 10,000" entries. So a
list's total is counted only up to ``COUNT_LIMIT``; past that the page says "10,000+" and the
pager stops offering page numbers beyond the limit (filters narrow the list instead).

A page further down is found by its keys first (a "deferred join"): the rows skipped by the
offset are read from the listing index alone, and only the page's own rows are then loaded
with everything they show.
"""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, inspect, select, tuple_
from sqlalchemy.orm import lazyload

#: Far beyond any real list; keeps a tampered page number from overflowing the offset.
MAX_PAGE = 100_000

#: Totals are counted up to this many rows; a longer list shows "10,000+".
COUNT_LIMIT = 10_000

#: A search of one or two characters (a surname, 李) matches a large share of a city-sized
#: list, each match read to be counted; its total is counted up to this many ("1,000+"), a
#: tenth of the reading. More pages than this holds are not read through: the search is
#: narrowed instead.
SHORT_SEARCH_COUNT_LIMIT = 1_000

#: An execution option of a list's select(): a function ``(limit, offset)`` giving a select()
#: of a page's ids in the list's order, read instead of from the list itself (e.g. from a
#: search's matches, see :func:`core.search_indexes.matches_first`). Its rows are ``(id,
#: total)``: a total found while reading the keys is not counted again; None leaves the list's
#: total to be counted (as does a page past the end, which has no rows to carry it).
PAGE_KEYS = "page_keys"


class BoundedPagination(SelectPagination):
    """A page of a select() whose total is exact up to ``count_limit`` rows and bounded above it."""

    def __init__(self, *args, count_limit: int = COUNT_LIMIT, **kwargs):
        self.count_limit = count_limit
        self._total_with_keys: int | None = None  # see PAGE_KEYS
        super().__init__(*args, **kwargs)
        self.total_bounded = self.total is not None and self.total > self.count_limit
        if self.total_bounded:
            self.total = self.count_limit

    def _query_items(self) -> list:
        select_q = self._query_args["select"]
        key = _single_key(select_q)
        page_keys = select_q.get_execution_options().get(PAGE_KEYS)
        if key is None or (self._query_offset == 0 and page_keys is None):
            return super()._query_items()
        session = self._query_args["session"]
        if page_keys is not None:
            rows = session.execute(page_keys(self.per_page, self._query_offset)).all()
            ids = [key_id for key_id, _total in rows]
            if rows:
                self._total_with_keys = rows[0][1]  # (None: to be counted)
        else:
            keys = (select_q.options(lazyload("*")).limit(self.per_page).offset(self._query_offset)
                    .subquery())
            ids = list(session.scalars(select(keys.c[key.key])))
        if not ids:
            return []
        return list(session.execute(select_q.where(key.in_(ids))).unique().scalars())

    def _query_count(self) -> int:
        if self._total_with_keys is not None:
            return min(self._total_with_keys, self.count_limit + 1)
        select_q = self._query_args["select"]
        session = self._query_args["session"]
        limited = select_q.options(lazyload("*")).order_by(None).limit(self.count_limit + 1).subquery()
        return session.execute(select(func.count()).select_from(limited)).scalar()

    @property
    def total_label(self) -> str:
        """The total as the page shows it: ``1,234`` or ``10,000+``."""
        return f"{self.total:,}+" if self.total_bounded else f"{self.total:,}"


def _single_key(select_q):
    """The primary-key column of a select() of one entity with a one-column key, else None."""
    descriptions = select_q.column_descriptions
    entity = descriptions[0].get("entity") if len(descriptions) == 1 else None
    if entity is None:
        return None
    key = inspect(entity).primary_key
    return getattr(entity, key[0].key) if len(key) == 1 else None


def count_limit_for(search: str) -> int:
    """The count limit of a list searched for ``search`` (stripped; "" for no search)."""
    from core.search_indexes import SHORT_SEARCH

    return SHORT_SEARCH_COUNT_LIMIT if 0 < len(search) <= SHORT_SEARCH else COUNT_LIMIT


def paginate(query, *, count_limit: int = COUNT_LIMIT):
    """Paginate a select() with the page number from the query string; the total is bounded."""
    from core.extensions import db

    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    return BoundedPagination(select=query, session=db.session(), page=page,
                             per_page=current_app.config["PAGE_SIZE"], max_per_page=200,
                             error_out=False, count=True, count_limit=count_limit)


class KeysetPage:
    """A page of a list read newest first from the last row shown (``?before=<id>``).

    Offset paging reads and throws away every row before the page, so page 10,000 of a log
    of ten million entries costs as much as reading them all; a page that starts below a
    known row is one index range read however deep it is. There is no total and no page
    numbers: the reader goes to older entries, or back to the newest.

    ``order`` is the list's order, descending, ending with the id (unique): ``(id,)``, or e.g.
    ``(created_at, id)``, in which case the row named by ``before`` is read for its place.
    """

    def __init__(self, query, order, *, per_page: int | None = None):
        from core.extensions import db

        *leading, id_column = order
        self.per_page = per_page or current_app.config["PAGE_SIZE"]
        self.before = request.args.get("before", type=int)
        if self.before is not None and self.before < 1:
            self.before = None
        if self.before is not None and not leading:
            query = query.where(id_column < self.before)
        elif self.before is not None:
            anchor = db.session.execute(select(*order).where(id_column == self.before)).first()
            if anchor is None:
                self.before = None
            else:
                query = query.where(tuple_(*order) < tuple_(*anchor))
        rows = list(db.session.scalars(query.order_by(*(c.desc() for c in order))
                                       .limit(self.per_page + 1)))
        self.items = rows[:self.per_page]
        self.has_next = len(rows) > self.per_page
        self.next_before = self.items[-1].id if self.has_next else None

    @property
    def is_first(self) -> bool:
        return self.before is None
