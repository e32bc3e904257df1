"""Job kinds and the functions that run them.

A domain registers its handler at import time (`@handler("recognise_revision")`); `app.jobs.catalog` imports every
module that has one, and the entry points (the server, `carbonms worker`) import the catalog. A handler takes the
job's payload, opens its own sessions, and must be idempotent: it may run again after a crash or a retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], None]

_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not func:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _HANDLERS[kind] = func
        return func

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    return sorted(_HANDLERS)
