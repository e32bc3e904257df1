"""The search tests run on every backend the database allows: Whoosh everywhere, PostgreSQL full-text search where
the database is PostgreSQL. A test that takes `backend` runs once per (database, backend) pair."""

import pytest

from tests.conftest import _database_params


def backend_pairs() -> list:
    pairs = [pytest.param("sqlite", "whoosh", id="sqlite-whoosh")]
    if any(param.values[0] == "postgresql" for param in _database_params()):
        pairs.append(pytest.param("postgresql", "whoosh", id="postgresql-whoosh"))
        pairs.append(pytest.param("postgresql", "postgres", id="postgresql-postgres"))
    return pairs


def postgres_only() -> list:
    return [pytest.param("postgresql", id="postgresql")] if len(backend_pairs()) > 1 else []


# Grouped by database (session scope), so each database is set up once per run.
every_backend = pytest.mark.parametrize(
    ("app_env", "backend_name"), backend_pairs(), indirect=["app_env"], scope="session"
)


@pytest.fixture()
def backend(backend_name: str, monkeypatch: pytest.MonkeyPatch, app_env: str) -> str:
    """Switch the search backend for this test (entries written during the test go to it)."""
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "search_backend", backend_name)
    return backend_name


@pytest.fixture(autouse=True)
def _whoosh_unless_parametrised(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search test that does not take `backend` is about Whoosh itself (its files, locks, segments): it runs on
    Whoosh whatever the stack's default backend (the scale-out stack's is PostgreSQL)."""
    from app.config import get_settings

    if "backend" not in request.fixturenames:
        monkeypatch.setattr(get_settings(), "search_backend", "whoosh")
