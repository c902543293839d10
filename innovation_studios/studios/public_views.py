"""The public directory of named studios (创新工作室名录) and each studio's public page.

Anyone may read them. They show the studio, its enterprise and district, its field, and the
leader's name and distinctions (劳模, 工匠) — no ID numbers, phone numbers or members' names.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import navigation
from core.access import public
from core.extensions import db
from core.organizations.models import Enterprise
from core.pagination import paginate
from core.public_cache import cached_for_visitors
from core.roles import Role
from innovation_studios.studios import leaders, listing, sections
from innovation_studios.studios.models import INDUSTRIES, Studio, StudioKind, StudioLevel, StudioMember
from innovation_studios.studios.states import NAMED_STATES

bp = Blueprint("studio_public", __name__, url_prefix="/studio-directory")

navigation.add("studio_public.directory", _l("创新工作室名录"))


@bp.get("/")
@public
@cached_for_visitors("innovation_studios", "core")
def directory():
    filters = listing.StudioFilters.from_args(request.args)
    page = paginate(listing.public_query(filters))
    return render_template(
        "innovation_studios/public/directory.html", page=page, filters=filters,
        kinds=list(StudioKind), levels=list(StudioLevel), industries=INDUSTRIES,
        districts=listing.districts(), years=listing.years(),
        flags=leaders.flags_for([s.leader for s in page.items]), labels=listing.row_labels())


@bp.get("/<int:studio_id>")
@public
def studio(studio_id: int):
    found = db.session.scalar(select(Studio).where(
        Studio.id == studio_id, Studio.state.in_([s.value for s in NAMED_STATES])).options(
        selectinload(Studio.enterprise).selectinload(Enterprise.district_union),
        selectinload(Studio.leader)))
    if found is None:
        abort(404)
    members = db.session.scalar(select(func.count()).select_from(StudioMember).where(
        StudioMember.studio_id == found.id, StudioMember.left_on.is_(None)))
    user = current_user
    return render_template(
        "innovation_studios/public/studio.html", studio=found, members=members,
        flags=leaders.flags_for([found.leader]).get(found.leader_worker_id, []),
        sections=sections.for_studio(found, user, public=True), public_page=True,
        staff=user.is_authenticated and user.has_role(Role.ADMIN))
