"""Administrators run skills competitions: competitions and their events, each event's
marking scheme (built in forms or imported from Excel), and the event's state moves."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from competitions import NAV_GROUP, states
from competitions.forms import (
    TIE_BREAK_CHOICES,
    AspectForm,
    CompetitionForm,
    CriterionForm,
    EventForm,
    ModuleForm,
    SchemeImportForm,
    tie_break_kinds,
    tie_break_value,
)
from competitions.models import Competition, Event, EventState, SchemeAspect, SchemeCriterion, SchemeModule
from competitions.services import competitions as services
from competitions.services import scheme_excel, schemes
from core import excel, navigation
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report, import_or_report
from core.roles import Role
from core.timeutil import beijing_to_utc, beijing_today, utc_to_beijing

bp = Blueprint("competitions", __name__, url_prefix="/competitions")

navigation.add("competitions.index", _l("竞赛与赛项"), Role.ADMIN, group=NAV_GROUP)


# Competitions ----------------------------------------------------------------------------------

def _competition_data(form: CompetitionForm) -> services.CompetitionData:
    return services.CompetitionData(
        title=form.title.data or "", year=form.year.data, organizer=form.organizer.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, description=form.description.data or "")


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    competitions = db.session.scalars(select(Competition).order_by(Competition.year.desc(),
                                                                   Competition.id.desc())).all()
    counts = dict(db.session.execute(select(Event.competition_id, func.count())
                                     .group_by(Event.competition_id)).all())
    return render_template("competitions/index.html", competitions=competitions, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_competition():
    form = CompetitionForm()
    if form.validate_on_submit():
        competition = commit_or_report(form, lambda: services.create_competition(
            _competition_data(form), by=current_user))
        if competition is not REFUSED:
            flash(_("已创建竞赛“%(t)s”", t=competition.title), "success")
            return redirect(url_for(".competition", competition_id=competition.id))
    return render_template("competitions/form.html", form=form, competition=None)


@bp.route("/<int:competition_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_competition(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = CompetitionForm(obj=competition)
    if request.method == "GET":
        form.version.data = str(competition.version)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_competition(
            competition, _competition_data(form), expected_version=int(form.version.data or 0),
            by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".competition", competition_id=competition.id))
    return render_template("competitions/form.html", form=form, competition=competition)


@bp.get("/<int:competition_id>")
@roles_required(Role.ADMIN)
def competition(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return render_template("competitions/detail.html", competition=competition)


# Events ----------------------------------------------------------------------------------------

def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        occupation=form.occupation.data or "", occupation_code=form.occupation_code.data or "",
        venue=form.venue.data or "", held_on=form.held_on.data,
        registration_opens=beijing_to_utc(form.registration_opens.data),
        registration_closes=beijing_to_utc(form.registration_closes.data),
        min_skill_level=form.min_skill_level.data or None, min_age=form.min_age.data,
        max_age=form.max_age.data, quota_per_enterprise=form.quota_per_enterprise.data,
        theory_weight_cap=form.theory_weight_cap.data, first_prize_percent=form.first_prize_percent.data,
        second_prize_percent=form.second_prize_percent.data,
        third_prize_percent=form.third_prize_percent.data,
        tie_break_kinds=tie_break_kinds(form.tie_break.data), promotion_top_n=form.promotion_top_n.data,
        title_top_n=form.title_top_n.data, appeal_window_minutes=form.appeal_window_minutes.data)


@bp.route("/<int:competition_id>/events/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_event(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = EventForm()
    if form.validate_on_submit():
        event = commit_or_report(form, lambda: services.create_event(competition, _event_data(form),
                                                                     by=current_user))
        if event is not REFUSED:
            flash(_("已创建赛项“%(t)s”，请继续设置评分标准", t=event.occupation), "success")
            return redirect(url_for(".event", event_id=event.id))
    return render_template("competitions/events/form.html", form=form, competition=competition, event=None)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        form.version.data = str(event.version)
        form.min_skill_level.data = event.min_skill_level or ""
        form.registration_opens.data = utc_to_beijing(event.registration_opens)
        form.registration_closes.data = utc_to_beijing(event.registration_closes)
        form.tie_break.data = tie_break_value(event.tie_break_kinds)
        if form.tie_break.data not in dict(form.tie_break.choices):
            form.tie_break.choices = [*form.tie_break.choices, (form.tie_break.data, form.tie_break.data)]
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_event(
            event, _event_data(form), expected_version=int(form.version.data or 0), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".event", event_id=event.id))
    return render_template("competitions/events/form.html", form=form, competition=event.competition,
                           event=event)


@bp.get("/events/<int:event_id>")
@roles_required(Role.ADMIN)
def event(event_id: int):
    """The event: its settings, its marking scheme module by module, and the next step."""
    event = db.get_or_404(Event, event_id)
    tie_break = tie_break_value(event.tie_break_kinds)
    return render_template(
        "competitions/events/detail.html", event=event, competition=event.competition,
        problems=schemes.scheme_problems(event), confirm=ConfirmForm(), next_move=_next_move(event),
        early=beijing_today() < event.held_on,
        editable=event.state_enum in states.SETTINGS_EDITABLE_STATES, plain=schemes.plain,
        states=list(EventState), tie_break_label=dict(TIE_BREAK_CHOICES).get(tie_break, tie_break))


#: The moves an administrator makes from the event page: URL word -> (service, target, message).
_MOVES = {
    "open": (services.open_registration, EventState.REGISTRATION, _l("已开始报名")),
    "check-in": (services.start_check_in, EventState.CHECK_IN, _l("报名已截止，进入检录")),
    "scoring": (services.start_scoring, EventState.SCORING, _l("评分已开始，评分标准已冻结")),
}

_MOVE_LABELS = {
    "open": _l("开始报名"),
    "check-in": _l("截止报名，开始检录"),
    "scoring": _l("开始评分（冻结评分标准）"),
}


def _next_move(event: Event) -> tuple[str, str] | None:
    """The URL word and button label of the administrator's next move, if there is one."""
    target = states.next_state(event.state)
    for word, (_service, move_target, _message) in _MOVES.items():
        if move_target == target:
            return word, _MOVE_LABELS[word]
    return None


