"""What the `carbonms` command modules share: how a command stops with a message an operator can act on."""

from typing import NoReturn

import typer


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def reason_line(error: Exception) -> str:
    """What an operator needs beyond the user's message (the store's own answer), on a line of its own."""
    reason = getattr(error, "reason", "")
    return f"\n  {reason}" if reason else ""
