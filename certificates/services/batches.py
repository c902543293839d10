"""Batch issuing: every certificate of a scope (a cycle, an event, a naming year, an
alliance) issued, rendered and packed into one ZIP by the job queue's workers.

* :func:`queue` (in the administrator's request) asks the source's provider
  (:mod:`certificates.sources`) for the scope's requests and stores one item per request, the
  request itself included; the view commits and queues the job ``certificates.batch.run``.
* :func:`run_batch` (that job, in ``flask jobs worker``) first *claims* the batch with one
  guarded UPDATE, so two workers never issue for one batch, then issues the pending items in
  chunks, committing after each (issuing is idempotent by source key), and queues one
  ``certificates.batch.render`` job per group of issued items, so several workers render one
  batch side by side. Each PDF goes into the shared storage (:mod:`core.storage`).
* The render job that finds nothing left to render packs the ZIP (:func:`pack`): a guarded
  move to *packing* lets only one of them do it; the ZIP is stored whole under its final key.
* Progress and a heartbeat are kept on the batch. A batch whose worker was killed stops
  beating; the periodic job ``certificates.batch.recover`` takes it as *interrupted* and
  queues it again, and the next run carries on with what is left (:func:`recover`). Nothing is
  issued twice: an item already issued keeps its certificate, and issuing the same source key
  again returns the live certificate. After ``MAX_ATTEMPTS`` claims a batch fails for good,
  with a message (the "继续" button tries again).

Services flush and never commit; the jobs here are the exception, since each is the
transaction owner of its own work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime, timedelta
from enum import Enum

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from certificates import sources
from certificates.models import Certificate, CertificateKind, CertificateStatus, HolderType
from certificates.models_batches import (
    ACTIVE_STATES,
    RUNNABLE_STATES,
    WORKING_STATES,
    BatchState,
    CertificateBatch,
    CertificateBatchItem,
    ItemState,
)
from certificates.services import issuing
from core import jobs, storage
from core.audit import services as audit
from core.config import ConfigurationError
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

log = logging.getLogger(__name__)

#: Items issued between two commits (and heartbeats).
CHUNK = 50
#: Items one render job draws (~30 ms a certificate): small enough that several workers share
#: a batch, big enough that the queue's overhead does not count.
RENDER_CHUNK = 50
#: A working batch whose heartbeat is older than this many seconds is taken as interrupted.
DEFAULT_STALE_SECONDS = 120
#: A batch still queued after this many seconds is queued again (its job may have been lost).
LOST_AFTER_SECONDS = 600
#: Claims after which a batch that keeps failing is marked failed instead of retried.
MAX_ATTEMPTS = 3
#: The storage folder of batches: ``<BATCH_PREFIX>/batch-<id>/<pdf>`` and the ZIPs beside.
BATCH_PREFIX = "certificate-batches"
#: The list of the ZIP's certificates, packed beside them.
MANIFEST_NAME = "证书清单.xlsx"


class _LostClaim(Exception):
    """Another runner took the batch over (this one was taken for dead): stop quietly."""


# --- Requests as JSON --------------------------------------------------------------------------

def request_to_json(issue_request: issuing.IssueRequest) -> dict:
    """An IssueRequest as plain JSON (details as ordered pairs)."""
    data = {}
    for f in fields(issuing.IssueRequest):
        value = getattr(issue_request, f.name)
        if f.name == "details":
            value = [[str(k), str(v)] for k, v in (value or {}).items()]
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, date):
            value = value.isoformat()
        data[f.name] = value
    return data


def request_from_json(data: dict) -> issuing.IssueRequest:
    """The IssueRequest stored by :func:`request_to_json`."""
    known = {f.name for f in fields(issuing.IssueRequest)}
    values = {key: value for key, value in data.items() if key in known}
    values["kind"] = CertificateKind(values["kind"])
    values["holder_type"] = HolderType(values["holder_type"])
    values["details"] = {str(k): str(v) for k, v in (values.get("details") or [])}
    if values.get("issued_on"):
        values["issued_on"] = date.fromisoformat(values["issued_on"])
    return issuing.IssueRequest(**values)


# --- Files ---------------------------------------------------------------------------------------

def _work_prefix(batch_id: int) -> str:
    return f"{BATCH_PREFIX}/batch-{batch_id}"


def zip_key(batch: CertificateBatch) -> str | None:
    """The batch's ZIP in the storage, or None while it is not packed (or was removed)."""
    if not batch.zip_name:
        return None
    key = f"{BATCH_PREFIX}/{batch.zip_name}"
    return key if storage.storage().size(key) is not None else None


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_file_part(text: str, limit: int = 60) -> str:
    """``text`` usable in a file name on any system (no separators or reserved characters)."""
    cleaned = _UNSAFE_NAME.sub("_", " ".join(str(text).split())).strip(". ")
    return cleaned[:limit] or "_"


