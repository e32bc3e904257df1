"""One Alembic history for both databases, and it agrees with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.models  # noqa: F401
from app.db import get_engine, metadata


def test_models_and_migrations_agree(app_env):
    with get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_init_is_idempotent(app_env):
    from app.cli import initialise

    report = initialise()
    assert report["created"] == 0 and report["updated"] == 0
