"""The navigation bar: each item names the roles that see it, so a role sees only what it may use.

Feature packages add their items with :func:`add` when their blueprint is registered. Items of
one ``group`` fold into a drop-down menu when a user sees more than one of them. Public items
(no roles) form the group :data:`PUBLIC`: a visitor sees them one by one; a signed-in user, who
has menus of their own, finds them in one drop-down at the end. The menu is rendered once per
set of roles, language and active page (:func:`menu_html`): items are added only at start-up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from core.roles import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[Role]
    group: object = None


@dataclass(frozen=True)
class NavGroup:
    label: object
    items: tuple[NavItem, ...]

    @property
    def endpoints(self) -> set[str]:
        return {item.endpoint for item in self.items}


ADMINISTRATION = lazy_pgettext("nav", "管理")
PUBLIC = lazy_pgettext("nav", "公开信息")
#: Items about the signed-in user's own account, shown under their name rather than in the bar.
ACCOUNT = _l("我的账户")


_ITEMS: list[NavItem] = []


def add(endpoint: str, label, *roles: Role, group=None) -> None:
    """Add an item for holders of ``roles``; with no roles it is public, shown to everyone."""
    if all(item.endpoint != endpoint for item in _ITEMS):
        _ITEMS.append(NavItem(endpoint, label, frozenset(roles), group if roles or group else PUBLIC))


add("main.admin_home", _l("工作台"), Role.ADMIN)
add("main.reviewer_home", _l("审核工作台"), Role.UNION_REVIEWER)
add("main.enterprise_home", _l("企业工作台"), Role.ENTERPRISE)
add("main.expert_home", _l("评审任务"), Role.EXPERT)
add("main.judge_home", _l("裁判任务"), Role.JUDGE)
add("main.worker_home", _l("我的"), Role.WORKER)
add("people.index", _l("职工"), Role.ADMIN, Role.UNION_REVIEWER, Role.ENTERPRISE, group=ADMINISTRATION)
add("organizations.enterprises", _l("企业"), Role.ADMIN, Role.UNION_REVIEWER, group=ADMINISTRATION)
add("organizations.unions", _l("工会"), Role.ADMIN, group=ADMINISTRATION)
add("accounts.index", _l("账号"), Role.ADMIN, group=ADMINISTRATION)
add("audit.index", _l("审计日志"), Role.ADMIN, group=ADMINISTRATION)


def items_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return [item for item in _ITEMS if not item.roles]
    return [item for item in _ITEMS if not item.roles or user.has_role(*item.roles)]


def menu_for(user) -> list[NavItem | NavGroup]:
    """The navigation in order: single items, and groups where the user sees several items;
    the public items flat for a visitor, in one group at the end for a signed-in user."""
    account = str(ACCOUNT)
    items = [i for i in items_for(user) if str(i.group) != account]
    if not getattr(user, "is_authenticated", False):
        return list(items)
    public = str(PUBLIC)
    items = [i for i in items if str(i.group) != public] + [i for i in items if str(i.group) == public]
    menu: list[NavItem | NavGroup] = []
    placed: set = set()
    for item in items:
        if item.group is None:
            menu.append(item)
            continue
        key = str(item.group)
        if key in placed:
            continue
        placed.add(key)
        members = tuple(i for i in items if i.group is not None and str(i.group) == key)
        menu.append(members[0] if len(members) == 1 else NavGroup(item.group, members))
    return menu


def account_items_for(user) -> list[NavItem]:
    """The items of the user's own account menu (:data:`ACCOUNT`)."""
    return [i for i in items_for(user) if str(i.group) == str(ACCOUNT)]


class RenderedMenus:
    """The menu's HTML by set of roles (None for a visitor), language, active page and script
    root: the same for every request with the same key, so rendered once per process (the
    newest ``size`` kept)."""

    def __init__(self, size: int = 512):
        self.size = size
        self._menus: OrderedDict[tuple, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Markup | None:
        with self._lock:
            menu = self._menus.get(key)
            if menu is not None:
                self._menus.move_to_end(key)
            return menu

    def put(self, key: tuple, menu: Markup) -> None:
        with self._lock:
            self._menus[key] = menu
            while len(self._menus) > self.size:
                self._menus.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._menus.clear()


rendered_menus = RenderedMenus()


def menu_html() -> Markup:
    """The navigation bar's menu for the current user, language and page."""
    user = current_user
    roles = user.roles if getattr(user, "is_authenticated", False) else None
    key = (roles, str(get_locale()), request.endpoint, request.script_root)
    menu = rendered_menus.get(key)
    if menu is None:
        template = current_app.jinja_env.get_template("_navigation.html")
        # An .html template: Jinja escaped every value as it rendered.
        menu = Markup(template.render(menu=menu_for(user), endpoint=request.endpoint))  # noqa: S704
        rendered_menus.put(key, menu)
    return menu


def init_app(app) -> None:
    @app.context_processor
    def navigation_context():
        return {"nav_menu_html": menu_html,
                "nav_account": lambda: account_items_for(current_user)}

    app.jinja_env.tests["navgroup"] = lambda entry: isinstance(entry, NavGroup)