def file_name(certificate: Certificate) -> str:
    """A certificate's PDF name in the ZIP: unique by serial, readable by holder."""
    return f"{safe_file_part(certificate.serial, 40)}_{safe_file_part(certificate.holder_name)}.pdf"


# --- Queueing -------------------------------------------------------------------------------------

def _request_base() -> str:
    return request.host_url[:200] if has_request_context() else ""


def _scope_key(source: str, scope_id: str) -> str:
    return f"{source}|{scope_id}"


def _unique(requests: Iterable[issuing.IssueRequest]) -> list[issuing.IssueRequest]:
    seen, unique = set(), []
    for issue_request in requests:
        if issue_request.source_key not in seen:
            seen.add(issue_request.source_key)
            unique.append(issue_request)
    return unique


def _busy_error(batch_id: int, label: str) -> DomainError:
    return DomainError(_l("“%(s)s”已有未完成的批次（第 %(n)s 号），请打开该批次查看进度或继续，"
                          "不要重复创建。", s=label, n=batch_id), field="scope")


def active_batch(source: str, scope_id: str) -> CertificateBatch | None:
    return db.session.scalar(select(CertificateBatch).where(
        CertificateBatch.active_key == _scope_key(source, scope_id)))


def queue(source: str, scope_id: str, *, by) -> CertificateBatch:
    """Queue a batch for everything issuable in a scope; nothing is issued yet."""
    with force_locale("zh"):  # the labels are kept with the batch: in Chinese, like the certificates
        scope = sources.find_scope(source, str(scope_id))
    provider = sources.get(source)
    if scope is None or provider is None:
        raise DomainError(_l("请选择要批量颁发证书的范围"), field="scope")
    requests = _unique(provider.requests(scope.scope_id))
    if not requests:
        raise DomainError(_l("“%(s)s”中没有可颁发证书的记录，未创建批次。", s=scope.label), field="scope")
    existing = active_batch(source, scope.scope_id)
    if existing is not None:
        raise _busy_error(existing.id, scope.label)
    batch = CertificateBatch(
        source=source, scope_id=scope.scope_id, scope_label=scope.label[:200],
        source_label=scope.source_label[:100], state=BatchState.QUEUED.value,
        active_key=_scope_key(source, scope.scope_id), total=len(requests),
        requested_by_id=getattr(by, "id", None), base_url=_request_base())
    batch.items = [CertificateBatchItem(position=position, source_key=issue_request.source_key,
                                        request=request_to_json(issue_request),
                                        holder_name=(issue_request.holder_name or "")[:200])
                   for position, issue_request in enumerate(requests, start=1)]
    savepoint = db.session.begin_nested()
    try:
        db.session.add(batch)
        db.session.flush()
    except IntegrityError:  # queued a moment ago from another request
        savepoint.rollback()
        existing = active_batch(source, scope.scope_id)
        raise _busy_error(existing.id if existing else 0, scope.label) from None
    savepoint.commit()
    audit.record("certificate_batch.queue", batch, by=by,
                 changes={"scope": [None, str(batch)], "total": [None, batch.total]})
    return batch


