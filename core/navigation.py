"""The navigation bar: each item names the roles that see it, so a role sees only what it may use.

Feature packages add their items with :func:`add` when their blueprint is registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[Role]


_ITEMS: list[NavItem] = []


def add(endpoint: str, label, *roles: Role) -> None:
    if all(item.endpoint != endpoint for item in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, frozenset(roles)))


add("main.admin_home", _l("工作台"), Role.ADMIN)
add("main.reviewer_home", _l("审核工作台"), Role.UNION_REVIEWER)
add("main.enterprise_home", _l("企业工作台"), Role.ENTERPRISE)
add("main.expert_home", _l("评审任务"), Role.EXPERT)
add("main.judge_home", _l("裁判任务"), Role.JUDGE)
add("main.worker_home", _l("我的"), Role.WORKER)
add("people.index", _l("职工"), Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE)
add("organizations.enterprises", _l("企业"), Role.ADMIN, Role.UNION_REVIEWER)
add("organizations.unions", _l("工会"), Role.ADMIN)
add("accounts.index", _l("账号"), Role.ADMIN)
add("audit.index", _l("审计日志"), Role.ADMIN)


def items_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in _ITEMS if user.has_role(*item.roles)]


def init_app(app) -> None:
    @app.context_processor
    def navigation_context():
        return {"nav_items": lambda: items_for(current_user)}
