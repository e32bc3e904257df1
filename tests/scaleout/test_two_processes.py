"""Two application processes and one worker on the scale-out stack (PostgreSQL, SeaweedFS's S3, Redis, PostgreSQL
search), each with a data folder of its own; requests alternate between the two processes.

What one process does, the other sees: a sign-in, an upload, every lifecycle step, the search entry, the preview the
worker made, a generated report and the count of wrong passwords.
"""

import hashlib
import re
import time
from collections.abc import Iterator
from datetime import date
from itertools import cycle

import httpx
import pytest

from tests.support import SAMPLES
from tests.support.stack import Stack, scaleout_stack, start_app, start_worker

pytestmark = pytest.mark.slow

PASSWORD = "Stack-Passw0rd!"
PARK = "STACK"
USERS = {"coordinator": "stack_coordinator", "approver": "stack_approver", "top_management": "stack_top"}
GUESSED = "stack_guessed"  # the throttle's user: wrong passwords only
FREE_FAILURES = 3
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
WAIT_SECONDS = 120.0  # the bound on waiting for the background indexer and the worker


@pytest.fixture(scope="module")
def stack(seaweed) -> Iterator[Stack]:
    settings = {
        "CARBONMS_PREVIEWS_ENABLED": "true",  # the worker renders them: a job through Redis
        "CARBONMS_LOGIN_MAX_FAILURES": str(FREE_FAILURES),
        "CARBONMS_LOGIN_BACKOFF_SECONDS": "600",  # the first wait is long enough that no test step outlasts it
        "CARBONMS_JOBS_POLL_SECONDS": "1",
    }
    with scaleout_stack(seaweed, settings=settings) as built:
        built.cli("create-park", PARK, "双进程测试园区")
        for role, username in [*USERS.items(), ("approver", GUESSED)]:
            built.cli("create-user", username, "--role", role, "--park", PARK, stdin=f"{PASSWORD}\n{PASSWORD}\n")
        start_app(built, "app-a")
        start_app(built, "app-b")
        start_worker(built, "worker")
        yield built


