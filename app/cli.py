"""The carbonms command: init, serve, worker, create-park, create-user, reset-password, readiness, demo, reindex,
remind, the inventory and blobs groups; the operations commands (backup, restore, verify …) come from app/cli_ops.py."""

import getpass
import json
import sys
from pathlib import Path

import typer

from app import cli_ops
from app.cli_common import fail
from app.config import get_settings

app = typer.Typer(
    help="carbonms：产业园区碳排放管理体系文件控制系统 / park carbon management document control",
    no_args_is_help=True,
    add_completion=False,
)

ROOT = Path(__file__).resolve().parent.parent


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(config, "head")


def initialise() -> dict:
    """Migrate to head and load the clause map; running it twice changes nothing."""
    from app.blobs import get_blob_store
    from app.clauses.schema import load_clause_map
    from app.clauses.service import sync_clause_map
    from app.db import session_scope

    settings = get_settings()
    for folder in (settings.data_dir, settings.blob_dir, settings.tmp_dir):
        folder.mkdir(parents=True, exist_ok=True)
    get_blob_store()  # a wrong CARBONMS_BLOB_URL fails here, not at the first upload; creates a missing S3 bucket
    migrate()
    from app.events import keys
    from app.events.service import anchor_head

    keys.ensure_keys(settings)
    # The first anchor covers the trail as it stands (older, unkeyed events included); every later event is keyed.
    with session_scope(write=False) as session:
        anchor_head(session, only_if_none=True)
    clause_map = load_clause_map(settings.clause_map_path)
    with session_scope() as session:
        report = sync_clause_map(session, clause_map)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "retired": report.retired,
        "links_added": len(report.links_added),
        "links_removed": len(report.links_removed),
    }


@app.command()
def init() -> None:
    """迁移数据库并载入条款映射 / migrate the database and load the clause map."""
    from app.clauses.schema import ClauseMapError

    try:
        report = initialise()
    except ClauseMapError as exc:
        fail(str(exc))
    typer.echo(f"数据库已迁移，条款映射已载入 / database migrated, clause map loaded: {report}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="listen address"),
    port: int = typer.Option(8000, help="port"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="server processes (PostgreSQL only when > 1)"),
    forwarded_allow_ips: str = typer.Option(
        "",
        "--forwarded-allow-ips",
        help="load balancers whose X-Forwarded-For is trusted (comma-separated addresses); empty: none",
    ),
) -> None:
    """启动 Web 服务 / run the web server."""
    import uvicorn

    from app.uploads.protocol import HeaderTimeoutProtocol

    if workers > 1 and get_settings().resolved_database_url.startswith("sqlite"):
        fail(
            "多个服务进程需要 PostgreSQL（CARBONMS_DATABASE_URL）：SQLite 只允许一个写入者，"
            "进程内的任务线程与锁也只对一个进程有效 / "
            "--workers > 1 needs PostgreSQL (CARBONMS_DATABASE_URL): SQLite admits one writer, "
            "and the in-process job threads and locks hold for one process only"
        )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        # Behind a load balancer the sign-in throttle must count the browser's address, not the balancer's.
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=forwarded_allow_ips or None,
        http=HeaderTimeoutProtocol,
        workers=workers,
    )


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="one pass over the database, then exit (cron)"),
    burst: bool = typer.Option(False, "--burst", help="run until nothing is due or waiting, then exit"),
    imports: list[str] = typer.Option(
        [], "--import", help="also import this module's job handlers (plugins, tests); repeatable"
    ),
) -> None:
    """运行后台任务（配置 CARBONMS_REDIS_URL 时从 Redis 队列取任务）/ run the background jobs."""
    import importlib
    import logging

    from app.jobs import worker as job_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for module in imports:
        importlib.import_module(module)
    done = job_worker.run(once=once, burst=burst, echo=typer.echo)
    typer.echo(
        f"恢复 / recovered {done.recovered}，计划 / scheduled {done.scheduled}，"
        f"派发 / dispatched {done.dispatched}，运行 / ran {done.ran}"
    )


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
        fail(exc.to_dict()["detail"])


def _read_new_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    second = getpass.getpass("再次输入 / again: ")
    if first != second:
        fail("两次输入的密码不一致 / the passwords differ")
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
        fail(f"未知角色 / unknown role: {role}")
    password = _read_new_password()
    try:
        with session_scope() as session:
            park_row = service.get_park_by_code(session, park)
            user = service.create_user(
                session, park=park_row, username=username, password=password, role=role_value, full_name=name, unit=unit
            )
            typer.echo(f"用户已创建 / user created: {user.username} ({user.role})")
    except AppError as exc:
        fail(exc.to_dict()["detail"])


