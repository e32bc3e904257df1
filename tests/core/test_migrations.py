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


def _script_directory():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.cli import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_the_history_has_exactly_one_head():
    heads = _script_directory().get_heads()
    assert len(heads) == 1, f"Alembic history has {len(heads)} heads {heads}: add a merge revision"


def test_init_upgrades_to_the_single_head(monkeypatch):
    """`carbonms init` asks for `head` (singular): a second head must fail loudly, not be applied silently."""
    from alembic import command

    from app import cli

    targets: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda config, target: targets.append(target))
    cli.migrate()
    assert targets == ["head"]


def test_the_migrated_database_is_at_the_head(app_env):
    from alembic.runtime.migration import MigrationContext

    with get_engine().connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    assert set(current) == set(_script_directory().get_heads())
    assert len(current) == 1