@bp.post("/events/<int:event_id>/<any(open, 'check-in', scoring):move>")
@roles_required(Role.ADMIN)
def move_event(event_id: int, move: str):
    event = db.get_or_404(Event, event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service, _target, message = _MOVES[move]
    extra = {"early_reason": request.form.get("early_reason", "")} if move == "scoring" else {}
    if commit_or_report(None, lambda: service(event, by=current_user, **extra)) is not REFUSED:
        flash(str(message), "success")
    return redirect(url_for(".event", event_id=event.id))


# Marking scheme --------------------------------------------------------------------------------

def _scheme_page(event: Event, form, title: str, **context):
    return render_template("competitions/scheme/form.html", event=event, form=form, title=title, **context)


def _back_to(event: Event, anchor: str | None = None):
    return redirect(url_for(".event", event_id=event.id, _anchor=anchor or "scheme"))


def _module_data(form: ModuleForm) -> schemes.ModuleData:
    return schemes.ModuleData(name=form.name.data or "", kind=form.kind.data, weight=form.weight.data)


def _aspect_data(form: AspectForm) -> schemes.AspectData:
    return schemes.AspectData(name=form.name.data or "", kind=form.kind.data, max_mark=form.max_mark.data,
                              step=form.step.data, unit=form.unit.data or "")


@bp.route("/events/<int:event_id>/modules/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def add_module(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = ModuleForm()
    if form.validate_on_submit():
        module = commit_or_report(form, lambda: schemes.add_module(event, _module_data(form), by=current_user))
        if module is not REFUSED:
            flash(_("已添加模块“%(n)s”", n=module.name), "success")
            return _back_to(event, f"module-{module.id}")
    return _scheme_page(event, form, _("添加模块"))


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_module(module_id: int):
    module = db.get_or_404(SchemeModule, module_id)
    form = ModuleForm(obj=module)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: schemes.update_module(module, _module_data(form), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return _back_to(module.event, f"module-{module.id}")
    return _scheme_page(module.event, form, _("修改模块“%(n)s”", n=module.name))


@bp.route("/modules/<int:module_id>/criteria/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def add_criterion(module_id: int):
    module = db.get_or_404(SchemeModule, module_id)
    form = CriterionForm()
    if form.validate_on_submit():
        criterion = commit_or_report(form, lambda: schemes.add_criterion(module, form.name.data, by=current_user))
        if criterion is not REFUSED:
            flash(_("已添加评分项“%(n)s”", n=criterion.name), "success")
            return _back_to(module.event, f"module-{module.id}")
    return _scheme_page(module.event, form, _("在“%(m)s”中添加评分项", m=module.name))


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_criterion(criterion_id: int):
    criterion = db.get_or_404(SchemeCriterion, criterion_id)
    module = criterion.module
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: schemes.update_criterion(criterion, form.name.data, by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return _back_to(module.event, f"module-{module.id}")
    return _scheme_page(module.event, form, _("修改评分项“%(n)s”", n=criterion.name))


@bp.route("/criteria/<int:criterion_id>/aspects/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def add_aspect(criterion_id: int):
    criterion = db.get_or_404(SchemeCriterion, criterion_id)
    module = criterion.module
    form = AspectForm()
    if form.validate_on_submit():
        aspect = commit_or_report(form, lambda: schemes.add_aspect(criterion, _aspect_data(form), by=current_user))
        if aspect is not REFUSED:
            flash(_("已添加评分细项“%(n)s”", n=aspect.name), "success")
            return _back_to(module.event, f"module-{module.id}")
    return _scheme_page(module.event, form, _("在“%(c)s”中添加评分细项", c=criterion.name))


@bp.route("/aspects/<int:aspect_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_aspect(aspect_id: int):
    aspect = db.get_or_404(SchemeAspect, aspect_id)
    module = aspect.criterion.module
    form = AspectForm(obj=aspect)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: schemes.update_aspect(aspect, _aspect_data(form), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return _back_to(module.event, f"module-{module.id}")
    return _scheme_page(module.event, form, _("修改评分细项“%(n)s”", n=aspect.name))


_REMOVABLE = {"module": (SchemeModule, schemes.remove_module, lambda m: m.event),
              "criterion": (SchemeCriterion, schemes.remove_criterion, lambda c: c.module.event),
              "aspect": (SchemeAspect, schemes.remove_aspect, lambda a: a.criterion.module.event)}


def _remove(kind: str, item_id: int):
    model, service, event_of = _REMOVABLE[kind]
    item = db.get_or_404(model, item_id)
    event = event_of(item)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = item.name
    if commit_or_report(None, lambda: service(item, by=current_user)) is not REFUSED:
        flash(_("已删除“%(n)s”", n=name), "success")
    return _back_to(event)


@bp.post("/modules/<int:module_id>/delete")
@roles_required(Role.ADMIN)
def remove_module(module_id: int):
    return _remove("module", module_id)


@bp.post("/criteria/<int:criterion_id>/delete")
@roles_required(Role.ADMIN)
def remove_criterion(criterion_id: int):
    return _remove("criterion", criterion_id)


@bp.post("/aspects/<int:aspect_id>/delete")
@roles_required(Role.ADMIN)
def remove_aspect(aspect_id: int):
    return _remove("aspect", aspect_id)


# Marking scheme in and out of Excel ------------------------------------------------------------

@bp.route("/events/<int:event_id>/scheme/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_scheme(event_id: int):
    """Upload a scheme: every row valid, or nothing changes and every bad row is listed."""
    event = db.get_or_404(Event, event_id)
    form = SchemeImportForm()
    problems = []
    if form.validate_on_submit():
        count, problems = import_or_report(form, scheme_excel.REQUIRED, lambda rows: scheme_excel.import_scheme(
            event, rows, by=current_user))
        if count is not REFUSED:
            flash(_("已导入评分标准：%(n)s 个评分细项", n=count), "success")
            return _back_to(event)
    return render_template("competitions/scheme/import.html", event=event, form=form, problems=problems,
                           columns=scheme_excel.COLUMNS, required=scheme_excel.REQUIRED)


@bp.get("/events/<int:event_id>/scheme.xlsx")
@roles_required(Role.ADMIN)
def export_scheme(event_id: int):
    event = db.get_or_404(Event, event_id)
    return excel.download(scheme_excel.export_workbook(event), f"{event.occupation}评分标准.xlsx")


@bp.get("/scheme-template.xlsx")
@roles_required(Role.ADMIN)
def scheme_template():
    return excel.download(scheme_excel.template_workbook(), "评分标准模板.xlsx")
