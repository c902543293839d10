"""Batch issuing for administrators: pick a scope (a cycle, an event, a naming year, an
alliance), and the job queue's workers issue, render and zip the certificates while the
batch's page shows the progress; the ZIP is downloaded (streamed from the storage) there."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from certificates import NAV_GROUP, sources
from certificates.batch_forms import BatchForm
from certificates.models_batches import BatchState, CertificateBatch
from certificates.services import batches
from core import navigation, storage
from core.access import roles_required
from core.extensions import db
from core.forms import REFUSED, ConfirmForm, commit_or_report
from core.roles import Role

bp = Blueprint("certificate_batches", __name__, url_prefix="/certificates/batches")

navigation.add("certificate_batches.index", _l("批量颁发"), Role.ADMIN, group=NAV_GROUP)


def _index_page(form: BatchForm | None = None):
    batches.mark_interrupted()
    db.session.commit()
    return render_template("certificates/batches/index.html", form=form or BatchForm(),
                           batches=batches.recent_batches(), can_resume=batches.can_resume)


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    return _index_page()


@bp.post("")
@roles_required(Role.ADMIN)
def create():
    form = BatchForm()
    if form.validate_on_submit():
        key = sources.parse_key(form.scope.data)
        batch = commit_or_report(form, lambda: batches.queue(*key, by=current_user))
        if batch is not REFUSED:
            batches.enqueue(batch.id)
            flash(_("已创建批次：%(n)s 张证书正在后台颁发，本页显示进度。", n=batch.total), "success")
            return redirect(url_for(".detail", batch_id=batch.id))
    return _index_page(form)


def _batch_or_404(batch_id: int) -> CertificateBatch:
    return db.get_or_404(CertificateBatch, batch_id)


@bp.get("/<int:batch_id>")
@roles_required(Role.ADMIN)
def detail(batch_id: int):
    batches.mark_interrupted()
    db.session.commit()
    batch = _batch_or_404(batch_id)
    return render_template("certificates/batches/detail.html", batch=batch,
                           failures=batches.failed_items(batch), can_resume=batches.can_resume(batch),
                           has_zip=batches.zip_key(batch) is not None, states=BatchState,
                           resume_form=ConfirmForm())


@bp.get("/<int:batch_id>/status")
@roles_required(Role.ADMIN)
def status(batch_id: int):
    """The progress as JSON, polled by core/static/js/batch_progress.js."""
    batches.mark_interrupted()
    db.session.commit()
    response = jsonify(batches.status(_batch_or_404(batch_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:batch_id>/resume")
@roles_required(Role.ADMIN)
def resume(batch_id: int):
    """"继续": an interrupted or failed batch carries on where it stopped."""
    batch = _batch_or_404(batch_id)
    form = ConfirmForm()
    if form.validate_on_submit() and commit_or_report(
            None, lambda: batches.resume(batch, by=current_user)) is not REFUSED:
        batches.enqueue(batch.id)
        flash(_("批次已继续，已完成的部分不会重复颁发。"), "success")
    return redirect(url_for(".detail", batch_id=batch_id))


@bp.get("/<int:batch_id>/zip")
@roles_required(Role.ADMIN)
def download_zip(batch_id: int):
    batch = _batch_or_404(batch_id)
    key = batches.zip_key(batch) if batch.state == BatchState.DONE else None
    if key is None:
        abort(404)
    name = f"证书批次{batch.id}_{batches.safe_file_part(batch.scope_label)}.zip"
    try:
        return storage.stream_response(key, mimetype="application/zip", download_name=name)
    except FileNotFoundError:
        abort(404)
