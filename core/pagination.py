"""Paging for list pages.

Counting every matching row of a large table costs as much as reading it, and a reader gains
nothing from knowing that a list holds 3,481,207 rather than "more than 10,000" entries. So a
list's total is counted only up to ``COUNT_LIMIT``; past that the page says "10,000+" and the
pager stops offering page numbers beyond the limit (filters narrow the list instead).
"""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

#: Far beyond any real list; keeps a tampered page number from overflowing the offset.
MAX_PAGE = 100_000

#: Totals are counted up to this many rows; a longer list shows "10,000+".
COUNT_LIMIT = 10_000


class BoundedPagination(SelectPagination):
    """A page of a select() whose total is exact up to ``count_limit`` rows and bounded above it."""

    def __init__(self, *args, count_limit: int = COUNT_LIMIT, **kwargs):
        self.count_limit = count_limit
        super().__init__(*args, **kwargs)
        self.total_bounded = self.total is not None and self.total > self.count_limit
        if self.total_bounded:
            self.total = self.count_limit

    def _query_count(self) -> int:
        select_q = self._query_args["select"]
        session = self._query_args["session"]
        limited = select_q.options(lazyload("*")).order_by(None).limit(self.count_limit + 1).subquery()
        return session.execute(select(func.count()).select_from(limited)).scalar()

    @property
    def total_label(self) -> str:
        """The total as the page shows it: ``1,234`` or ``10,000+``."""
        return f"{self.total:,}+" if self.total_bounded else f"{self.total:,}"


def paginate(query, *, count_limit: int = COUNT_LIMIT):
    """Paginate a select() with the page number from the query string; the total is bounded."""
    from core.extensions import db

    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    return BoundedPagination(select=query, session=db.session(), page=page,
                             per_page=current_app.config["PAGE_SIZE"], max_per_page=200,
                             error_out=False, count=True, count_limit=count_limit)
