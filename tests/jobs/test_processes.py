"""Several processes share what must be shared: the named lock (advisory lock on PostgreSQL, a Redis lock when Redis
is set, a file lock on SQLite), sign-in throttling (in the database), and `serve --workers N` refuses SQLite."""

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app import config
from app.cli import app as cli
from app.config import get_settings
from app.db import get_engine
from app.locks import lock_key, named_lock
from app.users import throttle
from tests.jobs.conftest import REDIS_URL, ROOT

HOLDER = """
import sys
from app.locks import named_lock
with named_lock(sys.argv[1]) as held:
    print("held" if held else "not held", flush=True)
    sys.stdin.readline()
"""

RECORDER = """
import sys
from app.db import new_session
from app.users import throttle
session = new_session()
for _ in range(int(sys.argv[3])):
    throttle.record_failure(session, username=sys.argv[1], client_address=sys.argv[2], kind="sign_in")
session.close()
"""


def _python(code: str, *args: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=dict(os.environ), text=True, **options)


def _advisory_locks(key: int) -> int:
    with get_engine().connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        ).scalar_one()


@pytest.mark.parametrize("with_redis", [False, True], ids=["database", "redis"])
def test_a_named_lock_excludes_another_process(app, monkeypatch, with_redis: bool) -> None:
    if with_redis:  # PostgreSQL keeps its advisory lock; SQLite then locks in Redis
        monkeypatch.setenv("CARBONMS_REDIS_URL", REDIS_URL)
        config.get_settings.cache_clear()
    name = f"test:{uuid.uuid4().hex}"
    holder = _python(HOLDER, name, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        with named_lock(name, wait=False) as held:
            assert held is False  # the other process has it
        if get_engine().dialect.name == "postgresql":
            assert _advisory_locks(lock_key(name)) == 1  # held by the other process's connection
        with named_lock(f"{name}:other", wait=False) as held:
            assert held is True  # another name is another lock
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0
    finally:
        holder.kill()
        config.get_settings.cache_clear()
    with named_lock(name, wait=False) as held:
        assert held is True  # released with its holder
        if get_engine().dialect.name == "postgresql":
            assert _advisory_locks(lock_key(name)) == 1
    with named_lock(name) as held:  # and released here again
        assert held is True


def test_sign_in_throttling_is_shared_between_processes(app) -> None:
    """Failures another server process counted slow down this one: they are rows in the database."""
    username, address = f"guess-{uuid.uuid4().hex[:8]}", f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    failures = get_settings().login_max_failures + 10
    recorder = _python(RECORDER, username, address, str(failures))
    assert recorder.wait(timeout=120) == 0
    wait = throttle.wait_for(username, address)
    assert wait.key == "user_address"
    assert wait.seconds > get_settings().login_backoff_max_seconds - 120  # at the ceiling (900 s), minus the run


def test_serve_refuses_several_workers_on_sqlite(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CARBONMS_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    config.get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    finally:
        monkeypatch.undo()
        config.get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "--workers > 1 needs PostgreSQL" in refused.output and "SQLite admits one writer" in refused.output
