"""Sign-in, sessions, throttling, users and the park boundary."""

from app.config import get_settings
from tests.factories import PASSWORD


def _login(park, role, password=PASSWORD):
    return park.client.post("/api/auth/token", data={"username": park.usernames[role], "password": password})


def test_token_and_me(park):
    response = _login(park, "coordinator")
    assert response.status_code == 200 and response.json()["token_type"] == "bearer"
    me = park.client.get("/api/users/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "coordinator" and me.json()["role_zh"] == "体系管理员"
    assert me.json()["park_code"] == park.code


def test_bad_sign_in_is_recorded_and_throttled(park):
    wrong = _login(park, "approver", "nope")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.json()["detail"]
    unknown = park.client.post("/api/auth/token", data={"username": "nobody-here", "password": "x"})
    assert unknown.status_code == 401
    for _ in range(get_settings().login_max_failures - 1):
        assert _login(park, "approver", "nope").status_code == 401
    throttled = _login(park, "approver", PASSWORD)  # even the right password waits now
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    events = park.client.get(
        "/api/events?entity=login:" + park.usernames["approver"], headers=park.headers("auditor")
    ).json()
    actions = [e["action"] for e in events]
    assert actions.count("auth.login_failed") == get_settings().login_max_failures
    assert "auth.login_throttled" in actions


def test_logout_ends_the_session(park):
    token = _login(park, "auditor").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert park.client.post("/api/auth/logout", headers=headers).status_code == 204
    assert park.client.get("/api/users/me", headers=headers).status_code == 401


def test_disabling_a_user_ends_their_sessions(park):
    token = _login(park, "contributor").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    disabled = park.client.patch(
        f"/api/users/{park.user_ids['contributor']}", json={"is_active": False}, headers=park.headers("admin")
    )
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert park.client.get("/api/users/me", headers=headers).status_code == 401
    again = _login(park, "contributor")
    assert again.status_code == 401 and "停用" in again.json()["detail"]


def test_password_change_ends_sessions(park):
    token = _login(park, "approver").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    bad = park.client.post(
        "/api/users/me/password", json={"old_password": "x", "new_password": "New-Passw0rd!"}, headers=headers
    )
    assert bad.status_code == 401
    short = park.client.post(
        "/api/users/me/password", json={"old_password": PASSWORD, "new_password": "short"}, headers=headers
    )
    assert short.status_code == 422
    ok = park.client.post(
        "/api/users/me/password", json={"old_password": PASSWORD, "new_password": "New-Passw0rd!"}, headers=headers
    )
    assert ok.status_code == 204
    assert park.client.get("/api/users/me", headers=headers).status_code == 401
    assert _login(park, "approver", "New-Passw0rd!").status_code == 200


def test_user_admin_is_for_admins_of_the_same_park(park, other_park):
    body = {
        "username": f"new_{park.code.lower()}",
        "password": "Passw0rd-long",
        "role": "approver",
        "full_name": "王审核",
    }
    assert park.client.post("/api/users", json=body, headers=park.headers("coordinator")).status_code == 403
    created = park.client.post("/api/users", json=body, headers=park.headers("admin"))
    assert created.status_code == 201 and created.json()["park_id"] == park.id
    assert park.client.post("/api/users", json=body, headers=park.headers("admin")).status_code == 409
    assert (
        park.client.post("/api/users", json={**body, "role": "king"}, headers=park.headers("admin")).status_code == 422
    )
    # Another park's admin cannot see or touch this user.
    assert (
        park.client.patch(
            f"/api/users/{created.json()['id']}", json={"is_active": False}, headers=other_park.headers("admin")
        ).status_code
        == 404
    )
    names = [u["username"] for u in park.client.get("/api/users", headers=other_park.headers("admin")).json()]
    assert body["username"] not in names


def test_requests_without_or_with_a_forged_token(park):
    assert park.client.get("/api/documents").status_code == 401
    assert park.client.get("/api/documents", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert park.client.get("/api/documents", cookies={"carbonms_session": "forged"}).status_code == 401
