"""The competition road's pages.

* Administrators: per cycle, each occupation's route; per occupation, the route's settings,
  the arbitration group, seed players, the qualifier and the final, advancing and the list.
* Enterprises and union reviewers: register challengers of their (unions') enterprises.
* Experts: on the seed-selection committees they sit on, support nominees as seed players
  (a majority of the committee chooses them); the appeals their arbitration groups rule on
  (ruled on the competitions' page).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core import navigation
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.organizations import rules as org_rules
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.review_panels import scoring
from core.review_panels import services as panels
from core.roles import Role
from core.timeutil import beijing_to_utc, beijing_today
from craftsmen import NAV_GROUP
from craftsmen.models import CraftsmanLevel, CraftsmanTitle, CycleOccupation, SelectionCycle
from craftsmen.selection_route import committee, forms, ladder, rules
from craftsmen.selection_route import services as route
from innovation_studios.services import craftsman_studios

bp = Blueprint("craftsmen_route", __name__, url_prefix="/craftsmen/route")

navigation.add("craftsmen_route.challengers", _l("挑战者报名"), Role.ENTERPRISE, Role.UNION_REVIEWER,
               group=NAV_GROUP)
navigation.add("craftsmen_route.arbitration", _l("专家仲裁"), Role.EXPERT, group=NAV_GROUP)
navigation.add("craftsmen_route.my_ladder", _l("成长阶梯"), Role.WORKER)


@bp.context_processor
def route_helpers():
    return {"score2": scoring.display}


def _occupation(occupation_id: int) -> CycleOccupation:
    occupation = db.get_or_404(CycleOccupation, occupation_id)
    if not rules.can_manage_route(current_user):
        abort(403)
    return occupation


# Administrators ---------------------------------------------------------------------------------

@bp.get("/cycles/<int:cycle_id>")
@roles_required(Role.ADMIN)
def cycle(cycle_id: int):
    selection = db.get_or_404(SelectionCycle, cycle_id)
    funding = forms.FundingForm(obj=selection)
    return render_template("craftsmen/route/cycle.html", cycle=selection, funding=funding,
                           routes={o.id: route.route_of(o) for o in selection.occupations},
                           seeds={o.id: len(route.seeds(o)) for o in selection.occupations},
                           challengers={o.id: len(route.challengers(o)) for o in selection.occupations})


@bp.post("/cycles/<int:cycle_id>/funding")
@roles_required(Role.ADMIN)
def funding(cycle_id: int):
    selection = db.get_or_404(SelectionCycle, cycle_id)
    form = forms.FundingForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: route.set_funding_plan(
            selection, form.studio_funding_per_year.data, form.studio_funding_years.data,
            by=current_user)) is not REFUSED:
        flash(_("已保存工作室资助计划"), "success")
    elif form.errors:
        flash(_("请填写有效的金额和年数"), "danger")
    return redirect(url_for(".cycle", cycle_id=selection.id))


def _occupation_page(occupation: CycleOccupation, **given):
    current = route.route_of(occupation)
    route_form = given.get("route_form") or forms.RouteForm(obj=current, method=occupation.method)
    if not given.get("route_form") and current is None:
        route_form.advance_top_n.data = 6
    arbitrators_form = given.get("arbitrators_form") or forms.ArbitratorsForm(
        members=[u.id for u in route.arbitrators(occupation)])
    arbitrators_form.members.choices = [(u.id, u.display_name) for u in panels.expert_choices()]
    panel = committee.committee_of(occupation)
    committee_form = given.get("committee_form") or forms.CommitteeForm(
        prefix="committee", members=sorted(panel.member_ids()) if panel is not None else [])
    committee_form.members.choices = arbitrators_form.members.choices
    return render_template(
        "craftsmen/route/occupation.html", occupation=occupation, route=current, route_form=route_form,
        arbitrators_form=arbitrators_form, committee_form=committee_form, committee=panel,
        ballot=committee.ballot(occupation, panel) if occupation.method_enum.uses_competition else [],
        seeds=route.seeds(occupation),
        stage_form=given.get("stage_form") or forms.StageForm(), confirm=forms.GenerateForm(),
        challengers=route.challengers(occupation), qualifier=route.qualifier_of(occupation),
        final=route.final_of(occupation), arbitrators=route.arbitrators(occupation),
        standings=route.standings(occupation) if occupation.method_enum.uses_competition else None,
        bare=ConfirmForm())


@bp.get("/occupations/<int:occupation_id>")
@roles_required(Role.ADMIN)
def occupation(occupation_id: int):
    return _occupation_page(_occupation(occupation_id))


@bp.post("/occupations/<int:occupation_id>/route")
@roles_required(Role.ADMIN)
def set_route(occupation_id: int):
    found = _occupation(occupation_id)
    form = forms.RouteForm()
    if form.validate_on_submit() and commit_or_report(form, lambda: route.set_route(found, route.RouteData(
            method=form.method.data, competition_weight=form.competition_weight.data,
            panel_weight=form.panel_weight.data, advance_top_n=form.advance_top_n.data,
            advance_min_score=form.advance_min_score.data, list_min_score=form.list_min_score.data),
            by=current_user)) is not REFUSED:
        flash(_("已保存“%(o)s”的选拔路线", o=found.name), "success")
        return redirect(url_for(".occupation", occupation_id=found.id))
    return _occupation_page(found, route_form=form), 422


@bp.post("/occupations/<int:occupation_id>/arbitrators")
@roles_required(Role.ADMIN)
def set_arbitrators(occupation_id: int):
    found = _occupation(occupation_id)
    form = forms.ArbitratorsForm()
    form.members.choices = [(u.id, u.display_name) for u in panels.expert_choices()]
    if form.validate_on_submit() and commit_or_report(form, lambda: route.set_arbitrators(
            found, form.members.data, by=current_user)) is not REFUSED:
        flash(_("已保存“%(o)s”的专家仲裁组", o=found.name), "success")
        return redirect(url_for(".occupation", occupation_id=found.id))
    return _occupation_page(found, arbitrators_form=form), 422


@bp.post("/occupations/<int:occupation_id>/committee")
@roles_required(Role.ADMIN)
def set_committee(occupation_id: int):
    """Form the seed-selection committee; its members, not the administrator, choose the seeds."""
    found = _occupation(occupation_id)
    form = forms.CommitteeForm(prefix="committee")
    form.members.choices = [(u.id, u.display_name) for u in panels.expert_choices()]
    if form.validate_on_submit() and commit_or_report(form, lambda: committee.form_committee(
            found, form.members.data, by=current_user)) is not REFUSED:
        flash(_("已保存“%(o)s”的种子选手遴选专家委员会", o=found.name), "success")
        return redirect(url_for(".occupation", occupation_id=found.id))
    return _occupation_page(found, committee_form=form), 422


def _stage_data(form) -> route.StageData:
    return route.StageData(venue=form.venue.data, held_on=form.held_on.data,
                           registration_opens=beijing_to_utc(form.registration_opens.data),
                           registration_closes=beijing_to_utc(form.registration_closes.data),
                           quota_per_enterprise=form.quota_per_enterprise.data)


@bp.post("/occupations/<int:occupation_id>/<any(qualifier, final):stage>")
@roles_required(Role.ADMIN)
def create_stage(occupation_id: int, stage: str):
    found = _occupation(occupation_id)
    form = forms.StageForm()
    create = route.create_qualifier if stage == "qualifier" else route.create_final
    if form.validate_on_submit() and commit_or_report(form, lambda: create(
            found, _stage_data(form), by=current_user)) is not REFUSED:
        flash(_("已创建%(s)s并开放报名", s=_("挑战者选拔赛") if stage == "qualifier" else _("终极挑战赛")),
              "success")
        return redirect(url_for(".occupation", occupation_id=found.id))
    return _occupation_page(found, stage_form=form), 422


@bp.post("/occupations/<int:occupation_id>/advance")
@roles_required(Role.ADMIN)
def advance(occupation_id: int):
    found = _occupation(occupation_id)
    if ConfirmForm().validate_on_submit():
        advanced = commit_or_report(None, lambda: route.advance(found, by=current_user))
        if advanced is not REFUSED:
            flash(_("参赛挑战者已入人才库，%(n)s 人晋级终极挑战赛", n=len(advanced)), "success")
    return redirect(url_for(".occupation", occupation_id=found.id))


@bp.post("/occupations/<int:occupation_id>/list")
@roles_required(Role.ADMIN)
def generate_list(occupation_id: int):
    found = _occupation(occupation_id)
    form = forms.GenerateForm()
    if form.validate_on_submit() and commit_or_report(None, lambda: route.generate_list(
            found, by=current_user, accept_boundary_tie=form.accept_boundary_tie.data)) is not REFUSED:
        flash(_("已按竞赛结果生成“%(o)s”的建议名单", o=found.name), "success")
    return redirect(url_for(".occupation", occupation_id=found.id))


# Enterprises and unions register challengers --------------------------------------------------------

def _own_workers(occupation: CycleOccupation) -> list[Worker]:
    condition = org_rules.visible_enterprise_filter(current_user, Enterprise)
    query = (select(Worker).join(Enterprise, Enterprise.id == Worker.enterprise_id)
             .where(Worker.occupation == occupation.name).order_by(Worker.name, Worker.id))
    if condition is not None:
        query = query.where(condition)
    return list(db.session.scalars(query))


def _visible_enterprise_ids() -> set[int]:
    condition = org_rules.visible_enterprise_filter(current_user, Enterprise)
    return set(db.session.scalars(select(Enterprise.id).where(condition)))


@bp.get("/challengers")
@roles_required(Role.ENTERPRISE, Role.UNION_REVIEWER)
def challengers():
    enterprise_ids = _visible_enterprise_ids()
    open_now = route.open_qualifiers()
    registered = {o.id: route.challengers(o, enterprise_ids) for o in open_now}
    return render_template("craftsmen/route/challengers.html", occupations=open_now, registered=registered,
                           routes={o.id: route.route_of(o) for o in open_now})


@bp.route("/occupations/<int:occupation_id>/challengers/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.UNION_REVIEWER)
def register_challenger(occupation_id: int):
    found = db.get_or_404(CycleOccupation, occupation_id)
    if route.qualifier_of(found) is None:
        abort(404)
    form = forms.ChallengerForm()
    workers = _own_workers(found)
    form.worker_id.choices = [(w.id, f"{w.name}（{w.enterprise.name}）") for w in workers]
    if form.validate_on_submit():
        worker = db.get_or_404(Worker, form.worker_id.data)
        if not rules.can_register_challenger(current_user, worker):
            abort(403)
        if commit_or_report(form, lambda: route.register_challenger(found, worker, by=current_user)) \
                is not REFUSED:
            flash(_("%(n)s 已报名“%(o)s”挑战者选拔赛", n=worker.name, o=found.name), "success")
            return redirect(url_for(".challengers"))
    return render_template("craftsmen/route/register.html", occupation=found, form=form,
                           route=route.route_of(found), has_workers=bool(workers))


# Experts of seed-selection committees -------------------------------------------------------------

def _vote_prefix(nomination_id: int) -> str:
    """One page holds a form per nominee: prefixes keep their field ids apart."""
    return f"n{nomination_id}"


def _committee_page(posted: tuple[int, object] | None = None):
    """The expert's committees with their ballots; the form just posted keeps what was typed."""
    groups = []
    for panel, occupation in committee.committees_of(current_user):
        candidates = committee.ballot(occupation, panel)
        vote_forms = {c.nomination.id: forms.SeedVoteForm(prefix=_vote_prefix(c.nomination.id), formdata=None)
                      for c in candidates}
        if posted is not None and posted[0] in vote_forms:
            vote_forms[posted[0]] = posted[1]
        groups.append({"panel": panel, "occupation": occupation, "candidates": candidates,
                       "open": route.committee_is_open(occupation), "forms": vote_forms})
    return render_template("craftsmen/route/committee.html", groups=groups, bare=ConfirmForm())


