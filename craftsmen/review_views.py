"""Craftsman selection: review views."""

from flask import Blueprint

bp = Blueprint("craftsmen_review", __name__, url_prefix="/craftsmen")
