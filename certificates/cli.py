"""``flask certificates ...``: check a certificate offline, make a signing key."""

from __future__ import annotations

import base64
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

group = AppGroup("certificates", help="证书：离线核验、生成签名密钥。")


@group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--online", "online", metavar="URL",
              help="从该网站（如 https://gj.bjzgh.org）公布的状态列表核对是否已撤销")
@click.option("--no-db", is_flag=True, help="不查本应用的数据库")
def verify_command(file: str, online: str | None, no_db: bool) -> None:
    """核验证书 PDF 或 JSON 电子证书：PDF 的电子签章（发证机构签名、覆盖整个文件）、电子证书签名、编号、撤销状态。

    退出码：0 全部通过；1 任一项不通过（证书不能视为有效）；2 文件无法读取或不是证书；
    3 本机的签章或密钥配置无效，无法核验。
    """
    from certificates import sealing, signing, verification
    from core.extensions import db

    try:
        with click.open_file(file, "rb") as handle:
            data = handle.read()
        document = verification.read_document(data)
    except OSError as exc:
        click.echo(f"无法读取文件 {file}：{exc}", err=True)
        sys.exit(2)
    except verification.UnreadableDocument as exc:
        click.echo(f"核验失败：{exc}", err=True)
        sys.exit(2)

    try:
        keys = dict(signing.keyring().public)
        known = sealing.known_certificates(current_app.config)
    except (ValueError, sealing.SealConfigurationError) as exc:
        click.echo(f"无法核验：本机的证书签名配置无效（{exc}）", err=True)
        sys.exit(3)
    lookup = None
    if online:  # the signature is still checked only against this installation's keys
        lookup = verification.status_list_lookup(online, keys)
    elif not no_db:
        try:
            db.session.execute(db.text("select 1 from certificates limit 1"))
            lookup = verification.database_lookup(db.session)
        except SQLAlchemyError:
            db.session.rollback()
            lookup = None

    report = verification.check(document, keys, lookup, known_seals=known)
    click.echo(f"证书编号：{report.serial or '（无）'}")
    if report.holder_name:
        click.echo(f"持有人：{report.holder_name}")
    for item in report.checks:
        mark = {True: "✓", False: "✗", None: "?"}[item.ok]
        click.echo(f"  {mark} {item.message}")
    if not report.valid:
        click.echo("核验未通过：该证书不能视为有效。", err=True)
        sys.exit(1)
    click.echo("核验通过。")


@group.command("generate-key")
def generate_key() -> None:
    """生成一个新的 Ed25519 签名私钥（用于 CERTIFICATE_SIGNING_KEY），并显示其公钥。"""
    from certificates import signing

    seed = base64.b64encode(os.urandom(32)).decode()
    key = signing.load_private_key(seed).public_key()
    click.echo(f"CERTIFICATE_SIGNING_KEY={seed}")
    click.echo(f"# 公钥 {signing.key_id(key)}: {base64.b64encode(signing.raw_public(key)).decode()}")
    click.echo("# 请妥善保管私钥；更换密钥时把旧公钥加入 CERTIFICATE_RETIRED_KEYS，已发证书仍可核验。")


@group.command("generate-seal")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False), help="私钥写入的文件（PEM）")
@click.option("--cert", "cert_file", required=True, type=click.Path(dir_okay=False), help="证书写入的文件（PEM）")
@click.option("--issuer", default=None, help="证书上的机构名称（默认 CERTIFICATE_ISSUER）")
def generate_seal(key_file: str, cert_file: str, issuer: str | None) -> None:
    """生成证书 PDF 电子签章用的 ECDSA P-256 私钥和自签名 X.509 证书（CERTIFICATE_PDF_KEY / _CERT）。

    已有 CA 签发的机构证书时应使用它；本命令不覆盖已存在的文件。
    """
    from pathlib import Path

    from certificates import sealing

    for path in (key_file, cert_file):
        if Path(path).exists():
            click.echo(f"文件 {path} 已存在，未做任何改动。", err=True)
            sys.exit(2)
    seal = sealing.self_signed(issuer or current_app.config["CERTIFICATE_ISSUER"])
    Path(key_file).write_bytes(seal.key_pem)
    Path(key_file).chmod(0o600)
    Path(cert_file).write_bytes(seal.chain_pem)
    click.echo(f"CERTIFICATE_PDF_KEY={key_file}")
    click.echo(f"CERTIFICATE_PDF_CERT={cert_file}")
    click.echo("# 更换签章时把旧证书加入 CERTIFICATE_PDF_KNOWN_CERTS，已签发的 PDF 仍可核验。")


def init_app(app) -> None:
    app.cli.add_command(group)
