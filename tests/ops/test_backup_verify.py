"""backup → restore into a fresh data folder and database → verify → the same rows; and verify naming damage."""

import json
import tarfile
import threading
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.db import session_scope
from app.documents.models import Blob, Document, Revision, RevisionText, Signature
from app.errors import Conflict
from app.events.models import Event
from app.ops import backup as ops_backup
from app.ops import database_snapshot
from app.ops.verify import verify
from tests.factories import docx_bytes, make_park, publish_new_document, record_upload, register, upload
from tests.ops.conftest import scratch_env
from tests.support import blob_stores

runner = CliRunner()

COMPARED = (Document, Revision, Signature, Event, Blob, RevisionText)


pytestmark = pytest.mark.slow  # backups, restores and verify walks of whole databases


def _build_data(client) -> dict:
    """A park with an effective document, a revision in review, a filed record, a draft with a Chinese name."""
    park = make_park(client)
    _doc, effective = publish_new_document(park, "CARBON_POLICY")
    document = register(park, "DATA_MANAGEMENT_RULES")
    in_review = upload(park, document["id"], docx_bytes("数据管理制度 第一版"), name="数据管理制度.docx").json()
    assert (
        client.post(f"/api/revisions/{in_review['id']}/submit", headers=park.headers("coordinator")).status_code == 200
    )
    record = record_upload(park)
    assert record.status_code == 201, record.text
    draft_doc = register(park, "DATA_MANAGEMENT_RULES", title="草稿")
    draft = upload(park, draft_doc["id"], docx_bytes("草稿"), name="草稿 v1.docx")
    assert draft.status_code == 201, draft.text
    return {"park": park, "effective": effective, "in_review": in_review}


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for model in COMPARED:
                table = model.__table__
                out[table.name] = [
                    tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
            return out
    finally:
        engine.dispose()


@pytest.mark.parametrize("as_tar", [False, True], ids=["directory", "tar"])
def test_backup_restore_verify_same_rows(client, dialect, tmp_path, as_tar, figure):
    target = tmp_path / ("snapshot.tar" if as_tar else "snapshot")
    with scratch_env(dialect) as source:
        built = _build_data(client)
        manifest = ops_backup.backup(target, get_settings())
        assert manifest["problems"] == []
        source_rows = _rows(source.url)
        with session_scope(write=False) as session:
            source_shas = set(session.execute(select(Revision.blob_sha256)).scalars())
        assert set(manifest["blobs"]["files"]) >= source_shas and len(source_shas) >= 4
        with scratch_env(dialect, initialise=False) as restored:
            # Without the trail's secret key (never in a backup) the restore is refused before anything is written.
            keyless = runner.invoke(cli, ["restore", str(target)])
            assert keyless.exit_code == 1 and "trail_key" in keyless.output, keyless.output
            assert not get_settings().resolved_anchor_file.exists()
            result = runner.invoke(cli, ["restore", str(target), "--keys-from", str(source.data_dir)])
            assert result.exit_code == 0, result.output
            checked = runner.invoke(cli, ["verify"])
            assert checked.exit_code == 0, checked.output
            assert "all checks passed" in checked.output
            restored_rows = _rows(restored.url)
            # A second restore into the now filled folder is refused.
            again = runner.invoke(cli, ["restore", str(target)])
            assert again.exit_code == 1 and "not empty" in again.output
    for table, rows in source_rows.items():
        assert restored_rows[table] == rows, table
    assert len(source_rows["event"]) == manifest["database"]["counts"]["event"] > 10
    assert len(source_rows["signature"]) == manifest["database"]["counts"]["signature"] >= 2
    assert built["effective"]["state"] == "effective"
    figure(
        f"[{dialect}{'/tar' if as_tar else ''}] restored and compared row by row: "
        + ", ".join(f"{t}={len(r)}" for t, r in source_rows.items())
        + f"; blobs={manifest['blobs']['count']} ({manifest['blobs']['total_bytes']} bytes)"
    )


def test_backup_while_writers_run_is_consistent(client, dialect, tmp_path, figure):
    """Uploads keep landing during the backup: the snapshot restores to a state `verify` accepts, and every
    blob its database refers to is in it."""
    with scratch_env(dialect) as _source:
        park = make_park(client)
        documents = [register(park, "DATA_MANAGEMENT_RULES", title=f"并发 {i}") for i in range(30)]
        stop = threading.Event()
        done: list[int] = []

        def writer() -> None:
            for document in documents:
                if stop.is_set():
                    return
                response = upload(park, document["id"], docx_bytes(f"并发写入 {uuid.uuid4()}"))
                assert response.status_code == 201, response.text
                done.append(document["id"])

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while len(done) < 3:
                threading.Event().wait(0.02)
            manifest = ops_backup.backup(tmp_path / "live", get_settings())
        finally:
            stop.set()
            thread.join()
        counted = manifest["database"]["counts"]["revision"]
        assert 3 <= counted <= len(done)
        with scratch_env(dialect, initialise=False):
            report = ops_backup.restore(tmp_path / "live", get_settings(), keys_from=_source.data_dir)
            assert report["problems"] == []
            with session_scope(write=False) as session:
                result = verify(session, get_settings().blob_dir)
                assert result.ok, [p.line() for p in result.errors]
                assert result.counts["revisions"] == counted
    figure(
        f"[{dialect}] backup under load: {len(done)} uploads finished, snapshot holds {counted} revisions, "
        f"{manifest['blobs']['extra_files']} extra blob files"
    )


def test_verify_names_altered_missing_and_orphan_blobs(client, dialect, tmp_path):
    with scratch_env(dialect) as source:
        _build_data(client)
        ops_backup.backup(tmp_path / "snap", get_settings())
        keys = tmp_path / "keys"  # the trail's keys travel apart from the backup
        keys.mkdir()
        for name in ("trail_key", "anchor_key"):
            (keys / name).write_bytes((source.data_dir / name).read_bytes())
    with scratch_env(dialect, initialise=False):
        ops_backup.restore(tmp_path / "snap", get_settings(), keys_from=keys)
        blob_dir = get_settings().blob_dir
        with session_scope(write=False) as session:
            revisions = session.execute(select(Revision.id, Revision.blob_sha256).order_by(Revision.id)).all()
            ok = verify(session, blob_dir)
        assert ok.ok and not ok.problems, [p.line() for p in ok.problems]
        (altered_id, altered_sha), (missing_id, missing_sha) = revisions[0], revisions[1]
        blob_stores.alter(altered_sha)
        blob_stores.lose(missing_sha)
        orphan_sha = "f" * 64
        blob_stores.write_raw(blob_stores.shard(orphan_sha), b"left by an upload killed before its commit")
        stray = "ab/.leftover.part"
        blob_stores.write_raw(stray, b"x")

        result = runner.invoke(cli, ["verify"])
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert any(
            line.startswith("ERROR blob_altered") and altered_sha in line and f"revisions={altered_id}" in line
            for line in lines
        ), result.output
        assert any(
            line.startswith("ERROR blob_missing") and missing_sha in line and f"revisions={missing_id}" in line
            for line in lines
        ), result.output
        assert any(line.startswith("WARNING orphan_blob") and orphan_sha in line for line in lines), result.output
        assert any(line.startswith("WARNING stray_file") and ".leftover.part" in line for line in lines)
        # A backup of the damaged store says so: written, but exit 2 and the blobs named in the manifest.
        damaged = runner.invoke(cli, ["backup", str(tmp_path / "damaged")])
        assert damaged.exit_code == 2 and altered_sha in damaged.output and missing_sha in damaged.output
        problems = json.loads((tmp_path / "damaged" / "manifest.json").read_text())["problems"]
        assert {(p["sha256"], p["problem"]) for p in problems} == {(altered_sha, "altered"), (missing_sha, "missing")}
        as_json = json.loads(runner.invoke(cli, ["verify", "--json"]).output)
        assert not as_json["ok"]
        assert {p["kind"] for p in as_json["problems"] if p["severity"] == "error"} == {"blob_altered", "blob_missing"}

        # --clean-orphans keeps an orphan younger than a minute (its transaction may be about to commit) ...
        kept = runner.invoke(cli, ["verify", "--clean-orphans"])
        assert "kept" in kept.output and blob_stores.exists(orphan_sha)
        # ... and removes it once old enough; referenced blobs are never touched.
        with session_scope(write=False) as session:
            cleaned = verify(session, blob_dir, clean_orphans=True, orphan_min_age=0)
        assert not blob_stores.raw_exists(blob_stores.shard(orphan_sha)) and not blob_stores.raw_exists(stray)
        assert cleaned.counts["orphans_removed"] == 2
        assert blob_stores.exists(altered_sha)

        # Inconsistent revisions and signatures are named too.
        with session_scope() as session:
            effective_id = session.execute(select(Revision.id).where(Revision.state == "effective")).scalar_one()
            session.execute(text("UPDATE revision SET submitted_at = NULL WHERE id = :id"), {"id": effective_id})
            session.execute(
                text("UPDATE signature SET file_sha256 = :sha WHERE revision_id = :id"),
                {"sha": "0" * 64, "id": effective_id},
            )
        with session_scope(write=False) as session:
            report = verify(session, blob_dir)
        kinds = {p.kind: p for p in report.errors}
        assert {"revision_state", "signature_hash", "blob_altered", "blob_missing"} <= kinds.keys()
        assert effective_id in kinds["revision_state"].revision_ids
        assert effective_id in kinds["signature_hash"].revision_ids


def test_restore_refuses_bad_input(client, dialect, tmp_path):
    with scratch_env(dialect) as _source:
        make_park(client)
        ops_backup.backup(tmp_path / "snap.tar", get_settings())
        with pytest.raises(Conflict):  # a .tar is never overwritten
            ops_backup.backup(tmp_path / "snap.tar", get_settings())
        # Restoring over the live, non-empty database is refused.
        with pytest.raises(Conflict):
            ops_backup.restore(tmp_path / "snap.tar", get_settings())
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x").write_text("x")
    with pytest.raises(Conflict):  # not a backup directory
        ops_backup.backup(tmp_path / "junk", get_settings())
    with tarfile.open(tmp_path / "snap.tar") as tar:
        names = tar.getnames()
    assert {"manifest.json", "blobs"} <= set(names) and any(n.startswith("database.") for n in names)
    with scratch_env(dialect, initialise=False):
        bad = runner.invoke(cli, ["restore", str(tmp_path / "junk")])
        assert bad.exit_code == 1 and "manifest" in bad.output
        missing = runner.invoke(cli, ["restore", str(tmp_path / "nothing-here")])
        assert missing.exit_code == 1 and "does not exist" in missing.output


def test_pg_dump_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(database_snapshot.shutil, "which", lambda _name: None)
    with pytest.raises(Exception) as raised:
        database_snapshot.require_tool("pg_dump")
    assert raised.value.status_code == 415 and "pg_dump" in raised.value.message_en
    dsn, env = database_snapshot.libpq_url("postgresql+psycopg://carbon:s3cr%40t@db.example:5433/cms?sslmode=require")
    assert dsn == "postgresql://carbon@db.example:5433/cms?sslmode=require" and env == {"PGPASSWORD": "s3cr@t"}
