"""Administrators run selection cycles: create, edit rules and quotas, open and close
nominations, and watch where every nomination stands."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from core import navigation
from core.access import roles_required
from core.errors import DomainError
from core.extensions import db
from core.forms import REFUSED, ConfirmedActionForm, ConfirmForm, commit_or_report
from core.organizations.models import Union, UnionKind
from core.roles import Role
from core.timeutil import beijing_to_utc, utc_to_beijing
from craftsmen import NAV_GROUP, rules
from craftsmen.forms import CycleForm, LineError, format_occupations, format_rubric, parse_occupations, parse_rubric
from craftsmen.models import CycleStatus, Nomination, NominationState, SelectionCycle
from craftsmen.services import cycles as services

bp = Blueprint("craftsmen", __name__, url_prefix="/craftsmen")

navigation.add("craftsmen.cycles", _l("选树周期"), Role.ADMIN, group=NAV_GROUP)


def _form(**kwargs) -> CycleForm:
    unions = db.session.scalars(select(Union).where(Union.kind != UnionKind.FEDERATION)
                                .order_by(Union.kind, Union.id)).all()
    return CycleForm(unions=unions, **kwargs)


def _data(form: CycleForm, previous_rubric: dict | None = None) -> services.CycleData:
    """Read the form; a LineError names the bad lines of the occupations or rubric box."""
    try:
        occupations = parse_occupations(form.occupations.data)
    except LineError as error:
        raise DomainError(str(error), field="occupations") from None
    try:
        rubric = parse_rubric(form.rubric.data, previous_rubric)
    except LineError as error:
        raise DomainError(str(error), field="rubric") from None
    return services.CycleData(
        title=form.title.data or "", level=form.level.data, year=form.year.data,
        organizer_union_id=form.organizer_union_id.data or None,
        nomination_opens=beijing_to_utc(form.nomination_opens.data),
        nomination_closes=beijing_to_utc(form.nomination_closes.data),
        notice_days=form.notice_days.data or 7, occupations=occupations,
        min_years=form.min_years.data, min_skill_level=form.min_skill_level.data or None,
        min_age=form.min_age.data, max_age=form.max_age.data,
        front_line_required=form.front_line_required.data,
        in_post_required=form.in_post_required.data,
        exclude_title_holders=form.exclude_title_holders.data,
        max_per_enterprise=form.max_per_enterprise.data, max_per_union=form.max_per_union.data,
        rubric=rubric, disagreement_threshold=form.disagreement_threshold.data,
        description=form.description.data or "",
    )


@bp.get("/cycles")
@roles_required(Role.ADMIN)
def cycles():
    all_cycles = db.session.scalars(select(SelectionCycle).order_by(SelectionCycle.year.desc(),
                                                                    SelectionCycle.id.desc())).all()
    counts = dict(db.session.execute(select(Nomination.cycle_id, func.count())
                                     .where(Nomination.state != NominationState.DRAFT)
                                     .group_by(Nomination.cycle_id)).all())
    return render_template("craftsmen/cycles/index.html", cycles=all_cycles, counts=counts)


@bp.route("/cycles/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_cycle():
    form = _form()
    if request.method == "GET":
        form.rubric.data = format_rubric(services.scoring.DEFAULT_CRAFTSMAN_RUBRIC)
    if form.validate_on_submit():
        cycle = commit_or_report(form, lambda: services.create_cycle(_data(form), by=current_user))
        if cycle is not REFUSED:
            flash(_("已创建选树周期“%(t)s”", t=cycle.title), "success")
            return redirect(url_for(".cycle", cycle_id=cycle.id))
    return render_template("craftsmen/cycles/form.html", form=form, cycle=None)


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_cycle(cycle_id: int):
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    form = _form(obj=cycle)
    if request.method == "GET":
        form.version.data = str(cycle.version)
        form.organizer_union_id.data = cycle.organizer_union_id or 0
        form.min_skill_level.data = cycle.min_skill_level or ""
        form.nomination_opens.data = utc_to_beijing(cycle.nomination_opens)
        form.nomination_closes.data = utc_to_beijing(cycle.nomination_closes)
        form.occupations.data = format_occupations(cycle.occupations)
        form.rubric.data = format_rubric(cycle.rubric)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_cycle(
            cycle, _data(form, cycle.rubric), expected_version=form.opened_version(),
            by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".cycle", cycle_id=cycle.id))
    return render_template("craftsmen/cycles/form.html", form=form, cycle=cycle)


@bp.get("/cycles/<int:cycle_id>")
@roles_required(Role.ADMIN)
def cycle(cycle_id: int):
    """The cycle's dashboard: nominations by occupation and state, and the next step."""
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    rows = db.session.execute(select(Nomination.occupation_id, Nomination.state, func.count())
                              .where(Nomination.cycle_id == cycle.id)
                              .group_by(Nomination.occupation_id, Nomination.state)).all()
    table = {}
    for occupation_id, state, count in rows:
        table.setdefault(occupation_id, {})[state] = count
    return render_template("craftsmen/cycles/detail.html", cycle=cycle, table=table,
                           states=list(NominationState), CycleStatus=CycleStatus,
                           confirm=ConfirmForm(), confirmed=ConfirmedActionForm(),
                           can_manage=rules.can_manage_cycles(current_user))


_MOVES = {
    "open": (services.open_nominations, _l("已开始接受推荐")),
    "start-review": (services.start_review, _l("推荐已截止，进入评审阶段")),
}


@bp.post("/cycles/<int:cycle_id>/<any(open, 'start-review'):move>")
@roles_required(Role.ADMIN)
def move_cycle(cycle_id: int, move: str):
    cycle = db.get_or_404(SelectionCycle, cycle_id)
    # Closing nominations cannot be undone: it needs the ticked confirmation box.
    form = ConfirmedActionForm() if move == "start-review" else ConfirmForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for(".cycle", cycle_id=cycle.id))
    service, message = _MOVES[move]
    if commit_or_report(None, lambda: service(cycle, by=current_user)) is not REFUSED:
        flash(str(message), "success")
    return redirect(url_for(".cycle", cycle_id=cycle.id))
