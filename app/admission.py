"""Admission control: at most `max_active_requests` route handlers run at once; the others wait their turn in order.

Why: one Python process runs every handler under one interpreter lock, and writes are serialised (SQLite's single
writer; the audit chain's head row on PostgreSQL). With dozens of handlers running at once, the one transaction that
holds the write lock gets a small share of the interpreter and every writer behind it waits; latency then depends on
luck, not on arrival. Admitting a few handlers at a time (first come, first served) keeps the lock holder fast and
makes waiting fair. The gate is a dependency, so it is taken after the request body has arrived: a slow client
never holds a slot while it trickles its upload in. A handler about to wait for work done elsewhere (stamping a
controlled copy under its own limit) gives its slot up early with `release_slot`.
"""

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator

from fastapi import Request

from app.config import get_settings
from app.errors import Busy


class Gate:
    """A first-come-first-served counting gate for one event loop."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def active(self) -> int:
        return self.slots - self.free

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def enter(self, timeout: float) -> None:  # noqa: ASYNC109 - the gate's own deadline answers 503, not a cancellation
        """Take a slot, waiting at most `timeout` seconds (then Busy, 503)."""
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        expiry = loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.leave()  # a slot was handed over just as this request was cancelled: pass it on
            raise
        finally:
            expiry.cancel()

    def leave(self) -> None:
        """Give the slot to the longest-waiting request, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(
            Busy("服务器繁忙，请稍后重试", "The server is busy; please retry shortly", headers={"Retry-After": "5"})
        )


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gate]" = weakref.WeakKeyDictionary()


def gate_for_loop() -> Gate:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = Gate(get_settings().max_active_requests)
    return gate


class Slot:
    """One admitted request's place in the gate, given back exactly once."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.gate.leave()


async def admission(request: Request) -> AsyncIterator[None]:
    """The app-wide dependency: holds a slot from before the first dependency until the response is built."""
    gate = gate_for_loop()
    await gate.enter(get_settings().admission_timeout_seconds)
    slot = request.state.admission_slot = Slot(gate)
    try:
        yield
    finally:
        slot.release()


def release_slot(request: Request) -> None:
    """Give this request's slot to the next one now (call it on the event loop, in an `async def` route)."""
    slot: Slot | None = getattr(request.state, "admission_slot", None)
    if slot is not None:
        slot.release()
