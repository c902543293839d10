"""The OpenAPI 3 document, generated from the code at first request.

Every route of the API blueprint that carries an :class:`api.http.Operation` becomes an
operation: its path and path parameters come from the Flask URL rule (converters give the
types and bounds), who may call it from the route's guard (:mod:`api.auth`), and its
parameters, body and answers from the same marshmallow schemas that load and write the
data, turned into JSON Schema by apispec's marshmallow plugin. Nothing is maintained by
hand beside the code.
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from flask_babel import force_locale
from werkzeug.routing import IntegerConverter

from api import fields as f
from api.auth import TokenAccessRule
from api.errors import STANDARD
from api.http import Operation
from api.schemas import Error

API_VERSION = "1.0.0"

TAGS = [
    {"name": "craftsmen", "description": "北京大工匠名录与推荐 / Craftsman registry and nominations"},
    {"name": "competitions", "description": "职工技能竞赛：裁判评分与成绩 / Skills competitions: "
                                            "judging and results"},
    {"name": "studios", "description": "职工创新工作室 / Worker innovation studios"},
    {"name": "certificates", "description": "证书查验 / Certificate verification"},
    {"name": "indicators", "description": "规划指标 / Plan indicators"},
]

#: Answers every operation may give.
COMMON_ERRORS = (400, 429, 500)
#: Answers of operations that read a JSON body.
BODY_ERRORS = (413, 415, 422)

_RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def _description(config) -> str:
    return "\n\n".join([
        "北京市总工会职工技能人才服务平台的 JSON 接口。本文档由代码生成。",
        "**认证 / Authentication**：在“API 令牌”页面创建个人令牌，以 `Authorization: Bearer <令牌>` "
        "发送；不接受登录 Cookie。令牌以创建者的角色和权限行事。/ Create a personal token on the "
        "“API 令牌” page and send it as a bearer token; the login cookie is not accepted.",
        "**错误 / Errors**：统一为 `{\"error\": {\"code\", \"message\", \"message_en\", \"details\"}}`。",
        "**分页 / Paging**：列表接口接受 `page`、`per_page`（最多 100）、`sort=字段,-字段`，"
        "返回 `data`、`meta`（total/page/per_page/pages）与 `links`。",
        f"**限制 / Limits**：请求体最大 {config['API_MAX_BODY_BYTES'] // 1024} KB；"
        f"频率：每个令牌 {config['API_RATE_LIMIT_PER_TOKEN']}，"
        f"无令牌时每个地址 {config['API_RATE_LIMIT_PER_IP']}（超出时 429）。",
    ])


def _path_of(rule) -> tuple[str, list[dict]]:
    """The OpenAPI path of a URL rule and its path parameters."""
    parameters = []
    for name in rule.arguments:
        converter = rule._converters.get(name)  # noqa: SLF001 - werkzeug keeps them here
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": converter.min if converter.min is not None else 0}
            if converter.max is not None:
                schema["maximum"] = converter.max
        else:
            schema = {"type": "string", "minLength": 1}
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
    return _RULE_ARGUMENT.sub(r"{\1}", rule.rule), parameters


def _response_ref(status: int) -> str:
    return STANDARD[status][0]


def _operation_dict(op: Operation, access, path_parameters: list[dict]) -> dict:
    statuses = set(COMMON_ERRORS) | set(op.errors)
    if path_parameters:
        statuses.add(404)
    if op.body is not None:
        statuses |= set(BODY_ERRORS)
    if op.query is not None:
        statuses.add(422)
    description = str(op.description or "")
    result = {"operationId": op.operation_id, "summary": str(op.summary), "tags": list(op.tags)}
    if isinstance(access, TokenAccessRule):
        statuses |= {401, 403}
        result["security"] = [{"bearerAuth": []}]
        who = ("任何用户 / any user" if access.roles is None
               else "、".join(sorted(str(role.label) for role in access.roles))
               + " / roles: " + ", ".join(sorted(access.roles)))
        description = (description + "\n\n" if description else "") + f"令牌角色 / Token roles: {who}"
    else:
        result["security"] = []
        description = (description + "\n\n" if description else "") + "公开，无需令牌 / Public"
    result["description"] = description
    parameters = list(path_parameters)
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {"required": op.body_required,
                                 "content": {"application/json": {"schema": op.body}}}
    success = {"description": "成功 / OK"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": op.response}}
    responses = {str(op.status): success}
    for status in sorted(statuses):
        responses[str(status)] = _response_ref(status)
    result["responses"] = responses
    return result


def build_spec(app) -> dict:
    """The OpenAPI document of ``app``'s API routes."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="北京市职工技能人才服务平台 API", version=API_VERSION, openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": _description(app.config)},
        tags=TAGS,
    )
    plugin.map_to_openapi_type(f.DecimalString, "string", "decimal")
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer", "bearerFormat": "bjgh_…",
        "description": "个人 API 令牌 / Personal API token"})
    spec.components.schema("Error", schema=Error)
    for code, message, message_en in STANDARD.values():
        spec.components.response(code, {
            "description": f"{message} / {message_en}",
            "content": {"application/json": {"schema": "Error"}}})

    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods or ())))
    paths: dict[str, dict] = {}
    for rule in rules:
        view = app.view_functions.get(rule.endpoint)
        op = getattr(view, "api_operation", None)
        if op is None:
            continue
        path, path_parameters = _path_of(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation_dict(
                op, view.access_rule, path_parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def openapi_document() -> dict:
    """The document of the current app, built once."""
    cache = current_app.extensions.setdefault("api", {})
    if "openapi" not in cache:
        with force_locale("zh"):  # summaries and role names as written, whoever asks first
            cache["openapi"] = build_spec(current_app)
    return cache["openapi"]
