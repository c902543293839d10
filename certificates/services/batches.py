"""Batch issuing: every certificate of a scope (a cycle, an event, a naming year, an
alliance) issued, rendered and packed into one ZIP, in the background, resumable.

* :func:`queue` (in the administrator's request) asks the source's provider
  (:mod:`certificates.sources`) for the scope's requests and stores one item per request, the
  request itself included; the request returns at once.
* :func:`run_batch` does the work, in a worker thread started by the request
  (:func:`start_in_background`) or in ``flask certificates run-batches``. It first *claims* the
  batch with one guarded UPDATE, so two runners never work on one batch, then goes through
  the items in chunks, committing after each: issue (idempotent by source key), render the
  PDF into the batch's working folder, and finally pack the ZIP (written beside its final
  name and renamed, so a half-written ZIP is never offered).
* Every chunk also touches the batch's ``heartbeat_at``. A running batch whose runner stopped
  touching it, or whose process is gone, is *interrupted* (:func:`mark_interrupted`); running
  it again (:func:`resume`, the "继续" button, ``flask certificates resume-batches``, or the
  first request after the app starts) carries on with the items not yet done. Nothing is
  issued twice: an item already issued keeps its certificate, and issuing the same source key
  again returns the live certificate.

Services flush and never commit; the runner is the exception, since it is the transaction
owner of its own thread or command.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, timedelta
from enum import Enum
from pathlib import Path

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
    BatchState,
    CertificateBatch,
    CertificateBatchItem,
    ItemState,
)
from certificates.services import issuing
from core.audit import services as audit
from core.config import ConfigurationError
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

log = logging.getLogger(__name__)

#: Items issued between two commits (and heartbeats).
CHUNK = 50
#: Items rendered between two commits: rendering takes ~30 ms a certificate, and the
#: multi-process renderer pays off on bigger groups.
RENDER_CHUNK = 100
#: A running batch whose heartbeat is older than this many seconds is taken as interrupted.
DEFAULT_STALE_SECONDS = 120
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

def batch_folder() -> Path:
    """Where ZIPs and working files live: outside the web root, beside the uploads."""
    configured = current_app.config.get("CERTIFICATE_BATCH_FOLDER")
    folder = Path(configured) if configured else Path(current_app.config["UPLOAD_FOLDER"]) / "certificate-batches"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _work_folder(batch: CertificateBatch) -> Path:
    folder = batch_folder() / f"batch-{batch.id}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def zip_path(batch: CertificateBatch) -> Path | None:
    """The batch's ZIP on disk, or None while it is not packed (or was removed)."""
    if not batch.zip_name:
        return None
    path = batch_folder() / batch.zip_name
    return path if path.is_file() else None


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_file_part(text: str, limit: int = 60) -> str:
    """``text`` usable in a file name on any system (no separators or reserved characters)."""
    cleaned = _UNSAFE_NAME.sub("_", " ".join(str(text).split())).strip(". ")
    return cleaned[:limit] or "_"


def file_name(certificate: Certificate) -> str:
    """A certificate's PDF name in the ZIP: unique by serial, readable by holder."""
    return f"{safe_file_part(certificate.serial, 40)}_{safe_file_part(certificate.holder_name)}.pdf"


def _write_atomically(path: Path, content: bytes) -> None:
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    os.replace(part, path)


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
    """Make ``batch`` runnable again; the caller starts a runner. Items that failed are tried
    again (e.g. after the font was fixed); items done stay done."""
    mark_interrupted()
    db.session.refresh(batch)
    state = batch.state_enum
    if state == BatchState.RUNNING:
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
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident()}"


