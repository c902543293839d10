"""``flask backup create`` / ``flask backup restore`` (see :mod:`core.backup`)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

group = AppGroup("backup", help="备份与恢复（数据库和全部存储文件）。")


@group.command("create")
@click.option("--output", type=click.Path(file_okay=False), help="备份目录的上级目录（默认 BACKUP_FOLDER）")
def create(output: str | None) -> None:
    """备份数据库和全部存储文件（附清单和 SHA-256 校验值）。"""
    from core import backup

    try:
        folder = backup.create(Path(output or current_app.config["BACKUP_FOLDER"]), log=click.echo)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"备份完成：{folder}")


@group.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def restore(folder: str) -> None:
    """从备份目录恢复到空的数据库和当前存储（先校验全部文件）。"""
    from core import backup

    try:
        backup.restore(Path(folder), log=click.echo)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo("恢复完成。")


def init_app(app) -> None:
    app.cli.add_command(group)
