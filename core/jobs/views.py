"""A background job's page (``/jobs/<id>``): progress while it runs, the outcome after; the
status as JSON for the page's polling. Only the user who asked for it, or an administrator."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user

from core import storage
from core.access import authenticated
from core.extensions import db
from core.jobs.models import BackgroundJob
from core.roles import Role

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job_or_404(job_id: int) -> BackgroundJob:
    """The job if the user asked for it or administers; 404 otherwise (ids cannot be probed)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or not (current_user.has_role(Role.ADMIN) or job.requested_by_id == current_user.id):
        abort(404)
    return job


def status_of(job: BackgroundJob) -> dict:
    return {"id": job.id, "state": job.state, "state_label": str(job.state_enum.label),
            "total": job.total, "done": job.done, "percent": job.percent, "finished": job.is_finished}


@bp.get("/<int:job_id>")
@authenticated
def detail(job_id: int):
    job = _job_or_404(job_id)
    return render_template("jobs/detail.html", job=job)


@bp.get("/<int:job_id>/download")
@authenticated
def download(job_id: int):
    """The file a finished job made (e.g. an export), streamed from the storage."""
    job = _job_or_404(job_id)
    key = (job.result or {}).get("file") if job.state == "done" else None
    if not key:
        abort(404)
    try:
        return storage.stream_response(key, mimetype=XLSX, download_name=job.result.get("name") or "export.xlsx")
    except FileNotFoundError:
        abort(404)


@bp.get("/<int:job_id>/status")
@authenticated
def status(job_id: int):
    """The progress as JSON, polled by core/static/js/batch_progress.js."""
    response = jsonify(status_of(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
