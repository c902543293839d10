"""Form helpers shared by every feature."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import DataRequired

from core.errors import DomainError
from core.extensions import db


class ConfirmForm(FlaskForm):
    """A bare form for a state-changing button: it carries only the CSRF token."""

    submit = SubmitField(_l("确认"))


class VersionedForm(FlaskForm):
    """A form that edits a versioned record: the hidden version detects concurrent edits."""

    version = HiddenField()

    def opened_version(self) -> int:
        """The record's version when the form was opened (0 when missing or tampered)."""
        text = str(self.version.data or "").strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


def apply_domain_error(form, error) -> bool:
    """Attach a DomainError to its field (True) or leave it for a flash (False)."""
    name = getattr(error, "field", None)
    if name and name in form:
        form[name].errors = list(form[name].errors) + [str(error)]
        return True
    return False


def keep_after_rollback(refusal) -> None:
    """Record and commit what a refusal says must survive it (see ``after_rollback``)."""
    hook = getattr(refusal, "after_rollback", None)
    if hook is not None:
        hook()
        db.session.commit()


def commit_or_report(form, call, *, stale_message=None):
    """Run a service call and commit once; on refusal roll back and tell the user.

    A DomainError goes to its form field (or a flash; always a flash when ``form`` is None,
    for actions that redirect); a stale record (someone saved first) is flashed. The form
    keeps what was typed either way. Returns the call's result, or
    :data:`REFUSED` when nothing was saved.
    """
    try:
        result = call()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(str(stale_message or _l("该记录已被他人修改，请刷新后再保存。您填写的内容仍保留在下方。")),
              "danger")
        return REFUSED
    except DomainError as error:
        db.session.rollback()
        keep_after_rollback(error)
        if form is None or not apply_domain_error(form, error):
            flash(str(error), "danger")
        return REFUSED
    return result


def import_or_report(form, required, call):
    """Read the workbook uploaded in ``form.file``, hand its rows to ``call`` and commit once.

    Returns ``(count, problems)``: ``count`` is what ``call`` returned, or :data:`REFUSED` when
    nothing was imported; ``problems`` lists every bad row (all or nothing). An unreadable file
    is reported on the file field, any other refusal is flashed.
    """
    from core import excel

    try:
        count = call(excel.read_rows(form.file.data.stream, required))
        db.session.commit()
    except excel.SheetError as error:
        form.file.errors.append(str(error))
        return REFUSED, []
    except excel.ImportRefused as refused:
        db.session.rollback()
        keep_after_rollback(refused)
        return REFUSED, refused.problems
    except DomainError as error:
        db.session.rollback()
        keep_after_rollback(error)
        flash(str(error), "danger")
        return REFUSED, []
    return count, []


#: What :func:`commit_or_report` returns when the change was refused.
REFUSED = object()


class ConfirmedActionForm(FlaskForm):
    """A button for an action that cannot be undone: a ticked box says the user means it."""

    confirmed = BooleanField(_l("我已核对，确认执行（此操作不可撤回）"),
                             validators=[DataRequired(_l("请先勾选确认"))])
    submit = SubmitField(_l("确认"))
