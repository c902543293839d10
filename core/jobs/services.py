"""Running a :class:`~core.jobs.models.BackgroundJob`: claim it (one worker only), beat,
record progress, and end it; a job whose worker was killed is queued again by the periodic
``jobs.recover`` (the job itself must be safe to run again: e.g. all-or-nothing imports).

Services flush and never commit, except these, which run inside jobs and own their work.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import CursorResult, or_, select, update

from core import jobs
from core.extensions import db
from core.jobs.models import BackgroundJob, JobState
from core.timeutil import utcnow

log = logging.getLogger(__name__)

#: A running job whose heartbeat is older than this is taken as lost and queued again.
DEFAULT_STALE_SECONDS = 120
#: Claims after which a job that keeps failing is marked failed.
MAX_ATTEMPTS = 3


def create(kind: str, params: dict, *, total: int = 0, by=None) -> BackgroundJob:
    """A queued job record (the caller commits, then :func:`jobs.enqueue` ``kind`` with its id)."""
    job = BackgroundJob(kind=kind, params=params, total=total, requested_by_id=getattr(by, "id", None))
    db.session.add(job)
    db.session.flush()
    return job


def claim(job_id: int) -> BackgroundJob | None:
    """Take the queued job for this worker (None when another has it or it is finished). Commits."""
    now = utcnow()
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.state == JobState.QUEUED.value)
        .values(state=JobState.RUNNING.value, started_at=now, heartbeat_at=now,
                attempts=BackgroundJob.attempts + 1, done=0),
        execution_options={"synchronize_session": False})
    db.session.commit()
    if result.rowcount != 1:
        return None
    job = db.session.get(BackgroundJob, job_id)
    db.session.refresh(job)
    return job


def progress(job: BackgroundJob, done: int, total: int | None = None) -> None:
    """Record how far the job got and beat (commits: call only between units of work that
    wrote nothing yet)."""
    job.done = done
    if total is not None:
        job.total = total
    job.heartbeat_at = utcnow()
    db.session.commit()


def finish(job: BackgroundJob, state: JobState, result: dict, error: str = "") -> None:
    """End the job (the caller commits together with the job's own changes)."""
    job.state = state.value
    job.result = result
    job.error = error[:2000]
    job.finished_at = utcnow()
    if state == JobState.DONE:
        job.done = job.total
    db.session.flush()


def give_back(job_id: int, error: BaseException) -> bool:
    """After an unexpected error: queue the job again for the queue's retry (True), or fail
    it for good after ``MAX_ATTEMPTS`` (False). Commits."""
    db.session.rollback()
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return False
    if job.attempts >= MAX_ATTEMPTS:
        finish(job, JobState.FAILED, {}, f"{type(error).__name__}")
        db.session.commit()
        return False
    job.state = JobState.QUEUED.value
    db.session.commit()
    return True


def recover(now=None) -> list[int]:
    """Queue again the jobs whose worker stopped beating (killed) and those queued so long ago
    that their message may have been lost. Commits."""
    now = now or utcnow()
    seconds = int(current_app.config.get("JOB_STALE_SECONDS", DEFAULT_STALE_SECONDS))
    stale = now - timedelta(seconds=seconds)
    lost = now - timedelta(seconds=600)
    rows = db.session.execute(select(BackgroundJob.id, BackgroundJob.kind).where(or_(
        (BackgroundJob.state == JobState.RUNNING.value) & or_(BackgroundJob.heartbeat_at.is_(None),
                                                              BackgroundJob.heartbeat_at < stale),
        (BackgroundJob.state == JobState.QUEUED.value) & (BackgroundJob.created_at < lost)))).all()
    if not rows:
        return []
    db.session.execute(update(BackgroundJob)
                       .where(BackgroundJob.id.in_([job_id for job_id, _ in rows]),
                              BackgroundJob.state == JobState.RUNNING.value)
                       .values(state=JobState.QUEUED.value),
                       execution_options={"synchronize_session": False})
    db.session.commit()
    for job_id, kind in rows:
        jobs.enqueue(kind, job_id)
    log.warning("重新排队的后台任务：%s", ", ".join(str(job_id) for job_id, _ in rows))
    return [job_id for job_id, _ in rows]


@jobs.periodic("jobs.recover", minutes=1)
def recover_job() -> None:
    recover()
