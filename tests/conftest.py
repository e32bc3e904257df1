"""One database per run (SQLite, and PostgreSQL when reachable: always in CI), migrated with Alembic.

Tests do not share rows: each builds its own park with `park_factory`, so the real commits of the request
session are exercised instead of being faked with a wrapping transaction.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import PG_ADMIN_URL, create_database, drop_database, postgres_reachable

# Cheap argon2 for the test run only (never in production): hashing stays out of the way of the suite's time.
os.environ.setdefault("CARBONMS_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("CARBONMS_ARGON2_TIME_COST", "1")
# Index inline so a test sees its change in search at once; tests/search covers the background indexer too.
os.environ.setdefault("CARBONMS_SEARCH_INDEX_ASYNC", "false")
os.environ.setdefault("CARBONMS_JOBS_ASYNC", "false")
# Rendering previews (LibreOffice: seconds per .docx) after every upload would slow the whole suite; the preview tests
# switch them on for themselves (tests/previews/test_previews.py).
os.environ.setdefault("CARBONMS_PREVIEWS_ENABLED", "false")
# Every TestClient request comes from one address ("testclient"), and schemathesis alone sends it thousands of wrong
# passwords: the per-address throttle would slow every later test. tests/core/test_throttle.py lowers it again.
os.environ.setdefault("CARBONMS_LOGIN_ADDRESS_MAX_FAILURES", "1000000")
# The scale-out switch (`make test-scaleout`): CARBONMS_TEST_BLOB=s3 keeps the run's blobs in a bucket of a real
# S3-compatible server (SeaweedFS, started by the `seaweed` fixture) instead of the local folder.
# The whole scale-out stack (`make test-scaleout`): CARBONMS_TEST_STACK=scaleout runs on PostgreSQL only, with the blobs
# in S3 as above and the search index in PostgreSQL (CARBONMS_SEARCH_BACKEND=postgres). Jobs still run inline after
# the commit: tests/jobs sends them through Redis to real workers itself, tests/scaleout runs the whole stack.
STACK = os.environ.get("CARBONMS_TEST_STACK", "embedded")
BLOB_BACKEND = os.environ.get("CARBONMS_TEST_BLOB", "s3" if STACK == "scaleout" else "local")

__all__ = ["PG_ADMIN_URL"]

FIGURE = "figure"
_figures: list[str] = []


@pytest.fixture()
def figure(record_property):
    """Report a measured figure: printed in a section at the end of the run (also from pytest-xdist workers,
    whose own output is not shown), e.g. figure("access matrix: 1014 cells, 0 problems")."""

    def report(text: str) -> None:
        record_property(FIGURE, text.strip())

    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _figures.extend(value for name, value in report.user_properties if name == FIGURE)


def pytest_terminal_summary(terminalreporter) -> None:
    if _figures:
        terminalreporter.section("figures printed by the tests")
        for line in _figures:
            terminalreporter.write_line(line)


def _database_params() -> list:
    if STACK == "scaleout":
        return [pytest.param("postgresql", id="postgresql")]
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("CI") or postgres_reachable():
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(scope="session")
def seaweed():
    """The run's SeaweedFS server (S3 on 127.0.0.1), started on first use and stopped at the end."""
    from tests.support.seaweed import seaweed_server

    with seaweed_server() as server:
        yield server


def _build_whoosh_index() -> None:
    """tests/search runs its Whoosh cases on this PostgreSQL database too, but start-up builds only the configured
    backend's index (here PostgreSQL's): the Whoosh files are made once here."""
    from app.config import get_settings
    from app.search import service

    settings = get_settings()
    settings.search_backend = "whoosh"
    try:
        service.ensure_index()
    finally:
        settings.search_backend = "postgres"


@pytest.fixture(scope="session", params=_database_params())
def app_env(request: pytest.FixtureRequest) -> Iterator[str]:
    """Configure the app for one database, migrate it, load the clause map; yields the URL."""
    from app import config, db

    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-test-"))
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'test.db'}"
    else:
        pg_name, url = create_database(PG_ADMIN_URL, prefix="carbonms_test")
    keys = ("CARBONMS_DATABASE_URL", "CARBONMS_DATA_DIR", "CARBONMS_SECRET_KEY", "CARBONMS_BLOB_URL")
    keys += ("CARBONMS_SEARCH_BACKEND",)
    saved = {key: os.environ.get(key) for key in keys}
    os.environ["CARBONMS_BLOB_URL"] = request.getfixturevalue("seaweed").url() if BLOB_BACKEND == "s3" else ""
    if STACK == "scaleout":
        os.environ["CARBONMS_SEARCH_BACKEND"] = "postgres" if pg_name else "whoosh"
    os.environ["CARBONMS_DATABASE_URL"] = url
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ["CARBONMS_SECRET_KEY"] = "test-secret-key"
    config.get_settings.cache_clear()
    db.dispose_engines()
    from app.cli import initialise

    initialise()
    if STACK == "scaleout" and pg_name:
        _build_whoosh_index()
    try:
        yield url
    finally:
        db.dispose_engines()
        config.get_settings.cache_clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if pg_name:
            drop_database(pg_name, PG_ADMIN_URL)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def app(app_env: str):
    from app.main import create_app

    return create_app()


@pytest.fixture()
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def park_factory(app_env: str, client):
    from tests.factories import make_park

    def factory(**kwargs):
        return make_park(client, **kwargs)

    return factory


@pytest.fixture()
def park(park_factory):
    return park_factory()


@pytest.fixture()
def other_park(park_factory):
    return park_factory()
