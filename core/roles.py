"""The roles a user may hold. A user may hold several."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """A role, stored by its value."""

    ADMIN = "admin"
    UNION_REVIEWER = "union_reviewer"
    ENTERPRISE = "enterprise"
    EXPERT = "expert"
    JUDGE = "judge"
    WORKER = "worker"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: _l("市总工会管理员"),
    Role.UNION_REVIEWER: _l("区/产业工会审核员"),
    Role.ENTERPRISE: _l("企业工会"),
    Role.EXPERT: _l("评审专家"),
    Role.JUDGE: _l("裁判"),
    Role.WORKER: _l("职工"),
}

#: Roles that must be bound to a record, and the user attribute that holds the binding.
ROLE_BINDINGS = {
    Role.UNION_REVIEWER: "union_id",
    Role.ENTERPRISE: "enterprise_id",
    Role.WORKER: "worker_id",
}
