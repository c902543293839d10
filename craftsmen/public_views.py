"""Craftsman selection: public views."""

from flask import Blueprint

bp = Blueprint("craftsmen_public", __name__, url_prefix="/craftsmen")
