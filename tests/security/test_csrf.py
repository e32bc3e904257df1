"""CSRF on /api/*: a call signed in by the browser's session cookie must carry the X-CSRF-Token header and come from
this site; bearer-token calls are unaffected.

The walk is generated from the OpenAPI schema: every POST/PUT/PATCH/DELETE operation under /api (sign-in excepted: it
uses no session) is called with park A's real ids, like the access matrix, as

    the cookie alone (same Origin, no token)             → 403 csrf
    the cookie, a wrong token                            → 403 csrf
    the cookie, the valid token, another port's Origin   → 403 csrf
    the cookie, the valid token, a foreign Referer only  → 403 csrf
    the cookie, the valid token, no Origin nor Referer   → 403 csrf
      ... and after all of these, park A's entities and the whole audit trail are unchanged;
    a bearer token                                       → never a CSRF refusal
    the cookie, the valid token, the same Origin         → never a CSRF refusal
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import tests.security.test_access_matrix as matrix
from app.config import get_settings
from app.csrf import token_for_session
from app.db import session_scope
from app.events.models import Event
from app.users.security import COOKIE_NAME, sign_cookie
from tests.factories import PASSWORD, TestPark

UNSAFE = ("post", "put", "patch", "delete")
NO_SESSION = {("POST", "/api/auth/token")}  # signing in: no session yet, and it sets no cookie
SITE = "http://testserver"  # TestClient's own origin
OTHER_PORT = "http://testserver:8081"  # the attack of issue #11: a page on another port of the same host


def unsafe_operations(app) -> list[tuple[str, str]]:
    operations = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in item
        if method in UNSAFE
    ]
    return sorted(set(operations) - NO_SESSION, key=lambda op: (op[1], op[0]))


def session_token(park: TestPark, role: str) -> str:
    """A new session of `role`: the raw token, usable as a bearer token or inside the session cookie."""
    client: TestClient = park.client  # type: ignore[assignment]  # TestPark keeps it as a plain object
    response = client.post("/api/auth/token", data={"username": park.usernames[role], "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def cookie_headers(token: str, **extra: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={sign_cookie(token)}", **extra}


def event_count() -> int:
    with session_scope(write=False) as session:
        return session.execute(select(func.count()).select_from(Event)).scalar_one()


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and response.json().get("code") == "csrf"


@pytest.mark.slow
def test_cookie_calls_need_the_token_and_this_origin(app, client, figure) -> None:
    operations = unsafe_operations(app)
    assert len(operations) > 30, "the schema walk found too few state-changing operations"
    seed = matrix.seed_park(client)
    role = "coordinator"
    token = session_token(seed.park, role)
    valid = token_for_session(token)
    refused_cases = {
        "cookie only": cookie_headers(token, Origin=SITE),
        "wrong token": cookie_headers(token, Origin=SITE, **{"X-CSRF-Token": "0" * 64}),
        "another port's Origin": cookie_headers(token, Origin=OTHER_PORT, **{"X-CSRF-Token": valid}),
        "Origin null": cookie_headers(token, Origin="null", **{"X-CSRF-Token": valid}),
        "foreign Referer only": cookie_headers(token, Referer=f"{OTHER_PORT}/page", **{"X-CSRF-Token": valid}),
        "no Origin nor Referer": cookie_headers(token, **{"X-CSRF-Token": valid}),
    }
    problems: list[str] = []

    def call(method: str, template: str, headers: dict[str, str]):
        path = template.format(**{k: v for k, v in seed.ids.items() if "{" + k + "}" in template})
        return client.request(method, path, headers=headers, **matrix.request_kwargs(method, template, seed.ids))

    before, events_before = matrix.snapshot(seed), event_count()
    client.cookies.clear()
    for method, template in operations:
        for case, headers in refused_cases.items():
            response = call(method, template, headers)
            if not is_csrf_refusal(response):
                problems.append(f"{case}: {method} {template} → {response.status_code} {response.text[:200]}")
            elif "CSRF" not in response.json()["message_zh"] or not response.json()["message_en"]:
                problems.append(f"{case}: {method} {template}: unclear message {response.text[:200]}")
    events_after = event_count()
    after = matrix.snapshot(seed)
    assert events_after == events_before, "a refused cookie call changed the audit trail"
    assert after == before, "a refused cookie call changed park A's entities"

    # the same calls by bearer token, and by cookie with the token from this site, are not refused as CSRF
    for method, template in operations:
        # a session per call: logout (and a password change) end the session they are sent with
        bearer = {"Authorization": f"Bearer {session_token(seed.park, role)}"}
        own = session_token(seed.park, role)
        cookie = cookie_headers(own, Origin=SITE, **{"X-CSRF-Token": token_for_session(own)})
        for case, headers in (("bearer", bearer), ("cookie, token, same Origin", cookie)):
            response = call(method, template, headers)
            if is_csrf_refusal(response) or response.status_code >= 500:
                problems.append(f"{case}: {method} {template} → {response.status_code} {response.text[:200]}")
    figure(
        f"csrf: {len(operations)} state-changing /api operations × {len(refused_cases)} refused cookie cases"
        f" + bearer + cookie with token: {len(problems)} problems"
    )
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def test_same_origin_rules(park, client, monkeypatch) -> None:
    """Origin decides when present; otherwise the Referer; CARBONMS_ALLOWED_ORIGINS adds origins (a proxy's)."""
    token = session_token(park, "auditor")
    valid = {"X-CSRF-Token": token_for_session(token)}
    client.cookies.clear()

    def logout_with(**headers: str) -> int:
        return client.post("/api/auth/logout", headers=cookie_headers(token, **valid, **headers)).status_code

    assert logout_with(Origin="https://testserver") == 403  # another scheme is another origin
    assert logout_with(Origin="http://evil.example") == 403
    assert logout_with(Referer="http://evil.example/testserver") == 403
    assert logout_with(Origin="http://evil.example", Referer=f"{SITE}/documents") == 403  # Origin decides
    monkeypatch.setattr(get_settings(), "allowed_origins", "https://carbon.example.org, https://other.example.org")
    assert logout_with(Origin="https://carbon.example.org:443") == 204  # the default port is the same origin
    token = session_token(park, "auditor")
    valid = {"X-CSRF-Token": token_for_session(token)}
    assert logout_with(Referer=f"{SITE}:80/documents/1") == 204
    # a signed-out browser is told to sign in, whatever it sends
    assert client.post("/api/auth/logout", headers=cookie_headers(token, **valid, Origin=SITE)).status_code == 401


def test_bearer_calls_ignore_origin_and_a_stray_cookie(park, client) -> None:
    bearer = session_token(park, "auditor")
    cookie = session_token(park, "coordinator")
    headers = {"Authorization": f"Bearer {bearer}", "Origin": OTHER_PORT, **cookie_headers(cookie)}
    client.cookies.clear()
    response = client.post("/api/auth/logout", headers=headers)
    assert response.status_code == 204  # the bearer token's session, not the cookie's, was ended
    me = client.get("/api/users/me", headers=cookie_headers(cookie))
    assert me.status_code == 200 and me.json()["role"] == "coordinator"
