"""Form helpers shared by every feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField


class ConfirmForm(FlaskForm):
    """A bare form for a state-changing button: it carries only the CSRF token."""

    submit = SubmitField(_l("确认"))


class VersionedForm(FlaskForm):
    """A form that edits a versioned record: the hidden version detects concurrent edits."""

    version = HiddenField()


def apply_domain_error(form, error) -> bool:
    """Attach a DomainError to its field (True) or leave it for a flash (False)."""
    name = getattr(error, "field", None)
    if name and name in form:
        form[name].errors = list(form[name].errors) + [str(error)]
        return True
    return False