def _committee_nomination(occupation_id: int, nomination_id: int):
    from craftsmen.models import Nomination

    occupation = db.get_or_404(CycleOccupation, occupation_id)
    panel = committee.committee_of(occupation)
    if panel is None or not rules.can_vote_on_seeds(current_user, panel):
        abort(403)
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.occupation_id != occupation.id:
        abort(404)
    return occupation, nomination


@bp.get("/committee")
@roles_required(Role.EXPERT)
def committee_home():
    return _committee_page()


@bp.post("/occupations/<int:occupation_id>/seeds/<int:nomination_id>/support")
@roles_required(Role.EXPERT)
def support_seed(occupation_id: int, nomination_id: int):
    occupation, nomination = _committee_nomination(occupation_id, nomination_id)
    form = forms.SeedVoteForm(prefix=_vote_prefix(nomination.id))
    if form.validate_on_submit():
        seed = commit_or_report(form, lambda: committee.support(occupation, nomination, form.reason.data,
                                                                by=current_user))
        if seed is not REFUSED:
            flash(_("已选定种子选手 %(n)s：委员会过半数支持", n=nomination.worker.name) if seed is not None
                  else _("已支持 %(n)s 列为种子选手", n=nomination.worker.name), "success")
            return redirect(url_for(".committee_home", _anchor=f"committee-{occupation.id}"))
    return _committee_page((nomination.id, form)), 422


