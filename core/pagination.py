"""Paging for list pages."""

from flask import current_app, request

#: Far beyond any real list; keeps a tampered page number from overflowing the offset.
MAX_PAGE = 100_000


def paginate(query):
    """Paginate a select() with the page number from the query string."""
    from core.extensions import db

    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], max_per_page=200,
                       error_out=False, page=min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE))
