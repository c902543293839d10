"""``flask notifications remind``: deadline reminders, safe to run as often as wanted."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.extensions import db
from core.notifications import services

group = AppGroup("notifications", help="通知")


@group.command("remind")
def remind() -> None:
    """提醒 3 天后和 1 天后到期的截止日期（重复运行不会重复提醒）。"""
    created = services.remind()
    db.session.commit()
    click.echo(f"已发送提醒 {created} 条。")


def init_app(app) -> None:
    app.cli.add_command(group)