def can_resume(batch: CertificateBatch) -> bool:
    """Whether "继续" makes sense: unfinished, failed, or done with items left undone."""
    return (batch.state in (BatchState.QUEUED, BatchState.INTERRUPTED, BatchState.FAILED)
            or (batch.state == BatchState.DONE and batch.failed > 0))


def resume(batch: CertificateBatch, *, by) -> CertificateBatch:
    """Make ``batch`` runnable again; the caller commits and queues it (:func:`enqueue`). Items
    that failed are tried again (e.g. after the font was fixed); items done stay done."""
    mark_interrupted()
    db.session.refresh(batch)
    state = batch.state_enum
    if state in WORKING_STATES:
        raise DomainError(_l("该批次正在进行中，请稍候查看进度"))
    if not can_resume(batch):
        raise DomainError(_l("该批次已全部完成，无需继续"))
    if state not in ACTIVE_STATES:  # failed, or done with failures: take the scope back
        other = active_batch(batch.source, batch.scope_id)
        if other is not None and other.id != batch.id:
            raise _busy_error(other.id, batch.scope_label)
        batch.active_key = _scope_key(batch.source, batch.scope_id)
        batch.state = BatchState.QUEUED.value
        batch.finished_at = None
    batch.error = ""
    batch.attempts = 0
    for item in batch.items:
        if item.state == ItemState.FAILED:
            item.state = (ItemState.ISSUED if item.certificate_id else ItemState.PENDING).value
            item.error = ""
    savepoint = db.session.begin_nested()
    try:
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        raise _busy_error(0, batch.scope_label) from None
    savepoint.commit()
    _store_counts(batch)
    audit.record("certificate_batch.resume", batch, by=by, changes={"state": [state.value, batch.state]})
    return batch


# --- Runners --------------------------------------------------------------------------------------

def runner_name() -> str:
    """This worker process (host:pid), recorded on the batch it issues."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def enqueue(batch_id: int) -> None:
    """Queue the batch's run (commit the batch first)."""
    jobs.enqueue("certificates.batch.run", batch_id)


def mark_interrupted(now=None) -> int:
    """Working batches whose heartbeat stopped (their worker was killed or lost) become
    interrupted; the ids are queued again by :func:`recover`."""
    now = now or utcnow()
    seconds = int(current_app.config.get("CERTIFICATE_BATCH_STALE_SECONDS", DEFAULT_STALE_SECONDS))
    stale_before = now - timedelta(seconds=seconds)
    working = [s.value for s in WORKING_STATES]
    candidates = list(db.session.scalars(select(CertificateBatch.id).where(
        CertificateBatch.state.in_(working),
        or_(CertificateBatch.heartbeat_at.is_(None), CertificateBatch.heartbeat_at < stale_before))))
    if not candidates:
        return 0
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch)
        .where(CertificateBatch.id.in_(candidates), CertificateBatch.state.in_(working),
               or_(CertificateBatch.heartbeat_at.is_(None), CertificateBatch.heartbeat_at < stale_before))
        .values(state=BatchState.INTERRUPTED.value, runner=""),
        execution_options={"synchronize_session": False})
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, CertificateBatch) and instance.id in candidates:
            db.session.expire(instance)
    if result.rowcount:
        log.warning("证书批次中断（处理进程已无心跳）：%s", ", ".join(map(str, candidates)))
    return result.rowcount


def recover(now=None) -> list[int]:
    """Take silent batches as interrupted and queue them again, with batches queued long ago
    (their job may have been lost with the queue). Queuing one twice is harmless: only one
    run claims it. Commits."""
    now = now or utcnow()
    mark_interrupted(now)
    db.session.commit()
    lost_before = now - timedelta(seconds=LOST_AFTER_SECONDS)
    pending = list(db.session.scalars(select(CertificateBatch.id).where(or_(
        CertificateBatch.state == BatchState.INTERRUPTED.value,
        (CertificateBatch.state == BatchState.QUEUED.value) & (CertificateBatch.created_at < lost_before)))
        .order_by(CertificateBatch.id)))
    for batch_id in pending:
        enqueue(batch_id)
    return pending


