"""The ``/api/v1`` blueprint: every API route module adds its routes to :data:`bp`.

Here, once for all of them: the body size limit, JSON errors, the rate limit (per token, or
per address without one), no caching of answers given to a token, and no CSRF (the API
takes tokens only, never the login cookie: see :mod:`api.auth`).
"""

from __future__ import annotations

from flask import Blueprint, g
from werkzeug.routing import IntegerConverter

from api import auth
from api.errors import ApiError, register_handlers
from api.http import limit_body_size
from core.extensions import limiter

API_PREFIX = "/api/v1"
#: The largest id a database integer holds.
MAX_ID = 2**31 - 1

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

register_handlers(bp)
bp.before_request(limit_body_size)
limiter.limit(auth.rate_limit, key_func=auth.rate_limit_key)(bp)


class ApiId(IntegerConverter):
    """A record id in an API path (``<api_id:name>``): digits. An id beyond a database integer
    still reaches the blueprint, which answers the JSON 404 (a converter that refused it would
    leave the request to the site's HTML 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)  # documented in the OpenAPI path parameter
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        return int(value)


@bp.url_value_preprocessor
def ids_in_range(_endpoint, values) -> None:
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise ApiError(404)


@bp.after_request
def no_store_for_tokens(response):
    response.vary.add("Authorization")
    if g.get("api_user") is not None:
        response.headers["Cache-Control"] = "no-store"
    return response
