"""Links for every row of a list, built once per page.

``url_for`` walks the URL map and the URL-defaults hooks on every call; a list of 50 rows
with a link each pays that 50 times for URLs that differ only in the id. ``row_url(endpoint,
"studio_id")`` builds the URL once with a stand-in id and returns a function that puts each
row's id in its place.
"""

from __future__ import annotations

from flask import url_for

#: Stands for the row's id while the URL is built (within the int converter's bounds, and
#: far beyond any real id, so it cannot appear in the URL by chance).
_STAND_IN = 2_147_480_647


class RowUrl:
    """The URL of ``endpoint`` with ``key`` filled in per row (ints only, as the routes take)."""

    def __init__(self, endpoint: str, key: str, **values):
        values[key] = _STAND_IN
        url = url_for(endpoint, **values)
        self.prefix, found, self.suffix = url.partition(str(_STAND_IN))
        if not found:
            raise ValueError(f"{endpoint} does not put {key} in its URL")

    def __call__(self, value: int) -> str:
        return f"{self.prefix}{int(value)}{self.suffix}"


def init_app(app) -> None:
    app.jinja_env.globals["row_url"] = RowUrl