def oldest_queued() -> datetime | None:
    """When the oldest batch still waiting for a worker was queued (the queue's lag)."""
    return db.session.scalar(select(func.min(CertificateBatch.created_at)).where(
        CertificateBatch.state.in_([BatchState.QUEUED.value, BatchState.INTERRUPTED.value])))


def _claim(batch_id: int, runner: str) -> bool:
    now = utcnow()
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch)
        .where(CertificateBatch.id == batch_id,
               CertificateBatch.state.in_([s.value for s in RUNNABLE_STATES]))
        .values(state=BatchState.RUNNING.value, runner=runner, heartbeat_at=now, error="",
                attempts=CertificateBatch.attempts + 1,
                started_at=func.coalesce(CertificateBatch.started_at, now)),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return result.rowcount == 1


def _counts(batch_id: int) -> dict:
    rows = db.session.execute(
        select(CertificateBatchItem.state, func.count(),
               func.sum(case((CertificateBatchItem.issued_new.is_(True), 1), else_=0)))
        .where(CertificateBatchItem.batch_id == batch_id).group_by(CertificateBatchItem.state)).all()
    by_state = {state: count for state, count, _new in rows}
    return {"issued": by_state.get(ItemState.ISSUED.value, 0) + by_state.get(ItemState.RENDERED.value, 0),
            "done": by_state.get(ItemState.RENDERED.value, 0),
            "failed": by_state.get(ItemState.FAILED.value, 0),
            "issued_new": sum(int(new or 0) for _state, _count, new in rows)}


def _store_counts(batch: CertificateBatch) -> None:
    db.session.flush()
    for name, value in _counts(batch.id).items():
        setattr(batch, name, value)
    db.session.flush()


def _touch(batch_id: int, holder: str | None, /, **values) -> None:
    """Heartbeat and progress, while the batch is worked on (and, with ``holder``, only while
    that runner still holds it)."""
    db.session.flush()
    condition = [CertificateBatch.id == batch_id]
    if holder is None:
        condition.append(CertificateBatch.state.in_([s.value for s in WORKING_STATES]))
    else:
        condition += [CertificateBatch.runner == holder, CertificateBatch.state == BatchState.RUNNING.value]
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch).where(*condition)
        .values(heartbeat_at=utcnow(), **_counts(batch_id), **values),
        execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        raise _LostClaim(batch_id)


def _requested_by(batch: CertificateBatch):
    from core.accounts.models import User

    return db.session.get(User, batch.requested_by_id) if batch.requested_by_id else None


def _issue_pending(batch: CertificateBatch, runner: str) -> None:
    by = _requested_by(batch)
    while True:
        items = db.session.scalars(
            select(CertificateBatchItem)
            .where(CertificateBatchItem.batch_id == batch.id,
                   CertificateBatchItem.state == ItemState.PENDING.value)
            .order_by(CertificateBatchItem.position).limit(CHUNK)).all()
        if not items:
            return
        for item in items:
            try:
                issue_request = request_from_json(item.request)
            except (KeyError, TypeError, ValueError):
                item.state, item.error = ItemState.FAILED.value, str(_l("批次中的发证请求已损坏"))
                continue
            existed = issuing.live_certificate(item.source_key) is not None
            revoked = None if existed else _revoked(item.source_key)
            if revoked is not None:
                item.state, item.error = ItemState.FAILED.value, revoked
                continue
            try:
                with db.session.begin_nested():
                    certificate = issuing.issue(issue_request, by=by)
            except DomainError as error:
                item.state, item.error = ItemState.FAILED.value, str(error)[:1000]
                continue
            item.certificate_id = certificate.id
            item.issued_new = not existed
            item.state = ItemState.ISSUED.value
        _touch(batch.id, runner)
        db.session.commit()


