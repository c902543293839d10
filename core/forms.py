"""Form helpers shared by every feature."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import DataRequired

from core.errors import DomainError, NotPermitted
from core.extensions import db
from core.versions import STALE, parse_version

#: A refused action whose page redirects (nothing typed to keep).
STALE_ACTION = _l("该记录已被他人修改或处理，请查看最新情况后再操作。")


class ConfirmForm(FlaskForm):
    """A bare form for a state-changing button: it carries only the CSRF token."""

    submit = SubmitField(_l("确认"))


class VersionedForm(FlaskForm):
    """A form that edits a versioned record: the hidden version detects concurrent edits."""

    version = HiddenField()

    def opened_version(self) -> int | None:
        """The record's version when the form was opened; None when missing or tampered, which
        the service's :func:`core.versions.check_version` refuses like a stale version. Only
        what was posted counts (never the record's own version filled in from ``obj``)."""
        posted = self.version.raw_data
        return parse_version(posted[0]) if posted else None


def apply_domain_error(form, error) -> bool:
    """Attach a DomainError to its field, or its messages to their fields (True), or leave it
    for a flash (False)."""
    messages = dict(getattr(error, "fields", None) or {})
    name = getattr(error, "field", None)
    if name:
        messages.setdefault(name, str(error))
    attached = False
    for name, message in messages.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [str(message)]
            attached = True
    return attached


def keep_after_rollback(refusal) -> None:
    """Record and commit what a refusal says must survive it (see ``after_rollback``)."""
    hook = getattr(refusal, "after_rollback", None)
    if hook is not None:
        hook()
        db.session.commit()


def commit_or_report(form, call, *, stale_message=None):
    """Run a service call and commit once; on refusal roll back and tell the user.

    This is the one way a page commits its work (services flush, never commit). A DomainError
    goes to its form field (or a flash; always a flash when ``form`` is None, for actions that
    redirect); a record saved by someone else between the check and the write is flashed. The
    form keeps what was typed either way. Returns the call's result, or :data:`REFUSED` when
    nothing was saved.
    """
    try:
        result = call()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(str(stale_message or (STALE if form is not None else STALE_ACTION)), "danger")
        return REFUSED
    except NotPermitted:
        db.session.rollback()
        abort(403)
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
