"""Craftsman selection: nomination views."""

from flask import Blueprint

bp = Blueprint("craftsmen_nomination", __name__, url_prefix="/craftsmen")