def _revoked(source_key: str) -> str | None:
    """Why a batch does not issue ``source_key`` again: its certificate was revoked (an
    administrator's decision a batch must not undo), or None."""
    certificate = db.session.scalar(
        select(Certificate).where(Certificate.source_key == source_key,
                                  Certificate.status == CertificateStatus.REVOKED.value)
        .order_by(Certificate.id.desc()).limit(1))
    if certificate is None:
        return None
    with force_locale("zh"):
        return str(_l("证书 %(s)s 已被撤销（%(r)s），批次不再重新颁发", s=certificate.serial,
                      r=certificate.revoke_reason[:200]))


def _render(certificates: Sequence[Certificate]) -> list[bytes]:
    """PDFs of ``certificates`` in order (``CERTIFICATE_RENDER_PROCESSES``, default 1: workers
    scale by running more of them)."""
    from certificates import pdf

    processes = int(current_app.config.get("CERTIFICATE_RENDER_PROCESSES", 1))
    return list(pdf.render_many(list(certificates), processes=processes))


def _issued_groups(batch_id: int) -> list[tuple[int, int]]:
    """Issued, unrendered items as (first, last) position ranges of ``RENDER_CHUNK`` items."""
    positions = list(db.session.scalars(
        select(CertificateBatchItem.position)
        .where(CertificateBatchItem.batch_id == batch_id,
               CertificateBatchItem.state == ItemState.ISSUED.value)
        .order_by(CertificateBatchItem.position)))
    return [(group[0], group[-1]) for group in
            (positions[i:i + RENDER_CHUNK] for i in range(0, len(positions), RENDER_CHUNK))]


def _queue_rendering(batch_id: int) -> None:
    """One render job per group of issued items; with none left, pack at once."""
    groups = _issued_groups(batch_id)
    db.session.commit()
    for first, last in groups:
        jobs.enqueue("certificates.batch.render", batch_id, first, last)
    if not groups:
        pack(batch_id)


def render_group(batch_id: int, first: int, last: int) -> None:
    """The render job: draw the issued items between positions ``first`` and ``last`` into the
    storage, then pack the ZIP when nothing is left to render. Running it twice is harmless."""
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.state_enum not in WORKING_STATES:
        return
    items = db.session.scalars(
        select(CertificateBatchItem)
        .where(CertificateBatchItem.batch_id == batch_id,
               CertificateBatchItem.state == ItemState.ISSUED.value,
               CertificateBatchItem.position.between(first, last))
        .options(joinedload(CertificateBatchItem.certificate))
        .order_by(CertificateBatchItem.position)).all()
    try:
        with _site_context(batch):
            if items:
                contents = _render([item.certificate for item in items])
                for item, content in zip(items, contents, strict=True):
                    name = file_name(item.certificate)
                    storage.put_bytes(f"{_work_prefix(batch_id)}/{name}", content)
                    item.file_name = name
                    item.state = ItemState.RENDERED.value
                _touch(batch_id, None)
                db.session.commit()
            pack(batch_id)
    except _LostClaim:
        db.session.rollback()
    except (DomainError, ConfigurationError) as error:  # e.g. no certificate font installed
        _fail(batch_id, None, str(error))


def _manifest(batch: CertificateBatch, items: Sequence[CertificateBatchItem]) -> bytes:
    from core import excel

    with force_locale("zh"):
        headers = [str(_l("序号")), str(_l("证书编号")), str(_l("持有人")), str(_l("证书类别")),
                   str(_l("荣誉")), str(_l("颁发日期")), str(_l("验证码")), str(_l("文件")),
                   str(_l("说明"))]
        rows = []
        for item in items:
            certificate = item.certificate
            if certificate is not None:
                rows.append([item.position, certificate.serial, certificate.holder_name,
                             str(certificate.kind_enum.label), certificate.snapshot.get("honour", ""),
                             certificate.issued_on, certificate.verification_code,
                             item.file_name if item.state == ItemState.RENDERED else "",
                             item.error or (str(_l("本批次新颁发")) if item.issued_new
                                            else str(_l("此前已颁发")))])
            else:
                rows.append([item.position, "", item.holder_name, "", "", None, "", "",
                             item.error or str(_l("未颁发"))])
        return excel.workbook(str(_l("证书清单")), headers, rows,
                              widths={headers[1]: 22, headers[4]: 36, headers[7]: 40, headers[8]: 40})


