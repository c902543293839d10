"""JSON errors of the API, one stable shape for every status:

    {"error": {"code": "not_found", "message": "中文", "message_en": "English", "details": ...}}

``message`` is always Chinese and ``message_en`` always English, whatever the client's
language; ``details`` is null or says more (the fields that failed validation, the reasons
a submission was refused, ...). :class:`ApiError` is raised by the API's own code; the
blueprint's handlers turn every other exception into the same shape.
"""

from __future__ import annotations

import json
import logging
import re

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from api.fields import english
from core.errors import ConcurrentEditError, DomainError
from core.extensions import db
from core.states import IllegalTransition

log = logging.getLogger(__name__)

#: status -> (code, Chinese message, English message) when nothing more specific is known.
STANDARD = {
    400: ("bad_request", _l("请求无效"), "The request could not be understood."),
    401: ("unauthorized", _l("缺少有效的 API 令牌：请在请求头 Authorization: Bearer <令牌> 中提供"),
          "A valid API token is required: send it as Authorization: Bearer <token>."),
    403: ("forbidden", _l("无权执行此操作"), "You are not allowed to do this."),
    404: ("not_found", _l("请求的资源不存在"), "The requested resource does not exist."),
    405: ("method_not_allowed", _l("此地址不支持这种请求方式"),
          "This method is not allowed for this address."),
    409: ("conflict", _l("该记录已被修改或当前状态不允许此操作，请重新读取后再试"),
          "The record has changed or its state does not allow this; read it again and retry."),
    413: ("payload_too_large", _l("请求体超过大小上限"), "The request body is too large."),
    415: ("unsupported_media_type", _l("请求体须为 JSON（Content-Type: application/json）"),
          "The request body must be JSON (Content-Type: application/json)."),
    422: ("validation_failed", _l("提交的数据未通过校验"), "The submitted data is not valid."),
    429: ("rate_limited", _l("请求过于频繁，请稍后再试"), "Too many requests; please retry later."),
    500: ("internal_error", _l("服务器处理请求时出错，我们已记录此问题，请稍后重试"),
          "The server failed to process the request; the problem has been logged."),
}

#: Statuses the API documents and answers with; anything else from Werkzeug maps to one.
DOCUMENTED_STATUSES = tuple(STANDARD)


class ApiError(Exception):
    """An error answered as JSON. ``message`` may be a lazy string; English comes separately."""

    def __init__(self, status: int, code: str | None = None, message=None, message_en=None,
                 details=None, headers: dict | None = None):
        default_code, default_message, default_en = STANDARD[status]
        super().__init__(code or default_code)
        self.status = status
        self.code = code or default_code
        self.message = message if message is not None else default_message
        self.message_en = message_en if message_en is not None else default_en
        self.details = details
        self.headers = headers or {}


def both_languages(message) -> tuple[str, str]:
    """A (lazy) message in Chinese and in English; an untranslated one stays as written."""
    with force_locale("zh"):
        zh = str(message)
    with force_locale("en"):
        en = str(message)
    return zh, en


def json_response(data, status: int = 200, headers: dict | None = None):
    """Readable UTF-8 JSON (Chinese is not escaped)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, status=status, headers=headers or {},
                                      mimetype="application/json")


#: Chinese characters (CJK ideographs and full-width punctuation).
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def english_only(text: str, fallback: str) -> str:
    """``text`` if it has no Chinese in it (a message nobody translated), else ``fallback``."""
    return fallback if _CHINESE.search(text or "") else text


def error_response(error: ApiError):
    zh = both_languages(error.message)[0]
    en = error.message_en if isinstance(error.message_en, str) else both_languages(error.message_en)[1]
    en = english_only(en, STANDARD.get(error.status, STANDARD[400])[2])
    payload = {"error": {"code": error.code, "message": zh, "message_en": en,
                         "details": error.details}}
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    return json_response(payload, error.status, headers)


def validation_details(messages, location: str) -> dict:
    """Marshmallow's messages as ``{"fields": [{"field", "location", "message", "message_en"}]}``:
    nested fields are dotted (``marks.0.value``)."""
    found: list[dict] = []

    def walk(node, path: list[str]):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + ([] if key == "_schema" else [str(key)]))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, path)
        else:
            found.append({"field": ".".join(path) or None, "location": location,
                          "message": str(node),
                          "message_en": english_only(english(node), "Invalid value.")})

    walk(messages, [])
    return {"fields": found}


def domain_error(error: DomainError) -> ApiError:
    """A service's refusal: a stale record is 409, an illegal state move 409, any other rule 422."""
    zh, en = both_languages(error)
    details = {}
    if getattr(error, "field", None):
        details["field"] = error.field
    reasons = getattr(error, "reasons", None)
    if reasons:
        details["reasons"] = [both_languages(reason)[0] for reason in reasons]
        details["reasons_en"] = [english_only(both_languages(reason)[1], "A rule of the platform refuses this.")
                                 for reason in reasons]
    if isinstance(error, ConcurrentEditError):
        return ApiError(409, "stale_version", zh, en, details or None)
    if isinstance(error, IllegalTransition):
        return ApiError(409, "invalid_state", zh, en, details or None)
    return ApiError(422, "rule_violation", zh, en, details or None)


def _from_http(error: HTTPException) -> ApiError:
    status = error.code or 500
    if status not in STANDARD:
        status = 500 if status >= 500 else 400
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 413:
        limit = current_app.config["API_MAX_BODY_BYTES"]
        return ApiError(413, message=_l("请求体超过 %(n)s KB 上限", n=limit // 1024),
                        message_en=f"The request body exceeds the {limit // 1024} KB limit.",
                        details={"max_bytes": limit})
    if status == 429:
        # Flask-Limiter adds Retry-After and the X-RateLimit-* headers to the response.
        return ApiError(429, details={"limit": str(error.description)} if error.description else None)
    return ApiError(status, headers=headers)


def register_handlers(bp) -> None:
    """Every error raised while serving an API route answers in the JSON shape."""

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error)

    @bp.errorhandler(DomainError)
    def refused(error: DomainError):
        db.session.rollback()
        return error_response(domain_error(error))

    @bp.errorhandler(StaleDataError)
    def stale(error):
        db.session.rollback()
        return error_response(ApiError(409, "stale_version"))

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(_from_http(error))

    @bp.errorhandler(OverflowError)
    @bp.errorhandler(DataError)
    def out_of_range(error):
        db.session.rollback()
        return error_response(ApiError(400, "out_of_range", _l("请求中的数值超出范围"),
                                       "A number in the request is out of range."))

    @bp.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        # Only the path: the query string and the body may hold personal data.
        log.exception("API 未处理的异常：%s %s", request.method, request.path)
        return error_response(ApiError(500))
