"""Password guessing: sign-in, electronic signatures and password change are counted in one store and throttled
per (user name, client address) and per client address, with backoff instead of locking the owner out."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import col

from app.config import get_settings
from app.db import session_scope
from app.events.models import Event
from app.users import throttle
from app.users.models import PasswordFailure
from tests.factories import PASSWORD, publish_new_document, record_upload, register, upload


def _address() -> str:
    """An address of this test alone (the store is shared by the whole run)."""
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"


@pytest.fixture()
def from_address(app):
    """TestClients whose requests come from the given (or a fresh) client address."""
    clients: list[TestClient] = []

    def make(address: str | None = None) -> TestClient:
        client = TestClient(app, client=(address or _address(), 50000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class Clock:
    """The throttle's clock, moved by hand: the backoff is stepped through without sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle, "clock", fake)
    return fake


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def actions_of(action: str, actor_name: str) -> list[dict]:
    """The `after` payloads of one user name's events of one action, oldest first."""
    with session_scope(write=False) as session:
        rows = session.execute(
            select(col(Event.after_json))
            .where(col(Event.action) == action, col(Event.actor_name) == actor_name)
            .order_by(col(Event.seq))
        ).scalars()
        return [json.loads(row) for row in rows]


def test_backoff_arithmetic(app_env, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "login_backoff_seconds", 1.0)
    monkeypatch.setattr(settings, "login_backoff_max_seconds", 900.0)
    assert [throttle.backoff_seconds(n, 5) for n in range(4, 10)] == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert throttle.backoff_seconds(15, 5) == 900.0  # 1024 s is past the ceiling
    assert throttle.backoff_seconds(10_000, 5) == 900.0


def test_the_owner_from_another_address_is_not_locked_out(park, from_address, clock):
    username = park.usernames["approver"]
    guesser, owner = from_address(), from_address()
    for _ in range(get_settings().login_max_failures):
        assert sign_in(guesser, username, "guess-wrong").status_code == 401
    throttled = sign_in(guesser, username)  # even the right password waits, from the guessing address
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert "密码错误次数过多" in throttled.json()["message_zh"]
    assert sign_in(owner, username).status_code == 200  # the owner elsewhere signs in at once
    throttled_events = actions_of("auth.login_throttled", username)
    assert len(throttled_events) == 1 and throttled_events[0]["throttled_by"] == "user_address"
    assert len(actions_of("auth.login_failed", username)) == get_settings().login_max_failures


def test_backoff_doubles_and_a_right_password_clears_it(park, from_address, clock, figure):
    username = park.usernames["auditor"]
    client = from_address()
    free = get_settings().login_max_failures
    for _ in range(free):
        assert sign_in(client, username, "guess-wrong").status_code == 401
    waits, throttled = [], 0
    for expected_wait in (1, 2, 4, 8):
        clock.advance(expected_wait - 0.5)
        early = sign_in(client, username, "guess-wrong")
        assert early.status_code == 429 and early.headers["Retry-After"] == "1"
        throttled += 1
        clock.advance(0.6)
        assert sign_in(client, username, "guess-wrong").status_code == 401  # the wait is over: one more guess
        waits.append(expected_wait)
    clock.advance(15.0)
    assert sign_in(client, username, "guess-wrong").status_code == 429  # 16 s after 9 failures
    throttled += 1
    clock.advance(1.1)
    assert sign_in(client, username).status_code == 200  # the right password, once its turn came
    assert sign_in(client, username, "guess-wrong").status_code == 401  # its pair started afresh
    assert sign_in(client, username).status_code == 200
    assert len(actions_of("auth.login_throttled", username)) == throttled
    figure(f"\nbackoff after {free} free failures: waits {waits} s, then 16 s; {throttled} throttled attempts recorded")


