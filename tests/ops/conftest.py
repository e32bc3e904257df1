"""Scratch environments for the operations tests: a data folder and a database of their own.

`verify` checks the whole database and blob store, so these tests do not run against the run's shared database
(other tests commit rows there whose blobs live elsewhere on purpose).
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.databases import PG_ADMIN_URL, create_database, drop_database
from tests.support.seaweed import CREDENTIALS, fresh_bucket_url

ENV_KEYS = ("CARBONMS_DATABASE_URL", "CARBONMS_DATA_DIR", "CARBONMS_BLOB_URL")


@dataclass
class ScratchEnv:
    dialect: str
    url: str
    data_dir: Path
    blob_url: str = ""  # "" = the local folder; under CARBONMS_TEST_BLOB=s3 a new bucket of the run's server

    @property
    def env(self) -> dict[str, str]:
        return {"CARBONMS_DATABASE_URL": self.url, "CARBONMS_DATA_DIR": str(self.data_dir), **self.blob_env}

    @property
    def blob_env(self) -> dict[str, str]:
        return {"CARBONMS_BLOB_URL": self.blob_url, **(CREDENTIALS if self.blob_url else {})}


@contextmanager
def scratch_env(dialect: str, *, initialise: bool = True) -> Iterator[ScratchEnv]:
    """Point the app (settings, engines) at a new data folder and an empty database; put everything back after."""
    from app import config, db

    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-ops-"))
    pg_name = None
    if dialect == "sqlite":
        url = f"sqlite:///{data_dir / 'carbonms.db'}"
    else:
        pg_name, url = create_database(PG_ADMIN_URL, prefix="carbonms_ops")
    saved = {key: os.environ.get(key) for key in ENV_KEYS}
    blob_url = fresh_bucket_url(os.environ.get("CARBONMS_BLOB_URL", ""))
    os.environ.update({"CARBONMS_DATABASE_URL": url, "CARBONMS_DATA_DIR": str(data_dir), "CARBONMS_BLOB_URL": blob_url})
    config.get_settings.cache_clear()
    db.dispose_engines()
    try:
        if initialise:
            from app.cli import initialise as run_initialise

            run_initialise()
        yield ScratchEnv(dialect, url, data_dir, blob_url)
    finally:
        db.dispose_engines()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.get_settings.cache_clear()
        if pg_name:
            drop_database(pg_name, PG_ADMIN_URL)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture()
def dialect(app_env: str) -> str:
    return "sqlite" if app_env.startswith("sqlite") else "postgresql"
