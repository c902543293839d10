"""The product's libraries without the product: the floor under a product worker's memory.

A Flask app that imports and sets up what every product worker loads at start-up (Flask-
SQLAlchemy over psycopg, Flask-Babel, Bootstrap-Flask, Flask-WTF, Flask-Login, Flask-Limiter with
its Redis storage, Flask-Mailman, cryptography's Fernet, Ed25519 and X.509, prometheus_client,
marshmallow and apispec) and whose one page reads a table through the ORM and renders it with
Jinja under a rate limit. Served by the same gunicorn settings as the product
(``gunicorn bench.libraries_only_app:app`` with ``DATABASE_URL`` and, optionally, ``REDIS_URL``),
its warm worker's resident memory is what the product could not go below without leaving one
of these libraries out; the product's own code, models and templates come on top.
"""

from __future__ import annotations

import os

import apispec  # noqa: F401 - loaded by every product worker (the API's OpenAPI document)
import marshmallow  # noqa: F401 - the API's schemas
import prometheus_client
import sqlalchemy as sa
from cryptography import x509  # noqa: F401 - the production check reads the seal's certificate
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, render_template
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class DataVersion(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy's dynamic base
    """The product's own ``data_versions`` table (present in any product database)."""

    __tablename__ = "data_versions"

    feature: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


app = Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    SECRET_KEY=os.urandom(16).hex(), RATELIMIT_STORAGE_URI=os.environ.get("REDIS_URL") or "memory://")
db.init_app(app)
Babel(app)
Bootstrap5(app)
CSRFProtect(app)
Mail(app)
login_manager = LoginManager(app)
login_manager.user_loader(lambda user_id: None)
limiter = Limiter(get_remote_address, app=app)
requests_served = prometheus_client.Counter("libraries_only_requests", "Pages served")
Fernet(Fernet.generate_key()).encrypt(b"110105198001010011")
Ed25519PrivateKey.generate().sign(b"credential")
app.jinja_loader = DictLoader({"page.html": """<!doctype html><html lang="zh-CN"><body><table>
{% for row in rows %}<tr><td>{{ row.feature }}</td><td>{{ row.version }}</td></tr>{% endfor %}
</table></body></html>"""})


@app.get("/")
@limiter.limit("100000 per minute")
def page():
    requests_served.inc()
    return render_template("page.html", rows=db.session.scalars(sa.select(DataVersion)).all())
