"""Language selection: the user's choice in the session, else the browser's, else Chinese."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup

from core.extensions import babel

lazy_login_message = _l("请先登录")


def select_language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return request.accept_languages.best_match(list(languages)) or "zh"


@functools.lru_cache(maxsize=16)
def _parsed(language: str) -> Locale:
    return Locale.parse(language)


def select_locale() -> Locale:
    """The request's locale: one object per language and process (Flask-Babel takes a ``Locale``
    as it is, where parsing a code anew on each request looks up Babel's locale data)."""
    return _parsed(select_language())


def chinese_date(value) -> str:
    """2026年11月24日 in Chinese, the locale's medium form otherwise."""
    if value is None:
        return ""
    if str(get_locale()).startswith("zh"):
        return f"{value.year}年{value.month}月{value.day}日"
    return format_date(value, "medium")


def local_datetime(value) -> str:
    """A stored UTC timestamp shown in Beijing time."""
    if value is None:
        return ""
    if str(get_locale()).startswith("zh"):
        return format_datetime(value, "yyyy年M月d日 HH:mm")
    return format_datetime(value, "yyyy-MM-dd HH:mm")


def format_wan(amount: Decimal | None) -> str:
    """An amount in 万元 with two decimals at least, more only when the yuan need them:
    12.5 → "12.50"; 0.1234 → "0.1234"; 1234567 → "1,234,567.00"."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    two = amount.quantize(Decimal("0.01"))
    shown = two if two == amount else amount.normalize()
    if shown.as_tuple().exponent > -2:  # type: ignore[operator]  # finite amounts: an int exponent
        shown = shown.quantize(Decimal("0.01"))
    return f"{shown:,f}"


def skill_label(value: str) -> str:
    """The label of a skill level stored by its value."""
    from core.people.models import SkillLevel

    return str(SkillLevel(value).label) if value else ""


class TemplateMessages:
    """The templates' ``_()`` and ``gettext()``: each message looked up in the catalog once per
    language and process rather than on every call (a page asks for the same few dozen labels on
    every request; the catalogs change only with a deployment). It behaves as Jinja's "newstyle"
    gettext: the translation is a format string filled with the keyword arguments, escaped when
    the template autoescapes. Messages are the templates' literals; should more than ``size``
    ever be asked for, the rest are looked up each time rather than kept."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._kept: dict[tuple[str, str, bool], str] = {}

    def translate(self, context, message: str, **variables):
        autoescape = context.eval_ctx.autoescape
        key = (str(get_locale()), message, autoescape)
        kept = self._kept.get(key)
        if kept is None:
            translated = get_translations().ugettext(message)
            kept = Markup(translated) if autoescape else translated  # noqa: S704 - a format string: % escapes
            if len(self._kept) < self.size:
                self._kept[key] = kept
        return kept % variables


def _install_template_messages(app) -> None:
    """Flask-Babel's Jinja callables, with ``_()`` / ``gettext()`` kept per language."""
    messages = app.extensions["i18n.template_messages"] = TemplateMessages()

    @pass_context
    def translate(context, message: str, **variables):
        return messages.translate(context, message, **variables)

    app.jinja_env.globals.update({"_": translate, "gettext": translate})


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    _install_template_messages(app)
    app.jinja_env.filters["cn_date"] = chinese_date
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["skill_label"] = skill_label
    app.jinja_env.filters["wan"] = format_wan

    @app.context_processor
    def language_context():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
