"""Part files of killed uploads: `carbonms verify` reports them, `--clean-orphans` and start-up remove them, and a part
file that an upload in progress holds (its lock) is left alone by both."""

import json
import os
import time
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.documents.storage import PartFile
from tests.ops.conftest import scratch_env

runner = CliRunner()


def leftover(tmp_dir: Path, name: str) -> Path:
    """A part file as a killed upload leaves it: nobody holds it, last written a while ago."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f"upload-{name}.part"
    path.write_bytes(b"PK\x03\x04 half an upload")
    past = time.time() - 30
    os.utime(path, (past, past))
    return path


def part_file_warnings(output: str) -> list[str]:
    report = json.loads(output)
    return [problem["path"] for problem in report["problems"] if problem["kind"] == "part_file"]


def test_verify_reports_part_files_and_clean_orphans_removes_them(client, dialect):
    with scratch_env(dialect):
        tmp_dir = get_settings().tmp_dir
        killed = leftover(tmp_dir, "killed")
        in_progress = PartFile(tmp_dir, max_bytes=1 << 20)
        in_progress.write(b"still arriving")
        os.utime(in_progress.path, (time.time() - 30, time.time() - 30))
        try:
            reported = runner.invoke(cli, ["verify", "--json"])
            assert reported.exit_code == 0, reported.output
            assert part_file_warnings(reported.output) == [str(killed)] and killed.exists()
            cleaned = runner.invoke(cli, ["verify", "--clean-orphans", "--json"])
            assert cleaned.exit_code == 0, cleaned.output
            assert json.loads(cleaned.output)["counts"]["part_files_removed"] == 1
            assert not killed.exists() and in_progress.path.exists()
            again = runner.invoke(cli, ["verify", "--json"])
            assert part_file_warnings(again.output) == []
        finally:
            in_progress.abort()


def test_start_up_removes_part_files_of_killed_uploads(client, dialect):
    from app.main import create_app

    with scratch_env(dialect):
        tmp_dir = get_settings().tmp_dir
        killed = [leftover(tmp_dir, "a"), leftover(tmp_dir, "b")]
        in_progress = PartFile(tmp_dir, max_bytes=1 << 20)
        os.utime(in_progress.path, (time.time() - 30, time.time() - 30))
        try:
            with TestClient(create_app()):
                assert [path.exists() for path in killed] == [False, False]
                assert in_progress.path.exists()
        finally:
            in_progress.abort()
