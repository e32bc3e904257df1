"""Archival check tests: the database dialect of the run (the audit chain fault needs a scratch database)."""

import pytest


@pytest.fixture()
def dialect(app_env: str) -> str:
    return "sqlite" if app_env.startswith("sqlite") else "postgresql"