def _until(probe, what: str, stack: Stack):
    """Ask `probe()` until it returns something truthy, within WAIT_SECONDS (the failure shows the worker's log)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {WAIT_SECONDS:.0f} s; worker: {stack.log('worker')[-3000:]}")
        time.sleep(0.25)


def test_a_document_goes_through_both_processes(stack: Stack) -> None:
    a, b = (httpx.Client(base_url=base, timeout=60) for base in stack.bases)
    assert a.base_url != b.base_url
    either = cycle([a, b])

    def token(role: str) -> str:
        response = next(either).post("/api/auth/token", data={"username": USERS[role], "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    headers = {role: {"Authorization": f"Bearer {token(role)}"} for role in USERS}
    coordinator, approver, top = headers["coordinator"], headers["approver"], headers["top_management"]

    # A sign-in session made by one process is honoured by the other (bearer token and browser cookie alike).
    assert a.get("/api/users/me", headers=coordinator).json()["username"] == USERS["coordinator"]
    assert b.get("/api/users/me", headers=coordinator).json()["username"] == USERS["coordinator"]
    login_page = a.get("/login")
    csrf = CSRF.search(login_page.text)
    assert csrf is not None
    signed_in = b.post(
        "/login",
        data={"username": USERS["approver"], "password": PASSWORD, "csrf_token": csrf.group(1)},
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in login_page.cookies.items())},
    )
    assert signed_in.status_code == 303, signed_in.text
    cookie = {"carbonms_session": signed_in.cookies["carbonms_session"]}
    page = httpx.get(f"{stack.bases[0]}/documents", cookies=cookie, timeout=60)
    assert page.status_code == 200 and "文件清单" in page.text

    # Upload through A; the lifecycle's steps alternate between the processes.
    document = a.post(
        "/api/documents",
        json={"doc_type": "DATA_MANAGEMENT_RULES", "title": "双进程数据管理制度", "owner_unit": "碳管理办公室"},
        headers=coordinator,
    )
    assert document.status_code == 201, document.text
    document_id = document.json()["id"]
    content = (SAMPLES / "sample_zh.pdf").read_bytes()
    uploaded = a.post(
        f"/api/documents/{document_id}/revisions",
        files={"file": ("数据管理制度.pdf", content, "application/pdf")},
        headers=coordinator,
    )
    assert uploaded.status_code == 201, uploaded.text
    revision_id = uploaded.json()["id"]
    assert uploaded.json()["sha256"] == hashlib.sha256(content).hexdigest()
    signature = {"password": PASSWORD, "comment": "同意"}
    steps = [
        (b, "submit", coordinator, None, "in_review"),
        (a, "review", top, signature, "in_approval"),
        (b, "approve", approver, signature, "approved"),
        (a, "publish", coordinator, None, "effective"),
    ]
    for process, step, who, body, state in steps:
        response = process.post(f"/api/revisions/{revision_id}/{step}", json=body, headers=who)
        assert response.status_code == 200, f"{step}: {response.text}"
        assert response.json()["state"] == state
    assert b.get(f"/api/revisions/{revision_id}", headers=approver).json()["state"] == "effective"
    listed = b.get("/api/documents", params={"q": "双进程"}, headers=approver).json()
    assert [item["id"] for item in listed["items"]] == [document_id]

    # A's background indexer wrote the entry into PostgreSQL: B finds it.
    def found() -> list[int]:
        page = b.get("/api/search", params={"q": "内部审核程序"}, headers=approver)
        assert page.status_code == 200, page.text
        return [hit["revision_id"] for hit in page.json()["items"]]

    assert _until(found, "search through B", stack) == [revision_id]

    # Bytes uploaded through A come back through B unchanged, from the object store; the controlled copy is stamped
    # by one process and served by the other from the store.
    original = b.get(f"/api/revisions/{revision_id}/file", params={"original": "true"}, headers=approver)
    assert original.status_code == 200
    assert original.content == content
    stamped = b.get(f"/api/revisions/{revision_id}/file", headers=approver)
    assert stamped.status_code == 200 and stamped.headers["X-Original-SHA256"] == hashlib.sha256(content).hexdigest()
    again = a.get(f"/api/revisions/{revision_id}/file", headers=coordinator)
    assert again.content == stamped.content
    assert (
        again.headers["X-Copy-SHA256"] == stamped.headers["X-Copy-SHA256"] == hashlib.sha256(again.content).hexdigest()
    )

    # The preview job went through Redis to the worker; either process serves its images.
    def previews() -> dict | None:
        state = a.get(f"/api/revisions/{revision_id}/previews", headers=approver).json()
        assert state["state"] in ("pending", "ready"), state
        return state if state["state"] == "ready" else None

    assert _until(previews, "previews by the worker", stack)["pages_total"] >= 1
    thumbnail = b.get(f"/api/revisions/{revision_id}/previews/thumbnail.png", headers=approver)
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\x89PNG")
    a.close()
    b.close()


def test_a_report_made_by_one_process_is_downloaded_through_the_other(stack: Stack) -> None:
    a, b = (httpx.Client(base_url=base, timeout=120) for base in stack.bases)
    response = a.post("/api/auth/token", data={"username": USERS["coordinator"], "password": PASSWORD})
    coordinator = {"Authorization": f"Bearer {response.json()['access_token']}"}
    record = a.post("/api/reports/review/register", params={"year": date.today().year}, headers=coordinator)
    assert record.status_code == 201, record.text
    revision_id, sha256 = record.json()["revision_id"], record.json()["sha256"]
    downloaded = b.get(f"/api/revisions/{revision_id}/file", params={"original": "true"}, headers=coordinator)
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == sha256 == downloaded.headers["X-Content-SHA256"]
    assert downloaded.content.startswith(b"PK")  # a .docx
    a.close()
    b.close()


def test_wrong_passwords_count_across_both_processes(stack: Stack) -> None:
    a, b = (httpx.Client(base_url=base, timeout=60) for base in stack.bases)
    wrong = {"username": GUESSED, "password": "Wrong-Passw0rd!"}
    answers = [process.post("/api/auth/token", data=wrong).status_code for process in [a, b, a][:FREE_FAILURES]]
    assert answers == [401] * FREE_FAILURES
    refused = b.post("/api/auth/token", data=wrong)  # the fourth, on the other process than the third
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 500
    correct = a.post("/api/auth/token", data={"username": GUESSED, "password": PASSWORD})
    assert correct.status_code == 429  # this address waits, whichever process it asks
    a.close()
    b.close()
