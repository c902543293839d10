"""Error pages in the site layout, with Chinese messages (English when chosen)."""

from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from core.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("请求无效"), _l("提交的内容无法处理，请检查后重试。")),
    403: (_l("无权访问"), _l("您没有权限查看或操作此内容。")),
    404: (_l("页面不存在"), _l("您要找的页面不存在或已被移除。")),
    405: (_l("不支持的操作"), _l("此页面不支持这种请求方式。")),
    413: (_l("文件过大"), _l("上传的内容超过了大小限制。")),
    429: (_l("操作过于频繁"), _l("尝试次数过多，请稍后再试。")),
    500: (_l("系统出错"), _l("服务器处理请求时出错，我们已记录此问题，请稍后重试。")),
}


def _render(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    body = render_template("errors/error.html", code=code, title=title,
                           message=message, detail=detail)
    return body, code


def rate_limited(error):
    """A blueprint's handler of its rate limits: the limit's own answer when it has one (e.g. the
    page with a message), else the 429 page."""
    if getattr(error, "response", None) is not None:
        return error.response
    return _render(429)


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, str(_l("表单已过期或缺少安全令牌，请刷新页面后重新提交。")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        detail = None
        if error.code == 400 and error.description and not error.description.startswith(
                "The browser (or proxy)"):
            detail = error.description
        response = _render(error.code or 500, detail)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(error):
        # A number too large for the database (a tampered id or filter): bad input, not a bug.
        db.session.rollback()
        return _render(400, str(_l("请求中的数值超出范围")))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        # Only the path: query strings and form bodies may hold personal data.
        log.exception("未处理的异常：%s %s", request.method, request.path)
        return _render(500)
