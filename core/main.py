"""Home pages by role, language switch and health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core import workbench
from core.access import authenticated, public, roles_required
from core.audit.models import AuditEntry
from core.extensions import db
from core.organizations import rules as org_rules
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.roles import Role
from core.security import safe_local_path
from core.timeutil import beijing_today

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


def _workbench(template: str, role: Role, **context):
    """Render a role's landing page with its workbench items (see :mod:`core.workbench`)."""
    today = beijing_today()
    items = workbench.items_for(current_user, role, today)
    return render_template(template, items=items, today=today, **context)


@bp.get("/home/admin")
@roles_required(Role.ADMIN)
def admin_home():
    recent = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(8)).all()
    return _workbench("main/admin_home.html", Role.ADMIN, recent=recent)


@bp.get("/home/reviewer")
@roles_required(Role.UNION_REVIEWER)
def reviewer_home():
    condition = org_rules.visible_enterprise_filter(current_user, Enterprise)
    enterprises = db.session.scalar(select(func.count()).select_from(Enterprise).where(condition))
    return _workbench("main/reviewer_home.html", Role.UNION_REVIEWER, union=current_user.union,
                      enterprises=enterprises)


@bp.get("/home/enterprise")
@roles_required(Role.ENTERPRISE)
def enterprise_home():
    if current_user.enterprise_id is None:
        abort(404)
    workers = (select(func.count()).select_from(Worker)
               .where(Worker.enterprise_id == Enterprise.id).scalar_subquery())
    row = db.session.execute(select(Enterprise, workers)
                             .where(Enterprise.id == current_user.enterprise_id)).first()
    if row is None:
        abort(404)
    return _workbench("main/enterprise_home.html", Role.ENTERPRISE, enterprise=row[0], total=row[1])


@bp.get("/home/expert")
@roles_required(Role.EXPERT)
def expert_home():
    """The expert's pending score sheets on every panel, whatever feature the panel belongs to."""
    return _workbench("main/expert_home.html", Role.EXPERT)


@bp.get("/home/judge")
@roles_required(Role.JUDGE)
def judge_home():
    return _workbench("main/judge_home.html", Role.JUDGE)


@bp.get("/home/worker")
@roles_required(Role.WORKER)
def worker_home():
    worker = db.session.get(Worker, current_user.worker_id) if current_user.worker_id else None
    return _workbench("main/worker_home.html", Role.WORKER, worker=worker)


@bp.post("/language")
@public
def set_language():
    """Remember the chosen UI language (form with CSRF token; unknown codes are refused)."""
    return _remember_language(request.form)


@bp.get("/language")
@public
def choose_language():
    """The same for visitors who are not signed in: a GET form, so that public pages carry no
    session token and stay cacheable. A language preference is all it can change."""
    if current_user.is_authenticated:
        abort(405)
    return _remember_language(request.args)


def _remember_language(values):
    code = values.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400, description=_("不支持的语言：%(code)s", code=code[:16]))
    session["lang"] = code
    return redirect(safe_local_path(values.get("next")) or url_for("main.index"))


@bp.get("/readyz")
@public
def readyz():
    """Readiness: database, Redis, storage and queue lag, each with a short timeout."""
    from core import health

    ready, checks = health.readiness()
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
