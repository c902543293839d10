"""Account changes: validate, change, audit, flush. Never commits, never reads the request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import cast

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from core.accounts.models import User, new_session_token
from core.accounts.passwords import password_problems
from core.audit import services as audit
from core.errors import ConcurrentEditError, DomainError
from core.extensions import db
from core.organizations.models import Enterprise, Union
from core.people.models import Worker
from core.roles import ROLE_BINDINGS, Role
from core.timeutil import utcnow
from core.versions import check_version

#: Sent (sender: the user; keyword arguments ``by`` and ``reason``) when an administrator
#: resets a user's password or disables the account: every credential the user holds besides
#: the password must end with it. Features holding such credentials (API tokens) connect to it,
#: so that core needs to know none of them.
credentials_withdrawn = Namespace().signal("credentials-withdrawn")

AUDITED_FIELDS = ("username", "display_name", "is_enabled", "union_id", "enterprise_id",
                  "worker_id", "employer_id")


@dataclass
class AccountData:
    username: str
    display_name: str
    roles: list[str] = field(default_factory=list)
    union_id: int | None = None
    enterprise_id: int | None = None
    worker_id: int | None = None
    employer_id: int | None = None


def check_password_policy(password: str, username: str = "") -> None:
    problems = password_problems(
        password, username=username, min_length=current_app.config["PASSWORD_MIN_LENGTH"]
    )
    if problems:
        raise DomainError("；".join(problems), field="password")


def find_by_username(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )


def authenticate(username: str, password: str) -> User | None:
    """The enabled user with these credentials, or None (the same answer for every failure)."""
    user = find_by_username(username)
    if user is None:
        # Spend the same time as a real check so timing does not reveal which usernames exist.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_enabled:
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY[method]


def _validate(data: AccountData, user: User | None = None) -> set[Role]:
    data.username = (data.username or "").strip()
    data.display_name = (data.display_name or "").strip()
    if not data.username:
        raise DomainError(_l("请填写用户名"), field="username")
    existing = find_by_username(data.username)
    if existing is not None and existing is not user:
        raise DomainError(_l("用户名“%(u)s”已被使用", u=data.username), field="username")
    roles = {Role(r) for r in data.roles}
    if not roles:
        raise DomainError(_l("至少选择一个角色"), field="roles")
    labels = {"union_id": _l("所属工会"), "enterprise_id": _l("所属企业"),
              "worker_id": _l("对应职工"), "employer_id": _l("工作单位")}
    for role, attr in ROLE_BINDINGS.items():
        if role in roles and not getattr(data, attr):
            raise DomainError(_l("角色“%(role)s”须指定%(what)s", role=role.label,
                                 what=labels[attr]), field=attr)
        if role not in roles:
            setattr(data, attr, None)
    for attr, model in (("worker_id", Worker), ("union_id", Union), ("enterprise_id", Enterprise),
                        ("employer_id", Enterprise)):
        value = getattr(data, attr)
        if value and (not 0 < value < 2**31 or db.session.get(model, value) is None):
            raise DomainError(_l("所选的%(what)s不存在（编号 %(id)s）", what=labels[attr], id=value),
                              field=attr)
    if data.worker_id:
        holder = db.session.scalar(select(User).where(User.worker_id == data.worker_id))
        if holder is not None and holder is not user:
            raise DomainError(_l("该职工已绑定账号 %(u)s", u=holder.username), field="worker_id")
    return roles


def _apply(user: User, data: AccountData, roles: set[Role]) -> None:
    user.username = data.username
    user.display_name = data.display_name or data.username
    user.union_id = data.union_id
    user.enterprise_id = data.enterprise_id
    user.worker_id = data.worker_id
    user.employer_id = data.employer_id
    user.set_roles(roles)


def create_account(data: AccountData, password: str, *, by) -> User:
    """A new account that must change its password at first login."""
    roles = _validate(data)
    check_password_policy(password, data.username)
    user = User()
    _apply(user, data, roles)
    user.set_password(password)
    user.must_change_password = by is not None
    db.session.add(user)
    db.session.flush()
    changes = audit.diff({}, audit.snapshot(user, AUDITED_FIELDS))
    changes["roles"] = [[], sorted(roles)]
    audit.record("account.create", user, by=by, changes=changes)
    return user


#: The answer to an edit of an account someone else saved after the form was opened.
STALE_ACCOUNT = _l("该账号已被他人修改。您填写的内容仍保留在下方，请刷新查看最新信息后再保存。")


def _claim_version(user: User, expected) -> None:
    """Refuse the edit unless ``expected`` is the account's version, then count this edit.

    The count goes up in one conditional UPDATE, so of two edits opened at the same version
    exactly one gets it; the other is refused like a stale form (and, on PostgreSQL, waits for
    the first to finish instead of overwriting it).
    """
    check_version(user, expected, STALE_ACCOUNT)
    claimed = cast(CursorResult, db.session.execute(
        update(User).where(User.id == user.id, User.version == user.version)
        .values(version=User.version + 1).execution_options(synchronize_session=False)))
    if claimed.rowcount != 1:
        raise ConcurrentEditError(STALE_ACCOUNT)
    set_committed_value(user, "version", user.version + 1)


def update_account(user: User, data: AccountData, *, by, expected_version) -> User:
    """Save the administrator's edit of ``user``, opened at ``expected_version``."""
    _claim_version(user, expected_version)
    roles = _validate(data, user)
    before = audit.snapshot(user, AUDITED_FIELDS)
    before_roles = sorted(user.roles)
    _apply(user, data, roles)
    changes = audit.diff(before, audit.snapshot(user, AUDITED_FIELDS))
    if before_roles != sorted(roles):
        changes["roles"] = [before_roles, sorted(roles)]
        # New powers or fewer: either way, open sessions must log in again.
        user.session_token = new_session_token()
    if changes:
        db.session.flush()
        audit.record("account.update", user, by=by, changes=changes)
    return user


def set_enabled(user: User, enabled: bool, *, by) -> None:
    """Disable (ending every session) or re-enable an account."""
    if by is not None and by.id == user.id and not enabled:
        raise DomainError(_l("不能停用自己的账号"))
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    user.session_token = new_session_token()
    user.version = User.version + 1  # an edit form opened before this is stale
    db.session.flush()
    audit.record("account.enable" if enabled else "account.disable", user, by=by,
                 changes={"is_enabled": [not enabled, enabled]})
    if not enabled:
        credentials_withdrawn.send(user, by=by, reason="account.disable")


def end_sessions(user: User) -> None:
    """End every session of ``user`` (logout: a copied cookie must not outlive it)."""
    user.session_token = new_session_token()
    db.session.flush()


def reset_password(user: User, new_password: str, *, by) -> None:
    """An administrator sets a temporary password; the user must change it at next login."""
    check_password_policy(new_password, user.username)
    user.set_password(new_password)
    user.must_change_password = True
    db.session.flush()
    audit.record("account.reset_password", user, by=by)
    credentials_withdrawn.send(user, by=by, reason="account.reset_password")


def change_own_password(user: User, current: str, new: str) -> None:
    """The user changes their own password; every other session of theirs ends."""
    if not user.check_password(current):
        raise DomainError(_l("当前密码不正确"), field="current_password")
    if current == new:
        raise DomainError(_l("新密码不能与当前密码相同"), field="new_password")
    try:
        check_password_policy(new, user.username)
    except DomainError as error:
        error.field = "new_password"
        raise
    user.set_password(new)
    user.must_change_password = False
    db.session.flush()
    audit.record("account.change_password", user, by=user)
