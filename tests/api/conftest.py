"""Fixtures for the API: personal tokens, bearer headers, and checking answers against the
OpenAPI document the app serves (openapi-core)."""

from __future__ import annotations

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from api import services
from core.accounts.models import User
from core.extensions import db
from tests.craftsmen.conftest import open_cycle  # noqa: F401 - a cycle open for nominations


def issue_token(user_id: int, name: str = "测试令牌", lifetime_days: int | None = 90) -> str:
    """A new token of the user (needs an app context; commits)."""
    user = db.session.get(User, user_id)
    _token, secret = services.issue(user, name, lifetime_days, by=user)
    db.session.commit()
    return secret


@pytest.fixture
def token_for(app):
    """``token_for(user_id)``: a fresh token of that user."""

    def make(user_id: int, **kwargs) -> str:
        with app.app_context():
            return issue_token(user_id, **kwargs)

    return make


@pytest.fixture
def bearer(token_for):
    """``bearer(user_id)``: request headers carrying a fresh token of that user."""

    def make(user_id: int) -> dict:
        return {"Authorization": f"Bearer {token_for(user_id)}"}

    return make


@pytest.fixture(scope="session")
def openapi(app):
    """The document the app serves, loaded by openapi-core (which validates it first)."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return OpenAPI.from_dict(document)


class _AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request of a test answer: its body was read by the app, and checking the answer
    needs only the operation (path and method)."""

    @property
    def body(self) -> bytes:
        return b""


@pytest.fixture
def contract(openapi):
    """``contract(response)``: the answer matches the document (status, content type, body),
    whatever its status; returns the JSON body."""

    def check(response):
        openapi.validate_response(_AnsweredRequest(response.request),
                                  WerkzeugOpenAPIResponse(response))
        return response.get_json()

    return check


def error_of(response, status: int, code: str | None = None) -> dict:
    """The error body of a JSON error answer, checked for the shared shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "message_en", "details"}
    assert error["message"] and error["message_en"]
    if code is not None:
        assert error["code"] == code, error
    return error
