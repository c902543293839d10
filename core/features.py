"""What every feature package does when the app starts, in one place."""

from __future__ import annotations

import importlib
from collections.abc import Iterable


def register_feature(app, package: str, blueprint_modules: Iterable[str], *,
                     certificates: bool = True) -> None:
    """Register the feature's blueprints (each module defines ``bp``), then its workbench items,
    notifications and history labels (``<package>.workbench``, ``.notifications`` and
    ``.history``, each with ``register()``), and, with ``certificates`` and the certificates
    feature installed, what it issues as certificates (``<package>.certificates``)."""
    for name in blueprint_modules:
        app.register_blueprint(importlib.import_module(name).bp)
    for part in ("workbench", "notifications", "history"):
        importlib.import_module(f"{package}.{part}").register()
    if certificates and "certificates" in app.config["FEATURES"]:
        importlib.import_module(f"{package}.certificates").register()
