"""Archival check tests: the database dialect of the run (the audit chain fault needs a scratch database) and the
signed-in browsers of the web tests."""

import pytest

from tests.web.conftest import browser  # noqa: F401  (the browser fixture)


@pytest.fixture()
def dialect(app_env: str) -> str:
    return "sqlite" if app_env.startswith("sqlite") else "postgresql"
