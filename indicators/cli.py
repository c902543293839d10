"""``flask indicators load-plan``: create the plan's indicators from the plan file."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.extensions import db

indicators_cli = AppGroup("indicators", help="规划指标")


@indicators_cli.command("load-plan")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="指标定义文件（默认使用内置的“十四五”职工发展规划指标）")
def load_plan(path: str | None) -> None:
    """载入规划指标定义（已存在的指标保持不变）。"""
    from indicators import services

    created, existing = services.load_plan(path)
    db.session.commit()
    click.echo(f"已新建 {created} 项指标，{existing} 项已存在未改动。")


def init_app(app) -> None:
    if "indicators" not in app.cli.commands:
        app.cli.add_command(indicators_cli)