def _runner_gone(runner: str) -> bool:
    """True when ``runner`` surely no longer runs: its thread (here) or process (this host) is gone."""
    parts = (runner or "").rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return not runner
    host, pid, thread = parts[0], int(parts[1]), int(parts[2])
    if host != socket.gethostname()[:60]:
        return False  # another machine: only the heartbeat tells
    if pid == os.getpid():
        return thread not in {t.ident for t in threading.enumerate()}
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def mark_interrupted(now=None) -> int:
    """Running batches whose runner is gone (or silent too long) become interrupted."""
    now = now or utcnow()
    seconds = int(current_app.config.get("CERTIFICATE_BATCH_STALE_SECONDS", DEFAULT_STALE_SECONDS))
    stale_before = now - timedelta(seconds=seconds)
    running = db.session.execute(select(CertificateBatch.id, CertificateBatch.runner,
                                        CertificateBatch.heartbeat_at)
                                 .where(CertificateBatch.state == BatchState.RUNNING.value)).all()
    gone = [runner for _id, runner, _beat in running if _runner_gone(runner)]
    candidates = [batch_id for batch_id, runner, beat in running
                  if runner in gone or beat is None or beat < stale_before]
    if not candidates:
        return 0
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch)
        .where(CertificateBatch.id.in_(candidates), CertificateBatch.state == BatchState.RUNNING.value,
               or_(CertificateBatch.runner.in_(gone or [""]), CertificateBatch.heartbeat_at.is_(None),
                   CertificateBatch.heartbeat_at < stale_before))
        .values(state=BatchState.INTERRUPTED.value, runner=""),
        execution_options={"synchronize_session": False})
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, CertificateBatch) and instance.id in candidates:
            db.session.expire(instance)
    if result.rowcount:
        log.warning("证书批次中断（运行进程已停止）：%s", ", ".join(map(str, candidates)))
    return result.rowcount


