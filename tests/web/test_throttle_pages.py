"""The web pages under the same password throttle and CSRF rules as the API."""

import uuid

from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.web.conftest import csrf_of


def _new_address() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.7"


def _browser_from_new_address(app, address: str | None = None) -> TestClient:
    client = TestClient(app, follow_redirects=False, client=(address or _new_address(), 50000))
    client.__enter__()
    return client


def _login(client: TestClient, username: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)})


def test_web_sign_in_is_throttled_per_address_with_a_page_in_words(app, park, browser) -> None:
    guessing_address = _new_address()
    guesser, owner = _browser_from_new_address(app, guessing_address), _browser_from_new_address(app)
    try:
        username = park.usernames["approver"]
        for _ in range(5):
            assert _login(guesser, username, "guess-wrong").status_code == 401
        throttled = _login(guesser, username, PASSWORD)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
        assert "text/html" in throttled.headers["content-type"] and "密码错误次数过多" in throttled.text
        signed_in = _login(owner, username, PASSWORD)
        assert signed_in.status_code == 303  # from another address: no wait
        trail = browser(park, "auditor").get("/events").text  # the audit trail names what happened, and from where
        assert "登录被限制（密码错误次数过多）" in trail and f"来源地址：{guessing_address}" in trail
    finally:
        guesser.__exit__(None, None, None)
        owner.__exit__(None, None, None)


def test_a_page_token_lets_the_pages_own_script_call_the_api(app, park) -> None:
    """What a page's script would send: the page's CSRF token in X-CSRF-Token, from this origin."""
    client = _browser_from_new_address(app)
    try:
        assert _login(client, park.usernames["auditor"], PASSWORD).status_code == 303
        token = csrf_of(client.get("/documents").text)
        refused = client.post("/api/auth/logout", headers={"Origin": "http://testserver"})
        assert refused.status_code == 403 and refused.json()["code"] == "csrf"
        done = client.post("/api/auth/logout", headers={"Origin": "http://testserver", "X-CSRF-Token": token})
        assert done.status_code == 204
        assert client.get("/api/users/me").status_code == 401
    finally:
        client.__exit__(None, None, None)
