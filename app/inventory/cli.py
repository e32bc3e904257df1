"""`carbonms inventory export|import`: the same services as the API, for scripts."""

from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy import select
from sqlmodel import Session, col

from app.inventory.models import Enterprise
from app.users.models import User

app = typer.Typer(help="碳排放数据 / the park's carbon data", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command("export")
def export(
    out: Path = typer.Argument(..., help="写入的 .xlsx / the .xlsx to write"),
    user: str = typer.Option(..., help="以该用户身份 / as this user (its park and access)"),
    year: int = typer.Option(..., help="年度 / year"),
    enterprise: str = typer.Option(None, help="统一社会信用代码：导出该企业的填报工作簿 / a blank workbook of it"),
) -> None:
    """导出园区年度清单，或某企业的填报工作簿 / export the year's inventory, or an enterprise's workbook."""
    from app.db import session_scope
    from app.errors import AppError
    from app.inventory import export as inventory_export
    from app.inventory import intake, service

    try:
        with session_scope(write=False) as session:
            actor = _user(session, user)
            service.check_year(year)
            if enterprise:
                found = _enterprise(session, actor, enterprise)
                data = intake.blank_workbook(session, enterprise=found, year=year)
            else:
                service.require_park_reader(actor)
                data = inventory_export.inventory_workbook(session, actor.park_id, year)
    except AppError as exc:
        _fail(exc.to_dict()["detail"])
    out.write_bytes(data)
    typer.echo(f"已写入 / written: {out}")


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="填好的工作簿或因子表 / the filled-in workbook, or a factor table"),
    user: str = typer.Option(..., help="以该用户身份 / as this user"),
    year: int = typer.Option(None, help="年度（工作簿）/ year (workbook)"),
    enterprise: str = typer.Option(None, help="统一社会信用代码（工作簿）/ credit code (workbook)"),
    submit: bool = typer.Option(False, help="导入后提交确认 / submit for confirmation after the import"),
    factors_code: str = typer.Option(None, "--factors", help="作为排放因子数据集导入，给出其编码 / import factors"),
    name: str = typer.Option("", help="因子数据集名称 / data set name"),
) -> None:
    """导入活动数据工作簿（全部正确才导入）或排放因子数据集 / import a workbook (all or nothing) or a factor set."""
    from app.config import get_settings
    from app.db import session_scope
    from app.documents import storage
    from app.errors import AppError
    from app.inventory import factor_import, intake, submissions
    from app.inventory.rows import RowErrors

    if not path.is_file():
        _fail(f"文件不存在 / no such file: {path}")
    settings = get_settings()
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    try:
        with session_scope() as session:
            actor = _user(session, user)
            staged = storage.stage_file(path, path.name, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)
            if factors_code:
                data_set, created = factor_import.import_data_set(
                    session, actor=actor, staged=staged, code=factors_code, name=name or factors_code
                )
                message = f"已导入排放因子数据集 {data_set.code} 第 {data_set.version} 版：{len(created)} 个因子"
            else:
                if not (year and enterprise):
                    storage.discard(staged)
                    _fail("导入工作簿需要 --year 和 --enterprise / a workbook needs --year and --enterprise")
                found = _enterprise(session, actor, enterprise)
                submission = intake.import_workbook(
                    session, actor=actor, enterprise_id=found.id or 0, year=year, staged=staged
                )
                if submit:
                    submissions.submit(session, actor=actor, submission_id=submission.id or 0)
                rows = len(submissions.submission_rows(session, submission.id or 0))
                message = f"已导入 {rows} 行，报送 #{submission.id}" + ("，已提交确认" if submit else "")
    except RowErrors as exc:
        for error in exc.errors:
            typer.secho(f"{error.sheet} 第 {error.row} 行 {error.column}：{error.message_zh}", err=True)
        _fail(f"未导入任何数据 / nothing imported: {len(exc.errors)} 处错误 / errors")
    except AppError as exc:
        _fail(exc.to_dict()["detail"])
    typer.echo(message)


def _user(session: Session, username: str) -> User:
    found = session.execute(select(User).where(col(User.username) == username)).scalars().first()
    if found is None or not found.is_active:
        _fail(f"用户不存在或已停用 / no such active user: {username}")
    return found


def _enterprise(session: Session, actor: User, credit_code: str) -> Enterprise:
    from app.inventory import service

    found = session.execute(
        select(col(Enterprise.id)).where(
            col(Enterprise.park_id) == actor.park_id, col(Enterprise.credit_code) == credit_code.strip().upper()
        )
    ).scalar()
    if found is None:
        _fail(f"企业不存在 / no such enterprise: {credit_code}")
    return service.get_enterprise(session, enterprise_id=found, user=actor)
