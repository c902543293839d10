"""Worker imports and exports as background jobs.

* Import: the sheet goes to the storage, a worker checks every row (progress on the job's
  page) and imports all of them or none, listing every bad row. All or nothing in one
  transaction, so a worker killed half way leaves nothing behind and the job, queued again,
  starts over without creating anyone twice.
* Export: the sheet the user may see (:mod:`core.people.exports`) is written to the storage;
  the job's page links to it (only for the user who asked, or an administrator).
"""

from __future__ import annotations

import secrets

from flask_babel import force_locale

from core import excel, jobs, storage
from core.extensions import db
from core.forms import keep_after_rollback
from core.jobs import services as job_services
from core.jobs.models import BackgroundJob, JobState
from core.people import importer

KIND = "people.import_workers"
EXPORT_KIND = "people.export_workers"
#: Rows checked between two progress updates.
PROGRESS_EVERY = 100


def queue_import(content: bytes, enterprise, *, rows: int, by) -> BackgroundJob:
    """Store the sheet and record the job (the caller commits, then :func:`enqueue`)."""
    key = f"imports/workers-{secrets.token_hex(12)}.xlsx"
    storage.put_bytes(key, content)
    return job_services.create(KIND, {"enterprise_id": enterprise.id, "file": key}, total=rows, by=by)


def queue_export(*, by) -> BackgroundJob:
    """Record an export job for ``by`` (the caller commits, then :func:`enqueue`)."""
    return job_services.create(EXPORT_KIND, {}, by=by)


def enqueue(job: BackgroundJob) -> None:
    jobs.enqueue(job.kind, job.id)


@jobs.job(EXPORT_KIND, retries=job_services.MAX_ATTEMPTS - 1, retry_delay=10)
def run_export(job_id: int) -> None:
    """The job: build the user's sheet and store it; running it again writes a new file."""
    from core.accounts.models import User
    from core.people import exports

    job = job_services.claim(job_id)
    if job is None:
        return
    try:
        user = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
        if user is None or not user.is_enabled:
            job_services.finish(job, JobState.FAILED, {}, "no user")
        else:
            content, count = exports.workbook_for(user)
            key = f"exports/workers-{secrets.token_hex(12)}.xlsx"
            storage.put_bytes(key, content)
            job.total = count
            job_services.finish(job, JobState.DONE, {"file": key, "name": exports.FILE_NAME, "count": count})
        db.session.commit()
    except Exception as error:
        if job_services.give_back(job_id, error):
            raise


def _report(job: BackgroundJob, checked: int) -> None:
    if checked % PROGRESS_EVERY == 0:
        job_services.progress(job, checked)


@jobs.job(KIND, retries=job_services.MAX_ATTEMPTS - 1, retry_delay=10)
def run_import(job_id: int) -> None:
    """The job: read the stored sheet, check and import it, record the outcome."""
    from core.accounts.models import User
    from core.organizations.models import Enterprise

    job = job_services.claim(job_id)
    if job is None:
        return
    try:
        enterprise = db.session.get_one(Enterprise, job.params["enterprise_id"])
        by = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
        try:
            with force_locale("zh"), storage.storage().open(job.params["file"]) as stream:
                rows = excel.read_rows(stream, importer.REQUIRED)
            job_services.progress(job, 0, total=len(rows))
            count = importer.import_workers(
                rows, enterprise, by=by,
                progress=lambda n: _report(job, n))
        except excel.ImportRefused as refused:
            db.session.rollback()
            keep_after_rollback(refused)  # e.g. the account's lookups of others' ID numbers
            problems = [{"row": p.row, "column": p.column, "reason": str(p.reason)} for p in refused.problems]
            job_services.finish(job, JobState.REFUSED, {"problems": problems})
        except excel.SheetError as error:
            db.session.rollback()
            job_services.finish(job, JobState.REFUSED, {"message": str(error)})
        else:
            job_services.finish(job, JobState.DONE, {"count": count, "enterprise_id": enterprise.id})
        db.session.commit()
    except Exception as error:
        if job_services.give_back(job_id, error):
            raise
        return
    storage.storage().delete(job.params["file"])
