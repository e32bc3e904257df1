"""Web test helpers: sign in through the real /login form (CSRF token included), one browser per user."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """A TestClient with its own cookies, signed in as one user of a park."""

    def __init__(self, app, park=None, role: str | None = None, lang: str | None = None) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.client.__enter__()
        if lang:
            self.client.cookies.set("lang", lang)
        if park is not None and role is not None:
            self.login(park.usernames[role])

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/login")
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
        )

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(
        self,
        url: str,
        data: dict | None = None,
        *,
        page: str | None = None,
        files=None,
        token: str | None = None,
        **kwargs,
    ):
        """POST a form with the CSRF token taken from `page` (default: the dashboard)."""
        if token is None:
            token = csrf_of(self.client.get(page or "/documents").text)
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, files=files, **kwargs)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture()
def browser(app):
    opened: list[Browser] = []

    def open_browser(park=None, role: str | None = None, lang: str | None = None) -> Browser:
        opened.append(Browser(app, park, role, lang))
        return opened[-1]

    yield open_browser
    for item in opened:
        item.close()
