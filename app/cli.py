"""The carbonms command: init, serve, demo, create-park, create-user, readiness, verify-audit-log."""

import getpass
import json
import sys
from pathlib import Path

import typer

from app.config import get_settings

app = typer.Typer(help="carbonms：产业园区碳排放管理体系文件控制系统 / park carbon management document control",
                  no_args_is_help=True, add_completion=False)

ROOT = Path(__file__).resolve().parent.parent


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(config, "heads")


def initialise() -> dict:
    """Migrate to head and load the clause map; running it twice changes nothing."""
    from app.clauses.schema import load_clause_map
    from app.clauses.service import sync_clause_map
    from app.db import session_scope

    settings = get_settings()
    for folder in (settings.data_dir, settings.blob_dir, settings.tmp_dir):
        folder.mkdir(parents=True, exist_ok=True)
    migrate()
    clause_map = load_clause_map(settings.clause_map_path)
    with session_scope() as session:
        report = sync_clause_map(session, clause_map)
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "retired": report.retired, "links_added": len(report.links_added),
            "links_removed": len(report.links_removed)}


@app.command()
def init() -> None:
    """迁移数据库并载入条款映射 / migrate the database and load the clause map."""
    from app.clauses.schema import ClauseMapError

    try:
        report = initialise()
    except ClauseMapError as exc:
        _fail(str(exc))
    typer.echo(f"数据库已迁移，条款映射已载入 / database migrated, clause map loaded: {report}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="listen address"),
          port: int = typer.Option(8000, help="port")) -> None:
    """启动 Web 服务 / run the web server."""
    import uvicorn

    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, proxy_headers=False)


@app.command("create-park")
def create_park(code: str, name: str) -> None:
    """创建园区 / create a park."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users import service

    try:
        with session_scope() as session:
            park = service.create_park(session, code=code, name=name)
            typer.echo(f"园区已创建 / park created: {park.code} {park.name}")
    except AppError as exc:
        _fail(exc.to_dict()["detail"])


def _read_new_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    second = getpass.getpass("再次输入 / again: ")
    if first != second:
        _fail("两次输入的密码不一致 / the passwords differ")
    return first


@app.command("create-user")
def create_user(
    username: str,
    role: str = typer.Option(..., help="admin | coordinator | approver | top_management | auditor | contributor"),
    park: str = typer.Option(..., help="park code"),
    name: str = typer.Option(None, "--name", help="姓名 / printed name"),
    unit: str = typer.Option(None, help="部门 / unit"),
) -> None:
    """创建用户（密码从标准输入读取，或在终端中输入两次）/ create a user."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users import service
    from app.users.models import Role

    try:
        role_value = Role(role)
    except ValueError:
        _fail(f"未知角色 / unknown role: {role}")
    password = _read_new_password()
    try:
        with session_scope() as session:
            park_row = service.get_park_by_code(session, park)
            user = service.create_user(session, park=park_row, username=username, password=password,
                                       role=role_value, full_name=name, unit=unit)
            typer.echo(f"用户已创建 / user created: {user.username} ({user.role})")
    except AppError as exc:
        _fail(exc.to_dict()["detail"])


@app.command()
def readiness(park: str = typer.Option(None, help="park code (default: the only park)"),
              as_json: bool = typer.Option(False, "--json", help="machine-readable JSON")) -> None:
    """显示就绪度 / show readiness per clause."""
    from app.db import session_scope
    from app.errors import AppError
    from app.readiness.service import compute_readiness, render_table
    from app.users.models import Park
    from app.users.service import get_park_by_code

    try:
        with session_scope(write=False) as session:
            if park:
                park_row = get_park_by_code(session, park)
            else:
                from sqlalchemy import select

                parks = session.execute(select(Park).order_by(Park.id)).scalars().all()
                if len(parks) != 1:
                    _fail("有多个园区，请用 --park 指定 / several parks: choose one with --park"
                          if parks else "还没有园区 / no park yet")
                park_row = parks[0]
            result = compute_readiness(session, park_id=park_row.id)
    except AppError as exc:
        _fail(exc.to_dict()["detail"])
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(render_table(result, park_name=park_row.name))


@app.command("verify-audit-log")
def verify_audit_log() -> None:
    """校验审计追踪哈希链 / verify the audit trail's hash chain."""
    from app.db import session_scope
    from app.events.service import verify_chain

    with session_scope(write=False) as session:
        report = verify_chain(session)
    if report.ok:
        typer.echo(f"审计链完整 / audit chain intact: {report.checked} events")
    else:
        _fail(f"审计链在第 {report.first_broken_seq} 条断开：{report.reason} / "
              f"chain broken at event {report.first_broken_seq}: {report.reason}", code=2)


@app.command()
def demo() -> None:
    """创建示范产业园区及各角色用户（随机密码只显示一次）/ create the demo park."""
    from app.demo import create_demo

    lines = create_demo()
    for line in lines:
        typer.echo(line)


if __name__ == "__main__":
    app()
