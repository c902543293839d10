"""Contestants and judges of skills competitions.

* Enterprise unions register their own eligible workers for open events and withdraw them.
* Administrators see contestants with their names, import them from Excel, check them in,
  draw lots (stations and blind numbers) and assign judges with a chief judge.
* Judges see the events they judge, contestants by blind number only, and declare conflicts.

Every route is guarded by role; ownership and assignment are checked with
:mod:`competitions.rules`; the changes are in :mod:`competitions.services.registration` and
:mod:`competitions.services.judges`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from competitions import NAV_GROUP, rules
from competitions.models import Contestant, ContestantStatus, Event, EventState, JudgeAssignment
from competitions.registration_forms import ConflictForm, ContestantImportForm, JudgeAssignmentForm
from competitions.services import judges
from competitions.services import registration as services
from core import excel, navigation
from core.access import roles_required
from core.accounts.models import User, UserRole
from core.extensions import db
from core.forms import REFUSED, ConfirmedActionForm, ConfirmForm, commit_or_report, import_or_report
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.roles import Role
from core.timeutil import utcnow

bp = Blueprint("competition_registration", __name__, url_prefix="/competitions")

navigation.add("competition_registration.open_events", _l("竞赛报名"), Role.ENTERPRISE, group=NAV_GROUP)
navigation.add("competition_registration.admin_events", _l("选手与裁判"), Role.ADMIN, group=NAV_GROUP)
navigation.add("competition_registration.my_events", _l("赛项与回避"), Role.JUDGE, group=NAV_GROUP)


def _confirmed() -> None:
    """A state-changing button carries a valid CSRF token, or the request is refused."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _run(call, message: str) -> None:
    """Call one service and commit, or roll back and flash the refusal."""
    if commit_or_report(None, call) is not REFUSED:
        flash(message, "success")


# Enterprises -------------------------------------------------------------------------------

@bp.get("/registration/")
@roles_required(Role.ENTERPRISE)
def open_events():
    """Events taking registrations now, and the enterprise's registrations in each."""
    events = services.open_events()
    own = {e.id: services.contestants(e, current_user.enterprise_id) for e in events}
    return render_template("competitions/registration/open_events.html", events=events, own=own)


@bp.get("/registration/events/<int:event_id>")
@roles_required(Role.ENTERPRISE)
def register_page(event_id: int):
    """The enterprise's workers of the event's occupation first, each eligible or not (why)."""
    event = db.get_or_404(Event, event_id)
    if event.state_enum is EventState.DRAFT:
        abort(404)
    workers = db.session.scalars(select(Worker).where(Worker.enterprise_id == current_user.enterprise_id)
                                 .order_by((Worker.occupation != event.occupation), Worker.name)).all()
    own = services.contestants(event, current_user.enterprise_id)
    entered = {c.worker_id for c in own if c.status_enum is not ContestantStatus.WITHDRAWN}
    return render_template(
        "competitions/registration/register.html", event=event, workers=workers, own=own,
        entered=entered, failures={w.id: services.eligibility_failures(event, w) for w in workers},
        taken=services.places_taken(event, current_user.enterprise_id),
        is_open=event.registration_open(utcnow()), confirm=ConfirmForm())


@bp.post("/registration/events/<int:event_id>/workers/<int:worker_id>")
@roles_required(Role.ENTERPRISE)
def register(event_id: int, worker_id: int):
    event = db.get_or_404(Event, event_id)
    worker = db.get_or_404(Worker, worker_id)
    if not rules.can_register(current_user, worker):
        abort(403)
    _confirmed()
    _run(lambda: services.register(event, worker, by=current_user), _("已为 %(n)s 报名", n=worker.name))
    return redirect(url_for(".register_page", event_id=event.id))


@bp.post("/registration/contestants/<int:contestant_id>/withdraw")
@roles_required(Role.ENTERPRISE)
def withdraw(contestant_id: int):
    contestant = db.get_or_404(Contestant, contestant_id)
    if not rules.can_manage_registration(current_user, contestant):
        abort(403)
    _confirmed()
    _run(lambda: services.withdraw(contestant, by=current_user),
         _("已撤回 %(n)s 的报名", n=contestant.worker.name))
    return redirect(url_for(".register_page", event_id=contestant.event_id))