def test_guessing_many_user_names_from_one_address_is_slowed(park, from_address, clock, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_address_max_failures", 20)
    address = _address()
    guesser = from_address(address)
    names = [f"guess-{uuid.uuid4().hex[:8]}" for _ in range(40)]
    answers = [sign_in(guesser, name, "guess-wrong").status_code for name in names]
    assert answers[:20] == [401] * 20  # one guess per name: no (name, address) pair is ever over its limit
    assert answers[20:] == [429] * 20  # ...but the address is
    # every throttled attempt is on record, naming the address as the reason
    throttled = [actions_of("auth.login_throttled", name) for name in names[20:]]
    assert all(len(events) == 1 and events[0]["throttled_by"] == "address" for events in throttled)
    assert all(events[0]["client_address"] == address for events in throttled)
    # a real user signing in from that address waits too; from another address nobody waits
    assert sign_in(guesser, park.usernames["coordinator"]).status_code == 429
    assert sign_in(from_address(), park.usernames["coordinator"]).status_code == 200
    clock.advance(2.0)
    assert sign_in(guesser, park.usernames["coordinator"]).status_code == 200  # backoff, not a lock-out


def _in_review(park) -> int:
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision_id = upload(park, document["id"]).json()["id"]
    assert park.client.post(f"/api/revisions/{revision_id}/submit", headers=park.headers("coordinator")).is_success
    return revision_id


def test_wrong_signature_passwords_are_counted_with_sign_ins_and_throttled(park, from_address, clock):
    client = from_address()
    username = park.usernames["approver"]
    headers = park.headers("approver")
    revision_id = _in_review(park)
    assert sign_in(client, username, "guess-wrong").status_code == 401  # one wrong sign-in
    wrong_change = client.post(
        "/api/users/me/password",
        json={"old_password": "guess-wrong", "new_password": "Another-Passw0rd"},
        headers=headers,
    )
    assert wrong_change.status_code == 401  # one wrong password change
    body = {"password": "guess-wrong", "comment": "同意"}
    for _ in range(get_settings().login_max_failures - 2):
        assert client.post(f"/api/revisions/{revision_id}/review", json=body, headers=headers).status_code == 401
    right = {"password": PASSWORD, "comment": "同意"}
    throttled = client.post(f"/api/revisions/{revision_id}/review", json=right, headers=headers)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert sign_in(client, username).status_code == 429  # the same count throttles the sign-in
    change = {"old_password": PASSWORD, "new_password": "Another-Passw0rd"}
    assert client.post("/api/users/me/password", json=change, headers=headers).status_code == 429
    state = park.client.get(f"/api/revisions/{revision_id}", headers=park.headers("coordinator")).json()["state"]
    assert state == "in_review"
    # recorded: each wrong password, and each throttled attempt
    assert len(actions_of("signature.refused", username)) == get_settings().login_max_failures - 2
    assert len(actions_of("user.password_change_refused", username)) == 1
    assert len(actions_of("signature.throttled", username)) == 1
    assert len(actions_of("user.password_change_throttled", username)) == 1
    # the approver signing from their usual address is not held up
    assert park.client.post(f"/api/revisions/{revision_id}/review", json=right, headers=headers).status_code == 200


def _closable_review(park) -> int:
    from tests.audits.helpers import post

    review = post(park, "/api/reviews", "coordinator", {"review_date": "2030-01-15"})
    assert review.status_code == 201, review.text
    url = f"/api/reviews/{review.json()['id']}"
    assert post(park, f"{url}/decisions", "coordinator", {"output_item": "a", "decision": "方针继续适用"}).is_success
    return review.json()["id"]


def test_a_wrong_signature_password_gets_one_answer_whatever_the_state(park, from_address):
    """What a wrong password is told must not depend on the state: otherwise a different answer (409 in the wrong
    state, 401 in the right one) would tell which guesses were right."""
    address = _address()
    client = from_address(address)
    wrong = {"password": "guess-wrong", "comment": "同意"}
    in_review = _in_review(park)
    _document, effective = publish_new_document(park)
    answers = {
        "revision in review": client.post(
            f"/api/revisions/{in_review}/review", json=wrong, headers=park.headers("approver")
        ),
        "effective revision": client.post(
            f"/api/revisions/{effective['id']}/review", json=wrong, headers=park.headers("approver")
        ),
    }
    awaiting, filed = record_upload(park).json()["id"], record_upload(park, period="2026").json()["id"]
    confirming = {"password": PASSWORD, "comment": "确认"}
    confirmed = park.client.post(f"/api/records/{filed}/approve", json=confirming, headers=park.headers("approver"))
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "filed", confirmed.text
    for name, record_id in (("record awaiting confirmation", awaiting), ("filed record", filed)):
        answers[name] = client.post(f"/api/records/{record_id}/approve", json=wrong, headers=park.headers("approver"))
    draft_review, closed_review = _closable_review(park), _closable_review(park)
    closing = {"password": PASSWORD, "comment": "同意"}
    closed = park.client.post(
        f"/api/reviews/{closed_review}/close", json=closing, headers=park.headers("top_management")
    )
    assert closed.status_code == 200, closed.text
    for name, review_id in (("draft review", draft_review), ("closed review", closed_review)):
        answers[name] = client.post(
            f"/api/reviews/{review_id}/close", json=wrong, headers=park.headers("top_management")
        )
    expected = (401, answers["revision in review"].json())
    assert {name: (r.status_code, r.json()) for name, r in answers.items()} == dict.fromkeys(answers, expected)
    assert "电子签名需要再次输入您的密码" in expected[1]["message_zh"]
    # and the right password in the wrong state is a different, honest answer
    right = {"password": PASSWORD, "comment": "同意"}
    late = client.post(f"/api/reviews/{closed_review}/close", json=right, headers=park.headers("top_management"))
    assert late.status_code == 409
    # each wrong password was counted, also those refused after a lookup had opened the request's transaction
    with session_scope(write=False) as session:
        counted = session.execute(
            select(col(PasswordFailure.kind)).where(
                col(PasswordFailure.username) == park.usernames["approver"],
                col(PasswordFailure.client_address) == address,
            )
        ).scalars()
        assert list(counted) == ["signature"] * 4  # two revisions, two records


def test_an_ipv6_client_counts_per_64_network(app_env):
    assert (
        throttle.address_key("2001:db8:1:2::1") == throttle.address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert throttle.address_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert throttle.address_key("::ffff:192.0.2.7") == throttle.address_key("192.0.2.7") == "192.0.2.7"
    assert throttle.address_key("testclient") == "testclient"


def test_stepping_through_ipv6_addresses_does_not_reset_the_count(park, from_address, clock):
    network = f"2001:db8:{uuid.uuid4().int % 65000:x}:1"
    username = park.usernames["top_management"]
    for host in range(get_settings().login_max_failures):
        assert sign_in(from_address(f"{network}::{host + 1:x}"), username, "guess-wrong").status_code == 401
    assert sign_in(from_address(f"{network}::beef"), username).status_code == 429  # the same /64
    assert sign_in(from_address(f"{network[:-1]}2::1"), username).status_code == 200  # the owner's own network
