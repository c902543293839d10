"""Running certificate batches outside a request.

* ``flask certificates run-batches``: run every queued or interrupted batch now, in this
  process (``--watch``: keep doing so, for a deployment that runs batches in a separate
  service and sets ``CERTIFICATE_BATCH_BACKGROUND = False``).
* ``flask certificates resume-batches``: take running batches whose process is gone as
  interrupted and carry them on (``--failed``: failed ones too).
* On the first request after the app starts, interrupted batches are carried on in a worker
  thread (``CERTIFICATE_BATCH_AUTO_RESUME``; on by default, off in tests), so a restart does not
  leave a batch half done.
"""

from __future__ import annotations

import logging
import threading
import time

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


def _echo_batch(batch_id: int) -> None:
    from certificates.models_batches import CertificateBatch
    from core.extensions import db

    batch = db.session.get(CertificateBatch, batch_id)
    line = f"批次 {batch.id}（{batch}）：{batch.state_enum.label}，已生成 {batch.done}/{batch.total}"
    if batch.failed:
        line += f"，未完成 {batch.failed}"
    if batch.error:
        line += f"。{batch.error}"
    click.echo(line)


@click.command("run-batches")
@with_appcontext
@click.option("--watch", is_flag=True, help="持续运行：每隔一段时间检查新的批次")
@click.option("--interval", default=5, show_default=True, type=click.IntRange(1, 3600),
              help="检查间隔（秒），与 --watch 一起使用")
def run_batches(watch: bool, interval: int) -> None:
    """运行排队中和已中断的证书批次（颁发、生成 PDF、打包 ZIP）。"""
    from certificates.services import batches
    from core.extensions import db

    while True:
        ran = batches.run_pending()
        for batch_id in ran:
            _echo_batch(batch_id)
        db.session.remove()
        if not watch:
            if not ran:
                click.echo("没有需要运行的证书批次。")
            return
        time.sleep(interval)


@click.command("resume-batches")
@with_appcontext
@click.option("--failed", "include_failed", is_flag=True, help="失败的批次也重新运行（未完成的项重试）")
def resume_batches(include_failed: bool) -> None:
    """继续已中断的证书批次（运行进程已停止的批次视为中断）。"""
    from sqlalchemy import select

    from certificates.models_batches import BatchState, CertificateBatch
    from certificates.services import batches
    from core.extensions import db

    interrupted = batches.mark_interrupted()
    db.session.commit()
    if interrupted:
        click.echo(f"{interrupted} 个批次的运行进程已停止，标为已中断。")
    if include_failed:
        for batch in db.session.scalars(select(CertificateBatch).where(
                CertificateBatch.state == BatchState.FAILED.value)):
            try:
                batches.resume(batch, by=None)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - report and carry on with the others
                db.session.rollback()
                click.echo(f"批次 {batch.id} 不能继续：{error}", err=True)
    ran = batches.run_pending()
    for batch_id in ran:
        _echo_batch(batch_id)
    if not ran:
        click.echo("没有需要继续的证书批次。")


def _resume_on_first_request(app) -> None:
    """Carry on interrupted batches once, on this process's first request."""
    started = threading.Event()
    lock = threading.Lock()

    @app.before_request
    def resume_interrupted_batches():
        if started.is_set():
            return
        with lock:
            if started.is_set():
                return
            started.set()
        from certificates.services import batches
        from core.extensions import db

        try:
            batches.mark_interrupted()
            db.session.commit()
            pending = batches.runnable_ids()
        except SQLAlchemyError:  # e.g. before the first migration
            db.session.rollback()
            log.warning("启动时未能检查证书批次", exc_info=True)
            return
        if pending:
            log.info("继续未完成的证书批次：%s", ", ".join(map(str, pending)))
            batches.start_in_background(None)


def init_app(app) -> None:
    group = app.cli.commands.get("certificates")
    if group is None:
        group = AppGroup("certificates", help="证书。")
        app.cli.add_command(group)
    group.add_command(run_batches)
    group.add_command(resume_batches)
    if app.config.get("CERTIFICATE_BATCH_AUTO_RESUME", not app.testing):
        _resume_on_first_request(app)