def _claim(batch_id: int, runner: str) -> bool:
    now = utcnow()
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch)
        .where(CertificateBatch.id == batch_id,
               CertificateBatch.state.in_([s.value for s in RUNNABLE_STATES]))
        .values(state=BatchState.RUNNING.value, runner=runner, heartbeat_at=now, error="",
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


def _touch(batch_id: int, holder: str, /, **values) -> None:
    """Heartbeat and progress, only while ``holder`` (this runner) still holds the batch."""
    db.session.flush()
    result: CursorResult = db.session.execute(  # type: ignore[assignment]  # DML: a CursorResult
        update(CertificateBatch)
        .where(CertificateBatch.id == batch_id, CertificateBatch.runner == holder,
               CertificateBatch.state == BatchState.RUNNING.value)
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
    """PDFs of ``certificates`` in order, over ``CERTIFICATE_RENDER_PROCESSES`` processes
    (default 2; the renderer draws small groups in this process)."""
    from certificates import pdf

    processes = int(current_app.config.get("CERTIFICATE_RENDER_PROCESSES", 2))
    return list(pdf.render_many(list(certificates), processes=processes))


def _render_issued(batch: CertificateBatch, runner: str, work: Path) -> None:
    while True:
        items = db.session.scalars(
            select(CertificateBatchItem)
            .where(CertificateBatchItem.batch_id == batch.id,
                   CertificateBatchItem.state == ItemState.ISSUED.value)
            .options(joinedload(CertificateBatchItem.certificate))
            .order_by(CertificateBatchItem.position).limit(RENDER_CHUNK)).all()
        if not items:
            return
        for item, content in zip(items, _render([item.certificate for item in items]), strict=True):
            name = file_name(item.certificate)
            _write_atomically(work / name, content)
            item.file_name = name
            item.state = ItemState.RENDERED.value
        _touch(batch.id, runner)
        db.session.commit()


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


def _pack(batch: CertificateBatch, runner: str, work: Path) -> None:
    items = db.session.scalars(
        select(CertificateBatchItem).where(CertificateBatchItem.batch_id == batch.id)
        .options(joinedload(CertificateBatchItem.certificate))
        .order_by(CertificateBatchItem.position)).all()
    missing = [item for item in items if item.state == ItemState.RENDERED
               and not (work / (item.file_name or "")).is_file()]
    if missing:  # e.g. the working folder was cleaned up meanwhile: render those again
        for item in missing:
            item.state = ItemState.ISSUED.value
        db.session.flush()
        _render_issued(batch, runner, work)
        return _pack(batch, runner, work)
    rendered = [item for item in items if item.state == ItemState.RENDERED]
    if not rendered:
        first_error = next((item.error for item in items if item.error), "")
        raise DomainError(str(_l("没有生成任何证书。")) + first_error)
    folder = batch_folder()
    name = f"certificate-batch-{batch.id}.zip"
    part = folder / (name + ".part")
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in rendered:
            archive.write(work / str(item.file_name), arcname=item.file_name)
        archive.writestr(MANIFEST_NAME, _manifest(batch, items))
    os.replace(part, folder / name)
    now = utcnow()
    _touch(batch.id, runner, state=BatchState.DONE.value, finished_at=now, zip_name=name,
           zip_size=(folder / name).stat().st_size, active_key=None, runner="")
    db.session.commit()
    shutil.rmtree(work, ignore_errors=True)
    return None


def _site_context(batch: CertificateBatch):
    """Certificates issued here point their verification links at the site the batch was
    queued from, unless ``PUBLIC_BASE_URL`` says where (as production must)."""
    if has_request_context() or current_app.config.get("PUBLIC_BASE_URL") or not batch.base_url:
        return contextlib.nullcontext()
    return current_app.test_request_context("/", base_url=batch.base_url)


def _fail(batch_id: int, runner: str, message: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(CertificateBatch)
        .where(CertificateBatch.id == batch_id, CertificateBatch.runner == runner,
               CertificateBatch.state == BatchState.RUNNING.value)
        .values(state=BatchState.FAILED.value, error=message[:2000], finished_at=utcnow(),
                active_key=None, runner="", **_counts(batch_id)),
        execution_options={"synchronize_session": False})
    db.session.commit()


def run_batch(batch_id: int) -> bool:
    """Run one batch to its end (or failure). False when another runner holds it."""
    runner = runner_name()
    if not _claim(batch_id, runner):
        return False
    batch = db.session.get_one(CertificateBatch, batch_id)  # claimed just now
    log.info("证书批次 %s 开始（%s 项）", batch_id, batch.total)
    try:
        with _site_context(batch):
            work = _work_folder(batch)
            _issue_pending(batch, runner)
            _render_issued(batch, runner, work)
            _pack(batch, runner, work)
    except _LostClaim:
        db.session.rollback()
        log.warning("证书批次 %s 已由其他进程接手，本进程停止", batch_id)
        return False
    except (DomainError, ConfigurationError) as error:  # e.g. no certificate font installed
        _fail(batch_id, runner, str(error))
    except Exception as error:
        log.exception("证书批次 %s 处理失败", batch_id)
        with force_locale("zh"):
            message = str(_l("处理时出现系统错误（%(e)s），详情见服务器日志。排除问题后可点“继续”。",
                             e=type(error).__name__))
        _fail(batch_id, runner, message)
    log.info("证书批次 %s 结束", batch_id)
    return True


def runnable_ids() -> list[int]:
    return list(db.session.scalars(select(CertificateBatch.id).where(
        CertificateBatch.state.in_([s.value for s in RUNNABLE_STATES])).order_by(CertificateBatch.id)))


def run_pending() -> list[int]:
    """Run every queued or interrupted batch, one after another; the ids that ran."""
    mark_interrupted()
    db.session.commit()
    ran: list[int] = []
    tried: set[int] = set()
    while True:
        pending = [batch_id for batch_id in runnable_ids() if batch_id not in tried]
        if not pending:
            return ran
        tried.add(pending[0])
        if run_batch(pending[0]):
            ran.append(pending[0])


# --- Background threads ---------------------------------------------------------------------------

def _thread_main(app, batch_id: int | None) -> None:
    with app.app_context():
        try:
            if batch_id is None:
                run_pending()
            else:
                run_batch(batch_id)
        except Exception:
            log.exception("证书批次后台线程出错")
            db.session.rollback()
        finally:
            db.session.remove()


def background_enabled() -> bool:
    """``CERTIFICATE_BATCH_BACKGROUND`` (default on): the request that queues a batch starts a
    worker thread. Off: ``flask certificates run-batches --watch`` runs them."""
    return bool(current_app.config.get("CERTIFICATE_BATCH_BACKGROUND", True))


def start_in_background(batch_id: int | None = None) -> threading.Thread | None:
    """Run ``batch_id`` (None: every pending batch) in a worker thread with its own app
    context and database session. Commit the batch before calling this."""
    if not background_enabled():
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    thread = threading.Thread(target=_thread_main, args=(app, batch_id), daemon=True,
                              name=f"certificate-batch-{batch_id or 'pending'}")
    thread.start()
    return thread


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
