"""Results of skills competitions: computing and publishing them (administrators), the public
results page, each worker's own results, appeals by enterprises and the arbitration group's
ruling, and the judge analytics for the chief judge.

Public pages show names and enterprises (never ID numbers), and only once published.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from competitions import NAV_GROUP, rules, scoring
from competitions.exports import results_workbook
from competitions.models import (
    MODULE_KIND_LABELS,
    Appeal,
    AppealStatus,
    Contestant,
    Event,
    EventState,
    JudgeAssignment,
    Result,
)
from competitions.results_forms import AppealForm, RulingForm
from competitions.services import appeals as appeal_service
from competitions.services import registration
from competitions.services import results as services
from core import navigation
from core.access import authenticated, public, roles_required
from core.excel import download
from core.extensions import db
from core.forms import REFUSED, ConfirmedActionForm, ConfirmForm, commit_or_report
from core.pagination import paginate
from core.public_cache import cached_for_visitors
from core.roles import Role
from core.timeutil import utcnow

bp = Blueprint("competitions_results", __name__)

navigation.add("competitions_results.public_index", _l("竞赛成绩"))
navigation.add("competitions_results.admin_index", _l("成绩发布"), Role.ADMIN, group=NAV_GROUP)
navigation.add("competitions_results.enterprise_index", _l("竞赛成绩与申诉"), Role.ENTERPRISE, group=NAV_GROUP)
navigation.add("competitions_results.my_results", _l("我的竞赛成绩"), Role.WORKER)

#: Events whose results an administrator works on.
RESULT_STATES = (EventState.LOCKED.value, EventState.RECHECKED.value, EventState.PUBLISHED.value)


def _published_or_404(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id, options=[joinedload(Event.competition)])
    if event.state_enum != EventState.PUBLISHED:
        abort(404)
    return event


def _results_context(event: Event) -> dict:
    return {"event": event, "results": services.event_results(event),
            "modules": services.module_columns(event), "display": scoring.display,
            "formula": scoring.STANDARDISED_SCORE_FORMULA, "award_rounding": services.AWARD_ROUNDING,
            "window_closes": appeal_service.window_closes_at(event), "out": services.not_ranked(event),
            "tie_break_names": _tie_break_names(event)}


def _tie_break_names(event: Event) -> list[str]:
    """The tie-break keys as people know them: the names of the event's modules of each kind
    (the kind's label when the scheme has none)."""
    names = []
    for kind in event.tie_break_kinds or ():
        modules = [m.name for m in event.modules if m.kind == kind]
        names.append("/".join(modules) if modules else str(MODULE_KIND_LABELS.get(kind, kind)))
    return names


# --- Public ----------------------------------------------------------------------------------

@bp.get("/competition-results")
@public
def public_index():
    """Published results, newest first, a page at a time (ten years of events is hundreds)."""
    page = paginate(select(Event).where(Event.state == EventState.PUBLISHED.value)
                    .options(joinedload(Event.competition))
                    .order_by(Event.published_at.desc(), Event.id.desc()))
    return render_template("competitions/results/public_index.html", page=page)


@bp.get("/competition-results/<int:event_id>")
@public
@cached_for_visitors("competitions", "core")
def public_results(event_id: int):
    return render_template("competitions/results/public.html", **_results_context(_published_or_404(event_id)))


# --- Administrators --------------------------------------------------------------------------

@bp.get("/competitions/results")
@roles_required(Role.ADMIN)
def admin_index():
    events = db.session.scalars(select(Event).where(Event.state.in_(RESULT_STATES))
                                .order_by(Event.id.desc())).all()
    return render_template("competitions/results/admin_index.html", events=events)


def _manage_page(event: Event, publish_form=None):
    return render_template("competitions/results/manage.html", **_results_context(event),
                           compute_form=ConfirmForm(), publish_form=publish_form or ConfirmedActionForm(),
                           appeals=appeal_service.event_appeals(event),
                           computable=event.state_enum in services.COMPUTABLE_STATES)


@bp.get("/competitions/events/<int:event_id>/results")
@roles_required(Role.ADMIN)
def manage(event_id: int):
    return _manage_page(db.get_or_404(Event, event_id))


@bp.post("/competitions/events/<int:event_id>/results/compute")
@roles_required(Role.ADMIN)
def compute(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        results = commit_or_report(form, lambda: services.compute_results(event, by=current_user))
        if results is not REFUSED:
            flash(_("已计算 %(n)s 名选手的成绩", n=len(results)), "success")
    return redirect(url_for(".manage", event_id=event_id))


@bp.post("/competitions/events/<int:event_id>/results/publish")
@roles_required(Role.ADMIN)
def publish(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = ConfirmedActionForm()
    if form.validate_on_submit():
        results = commit_or_report(form, lambda: services.publish(event, by=current_user))
        if results is not REFUSED:
            flash(_("成绩已公布（%(n)s 名选手）", n=len(results)), "success")
            return redirect(url_for(".manage", event_id=event_id))
    return _manage_page(event, form)


@bp.get("/competitions/events/<int:event_id>/results.xlsx")
@roles_required(Role.ADMIN)
def export(event_id: int):
    event = db.get_or_404(Event, event_id)
    return download(results_workbook(event), f"{event.occupation}-竞赛成绩.xlsx")


# --- Judge analytics -------------------------------------------------------------------------

@bp.get("/competitions/events/<int:event_id>/judge-analytics")
@roles_required(Role.ADMIN, Role.JUDGE)
def judge_analytics(event_id: int):
    event = db.get_or_404(Event, event_id)
    is_chief = db.session.scalar(select(JudgeAssignment.id).where(
        JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == current_user.id,
        JudgeAssignment.is_chief)) is not None
    if not rules.can_see_judge_analytics(current_user, is_chief=is_chief):
        abort(403)
    from core.accounts.models import User

    analytics = services.judge_analytics(event)
    judge_ids = set(analytics.judgement) | set(analytics.continuous)
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(judge_ids))).all())
    return render_template("competitions/results/judge_analytics.html", event=event, analytics=analytics,
                           names=names, tolerance=services.CONTINUOUS_TOLERANCE)


