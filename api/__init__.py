"""The JSON API (``/api/v1``) over the features' services and rules, described by an OpenAPI
document generated from the code (``/api/v1/openapi.json``, interactive at ``/api/v1/docs``),
and the "API 令牌" page where every user manages their personal tokens.

Listed last in ``FEATURES``: it reaches the other features only through their services,
rules and read queries.
"""

from __future__ import annotations

import importlib

#: Modules adding their operations to the API blueprint (:mod:`api.blueprint`).
API_MODULES = (
    "api.craftsmen_api",
    "api.competitions_api",
    "api.studios_api",
    "api.certificates_api",
    "api.indicators_api",
    "api.docs_views",  # the document, the docs page and the JSON 404/405 (last: catch-all)
)

#: Defaults a deployment may override in its configuration.
DEFAULTS = {
    #: Largest request body the API reads (413 beyond).
    "API_MAX_BODY_BYTES": 64 * 1024,
    #: Requests per token, and per client address without a (valid) token.
    "API_RATE_LIMIT_PER_TOKEN": "300 per minute",
    "API_RATE_LIMIT_PER_IP": "120 per minute",
}


def init_app(app) -> None:
    from api import models, services, token_views  # noqa: F401 - models: register the table
    from api.blueprint import ApiId, bp
    from core.extensions import csrf

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    for name in API_MODULES:
        importlib.import_module(name)
    # Tokens only, never the login cookie (api.auth): a cross-site request carries no token.
    csrf.exempt(bp)
    app.url_map.converters["api_id"] = ApiId
    app.register_blueprint(bp)
    app.register_blueprint(token_views.bp)
    app.register_blueprint(token_views.admin_bp)
    services.connect_account_events()
