"""Admission control: a bounded number of handlers at once, first come first served, 503 after the wait limit."""

import asyncio

import pytest

from app.admission import Gate
from app.errors import Busy


def run(coroutine):
    return asyncio.run(coroutine)


def test_never_more_than_the_slots_run_at_once_and_waiters_go_in_arrival_order() -> None:
    async def scenario() -> tuple[int, list[int]]:
        gate = Gate(2)
        running = peak = 0
        order: list[int] = []

        async def request(number: int) -> None:
            nonlocal running, peak
            await gate.enter(timeout=5)
            order.append(number)
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1
            gate.leave()

        tasks = []
        for number in range(8):
            tasks.append(asyncio.create_task(request(number)))
            await asyncio.sleep(0)  # each request arrives after the previous one
        await asyncio.gather(*tasks)
        assert gate.free == 2 and gate.waiting == 0
        return peak, order

    peak, order = run(scenario())
    assert peak == 2
    assert order == list(range(8))


def test_a_request_that_waits_too_long_is_told_busy_and_gives_up_its_place() -> None:
    async def scenario() -> None:
        gate = Gate(1)
        await gate.enter(timeout=1)
        with pytest.raises(Busy) as refused:
            await gate.enter(timeout=0.02)
        assert refused.value.status_code == 503
        assert refused.value.message_zh == "服务器繁忙，请稍后重试"
        assert refused.value.headers == {"Retry-After": "5"}
        gate.leave()
        assert gate.free == 1  # the expired waiter did not take (and leak) the slot
        await gate.enter(timeout=0.02)
        gate.leave()

    run(scenario())


def test_a_cancelled_waiter_never_leaks_a_slot() -> None:
    async def scenario() -> None:
        gate = Gate(1)
        await gate.enter(timeout=1)
        waiter = asyncio.create_task(gate.enter(timeout=5))
        await asyncio.sleep(0)
        gate.leave()  # the slot is handed to the waiter ...
        waiter.cancel()  # ... which is cancelled (client gone) before it runs
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert gate.free == 1 and gate.waiting == 0
        early = asyncio.create_task(gate.enter(timeout=5))
        await early
        gate.leave()
        assert gate.free == 1

    run(scenario())


def test_requests_wait_for_a_slot_and_are_refused_with_503_after_the_limit(app_env, monkeypatch) -> None:
    import httpx

    from app.admission import gate_for_loop
    from app.config import get_settings
    from app.main import create_app

    settings = get_settings()
    monkeypatch.setattr(settings, "max_active_requests", 1)
    monkeypatch.setattr(settings, "admission_timeout_seconds", 0.05)
    app = create_app()

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            gate = gate_for_loop()
            await gate.enter(timeout=1)  # another request holds the only slot
            api = await client.get("/api/clauses")
            assert api.status_code == 503, api.text
            assert api.json()["code"] == "busy" and api.headers["retry-after"] == "5"
            page = await client.get("/login")
            assert page.status_code == 503 and "服务器繁忙" in page.text
            assert page.headers["content-type"].startswith("text/html")

            settings.admission_timeout_seconds = 10
            waiting = asyncio.create_task(client.get("/login"))
            for _ in range(200):
                if gate.waiting:
                    break
                await asyncio.sleep(0.01)
            assert gate.waiting == 1 and not waiting.done()  # queued, not refused
            gate.leave()
            assert (await waiting).status_code == 200
            assert (await client.get("/api/clauses")).status_code == 401  # admitted, then asked to sign in
            assert gate.free == 1

    run(scenario())


def test_a_slow_upload_does_not_hold_a_slot_while_its_body_trickles_in(app_env, monkeypatch) -> None:
    import httpx

    from app.admission import gate_for_loop
    from app.config import get_settings
    from app.main import create_app

    monkeypatch.setattr(get_settings(), "max_active_requests", 1)
    app = create_app()
    boundary = "carbonmsboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n碳排放"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    async def scenario() -> None:
        rest_may_come = asyncio.Event()

        async def trickle():
            yield head
            await rest_may_come.wait()
            yield tail

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=10) as client:
            gate = gate_for_loop()
            upload = asyncio.create_task(
                client.post(
                    "/api/documents/1/revisions",
                    content=trickle(),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                )
            )
            await asyncio.sleep(0.05)
            assert not upload.done()
            assert gate.free == 1  # the upload is still arriving: it holds no slot ...
            assert (await client.get("/login")).status_code == 200  # ... so others are served meanwhile
            rest_may_come.set()
            assert (await upload).status_code == 401  # admitted once its body was in, then asked to sign in
            assert gate.free == 1

    run(scenario())
