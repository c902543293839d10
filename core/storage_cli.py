"""``flask storage``: check the storage, create the bucket, and move the files of the local
folder into object storage (before switching ``STORAGE_BACKEND`` to ``s3``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from core import storage

group = AppGroup("storage", help="文件存储（本地目录或 S3 兼容对象存储）。")


def _s3_target() -> storage.S3Storage:
    config = dict(current_app.config)
    config["STORAGE_BACKEND"] = "s3"
    if not config.get("S3_BUCKET"):
        raise click.ClickException("请先设置 S3_BUCKET、S3_ENDPOINT_URL 和访问密钥。")
    target = storage.backend_for(config)
    assert isinstance(target, storage.S3Storage)
    return target


@group.command("check")
def check() -> None:
    """检查当前存储是否可读写。"""
    backend = storage.storage()
    try:
        backend.check()
    except storage.StorageError as error:
        raise click.ClickException(f"存储不可用（{backend.describe()}）：{error}") from None
    click.echo(f"存储可用：{backend.describe()}")


@group.command("create-bucket")
def create_bucket() -> None:
    """创建 S3_BUCKET（已存在则不变）。"""
    target = _s3_target()
    target.create_bucket()
    click.echo(f"存储桶可用：{target.describe()}")


@group.command("copy-to-s3")
@click.option("--delete-local", is_flag=True, help="逐个校验一致后删除本地文件")
def copy_to_s3(delete_local: bool) -> None:
    """把 UPLOAD_FOLDER 中的全部文件复制到对象存储（逐个按 SHA-256 校验；可重复运行）。"""
    source = storage.LocalStorage(current_app.config["UPLOAD_FOLDER"])
    target = _s3_target()
    try:
        target.check()
    except storage.StorageError as error:
        raise click.ClickException(f"对象存储不可用（{target.describe()}）：{error}") from None
    copied, skipped = storage.copy_all(source, target, log=click.echo)
    click.echo(f"已复制 {copied} 个文件，{skipped} 个已存在且一致。")
    if delete_local:
        removed = 0
        for obj in list(source.list()):
            if storage.sha256_of(obj.key, target) == storage.sha256_of(obj.key, source):
                source.delete(obj.key)
                removed += 1
        click.echo(f"已删除 {removed} 个本地文件。")
    click.echo("下一步：设置 STORAGE_BACKEND=s3 并重启应用和 worker。")


def init_app(app) -> None:
    app.cli.add_command(group)
