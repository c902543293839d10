"""The notification centre: the list, marking as read, and the person's email settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from core.access import authenticated
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.notifications import services
from core.pagination import paginate
from core.security import safe_local_path

bp = Blueprint("notifications", __name__)


class SettingsForm(FlaskForm):
    email = StringField(_l("电子邮箱"), validators=[Length(max=254)],
                        description=_l("通知也会发到这个邮箱；留空则只在平台内通知。"))
    email_enabled = BooleanField(_l("通过电子邮件接收通知"))
    submit = SubmitField(_l("保存"))


def _own_or_404(notification_id: int):
    notification = services.own(current_user, notification_id)
    if notification is None:
        abort(404)
    return notification


@bp.get("/notifications")
@authenticated
def index():
    unread_only = request.args.get("show") == "unread"
    page = paginate(services.list_query(current_user, unread_only=unread_only))
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           title_of=services.title_of, body_of=services.body_of)


@bp.post("/notifications/<int:notification_id>/open")
@authenticated
def open_(notification_id: int):
    """Mark as read and go where the notification points."""
    notification = _own_or_404(notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_local_path(notification.url) or url_for(".index"))


@bp.post("/notifications/<int:notification_id>/read")
@authenticated
def mark_read(notification_id: int):
    services.mark_read(_own_or_404(notification_id))
    db.session.commit()
    return redirect(url_for(".index"))


@bp.post("/notifications/read-all")
@authenticated
def mark_all_read():
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("已将 %(n)s 条通知标为已读", n=count), "success")
    return redirect(url_for(".index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@authenticated
def settings():
    """Where notifications go: an email address, and whether to use it."""
    current = services.settings_of(current_user)
    form = SettingsForm(data={"email": current.email, "email_enabled": current.email_enabled})
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.save_settings(
            current_user, form.email.data, form.email_enabled.data))
        if saved is not REFUSED:
            flash(_("通知设置已保存"), "success")
            return redirect(url_for(".settings"))
    return render_template("notifications/settings.html", form=form)
