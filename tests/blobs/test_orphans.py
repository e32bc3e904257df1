"""A blob placed by a transaction that then fails to commit is removed again (nothing in the store without its row);
whatever a killed process leaves behind is reported by `carbonms verify` and removed by `carbonms blobs gc` once it
is older than the grace period."""

import hashlib
import uuid

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from typer.testing import CliRunner

from app.blobs import get_blob_store
from app.db import session_scope
from app.documents.models import Blob
from app.errors import Conflict
from tests.factories import docx_bytes, register, upload
from tests.support import blob_stores


def _fail_the_commit_holding(sha256: str):
    def refuse(session: OrmSession) -> None:
        if session.get(Blob, sha256) is not None:  # this transaction inserted the row (nothing committed it yet)
            raise Conflict("提交失败（测试）", "The commit failed (test)")

    return refuse


def test_a_failing_commit_after_an_upload_leaves_no_object(park) -> None:
    content = docx_bytes(f"提交失败的上传 {uuid.uuid4()}")
    sha = hashlib.sha256(content).hexdigest()
    document = register(park)
    refuse = _fail_the_commit_holding(sha)
    event.listen(OrmSession, "before_commit", refuse)
    try:
        response = upload(park, document["id"], content)
    finally:
        event.remove(OrmSession, "before_commit", refuse)
    assert response.status_code == 409, response.text
    assert not blob_stores.exists(sha)  # placed before the commit, removed by the rollback
    with session_scope(write=False) as session:
        assert session.get(Blob, sha) is None
    assert upload(park, document["id"], content).status_code == 201  # the same file goes in afterwards
    assert blob_stores.exists(sha)


def _orphan(label: str) -> str:
    data = f"{label} {uuid.uuid4()}".encode()
    sha = hashlib.sha256(data).hexdigest()
    blob_stores.write_raw(blob_stores.shard(sha), data)
    return sha


def test_verify_reports_orphans_and_gc_removes_those_past_the_grace_period(app_env: str) -> None:
    from app.cli import app as cli

    orphan = _orphan("a blob a killed upload left")
    runner = CliRunner()
    reported = runner.invoke(cli, ["verify"])
    assert "orphan_blob: " in reported.output and orphan in reported.output
    kept = runner.invoke(cli, ["blobs", "gc", "--grace-minutes", "60"])
    assert kept.exit_code == 0, kept.output
    assert blob_stores.exists(orphan)  # younger than the grace period: its transaction may be about to commit
    assert orphan in kept.output and "kept" in kept.output
    removed = runner.invoke(cli, ["blobs", "gc", "--grace-minutes", "0"])
    assert removed.exit_code == 0, removed.output
    assert not blob_stores.exists(orphan) and orphan in removed.output


def test_gc_keeps_what_a_row_refers_to(park) -> None:
    from app.cli import app as cli

    content = docx_bytes(f"被引用的文件 {uuid.uuid4()}")
    sha = hashlib.sha256(content).hexdigest()
    assert upload(park, register(park)["id"], content).status_code == 201
    result = CliRunner().invoke(cli, ["blobs", "gc", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert get_blob_store().exists(sha)


@pytest.mark.parametrize("minutes", ["-1", "x"])
def test_gc_refuses_a_wrong_grace_period(app_env: str, minutes: str) -> None:
    from app.cli import app as cli

    result = CliRunner().invoke(cli, ["blobs", "gc", "--grace-minutes", minutes])
    assert result.exit_code == 2 and "Traceback" not in result.output
