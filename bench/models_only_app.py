"""The product's libraries and its data model, without its pages: the floor under a worker that
serves the product's data.

``bench/libraries_only_app.py`` (the libraries, set up as the product sets them up), plus every
model module of the product imported and its mappers configured, as every product worker has
them before its first request. Its one page is the libraries-only page. Served by the same
gunicorn settings as the product (``gunicorn bench.models_only_app:app`` with ``DATABASE_URL``
and, optionally, ``REDIS_URL``), its warm worker's resident memory is what a product worker
could not go below while it keeps these libraries and this schema; the product's views, forms,
services and templates come on top.
"""

from __future__ import annotations

import importlib

from sqlalchemy.orm import configure_mappers

from bench.libraries_only_app import app
from core import import_models

FEATURE_MODELS = (
    "craftsmen.models", "craftsmen.selection_route.models", "competitions.models",
    "innovation_studios.studios.models", "innovation_studios.alliances.models",
    "innovation_studios.achievements.models", "innovation_studios.assessments.models",
    "certificates.models", "certificates.models_batches", "indicators.models", "api.models",
)

import_models()
for _name in FEATURE_MODELS:
    importlib.import_module(_name)
configure_mappers()

__all__ = ["app"]
