"""`carbonms blobs ...`: the blob store's housekeeping."""

import typer

from app.config import get_settings
from app.errors import AppError

app = typer.Typer(help="文件存储维护 / blob store housekeeping", no_args_is_help=True)

REMOVED = "已删除 / removed"


@app.command("gc")
def gc(
    grace_minutes: int = typer.Option(
        60, "--grace-minutes", min=0, help="只删除早于此分钟数的孤立文件 / remove orphans older than this many minutes"
    ),
) -> None:
    """删除无任何记录引用的孤立文件 / remove orphan blobs (in the store, referred to by nothing)."""
    from app.db import session_scope
    from app.ops.blob_gc import collect_orphans

    try:
        with session_scope(write=False) as session:
            found = collect_orphans(session, get_settings().blob_dir, grace_seconds=grace_minutes * 60)
    except AppError as exc:  # e.g. the file store is unreachable
        reason = getattr(exc, "reason", "")
        typer.secho(exc.to_dict()["detail"] + (f"\n  {reason}" if reason else ""), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    for problem in found:
        typer.echo(problem.line())
    removed = sum(REMOVED in problem.message for problem in found)
    typer.echo(
        f"孤立文件 {len(found)} 个，删除 {removed} 个 / {len(found)} orphans, {removed} removed, "
        f"{len(found) - removed} kept (younger than {grace_minutes} min)"
    )