# --- Workers ---------------------------------------------------------------------------------

@bp.get("/me/competition-results")
@roles_required(Role.WORKER)
def my_results():
    results = services.worker_results(current_user.worker_id) if current_user.worker_id else []
    open_now = registration.open_in_trade(current_user.worker_id) if current_user.worker_id else []
    return render_template("competitions/results/mine.html", results=results, open_now=open_now,
                           display=scoring.display)


# --- Appeals ---------------------------------------------------------------------------------

@bp.get("/competitions/my-enterprise/results")
@roles_required(Role.ENTERPRISE)
def enterprise_index():
    """The enterprise's contestants' published results, with their appeals."""
    results = db.session.scalars(
        select(Result).join(Contestant, Contestant.id == Result.contestant_id)
        .join(Event, Event.id == Result.event_id)
        .where(Contestant.enterprise_id == current_user.enterprise_id,
               Event.state == EventState.PUBLISHED.value)
        .order_by(Event.published_at.desc(), Result.rank)).all()
    return render_template("competitions/results/enterprise.html", results=results, display=scoring.display,
                           appeals=appeal_service.enterprise_appeals(current_user.enterprise_id),
                           now=utcnow(), window_open=appeal_service.window_open)


@bp.route("/competitions/results/<int:result_id>/appeal", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def file_appeal(result_id: int):
    result = db.get_or_404(Result, result_id)
    event = db.session.get(Event, result.event_id)
    if event.state_enum != EventState.PUBLISHED:
        abort(404)
    if not rules.can_appeal(current_user, result.contestant):
        abort(403)
    form = AppealForm()
    closed = not appeal_service.window_open(event, utcnow())
    if not closed and form.validate_on_submit():
        appeal = commit_or_report(form, lambda: appeal_service.file_appeal(result, form.reason.data,
                                                                           by=current_user))
        if appeal is not REFUSED:
            flash(_("申诉已提交，等待仲裁组裁决"), "success")
            return redirect(url_for(".enterprise_index"))
    return render_template("competitions/results/appeal.html", result=result, event=event, form=form,
                           closed=closed, window_closes=appeal_service.window_closes_at(event),
                           display=scoring.display)


def _ruling_page(appeal: Appeal, form: RulingForm | None = None):
    marks = appeal_service.appeal_marks(appeal)
    return render_template("competitions/results/ruling.html", appeal=appeal, marks=marks,
                           form=form or RulingForm(), changes=appeal.status == AppealStatus.UPHELD.value
                           and _mark_changes(appeal))


def _mark_changes(appeal: Appeal):
    from competitions.models import MarkChange

    return db.session.scalars(select(MarkChange).where(MarkChange.appeal_id == appeal.id)
                              .order_by(MarkChange.id)).all()


@bp.route("/competitions/appeals/<int:appeal_id>", methods=["GET", "POST"])
@authenticated
def rule_appeal(appeal_id: int):
    """The arbitration group sees the appeal and rules on it, once."""
    appeal = db.get_or_404(Appeal, appeal_id)
    event = db.session.get(Event, appeal.event_id)
    if not rules.can_rule_on_appeal(current_user, event.competition,
                                    event_arbitrators=appeal_service.event_arbitrator_ids(event)):
        abort(403)
    form = RulingForm()
    if request.method == "POST" and form.validate_on_submit():
        if form.decision.data == AppealStatus.UPHELD.value:
            corrections = {int(key.removeprefix("mark-")): value for key, value in request.form.items()
                           if key.startswith("mark-") and key.removeprefix("mark-").isdigit()}
            done = commit_or_report(form, lambda: appeal_service.uphold(appeal, form.ruling.data, corrections,
                                                                        by=current_user))
        else:
            done = commit_or_report(form, lambda: appeal_service.dismiss(appeal, form.ruling.data,
                                                                         by=current_user))
        if done is not REFUSED:
            flash(_("裁决已作出：%(s)s", s=appeal.status_enum.label), "success")
            return redirect(url_for(".rule_appeal", appeal_id=appeal.id))
    return _ruling_page(appeal, form)
