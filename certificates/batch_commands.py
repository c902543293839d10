"""Certificate batches from the command line (the job queue's workers do the work).

* ``flask certificates resume-batches``: take batches whose worker stopped beating as
  interrupted and queue every runnable one again (``--failed``: failed ones too). The worker's
  periodic job does the same every minute.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


@click.command("resume-batches")
@with_appcontext
@click.option("--failed", "include_failed", is_flag=True, help="失败的批次也重新运行（未完成的项重试）")
def resume_batches(include_failed: bool) -> None:
    """把已中断（处理进程已无心跳）和排队中的证书批次重新交给后台任务。"""
    from sqlalchemy import select

    from certificates.models_batches import BatchState, CertificateBatch
    from certificates.services import batches
    from core.extensions import db

    if include_failed:
        for batch in db.session.scalars(select(CertificateBatch).where(
                CertificateBatch.state == BatchState.FAILED.value)):
            try:
                batches.resume(batch, by=None)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - report and carry on with the others
                db.session.rollback()
                click.echo(f"批次 {batch.id} 不能继续：{error}", err=True)
    queued = batches.recover()
    if queued:
        click.echo(f"已重新排队的证书批次：{', '.join(map(str, queued))}")
    else:
        click.echo("没有需要继续的证书批次。")


def init_app(app) -> None:
    group = app.cli.commands.get("certificates")
    if group is None:
        group = AppGroup("certificates", help="证书。")
        app.cli.add_command(group)
    group.add_command(resume_batches)