def pack(batch_id: int) -> bool:
    """Pack the ZIP once every item is rendered or failed; False when items are left to render
    or another runner packs. The ZIP is built in a temporary file and stored whole."""
    db.session.commit()
    left = db.session.scalar(select(func.count()).select_from(CertificateBatchItem).where(
        CertificateBatchItem.batch_id == batch_id,
        CertificateBatchItem.state.in_([ItemState.PENDING.value, ItemState.ISSUED.value])))
    if left:
        return False
    claimed: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch)
        .where(CertificateBatch.id == batch_id, CertificateBatch.state == BatchState.RUNNING.value)
        .values(state=BatchState.PACKING.value, heartbeat_at=utcnow()),
        execution_options={"synchronize_session": False})
    db.session.commit()
    if claimed.rowcount != 1:
        return False
    batch = db.session.get_one(CertificateBatch, batch_id)
    db.session.refresh(batch)
    items = db.session.scalars(
        select(CertificateBatchItem).where(CertificateBatchItem.batch_id == batch_id)
        .options(joinedload(CertificateBatchItem.certificate))
        .order_by(CertificateBatchItem.position)).all()
    rendered = [item for item in items if item.state == ItemState.RENDERED]
    if not rendered:
        first_error = next((item.error for item in items if item.error), "")
        raise DomainError(str(_l("没有生成任何证书。")) + first_error)
    backend = storage.storage()
    prefix = _work_prefix(batch_id)
    missing = []
    with tempfile.TemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for item in rendered:
                try:
                    with backend.open(f"{prefix}/{item.file_name}") as pdf_file:
                        archive.writestr(item.file_name or "", pdf_file.read())
                except (FileNotFoundError, ValueError):
                    missing.append(item)
            archive.writestr(MANIFEST_NAME, _manifest(batch, items))
        if missing:  # e.g. the working files were cleaned up meanwhile: render those again
            for item in missing:
                item.state = ItemState.ISSUED.value
            batch.state = BatchState.RUNNING.value
            db.session.commit()
            _queue_rendering(batch_id)
            return False
        name = f"certificate-batch-{batch_id}.zip"
        buffer.seek(0)
        size = backend.put(f"{BATCH_PREFIX}/{name}", buffer)
    _touch(batch_id, None, state=BatchState.DONE.value, finished_at=utcnow(), zip_name=name,
           zip_size=size, active_key=None, runner="")
    db.session.commit()
    with contextlib.suppress(OSError, storage.StorageError):
        backend.delete_prefix(prefix)
    log.info("证书批次 %s 完成", batch_id)
    return True


def _site_context(batch: CertificateBatch):
    """Certificates issued here point their verification links at the site the batch was
    queued from, unless ``PUBLIC_BASE_URL`` says where (as production must)."""
    if has_request_context() or current_app.config.get("PUBLIC_BASE_URL") or not batch.base_url:
        return contextlib.nullcontext()
    return current_app.test_request_context("/", base_url=batch.base_url)


def _fail(batch_id: int, runner: str | None, message: str) -> None:
    """Mark the batch failed (by its ``runner``, or by any job while it is worked on)."""
    db.session.rollback()
    condition = [CertificateBatch.id == batch_id]
    if runner is None:
        condition.append(CertificateBatch.state.in_([s.value for s in WORKING_STATES]))
    else:
        condition += [CertificateBatch.runner == runner, CertificateBatch.state == BatchState.RUNNING.value]
    db.session.execute(
        update(CertificateBatch).where(*condition)
        .values(state=BatchState.FAILED.value, error=message[:2000], finished_at=utcnow(),
                active_key=None, runner="", **_counts(batch_id)),
        execution_options={"synchronize_session": False})
    db.session.commit()