# Administrators: contestants, check-in, lots -------------------------------------------------

@bp.get("/contestants/")
@roles_required(Role.ADMIN)
def admin_events():
    """Every event with links to its contestants and judges."""
    events = db.session.scalars(select(Event).order_by(Event.held_on.desc(), Event.id.desc())).all()
    return render_template("competitions/registration/admin_events.html", events=events)


@bp.get("/events/<int:event_id>/contestants")
@roles_required(Role.ADMIN)
def contestants(event_id: int):
    """The key holder's list: names beside stations and blind numbers."""
    event = db.get_or_404(Event, event_id)
    return render_template("competitions/registration/contestants.html", event=event,
                           contestants=services.contestants(event), undrawn=services.undrawn(event),
                           confirm=ConfirmForm(), S=ContestantStatus, E=EventState,
                           out_statuses=services.OUT_STATUSES)


@bp.post("/contestants/<int:contestant_id>/check-in")
@roles_required(Role.ADMIN)
def check_in(contestant_id: int):
    contestant = db.get_or_404(Contestant, contestant_id)
    _confirmed()
    _run(lambda: services.check_in(contestant, by=current_user), _("已检录 %(n)s", n=contestant.worker.name))
    return redirect(url_for(".contestants", event_id=contestant.event_id))


@bp.post("/events/<int:event_id>/check-in-all")
@roles_required(Role.ADMIN)
def check_in_all(event_id: int):
    event = db.get_or_404(Event, event_id)
    _confirmed()
    _run(lambda: services.check_in_all(event, by=current_user), _("已为全部已报名选手检录"))
    return redirect(url_for(".contestants", event_id=event.id))


@bp.post("/events/<int:event_id>/draw")
@roles_required(Role.ADMIN)
def draw_lots(event_id: int):
    event = db.get_or_404(Event, event_id)
    _confirmed()
    if event.lots_drawn_at is not None and not ConfirmedActionForm().validate_on_submit():
        # A redraw replaces every station and blind number: the box must be ticked.
        flash(_("重新抽签会更换全部赛位和加密号，请先勾选确认"), "danger")
        return redirect(url_for(".contestants", event_id=event.id))
    _run(lambda: services.draw_lots(event, by=current_user), _("抽签完成：已为已检录选手分配赛位和加密号"))
    return redirect(url_for(".contestants", event_id=event.id))


@bp.post("/contestants/<int:contestant_id>/out")
@roles_required(Role.ADMIN)
def take_out(contestant_id: int):
    """缺考, 弃赛, 取消资格 or a withdrawal after the draw, with a reason, before the lock."""
    contestant = db.get_or_404(Contestant, contestant_id)
    _confirmed()
    status = request.form.get("status", "")
    _run(lambda: services.take_out(contestant, status, reason=request.form.get("reason", ""), by=current_user),
         _("已登记：%(n)s", n=contestant.worker.name))
    return redirect(url_for(".contestants", event_id=contestant.event_id))


@bp.route("/events/<int:event_id>/contestants/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_contestants(event_id: int):
    """Upload contestants: every row valid, or nothing changes and every bad row is listed."""
    event = db.get_or_404(Event, event_id)
    form = ContestantImportForm()
    problems = []
    if form.validate_on_submit():
        count, problems = import_or_report(form, services.IMPORT_REQUIRED, lambda rows: services.import_contestants(
            event, rows, by=current_user))
        if count is not REFUSED:
            flash(_("已导入 %(n)s 名选手", n=count), "success")
            return redirect(url_for(".contestants", event_id=event.id))
    return render_template("competitions/registration/import.html", event=event, form=form,
                           problems=problems, columns=services.IMPORT_COLUMNS)


@bp.get("/contestants-template.xlsx")
@roles_required(Role.ADMIN)
def import_template():
    return excel.download(services.import_template(), "参赛选手导入模板.xlsx")


# Administrators: judges ---------------------------------------------------------------------

def _judge_choices(event: Event) -> list[tuple[int, str]]:
    taken = {a.user_id for a in judges.assignments(event)}
    users = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                               .where(UserRole.role == Role.JUDGE.value, User.is_enabled.is_(True))
                               .order_by(User.display_name)).all()
    return [(u.id, f"{u.display_name}（{u.employer.name if u.employer else _('无单位')}）")
            for u in users if u.id not in taken]


