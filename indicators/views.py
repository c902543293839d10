"""Administrators' side of the plan indicators: the dashboard, one indicator in full, editing
its target and baseline, reporting and correcting values, and the Excel exports."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import navigation
from core.access import roles_required
from core.excel import download
from core.extensions import db
from core.forms import REFUSED, commit_or_report
from core.roles import Role
from core.timeutil import beijing_today
from indicators import NAV_GROUP, charts, exports, services
from indicators.forms import CorrectionForm, IndicatorForm, ReportForm
from indicators.models import Indicator, IndicatorReport, IndicatorSource

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

navigation.add("indicators.dashboard", _l("规划指标"), Role.ADMIN, group=NAV_GROUP)


@bp.get("/")
@roles_required(Role.ADMIN)
def dashboard():
    items = services.list_indicators()
    return render_template("indicators/dashboard.html", groups=services.by_category(items), items=items,
                           charts=charts, today=beijing_today())


def _report_form(indicator: Indicator) -> ReportForm:
    form = ReportForm()
    if request.method == "GET":
        today = beijing_today()
        form.year.data = today.year - 1
        form.as_of.data = today.replace(year=today.year - 1, month=12, day=31)
    return form


def _detail(indicator: Indicator, form: ReportForm | None = None, status: int = 200):
    history = services.report_history(indicator)
    return render_template(
        "indicators/detail.html", indicator=indicator, p=services.indicator_progress(indicator),
        charts=charts, history=history, superseded=services.superseded_ids(history),
        form=form or (_report_form(indicator) if not indicator.is_live else None)), status


@bp.get("/<int:indicator_id>")
@roles_required(Role.ADMIN)
def detail(indicator_id: int):
    return _detail(db.get_or_404(Indicator, indicator_id))


@bp.post("/<int:indicator_id>/reports")
@roles_required(Role.ADMIN)
def report(indicator_id: int):
    indicator = db.get_or_404(Indicator, indicator_id)
    if indicator.is_live:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.report_value(
            indicator, year=form.year.data, value=form.value.data, as_of=form.as_of.data,
            source_note=form.source_note.data, by=current_user))
        if saved is not REFUSED:
            flash(_("已记录 %(year)s 年度的填报值", year=saved.year), "success")
            return redirect(url_for(".detail", indicator_id=indicator.id))
    return _detail(indicator, form, 400 if form.errors else 200)


@bp.route("/<int:indicator_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(indicator_id: int):
    indicator = db.get_or_404(Indicator, indicator_id)
    form = IndicatorForm(obj=indicator)
    if request.method == "GET":
        form.version.data = str(indicator.version)
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.update_indicator(
            indicator, form.data_(), expected_version=form.opened_version(), by=current_user))
        if saved is not REFUSED:
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", indicator_id=indicator.id))
    return render_template("indicators/edit.html", indicator=indicator, form=form,
                           IndicatorSource=IndicatorSource)


@bp.route("/reports/<int:indicator_report_id>/correct", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def correct(indicator_report_id: int):
    entry = db.get_or_404(IndicatorReport, indicator_report_id)
    form = CorrectionForm()
    if request.method == "GET":
        form.value.data = entry.value
        form.as_of.data = entry.as_of
        form.source_note.data = entry.source_note
    if form.validate_on_submit():
        saved = commit_or_report(form, lambda: services.correct_report(
            entry, value=form.value.data, as_of=form.as_of.data, source_note=form.source_note.data,
            reason=form.reason.data, by=current_user))
        if saved is not REFUSED:
            flash(_("已更正 %(year)s 年度的填报值，原记录保留在历史中", year=entry.year), "success")
            return redirect(url_for(".detail", indicator_id=entry.indicator_id))
    return render_template("indicators/correct.html", entry=entry, indicator=entry.indicator, form=form,
                           in_force=services.in_force(entry.indicator, entry.year))


@bp.get("/export.xlsx")
@roles_required(Role.ADMIN)
def export():
    return download(exports.overview_workbook(), f"规划指标_{beijing_today():%Y%m%d}.xlsx")


@bp.get("/<int:indicator_id>/export.xlsx")
@roles_required(Role.ADMIN)
def export_one(indicator_id: int):
    indicator = db.get_or_404(Indicator, indicator_id)
    return download(exports.indicator_workbook(indicator), f"规划指标_{indicator.key}_{beijing_today():%Y%m%d}.xlsx")
