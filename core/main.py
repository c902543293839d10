"""Home pages by role, language switch and health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, text

from core.access import authenticated, public, roles_required
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.organizations import rules as org_rules
from core.organizations.models import Enterprise, Union
from core.people.models import SkillLevel, Worker
from core.review_panels import services as panel_services
from core.roles import Role
from core.security import safe_local_path

bp = Blueprint("main", __name__)

#: Where each role lands, in order of precedence for users holding several roles.
ROLE_HOMES = {
    Role.ADMIN: "main.admin_home",
    Role.UNION_REVIEWER: "main.reviewer_home",
    Role.ENTERPRISE: "main.enterprise_home",
    Role.EXPERT: "main.expert_home",
    Role.JUDGE: "main.judge_home",
    Role.WORKER: "main.worker_home",
}


#: A feature may fill a role's landing page with a view of its own (e.g. the judges' events
#: with state and progress); core names no feature, features register here from their
#: ``init_app``. The landing page keeps its address.
FEATURE_HOMES: dict[Role, str] = {}


def set_role_home(role: Role, endpoint: str) -> None:
    FEATURE_HOMES[role] = endpoint


def home_endpoint(user) -> str:
    for role, endpoint in ROLE_HOMES.items():
        if user.has_role(role):
            return endpoint
    return "main.index"


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("main/index.html")


@bp.get("/home")
@authenticated
def home():
    return redirect(url_for(home_endpoint(current_user)))


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@bp.get("/home/admin")
@roles_required(Role.ADMIN)
def admin_home():
    stats = {
        "unions": _count(Union),
        "enterprises": _count(Enterprise),
        "workers": _count(Worker),
        "accounts": _count(User),
        "disabled": _count(User, User.is_enabled.is_(False)),
    }
    recent = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10)).all()
    return render_template("main/admin_home.html", stats=stats, recent=recent)


@bp.get("/home/reviewer")
@roles_required(Role.UNION_REVIEWER)
def reviewer_home():
    condition = org_rules.visible_enterprise_filter(current_user, Enterprise)
    enterprises = db.session.scalars(select(Enterprise).where(condition)
                                     .order_by(Enterprise.name)).all()
    counts = dict(db.session.execute(
        select(Worker.enterprise_id, func.count())
        .where(Worker.enterprise_id.in_([e.id for e in enterprises]))
        .group_by(Worker.enterprise_id)).all())
    return render_template("main/reviewer_home.html", union=current_user.union,
                           enterprises=enterprises, counts=counts)


@bp.get("/home/enterprise")
@roles_required(Role.ENTERPRISE)
def enterprise_home():
    enterprise = current_user.enterprise
    if enterprise is None:
        abort(404)
    by_level = dict(db.session.execute(
        select(Worker.skill_level, func.count()).where(Worker.enterprise_id == enterprise.id)
        .group_by(Worker.skill_level)).all())
    recent = db.session.scalars(select(Worker).where(Worker.enterprise_id == enterprise.id)
                                .order_by(Worker.updated_at.desc()).limit(8)).all()
    return render_template("main/enterprise_home.html", enterprise=enterprise,
                           by_level=by_level, total=sum(by_level.values()), recent=recent,
                           skill_levels=list(SkillLevel))


@bp.get("/home/expert")
@roles_required(Role.EXPERT)
def expert_home():
    """The expert's pending score sheets on every panel, whatever feature the panel belongs to."""
    groups = [g for g in panel_services.tasks_for(current_user) if g.is_open and g.pending]
    return render_template("main/expert_home.html", groups=groups)


@bp.get("/home/judge")
@roles_required(Role.JUDGE)
def judge_home():
    if Role.JUDGE in FEATURE_HOMES:
        return current_app.view_functions[FEATURE_HOMES[Role.JUDGE]]()
    return render_template("main/judge_home.html")


@bp.get("/home/worker")
@roles_required(Role.WORKER)
def worker_home():
    worker = db.session.get(Worker, current_user.worker_id) if current_user.worker_id else None
    return render_template("main/worker_home.html", worker=worker)


@bp.post("/language")
@public
def set_language():
    """Remember the chosen UI language (form with CSRF token; unknown codes are refused)."""
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400, description=_("不支持的语言：%(code)s", code=code[:16]))
    session["lang"] = code
    return redirect(safe_local_path(request.form.get("next")) or url_for("main.index"))


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
