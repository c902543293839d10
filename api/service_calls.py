"""Running a service call from an API view: commit once, or roll back and let the
blueprint's handlers answer (a refusal 422, a stale record or illegal move 409)."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from core.errors import DomainError
from core.extensions import db


def commit(call):
    """Run ``call`` and commit; on a refusal roll back and re-raise (nothing is kept)."""
    try:
        result = call()
        db.session.commit()
    except (DomainError, StaleDataError):
        db.session.rollback()
        raise
    return result
