"""The "API 令牌" page of every logged-in user: create a token (shown once), see when each
was last used, revoke one. The API itself is :mod:`api.blueprint`'s."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from api import rules, services
from api.forms import CreateTokenForm
from api.models import ApiToken
from core import crypto, navigation
from core.access import authenticated, roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.pagination import paginate
from core.roles import Role
from core.timeutil import utcnow

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")
admin_bp = Blueprint("api_tokens_admin", __name__, url_prefix="/admin/api-tokens")

#: Where a new token waits for the page that shows it, encrypted (the session is a signed,
#: not an encrypted, cookie); the page takes it out, so a reload shows it no more.
ONCE_KEY = "api_token_once"

#: Every role: each user manages their own tokens.
navigation.add("api_tokens.index", _l("API 令牌"), *Role, group=navigation.ACCOUNT)
navigation.add("api_tokens_admin.all_tokens", _l("全部 API 令牌"), Role.ADMIN, group=navigation.ADMINISTRATION)


def _page(form: CreateTokenForm | None = None, new_secret: str | None = None, status: int = 200):
    user = current_user._get_current_object()
    return render_template("api/tokens.html", form=form or CreateTokenForm(formdata=None),
                           tokens=services.tokens_of(user), now=utcnow(), confirm=ConfirmForm(),
                           new_secret=new_secret, max_active=services.MAX_ACTIVE), status


@bp.get("/")
@authenticated
def index():
    waiting = session.pop(ONCE_KEY, None)
    return _page(new_secret=crypto.decrypt(waiting) if waiting else None)


@bp.post("/")
@authenticated
def create():
    form = CreateTokenForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        issued = commit_or_report(form, lambda: services.issue(
            user, form.name.data, form.lifetime_days(), by=user))
        if issued is not REFUSED:
            token, secret = issued
            flash(_("已创建令牌“%(name)s”。请立即复制保存：离开本页后将无法再次查看。", name=token.name),
                  "success")
            # Shown once, by the page this redirects to: only the digest is stored.
            session[ONCE_KEY] = crypto.encrypt(secret)
            return redirect(url_for(".index"))
    return _page(form, status=400)


@bp.post("/<int:token_id>/revoke")
@authenticated
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not rules.can_manage_token(current_user, token):
        abort(404)  # another user's token: not even its existence is told
    if ConfirmForm().validate_on_submit():
        if commit_or_report(None, lambda: services.revoke(token, by=current_user)) is not REFUSED:
            flash(_("已吊销令牌“%(name)s”，使用它的请求将被拒绝", name=token.name), "success")
    else:
        abort(400)
    return redirect(url_for(".index"))


# --- administrators: every user's tokens ------------------------------------------------

@admin_bp.get("/")
@roles_required(Role.ADMIN)
def all_tokens():
    """Every user's tokens, filtered by account and status, each revocable."""
    username = request.args.get("user", "").strip()[:64]
    status = request.args.get("status", "")
    page = paginate(services.all_tokens_query(username, status if status in {"active", "inactive"} else ""))
    return render_template("api/admin_tokens.html", page=page, user_filter=username, status=status,
                           now=utcnow(), confirm=ConfirmForm())


@admin_bp.post("/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def admin_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not rules.can_administer_tokens(current_user):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if commit_or_report(None, lambda: services.revoke(token, by=current_user)) is not REFUSED:
        flash(_("已吊销 %(user)s 的令牌“%(name)s”", user=token.user.username, name=token.name), "success")
    return redirect(url_for(".all_tokens", **request.args))