@app.command("reset-password")
def reset_password(
    username: str,
    park: str = typer.Option(..., help="park code (the demo park: DEMO)"),
) -> None:
    """重置用户密码（新密码从标准输入读取，或在终端中输入两次）/ reset a user's password; their sessions end."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users import service

    password = _read_new_password()
    try:
        with session_scope() as session:
            user = service.reset_password(session, park_code=park, username=username, new_password=password)
            typer.echo(f"密码已重置，该用户需重新登录 / password reset, {user.username} signs in again")
    except AppError as exc:
        fail(exc.to_dict()["detail"])


@app.command()
def readiness(
    park: str = typer.Option(None, help="park code (default: the only park)"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable JSON"),
) -> None:
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
                from sqlmodel import col

                parks = session.execute(select(Park).order_by(col(Park.id))).scalars().all()
                if len(parks) != 1:
                    fail(
                        "有多个园区，请用 --park 指定 / several parks: choose one with --park"
                        if parks
                        else "还没有园区 / no park yet"
                    )
                park_row = parks[0]
            assert park_row.id is not None  # a stored row
            result = compute_readiness(session, park_id=park_row.id)
    except AppError as exc:
        fail(exc.to_dict()["detail"])
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(render_table(result, park_name=park_row.name))


@app.command()
def demo() -> None:
    """创建示范产业园区及各角色用户（随机密码只显示一次）/ create the demo park."""
    from app.demo import create_demo
    from app.jobs import catalog as _job_catalog  # noqa: F401 - the demo's revisions get their previews and OCR queued
    from app.search import hooks as _search_hooks  # noqa: F401 - the demo documents reach the search index

    lines = create_demo()
    for line in lines:
        typer.echo(line)


@app.command()
def reindex(
    check: bool = typer.Option(
        False,
        "--check",
        help="只检查，不重建 / only compare the index with the database; exit 1 if entries are missing or stale",
    ),
    chunk: int = typer.Option(500, min=1, max=10_000, help="revisions per index commit"),
) -> None:
    """重建全文搜索索引 / rebuild the full-text search index from the database."""
    from sqlalchemy import func, select

    from app.db import session_scope
    from app.documents.models import Revision
    from app.errors import AppError
    from app.search import hooks as _search_hooks  # noqa: F401 - CLI changes reach the index too
    from app.search import service as search

    if check:
        try:
            report = search.check()
        except AppError as exc:
            fail(exc.to_dict()["detail"])
        typer.echo(
            f"数据库 {report.rows} 个版本，索引 {report.indexed} 条，队列 {report.queued} 个 / "
            f"{report.rows} revisions, {report.indexed} indexed, {report.queued} queued"
        )
        for label, ids in (
            ("缺失 / missing", report.missing),
            ("过期 / stale", report.stale),
            ("多余 / extra", report.extra),
        ):
            if ids:
                shown = ", ".join(str(i) for i in ids[:50]) + (" …" if len(ids) > 50 else "")
                typer.echo(f"{label}: {len(ids)} ({shown})")
        if not report.ok:
            fail("索引与数据库不一致，请运行 carbonms reindex / index out of step: run carbonms reindex")
        typer.echo("索引与数据库一致 / index in step with the database")
        return
    with session_scope(write=False) as session:
        total = session.execute(select(func.count()).select_from(Revision)).scalar_one()
    from app.search.progress import reindex_bar

    with reindex_bar(total) as advance:
        count = search.rebuild(progress=advance, chunk=chunk)
    typer.echo(f"已索引 {count} 个版本 / indexed {count} revisions")


@app.command()
def remind(
    today: str = typer.Option(None, "--today", help="YYYY-MM-DD (default: today, UTC)"),
    park: str = typer.Option(None, help="park code (default: every park)"),
) -> None:
    """列出（或在配置 CARBONMS_SMTP_HOST 时邮件发送）每个用户的待办与到期事项 / daily reminders, for cron."""
    from datetime import date

    from app.db import session_scope
    from app.tasks.reminders import SmtpSettings, send_reminders

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        fail("--today 须为 YYYY-MM-DD / --today must be YYYY-MM-DD")
    from app.performance.deviations import detect_parks
    from app.tasks.service import today_utc

    with session_scope() as session:  # last year's significant deviations become tasks before they are listed
        opened = detect_parks(session, year=(day or today_utc()).year - 1, park_code=park)
    if opened:
        typer.echo(f"新发现的绩效严重偏离 / significant deviations found: {opened}")
    with session_scope(write=False) as session:
        count = send_reminders(session, today=day, park_code=park, smtp=SmtpSettings.from_env(), echo=typer.echo)
    typer.echo(f"有待办的用户 / users with tasks: {count}")


def _add_domains() -> None:
    from app.inventory.cli import app as inventory_app

    app.add_typer(inventory_app, name="inventory")
    from app.ops.cli import app as blobs_app

    app.add_typer(blobs_app, name="blobs")


cli_ops.register(app)
_add_domains()

if __name__ == "__main__":
    app()