@bp.route("/events/<int:event_id>/judges", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def event_judges(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = JudgeAssignmentForm()
    form.user_id.choices = _judge_choices(event)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        assigned = commit_or_report(form, lambda: judges.assign_judge(
            event, user, chief=form.is_chief.data, by=current_user))
        if assigned is not REFUSED:
            flash(_("已选派 %(n)s", n=user.display_name), "success")
            _warn_coverage(event)
            return redirect(url_for(".event_judges", event_id=event.id))
    return render_template("competitions/registration/judges.html", event=event, form=form,
                           assignments=judges.assignments(event), confirm=ConfirmForm(),
                           coverage=_coverage(event), needed=judges.judges_needed(event))


def _coverage(event: Event) -> str | None:
    """The coverage problem for the key holder: contestants named with blind number and name."""
    return judges.coverage_message(judges.coverage_shortfalls(event),
                                   label=lambda c: f"{c.blind_number or ''} {c.worker.name}".strip())


def _warn_coverage(event: Event) -> None:
    """After a change of judges or conflicts: say at once when a contestant is left uncovered."""
    problem = _coverage(event)
    if problem:
        flash(problem, "warning")


@bp.post("/judge-assignments/<int:assignment_id>/chief")
@roles_required(Role.ADMIN)
def name_chief(assignment_id: int):
    assignment = db.get_or_404(JudgeAssignment, assignment_id)
    _confirmed()
    _run(lambda: judges.name_chief(assignment, by=current_user),
         _("%(n)s 现为裁判长", n=assignment.user.display_name))
    return redirect(url_for(".event_judges", event_id=assignment.event_id))


@bp.post("/judge-assignments/<int:assignment_id>/remove")
@roles_required(Role.ADMIN)
def remove_judge(assignment_id: int):
    assignment = db.get_or_404(JudgeAssignment, assignment_id)
    event_id, name = assignment.event_id, assignment.user.display_name
    _confirmed()
    event = assignment.event
    _run(lambda: judges.remove_judge(assignment, by=current_user), _("已将 %(n)s 移出本赛项", n=name))
    _warn_coverage(event)
    return redirect(url_for(".event_judges", event_id=event_id))


# Judges -------------------------------------------------------------------------------------

@bp.get("/judging/")
@roles_required(Role.JUDGE)
def my_events():
    return render_template("competitions/registration/my_events.html", events=judges.events_of(current_user))


def _own_assignment(event: Event) -> JudgeAssignment:
    assignment = judges.assignment_of(current_user, event)
    if not rules.can_open_judge_event(current_user, assigned=assignment is not None):
        abort(403)
    return assignment


def _conflict_form(event: Event) -> ConflictForm:
    form = ConflictForm()
    form.enterprise_id.choices = [(e.id, e.name) for e in db.session.scalars(
        select(Enterprise).join(Contestant, Contestant.enterprise_id == Enterprise.id)
        .where(Contestant.event_id == event.id).distinct().order_by(Enterprise.name))]
    return form


def _judge_event_page(event: Event, assignment: JudgeAssignment, form: ConflictForm):
    """Contestants by station and blind number only: names are not the judge's to see."""
    drawn = sorted((c for c in services.contestants(event) if c.blind_number), key=lambda c: c.station)
    return render_template("competitions/registration/judge_event.html", event=event, assignment=assignment,
                           contestants=[(c, judges.may_score(current_user, c)) for c in drawn], form=form)


@bp.get("/judging/events/<int:event_id>")
@roles_required(Role.JUDGE)
def judge_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    assignment = _own_assignment(event)
    return _judge_event_page(event, assignment, _conflict_form(event))


@bp.post("/judging/events/<int:event_id>/conflicts")
@roles_required(Role.JUDGE)
def declare_conflict(event_id: int):
    event = db.get_or_404(Event, event_id)
    assignment = _own_assignment(event)
    form = _conflict_form(event)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: judges.declare_conflict(
            assignment, enterprise_id=form.enterprise_id.data, reason=form.reason.data, by=current_user))
        if saved is not REFUSED:
            flash(_("已申报回避，裁判长将处理") if saved.state == "pending" else _("已申报回避"), "success")
            return redirect(url_for(".judge_event", event_id=event.id))
    return _judge_event_page(event, assignment, form)