def _system_error_message(error: BaseException) -> str:
    with force_locale("zh"):
        return str(_l("处理时出现系统错误（%(e)s），详情见服务器日志。排除问题后可点“继续”。",
                      e=type(error).__name__))


def run_batch(batch_id: int) -> bool:
    """The run job: claim the batch, issue what is pending and queue its rendering. False when
    another runner holds it (or it is not runnable).

    An unexpected error leaves the batch interrupted and raises, so the queue retries it;
    after ``MAX_ATTEMPTS`` claims it fails with a message instead.
    """
    runner = runner_name()
    if not _claim(batch_id, runner):
        return False
    batch = db.session.get_one(CertificateBatch, batch_id)  # claimed just now
    db.session.refresh(batch)
    log.info("证书批次 %s 开始（第 %s 次，%s 项）", batch_id, batch.attempts, batch.total)
    try:
        with _site_context(batch):
            _issue_pending(batch, runner)
            _touch(batch_id, runner)
            _queue_rendering(batch_id)
    except _LostClaim:
        db.session.rollback()
        log.warning("证书批次 %s 已由其他进程接手，本进程停止", batch_id)
        return False
    except (DomainError, ConfigurationError) as error:  # e.g. no certificate font installed
        _fail(batch_id, None, str(error))
    except Exception as error:
        log.exception("证书批次 %s 处理失败", batch_id)
        if batch.attempts >= MAX_ATTEMPTS:
            _fail(batch_id, runner, _system_error_message(error))
            return True
        db.session.rollback()
        db.session.execute(update(CertificateBatch)
                           .where(CertificateBatch.id == batch_id, CertificateBatch.runner == runner)
                           .values(state=BatchState.INTERRUPTED.value, runner=""),
                           execution_options={"synchronize_session": False})
        db.session.commit()
        raise
    return True


def runnable_ids() -> list[int]:
    return list(db.session.scalars(select(CertificateBatch.id).where(
        CertificateBatch.state.in_([s.value for s in RUNNABLE_STATES])).order_by(CertificateBatch.id)))


# --- Jobs -----------------------------------------------------------------------------------------

@jobs.job("certificates.batch.run", retries=MAX_ATTEMPTS - 1, retry_delay=10)
def run_job(batch_id: int) -> None:
    run_batch(batch_id)


@jobs.job("certificates.batch.render", retries=3, retry_delay=5)
def render_job(batch_id: int, first: int, last: int) -> None:
    render_group(batch_id, first, last)


@jobs.periodic("certificates.batch.recover", minutes=1)
def recover_job() -> None:
    recovered = recover()
    if recovered:
        log.info("重新排队的证书批次：%s", ", ".join(map(str, recovered)))


# --- Reading --------------------------------------------------------------------------------------

def recent_batches(limit: int = 50) -> list[CertificateBatch]:
    return list(db.session.scalars(select(CertificateBatch).order_by(CertificateBatch.id.desc())
                                   .limit(limit).options(joinedload(CertificateBatch.requested_by))))


def failed_items(batch: CertificateBatch) -> list[CertificateBatchItem]:
    return list(db.session.scalars(select(CertificateBatchItem).where(
        CertificateBatchItem.batch_id == batch.id, CertificateBatchItem.state == ItemState.FAILED.value)
        .order_by(CertificateBatchItem.position)))


def status(batch: CertificateBatch) -> dict:
    """What the progress page polls."""
    return {"id": batch.id, "state": batch.state, "state_label": str(batch.state_enum.label),
            "total": batch.total, "issued": batch.issued, "issued_new": batch.issued_new,
            "done": batch.done, "failed": batch.failed, "percent": batch.percent,
            "finished": batch.is_finished,
            "finished_at": batch.finished_at.isoformat() + "Z" if batch.finished_at else None}
