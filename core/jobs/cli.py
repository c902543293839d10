"""``flask jobs worker``: the process that runs background jobs (several may run at once, on
several machines, when ``HUEY_URL`` is Redis); ``flask jobs status``: what is queued."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

group = AppGroup("jobs", help="后台任务（Huey）。")


@group.command("worker")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="本进程内并行执行任务的线程数")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="运行定时任务（接续中断的工作）")
@click.option("--metrics-port", type=click.IntRange(1, 65535),
              help="在 127.0.0.1 的此端口提供本 worker 的 Prometheus 指标（任务耗时和失败次数）")
def worker(workers: int, periodic: bool, metrics_port: int | None) -> None:
    """运行后台任务，直到收到 SIGTERM / Ctrl+C。"""
    from core.jobs import queue

    jobs = queue()
    if jobs.immediate:
        raise click.ClickException("HUEY_URL 为 immediate：任务在提交时直接执行，无需 worker。")
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    logging.getLogger("huey").setLevel(logging.INFO)
    click.echo(f"后台任务 worker 启动（{workers} 个线程，队列 {current_app.config['HUEY_URL'].split('@')[-1]}）")
    consumer = jobs.huey.create_consumer(workers=workers, periodic=periodic, worker_type="thread",
                                         max_delay=1.0)
    consumer.run()


@group.command("status")
def status() -> None:
    """显示队列中等待的任务数。"""
    from core.jobs import queue

    click.echo(f"等待中的任务：{queue().pending()}")


def init_app(app) -> None:
    app.cli.add_command(group)
