"""Login, logout, own password; administrators' account management."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from core.access import authenticated, public, roles_required
from core.accounts import devices, rules, services
from core.accounts.forms import AccountForm, ChangePasswordForm, LoginForm, ResetPasswordForm
from core.accounts.models import User, UserRole
from core.extensions import db, limiter
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.organizations.models import Enterprise, Union
from core.pagination import paginate
from core.roles import Role
from core.security import safe_local_path

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("accounts", __name__, url_prefix="/admin/users")


def _failed_login(response) -> bool:
    """Only failed attempts count toward the login limits."""
    return response.status_code != 302


def _typed_username() -> str:
    return (request.form.get("username") or "").strip().lower()[:150]


def _device_suffix() -> str:
    """A known device of the typed account counts in its own bucket (see core.accounts.devices)."""
    nonce = devices.known_device(_typed_username())
    return f":device:{nonce}" if nonce else ""


def _ip_key() -> str:
    return "login-ip:" + (request.remote_addr or "") + _device_suffix()


def _account_key() -> str:
    return "login-account:" + _typed_username() + _device_suffix()


def _safe_next(target: str | None) -> str | None:
    """Accept only a local path as the page to return to after login."""
    return safe_local_path(target)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], methods=["POST"],
               key_func=_ip_key, deduct_when=_failed_login)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append(_("用户名或密码错误，或账号已停用"))
        else:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            session.permanent = True
            db.session.commit()
            if user.must_change_password:
                flash(_("请先设置新密码"), "warning")
                response = redirect(url_for(".change_password"))
            else:
                response = redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
            devices.remember(response, user.username)
            return response
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
@authenticated
def logout():
    """End the session. The token rotates, so a copied cookie of this account stops working too."""
    services.end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@authenticated
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        changed = commit_or_report(form, lambda: services.change_own_password(
            current_user, form.current_password.data, form.new_password.data))
        if changed is not REFUSED:
            # The session token changed: renew this session, every other one has ended.
            login_user(current_user._get_current_object())
            flash(_("密码已修改，其他设备上的登录已失效"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


# --- administrators ---------------------------------------------------------------------

def _account_form(**kwargs) -> AccountForm:
    unions = db.session.scalars(select(Union).order_by(Union.kind, Union.id)).all()
    enterprises = db.session.scalars(select(Enterprise).order_by(Enterprise.name)).all()
    return AccountForm(unions=unions, enterprises=enterprises, **kwargs)


def _account_data(form: AccountForm) -> services.AccountData:
    return services.AccountData(
        username=form.username.data or "", display_name=form.display_name.data or "",
        roles=form.roles.data or [], union_id=form.union_id.data or None,
        enterprise_id=form.enterprise_id.data or None,
        worker_id=int(form.worker_id.data) if form.worker_id.data else None,
        employer_id=form.employer_id.data or None,
    )


@admin_bp.get("/")
@roles_required(Role.ADMIN)
def index():
    query = select(User)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(or_(User.username.like(f"%{q}%"), User.display_name.like(f"%{q}%")))
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    status = request.args.get("status", "")
    if status in {"enabled", "disabled"}:
        query = query.where(User.is_enabled.is_(status == "enabled"))
    page = paginate(query.order_by(User.username))
    return render_template("accounts/index.html", page=page, q=q, role=role, status=status,
                           roles=list(Role), confirm=ConfirmForm())


@admin_bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = _account_form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("请填写初始密码"))
        else:
            user = commit_or_report(form, lambda: services.create_account(
                _account_data(form), form.password.data, by=current_user))
            if user is not REFUSED:
                flash(_("已创建账号 %(u)s", u=user.username), "success")
                return redirect(url_for(".index"))
    return render_template("accounts/form.html", form=form, account=None)


@admin_bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _account_form(obj=user)
    del form.password
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.union_id.data = user.union_id or 0
        form.enterprise_id.data = user.enterprise_id or 0
        form.employer_id.data = user.employer_id or 0
        form.worker_id.data = str(user.worker_id or "")
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_account(
            user, _account_data(form), by=current_user, expected_version=form.opened_version()))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".index"))
    return render_template("accounts/form.html", form=form, account=user,
                           reset_form=ResetPasswordForm(), confirm=ConfirmForm())


def _set_enabled(user_id: int, enabled: bool):
    user = db.get_or_404(User, user_id)
    if not enabled and not rules.can_disable(current_user, user):
        abort(403)
    if ConfirmForm().validate_on_submit():
        services.set_enabled(user, enabled, by=current_user)
        db.session.commit()
        flash(_("已启用账号 %(u)s", u=user.username) if enabled
              else _("已停用账号 %(u)s", u=user.username), "success")
    else:
        abort(400)
    return redirect(url_for(".index"))


@admin_bp.post("/<int:user_id>/disable")
@roles_required(Role.ADMIN)
def disable(user_id: int):
    return _set_enabled(user_id, False)


@admin_bp.post("/<int:user_id>/enable")
@roles_required(Role.ADMIN)
def enable(user_id: int):
    return _set_enabled(user_id, True)


@admin_bp.post("/<int:user_id>/reset-password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = commit_or_report(form, lambda: services.reset_password(
            user, form.password.data, by=current_user))
        if done is not REFUSED:
            flash(_("已重置 %(u)s 的密码，用户下次登录须修改", u=user.username), "success")
    # The form lives on the edit page: carry its errors there.
    for errors in form.errors.values():
        for message in errors:
            flash(message, "danger")
    return redirect(url_for(".edit", user_id=user.id))
