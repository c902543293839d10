"""WSGI entry point: ``gunicorn wsgi:app`` (production unless APP_CONFIG says otherwise)."""

from core import create_app

app = create_app()
