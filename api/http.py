"""An API operation: its OpenAPI description and its input/output, declared once.

``@operation(...)`` on a view records what :mod:`api.spec` publishes (operationId, summary,
parameters, body, answer, errors) and does what it says: the query string is loaded with
the operation's query schema, the JSON body with its body schema, and the view's return
value is written with its response schema. So the document and the behaviour cannot drift
apart::

    @bp.get("/craftsmen")
    @public
    @operation("listCraftsmen", _l("..."), tags=["craftsmen"], query=RegistryQuery,
               response=CraftsmanList)
    def list_craftsmen(args): ...

Input errors, in this order: a body over the size limit 413; a body that is not JSON 415;
malformed JSON 400; wrong or missing fields 422 (every field's problem listed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from api.errors import ApiError, json_response, validation_details


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: object
    tags: tuple[str, ...]
    description: object = ""
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    body_required: bool = True
    response: type[Schema] | None = None
    status: int = 200
    #: Statuses this operation may answer beyond the common ones (401/403 come from its guard).
    errors: tuple[int, ...] = field(default_factory=tuple)


def operation(operation_id: str, summary, *, tags, description="", query=None, body=None,
              body_required: bool = True, response=None, status: int = 200, errors=()):
    """Declare a view as the API operation ``operation_id`` (see the module docstring)."""
    op = Operation(operation_id, summary, tuple(tags), description, query, body, body_required,
                   response, status, tuple(errors))

    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            if op.query is not None:
                kwargs["args"] = load_query(op.query)
            if op.body is not None:
                kwargs["body"] = load_body(op.body, required=op.body_required)
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            return json_response(op.response().dump(result) if op.response else result, op.status)

        wrapper.api_operation = op
        return wrapper

    return decorator


def load_query(schema_cls) -> dict:
    try:
        # Unknown parameters are refused too: a mistyped filter must not silently list everything.
        return schema_cls(unknown=RAISE).load(_single(request.args))
    except ValidationError as error:
        raise ApiError(422, details=validation_details(error.messages, "query")) from None


def _single(args) -> dict:
    """The query string as name -> value; a parameter given twice keeps its first value."""
    return {name: args.get(name) for name in args}


def is_json(mimetype: str | None) -> bool:
    return mimetype == "application/json" or bool(mimetype and mimetype.endswith("+json"))


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json(required: bool = True):
    """The request's JSON body (None when optional and absent), or an ApiError."""
    raw = request.get_data(cache=True)  # bounded by request.max_content_length: 413 beyond
    if request.content_length is None and len(raw) >= current_app.config["API_MAX_BODY_BYTES"]:
        # A streamed body (no Content-Length) is read up to the limit only: what reached it
        # was cut, not complete.
        raise RequestEntityTooLarge()
    if not raw:
        if not required:
            return None
        if not is_json(request.mimetype):
            raise ApiError(415)
        raise ApiError(400, "malformed_json", _l("请求体为空，应为 JSON 对象"),
                       "The request body is empty; a JSON object is expected.")
    if not is_json(request.mimetype):
        raise ApiError(415, details={"content_type": request.mimetype or None})
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "malformed_json", _l("请求体不是有效的 JSON"),
                       "The request body is not valid JSON.",
                       details={"error": str(error)[:200]}) from None


def load_body(schema_cls, *, required: bool = True) -> dict:
    data = read_json(required)
    if data is None:
        data = {}
    try:
        return schema_cls(unknown=RAISE).load(data)
    except ValidationError as error:
        raise ApiError(422, details=validation_details(error.messages, "body")) from None


def limit_body_size() -> None:
    """Refuse a body over the API's limit before reading it; bound the reading too (a body
    sent without Content-Length stops at the limit)."""
    limit = current_app.config["API_MAX_BODY_BYTES"]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def found(value):
    """``value``, or a 404 when it is None."""
    if value is None:
        raise ApiError(404)
    return value
