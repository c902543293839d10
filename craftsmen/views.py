"""Craftsman selection: administrators' cycles."""

from flask import Blueprint

bp = Blueprint("craftsmen", __name__, url_prefix="/craftsmen")