@bp.post("/occupations/<int:occupation_id>/seeds/<int:nomination_id>/withdraw")
@roles_required(Role.EXPERT)
def withdraw_seed_vote(occupation_id: int, nomination_id: int):
    occupation, nomination = _committee_nomination(occupation_id, nomination_id)
    if ConfirmForm().validate_on_submit():
        dropped = commit_or_report(None, lambda: committee.withdraw(occupation, nomination, by=current_user))
        if dropped is not REFUSED:
            flash(_("已撤回支持；%(n)s 不再是种子选手（支持不过半数）", n=nomination.worker.name) if dropped
                  else _("已撤回对 %(n)s 的支持", n=nomination.worker.name), "success")
    return redirect(url_for(".committee_home", _anchor=f"committee-{occupation.id}"))


# Experts of arbitration groups ------------------------------------------------------------------------

@bp.get("/arbitration")
@roles_required(Role.EXPERT)
def arbitration():
    if not rules.can_see_arbitration(current_user):
        abort(403)
    return render_template("craftsmen/route/arbitration.html",
                           appeals=route.arbitration_appeals(current_user))


# The ladder and the studio a title brings ------------------------------------------------------------

@bp.get("/me/ladder")
@roles_required(Role.WORKER)
def my_ladder():
    steps = ladder.ladder(current_user.worker_id) if current_user.worker_id else []
    return render_template("craftsmen/route/my_ladder.html", steps=steps)


