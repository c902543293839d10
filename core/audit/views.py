"""Administrators browse and filter the audit log. There is no route that changes it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from core.access import roles_required
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.distinct_values import distinct_values
from core.extensions import db
from core.pagination import KeysetPage
from core.roles import Role

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _date_arg(name: str):
    """A YYYY-MM-DD filter date; anything else (or an absurd year) is ignored."""
    try:
        value = datetime.strptime(request.args.get(name, ""), "%Y-%m-%d")
    except ValueError:
        return None
    return value if 1900 <= value.year <= 9000 else None


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    """The log newest first, filtered, a page at a time below the last entry shown."""
    query = select(AuditEntry)
    actor = request.args.get("actor", "").strip()
    if actor:
        # An account's user name shows that account's entries (also those recorded before it
        # was renamed), read in order from the (actor_id, id) index however long the log;
        # other text is looked for within the names recorded on the entries.
        account_id = db.session.scalar(select(User.id).where(User.username == actor))
        if account_id is not None:
            query = query.where(AuditEntry.actor_id == account_id)
        else:
            query = query.where(AuditEntry.actor_name.contains(actor, autoescape=True))
    action = request.args.get("action", "").strip()
    if action:
        query = query.where(AuditEntry.action == action)
    target_type = request.args.get("target_type", "").strip()
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    target_id = request.args.get("target_id", type=int)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    # Dates are Beijing dates; entries are stored in UTC.
    since, until = _date_arg("since"), _date_arg("until")
    if since:
        query = query.where(AuditEntry.created_at >= since - timedelta(hours=8))
    if until:
        query = query.where(AuditEntry.created_at < until + timedelta(days=1, hours=-8))
    # ids follow time, but the planner cannot know it: a dated view is read in time order
    # from the (created_at, id) index rather than walking ids down to the date range
    order = (AuditEntry.created_at, AuditEntry.id) if since or until else (AuditEntry.id,)
    page = KeysetPage(query, order)
    actions = distinct_values(AuditEntry.action)
    types = distinct_values(AuditEntry.target_type, AuditEntry.target_type.is_not(None))
    return render_template("audit/index.html", page=page, actions=actions,
                           target_types=types, args=request.args)
