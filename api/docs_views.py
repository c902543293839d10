"""The API's own pages: the OpenAPI document, the interactive documentation (Swagger UI
served from the ``swagger-ui-bundle`` package, no CDN), and the JSON 404/405 for every
address under ``/api/v1`` that is not an operation."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import current_app, render_template, request, send_from_directory
from werkzeug.exceptions import MethodNotAllowed, NotFound

from api.blueprint import API_PREFIX, bp
from api.errors import ApiError, json_response
from api.spec import openapi_document
from core.access import public

#: Files the documentation page loads: Swagger UI's own, and this package's two.
SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js"})
OWN_FILES = frozenset({"api-docs.js", "api-docs.css"})
OWN_STATIC = Path(__file__).resolve().parent / "static"
ASSET_MAX_AGE = 24 * 3600


@bp.get("/openapi.json")
@public
def openapi_json():
    return json_response(openapi_document())


@bp.get("/docs")
@public
def docs():
    return render_template("api/docs.html")


@bp.get("/docs/assets/<asset>")
@public
def docs_asset(asset: str):
    if asset in SWAGGER_FILES:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, asset, max_age=ASSET_MAX_AGE)
    if asset in OWN_FILES:
        return send_from_directory(OWN_STATIC, asset, max_age=ASSET_MAX_AGE)
    raise ApiError(404)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_CATCH_ALL = "api.not_found"


def served_methods(path: str) -> list[str]:
    """The methods an operation at ``path`` answers (the catch-all below is no operation)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            rule, _args = adapter.match(path, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed):
            continue
        if rule.endpoint != _CATCH_ALL:
            allowed.append(method)
    return allowed


def _allow_header(methods: list[str]) -> str:
    extra = ["HEAD"] if "GET" in methods else []
    return ", ".join([*methods, *extra, "OPTIONS"])


@bp.before_request
def options_lists_only_served_methods():
    """OPTIONS answers with the methods the path really serves (204), or the JSON 404.

    Flask's automatic answer would also list the catch-all's methods for every address."""
    if request.method != "OPTIONS":
        return None
    methods = served_methods(request.path)
    if not methods:
        raise ApiError(404)
    response = current_app.response_class(status=204)
    response.headers["Allow"] = _allow_header(methods)
    return response


@bp.route("/<path:unknown_path>", methods=list(_METHODS))
@public
def not_found(unknown_path: str):
    """No operation here: 405 with Allow when the address exists for other methods, else 404."""
    allowed = served_methods(f"{API_PREFIX}/{unknown_path}")
    if allowed:
        raise ApiError(405, headers={"Allow": ", ".join(allowed)})
    raise ApiError(404)


@bp.get("/")
@public
def index():
    """Where the API's description lives."""
    return json_response({"name": "北京市职工技能人才服务平台 API", "version": "v1",
                          "openapi": f"{API_PREFIX}/openapi.json", "docs": f"{API_PREFIX}/docs"})