def _offered_title(title_id: int) -> CraftsmanTitle:
    title = db.get_or_404(CraftsmanTitle, title_id)
    if not rules.can_manage_route(current_user):
        abort(403)
    if title.level != CraftsmanLevel.CITY.value or title.is_revoked:
        abort(404)
    return title


@bp.route("/titles/<int:title_id>/studio", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def title_studio(title_id: int):
    """Offer the named Beijing Grand Craftsman's 工匠创新工作室, prefilled from the title."""
    title = _offered_title(title_id)
    cycle = title.cycle
    existing = craftsman_studios.studio_led_since(title.worker_id)
    form = forms.TitleStudioForm()
    if not form.is_submitted():
        form.process(data={"name": f"{title.name}工匠创新工作室", "field": title.occupation,
                           "named_on": beijing_today(), "funding_per_year": cycle.studio_funding_per_year,
                           "funding_years": cycle.studio_funding_years, "funding_from": title.year})
    if existing is None and form.validate_on_submit():
        data = craftsman_studios.TitleStudioData(
            name=form.name.data, leader_worker_id=title.worker_id, enterprise_id=title.nomination.enterprise_id,
            field=form.field.data or "", named_on=form.named_on.data,
            reason=f"{title.year}年{title.title}（{title.occupation}）命名：{cycle.title}",
            funding_per_year=form.funding_per_year.data, funding_years=form.funding_years.data,
            funding_from=form.funding_from.data)
        studio = commit_or_report(form, lambda: craftsman_studios.set_up_for_title(data, by=current_user))
        if studio is not REFUSED:
            flash(_("已设立并命名“%(s)s”（%(n)s）", s=studio.name, n=studio.number), "success")
            return redirect(url_for("craftsmen_public.title_detail", title_id=title.id))
    return render_template("craftsmen/route/title_studio.html", title=title, form=form, existing=existing)
