"""A background job's record: what was asked, how far it got, and how it ended.

Jobs with a table of their own (certificate batches) keep their progress there; the others
(e.g. a large worker import) use this one, and the web shows it on ``/jobs/<id>``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.timeutil import utcnow


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    #: The job ran and refused the input (e.g. an import with bad rows): nothing was changed.
    REFUSED = "refused"
    FAILED = "failed"

    @property
    def label(self):
        return {JobState.QUEUED: _l("排队中"), JobState.RUNNING: _l("进行中"),
                JobState.DONE: _l("已完成"), JobState.REFUSED: _l("未导入"),
                JobState.FAILED: _l("失败")}[self]


#: States after which the job never runs again.
FINISHED_STATES = frozenset({JobState.DONE, JobState.REFUSED, JobState.FAILED})


class BackgroundJob(Model):
    """One queued piece of work and its progress."""

    __tablename__ = "background_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The job's registered name, e.g. "people.import_workers".
    kind: Mapped[str] = mapped_column(sa.String(60))
    #: What the job works on, e.g. the enterprise and the stored file (JSON, never personal data).
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(16), default=JobState.QUEUED.value, index=True)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The outcome for the page: a count, problems by row, a message (JSON).
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]

    requested_by = relationship("User")

    @property
    def state_enum(self) -> JobState:
        return JobState(self.state)

    @property
    def is_finished(self) -> bool:
        return self.state_enum in FINISHED_STATES

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, 100 * self.done // self.total)
