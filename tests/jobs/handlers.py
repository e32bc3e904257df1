"""Job handlers for the tests, imported by the test process and by `carbonms worker --import tests.jobs.handlers`.

They leave their traces in files named by the payload, so a test can see what a worker in another process did."""

import os
import time
from pathlib import Path

from app.jobs.registry import handler


@handler("test_worker_touch")
def touch(payload: dict) -> None:
    with Path(payload["path"]).open("a", encoding="utf-8") as out:
        out.write(f"{payload['text']} {os.getpid()}\n")


@handler("test_worker_fail")
def fail(payload: dict) -> None:
    raise RuntimeError(payload["message"])


@handler("test_fail_until_fixed")
def fail_until_fixed(payload: dict) -> None:
    """Fails while the file `fixed` names does not exist (an admin fixes the cause by creating it)."""
    if not Path(payload["fixed"]).exists():
        raise RuntimeError("the cause is not fixed yet")
    Path(payload["done"]).write_text("done", encoding="utf-8")


@handler("test_worker_hang")
def hang(payload: dict) -> None:
    """The first run marks its start and never ends by itself (its worker is killed); the next one finishes."""
    first, second = Path(payload["path"] + ".first"), Path(payload["path"] + ".second")
    if not first.exists():
        first.write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(600)
        return
    second.write_text(str(os.getpid()), encoding="utf-8")
