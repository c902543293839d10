"""Command-line tools: ``flask seed-demo`` and ``flask create-admin``."""

from __future__ import annotations

import click
from flask import current_app

from core.extensions import db


def init_app(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="只在数据库为空时加载")
    def seed_demo(if_empty: bool) -> None:
        """加载演示数据（工会、企业、职工和每个角色一个演示账号）。"""
        import importlib
        import importlib.util

        from core import demo

        if current_app.config.get("ENV_NAME") == "production":
            raise click.ClickException(
                "生产环境（APP_CONFIG=production）不能加载演示数据：演示账号使用公开的密码。"
                "请用 flask create-admin 创建第一个管理员。")
        feature_demos = [importlib.import_module(f"{name}.demo") for name in current_app.config["FEATURES"]
                         if importlib.util.find_spec(f"{name}.demo")]
        if not demo.database_is_empty():
            if not if_empty:
                raise click.ClickException("数据库已有数据，未加载演示数据。")
            click.echo("数据库已有数据，跳过演示数据。")
        else:
            demo.load()
            for module in feature_demos:
                module.load()
            for module in feature_demos:  # what builds on several features' data
                if hasattr(module, "load_late"):
                    module.load_late()
            db.session.commit()
            click.echo("已加载演示数据：16 个区总工会、5 个产业工会、20 家企业、200 名职工。")
        click.echo(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        logins = demo.describe_logins() + [row for m in feature_demos for row in getattr(m, "EXTRA_LOGINS", [])]
        for username, role in logins:
            click.echo(f"  {username:<12} {role}")

    @app.cli.command("reencrypt-personal-data")
    @click.option("--batch-size", default=500, show_default=True, help="每批处理的记录数")
    def reencrypt_personal_data(batch_size: int) -> None:
        """用当前（第一个）DATA_ENCRYPTION_KEY 重新加密全部身份证号，并按 ID_LOOKUP_KEY 重写查重哈希。

        轮换密钥：DATA_ENCRYPTION_KEY="新密钥,旧密钥" 部署后运行本命令，完成后去掉旧密钥。
        可重复运行，中断后再次运行即可继续。
        """
        from core.audit import services as audit
        from core.people import services as people

        after, changed = 0, 0
        while True:
            last, count = people.reencrypt_batch(after, max(1, batch_size))
            if last is None:
                break
            db.session.commit()
            changed += count
            after = last
        audit.record("worker.reencrypt", None, by=None, label="reencrypt-personal-data",
                     changes={"records": [None, changed]})
        db.session.commit()
        click.echo(f"已重新加密 {changed} 条职工身份证号记录，其余已是当前密钥。")

    @app.cli.command("create-admin")
    @click.option("--username", prompt="用户名")
    @click.option("--name", "display_name", prompt="姓名")
    @click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码")
    def create_admin(username: str, display_name: str, password: str) -> None:
        """创建管理员账号（用于新的生产数据库）。"""
        from core.accounts import services
        from core.errors import DomainError
        from core.roles import Role

        try:
            services.create_account(services.AccountData(
                username=username, display_name=display_name, roles=[Role.ADMIN.value],
            ), password, by=None)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(f"已创建管理员 {username}。")

    @app.cli.command("routes-access")
    def routes_access() -> None:
        """列出每个路由及其访问权限。"""
        for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
            view = current_app.view_functions[rule.endpoint]
            access = getattr(view, "access_rule", None)
            click.echo(f"{rule.rule:<45} {access.describe() if access else 'static'}")
