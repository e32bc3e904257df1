"""The progress bar of `carbonms reindex`: rich's (typer depends on it), with the count, the rate and the time left."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class RateColumn(ProgressColumn):
    """Revisions per second so far."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} 个/秒 rev/s" if speed else "- 个/秒 rev/s")


@contextmanager
def reindex_bar(total: int, console: Console | None = None) -> Iterator[Callable[[int], None]]:
    """A bar over `total` revisions; yields the function that advances it by a number of revisions."""
    with Progress(
        TextColumn("[bold]索引 / indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=console or Console(),
    ) as progress:
        task = progress.add_task("reindex", total=total)
        yield lambda done: progress.advance(task, done)
