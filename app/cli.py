"""The carbonms command: init, serve, demo, create-park, create-user, reset-password, readiness, verify-audit-log,
backup, restore, verify, worker."""

import getpass
import json
import sys
from pathlib import Path

import typer

from app.config import get_settings

app = typer.Typer(
    help="carbonms：产业园区碳排放管理体系文件控制系统 / park carbon management document control",
    no_args_is_help=True,
    add_completion=False,
)

ROOT = Path(__file__).resolve().parent.parent


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _reason(error: Exception) -> str:
    """What an operator needs beyond the user's message (the store's own answer), on a line of its own."""
    reason = getattr(error, "reason", "")
    return f"\n  {reason}" if reason else ""


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
        _fail(str(exc))
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
        _fail(
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
            user = service.create_user(
                session, park=park_row, username=username, password=password, role=role_value, full_name=name, unit=unit
            )
            typer.echo(f"用户已创建 / user created: {user.username} ({user.role})")
    except AppError as exc:
        _fail(exc.to_dict()["detail"])


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
        _fail(exc.to_dict()["detail"])


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
                    _fail(
                        "有多个园区，请用 --park 指定 / several parks: choose one with --park"
                        if parks
                        else "还没有园区 / no park yet"
                    )
                park_row = parks[0]
            assert park_row.id is not None  # a stored row
            result = compute_readiness(session, park_id=park_row.id)
    except AppError as exc:
        _fail(exc.to_dict()["detail"])
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(render_table(result, park_name=park_row.name))


@app.command("verify-audit-log")
def verify_audit_log(
    anchors: Path = typer.Option(
        None,
        "--anchors",
        help="异地保存的锚点文件副本 / a copy of the anchor file kept elsewhere (default: the local one)",
    ),
) -> None:
    """校验审计追踪哈希链及签名锚点 / verify the audit trail's hash chain against its signed anchors."""
    from app.db import session_scope
    from app.events.service import verify_trail

    if anchors is not None and not anchors.is_file():
        _fail(f"锚点文件不存在 / no such anchor file: {anchors}")
    with session_scope(write=False) as session:
        report = verify_trail(session, anchor_path=anchors)
    for warning in report.warnings:
        typer.secho(f"警告 / warning: {warning}", fg=typer.colors.YELLOW, err=True)
    if report.ok:
        typer.echo(
            f"审计链完整 / audit chain intact: {report.checked} events, "
            f"{report.anchors_checked} anchors checked (last at seq {report.last_anchor_seq})"
        )
    else:
        where = f"第 {report.first_broken_seq} 条" if report.first_broken_seq is not None else "锚点文件"
        _fail(
            f"审计链在{where}断开 [{report.kind}]：{report.reason} / "
            f"chain broken at event {report.first_broken_seq} [{report.kind}]: {report.reason}",
            code=2,
        )


@app.command()
def anchor() -> None:
    """把审计链链头签名写入锚点文件（供 cron 定时运行）/ sign the audit chain head into the anchor file (cron)."""
    from app.db import session_scope
    from app.events.service import anchor_head

    with session_scope(write=False) as session:
        written, seq = anchor_head(session)
    path = get_settings().resolved_anchor_file
    if written is None:
        typer.echo(f"链头第 {seq} 条已有锚点 / the head (seq {seq}) is already anchored: {path}")
    else:
        typer.echo(f"已写入锚点 / anchor appended to {path}: {written.as_json()}")


@app.command()
def backup(path: Path = typer.Argument(..., help="目录或 .tar 文件 / a directory, or a file ending in .tar")) -> None:
    """运行中一致性备份：数据库、文件、清单 / consistent snapshot while the server runs."""
    from app.errors import AppError
    from app.ops.backup import backup as run_backup

    try:
        manifest = run_backup(path, get_settings())
    except AppError as exc:
        _fail(exc.to_dict()["detail"])
    blobs = manifest["blobs"]
    typer.echo(
        f"备份完成 / backup written: {path} — {sum(manifest['database']['counts'].values())} rows, "
        f"{blobs['count']} blobs ({blobs['total_bytes']} bytes), {blobs['extra_files']} extra files"
    )
    if manifest["problems"]:
        for problem in manifest["problems"]:
            typer.secho(f"  {problem['problem']}: {problem['sha256']}", fg=typer.colors.RED, err=True)
        _fail("备份不完整：以上文件缺失或已损坏 / backup incomplete: the blobs above are missing or altered", code=2)


@app.command()
def restore(
    path: Path = typer.Argument(..., help="备份目录或 .tar / a backup directory or .tar"),
    keys_from: Path = typer.Option(
        None,
        "--keys-from",
        help="含审计追踪密钥 trail_key、anchor_key 的目录（如原数据目录）/ folder holding the trail's keys",
    ),
) -> None:
    """恢复到空的数据目录和空数据库 / restore a backup into an empty data folder and database."""
    from app.errors import AppError
    from app.ops.backup import restore as run_restore

    try:
        report = run_restore(path, get_settings(), keys_from=keys_from)
    except AppError as exc:
        _fail(exc.to_dict()["detail"])
    typer.echo(
        f"恢复完成 / restored: {report['tables']} tables, {report['rows']} rows, {report['blobs']} blobs; "
        "请运行 carbonms reindex 重建搜索索引 / run `carbonms reindex` to rebuild the search index"
    )
    if report["problems"]:
        for problem in report["problems"]:
            typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
        _fail("恢复后检查发现问题 / problems found after restoring", code=2)


@app.command()
def verify(
    clean_orphans: bool = typer.Option(
        False,
        "--clean-orphans",
        help="删除一分钟前的孤立文件及中断上传的临时文件 / delete orphans (older than a minute) and part files",
    ),
    as_json: bool = typer.Option(False, "--json", help="machine-readable JSON"),
) -> None:
    """校验文件哈希、版本状态、签名与审计链 / check blobs, revisions, signatures and the audit chain."""
    from app.db import session_scope
    from app.errors import AppError
    from app.ops.verify import verify as run_verify

    try:
        with session_scope(write=False) as session:
            settings = get_settings()
            report = run_verify(session, settings.blob_dir, clean_orphans=clean_orphans, tmp_dir=settings.tmp_dir)
    except AppError as exc:  # e.g. the file store is unreachable: its message, no traceback
        _fail(exc.to_dict()["detail"] + _reason(exc), code=2)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            typer.echo(problem.line())
        typer.echo(f"{report.counts} — {len(report.errors)} errors, {len(report.warnings)} warnings")
    if not report.ok:
        raise typer.Exit(1)
    if not as_json:
        typer.echo("校验通过 / all checks passed")


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
            _fail(exc.to_dict()["detail"])
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
            _fail("索引与数据库不一致，请运行 carbonms reindex / index out of step: run carbonms reindex")
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
        _fail("--today 须为 YYYY-MM-DD / --today must be YYYY-MM-DD")
    from app.performance.deviations import detect_parks
    from app.tasks.service import today_utc

    with session_scope() as session:  # last year's significant deviations become tasks before they are listed
        opened = detect_parks(session, year=(day or today_utc()).year - 1, park_code=park)
    if opened:
        typer.echo(f"新发现的绩效严重偏离 / significant deviations found: {opened}")
    with session_scope(write=False) as session:
        count = send_reminders(session, today=day, park_code=park, smtp=SmtpSettings.from_env(), echo=typer.echo)
    typer.echo(f"有待办的用户 / users with tasks: {count}")


def _export_user(session, park_code: str | None, username: str | None):
    """The user whose access an export from the command line uses: --user, else the park's first coordinator."""
    from sqlalchemy import select
    from sqlmodel import col

    from app.users.models import Park, Role, User
    from app.users.service import get_park_by_code

    if username:
        user = session.execute(select(User).where(col(User.username) == username)).scalars().first()
        if user is None or not user.is_active:
            _fail(f"用户不存在或已停用 / no such active user: {username}")
        return user
    if park_code:
        park_row = get_park_by_code(session, park_code)
    else:
        parks = session.execute(select(Park).order_by(col(Park.id))).scalars().all()
        if len(parks) != 1:
            _fail(
                "有多个园区，请用 --park 或 --user 指定 / several parks: choose with --park or --user"
                if parks
                else "还没有园区 / no park yet"
            )
        park_row = parks[0]
    user = (
        session.execute(
            select(User)
            .where(col(User.park_id) == park_row.id, col(User.role) == Role.coordinator, col(User.is_active).is_(True))
            .order_by(col(User.id))
        )
        .scalars()
        .first()
    )
    if user is None:
        _fail("该园区没有体系管理员，请用 --user 指定 / the park has no coordinator: choose with --user")
    return user


@app.command("export-evidence")
def export_evidence(
    scope: str = typer.Option("all", help="all | 章号 chapter (7) | 条款 clause (7.3.2)"),
    out: Path = typer.Option(..., "--out", help="输出 .zip 路径 / the .zip to write"),
    park: str = typer.Option(None, help="park code (default: the only park)"),
    user: str = typer.Option(
        None,
        "--user",
        help="以该用户的权限导出 / export with this user's access (default: the park's first coordinator)",
    ),
) -> None:
    """导出证据包（受控副本、index.html、manifest.json）/ export an evidence package."""
    from app.db import session_scope
    from app.errors import AppError
    from app.reports import exports

    part = out.with_name(out.name + ".part")
    try:
        with session_scope(write=False) as session:
            actor = _export_user(session, park, user)
            parsed = exports.parse_scope(session, scope)
            plan = exports.evidence_plan(session, user=actor, scope=parsed)
            with typer.progressbar(length=len(plan["revisions"]) + 1, label="打包 / packing") as bar:
                summary = exports.build_evidence_package(
                    session, user=actor, scope=parsed, target=part, progress=bar.update, plan=plan
                )
        part.replace(out)
    except AppError as exc:
        part.unlink(missing_ok=True)
        _fail(exc.to_dict()["detail"])
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    typer.echo(
        f"证据包已写入 / package written: {out}（{summary.clauses} 个条款 / clauses，"
        f"{len(summary.files)} 个文件 / files）"
    )


@app.command("verify-package")
def verify_package(path: Path = typer.Argument(..., help="证据包 .zip / the evidence package")) -> None:
    """按 manifest.json 校验证据包 / verify an evidence package against its manifest (exit 0 intact, 1 not)."""
    from app.reports.exports import verify_package as verify

    report = verify(path)
    if report.ok:
        typer.echo(f"证据包完整 / package intact: {report.checked} 个文件校验通过 / files verified")
        return
    for problem in report.problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    _fail(f"证据包校验失败 / package verification failed: {len(report.problems)} 个问题 / problems")


@app.command("check-system")
def check_system() -> None:
    """检查扫描件文字识别所需的系统组件（Tesseract 中文模型、poppler）/ check the packages text recognition needs."""
    from app.recognition import engine as recognition_engine

    check = recognition_engine.check_system()
    typer.echo(f"tesseract: {check.tesseract or '—'} {check.engine if check.tesseract else ''}".rstrip())
    typer.echo(f"tesseract languages: {', '.join(check.languages) or '—'} (needs {recognition_engine.LANGUAGES})")
    typer.echo(f"pdftoppm (poppler): {check.pdftoppm or '—'}")
    if not check.ok:
        _fail(" / ".join(check.message()))
    typer.echo("扫描件文字识别可用 / text recognition of scanned documents is available")


def _add_domains() -> None:
    from app.inventory.cli import app as inventory_app

    app.add_typer(inventory_app, name="inventory")
    from app.ops.cli import app as blobs_app

    app.add_typer(blobs_app, name="blobs")


_add_domains()

if __name__ == "__main__":
    app()
