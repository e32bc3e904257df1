"""The operations commands of `carbonms`: backup, restore, verification, the trail's anchors, evidence packages and
the system check, kept apart from app/cli.py so each file stays readable; `register` puts them on the one `carbonms`."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from app.cli_common import fail, reason_line
from app.config import get_settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from app.users.models import User


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
        fail(f"锚点文件不存在 / no such anchor file: {anchors}")
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
        fail(
            f"审计链在{where}断开 [{report.kind}]：{report.reason} / "
            f"chain broken at event {report.first_broken_seq} [{report.kind}]: {report.reason}",
            code=2,
        )


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


def backup(path: Path = typer.Argument(..., help="目录或 .tar 文件 / a directory, or a file ending in .tar")) -> None:
    """运行中一致性备份：数据库、文件、清单 / consistent snapshot while the server runs."""
    from app.errors import AppError
    from app.ops.backup import backup as run_backup

    try:
        manifest = run_backup(path, get_settings())
    except AppError as exc:
        fail(exc.to_dict()["detail"])
    blobs = manifest["blobs"]
    typer.echo(
        f"备份完成 / backup written: {path} — {sum(manifest['database']['counts'].values())} rows, "
        f"{blobs['count']} blobs ({blobs['total_bytes']} bytes), {blobs['extra_files']} extra files"
    )
    if manifest["problems"]:
        for problem in manifest["problems"]:
            typer.secho(f"  {problem['problem']}: {problem['sha256']}", fg=typer.colors.RED, err=True)
        fail("备份不完整：以上文件缺失或已损坏 / backup incomplete: the blobs above are missing or altered", code=2)


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
        fail(exc.to_dict()["detail"])
    typer.echo(
        f"恢复完成 / restored: {report['tables']} tables, {report['rows']} rows, {report['blobs']} blobs; "
        "请运行 carbonms reindex 重建搜索索引 / run `carbonms reindex` to rebuild the search index"
    )
    if report["problems"]:
        for problem in report["problems"]:
            typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
        fail("恢复后检查发现问题 / problems found after restoring", code=2)


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
        fail(exc.to_dict()["detail"] + reason_line(exc), code=2)
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


def _export_user(session: "Session", park_code: str | None, username: str | None) -> "User":
    """The user whose access an export from the command line uses: --user, else the park's first coordinator."""
    from sqlalchemy import select
    from sqlmodel import col

    from app.users.models import Park, Role, User
    from app.users.service import get_park_by_code

    if username:
        user = session.execute(select(User).where(col(User.username) == username)).scalars().first()
        if user is None or not user.is_active:
            fail(f"用户不存在或已停用 / no such active user: {username}")
        return user
    if park_code:
        park_row = get_park_by_code(session, park_code)
    else:
        parks = session.execute(select(Park).order_by(col(Park.id))).scalars().all()
        if len(parks) != 1:
            fail(
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
        fail("该园区没有体系管理员，请用 --user 指定 / the park has no coordinator: choose with --user")
    return user


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
        fail(exc.to_dict()["detail"])
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    typer.echo(
        f"证据包已写入 / package written: {out}（{summary.clauses} 个条款 / clauses，"
        f"{len(summary.files)} 个文件 / files）"
    )


def verify_package(path: Path = typer.Argument(..., help="证据包 .zip / the evidence package")) -> None:
    """按 manifest.json 校验证据包 / verify an evidence package against its manifest (exit 0 intact, 1 not)."""
    from app.reports.exports import verify_package as verify

    report = verify(path)
    if report.ok:
        typer.echo(f"证据包完整 / package intact: {report.checked} 个文件校验通过 / files verified")
        return
    for problem in report.problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    fail(f"证据包校验失败 / package verification failed: {len(report.problems)} 个问题 / problems")


def check_system() -> None:
    """检查扫描件文字识别所需的系统组件（Tesseract 中文模型、poppler）/ check the packages text recognition needs."""
    from app.recognition import engine as recognition_engine

    check = recognition_engine.check_system()
    typer.echo(f"tesseract: {check.tesseract or '—'} {check.engine if check.tesseract else ''}".rstrip())
    typer.echo(f"tesseract languages: {', '.join(check.languages) or '—'} (needs {recognition_engine.LANGUAGES})")
    typer.echo(f"pdftoppm (poppler): {check.pdftoppm or '—'}")
    if not check.ok:
        fail(" / ".join(check.message()))
    typer.echo("扫描件文字识别可用 / text recognition of scanned documents is available")


def register(app: typer.Typer) -> None:
    """Decorate the commands on the given app, so `carbonms` shows them under the same names as ever."""
    app.command("verify-audit-log")(verify_audit_log)
    app.command("anchor")(anchor)
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("verify")(verify)
    app.command("export-evidence")(export_evidence)
    app.command("verify-package")(verify_package)
    app.command("check-system")(check_system)
