"""Cached controlled copies and the operations commands: `verify` knows them (no orphan warning, re-hashed, never
cleaned away), and a backup carries them, so a restored server serves the same copies without stamping again."""

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.db import session_scope
from app.ops import backup as ops_backup
from app.ops.verify import verify
from app.reports.models import ControlledCopy
from tests.factories import docx_bytes, make_park, register, upload
from tests.ops.conftest import scratch_env
from tests.reports.helpers import PDF_MEDIA, pdf_bytes, take_through, upload_file
from tests.support import blob_stores

runner = CliRunner()


pytestmark = pytest.mark.slow  # backups, restores and verify walks of whole databases


def _copied_park(client):
    """A park with an effective PDF and a draft .docx, each downloaded once (so each has a cached copy)."""
    park = make_park(client)
    document = register(park, "DATA_MANAGEMENT_RULES")
    pdf = upload_file(park, document["id"], pdf_bytes(2), "制度.pdf", PDF_MEDIA).json()
    take_through(park, pdf["id"], "DATA_MANAGEMENT_RULES")
    other = register(park, "DATA_MANAGEMENT_RULES", title="草稿")
    draft = upload(park, other["id"], docx_bytes("草稿")).json()
    copies = {}
    for revision in (pdf, draft):
        response = client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
        assert response.status_code == 200
        copies[revision["id"]] = response.headers["x-copy-sha256"]
    return park, copies


def _copy_rows() -> list[ControlledCopy]:
    with session_scope(write=False) as session:
        return list(session.execute(select(ControlledCopy)).scalars())


def test_verify_rehashes_cached_copies_and_never_calls_them_orphans(client, dialect):
    with scratch_env(dialect):
        _park, copies = _copied_park(client)
        assert {row.sha256 for row in _copy_rows()} == set(copies.values())
        blob_dir = get_settings().blob_dir
        for sha in copies.values():  # old enough to be cleaned, were they orphans
            blob_stores.make_old(sha)
        with session_scope(write=False) as session:
            report = verify(session, blob_dir, clean_orphans=True, orphan_min_age=0)
        assert report.problems == [], [p.line() for p in report.problems]
        assert report.counts["copies_hashed"] == 2
        assert all(blob_stores.exists(sha) for sha in copies.values())

        altered, lost = copies.values()
        blob_stores.alter(altered, b"%PDF-1.4 not the stamped copy")
        blob_stores.lose(lost)
        with session_scope(write=False) as session:
            report = verify(session, blob_dir)
        assert {(p.kind, p.severity, p.sha256) for p in report.problems} == {
            ("copy_altered", "error", altered),
            ("copy_missing", "warning", lost),
        }


def test_a_lost_or_altered_copy_file_is_stamped_again(client, dialect):
    with scratch_env(dialect):
        park, copies = _copied_park(client)
        revision_id, sha = next(iter(copies.items()))
        blob_stores.lose(sha)
        response = client.get(f"/api/revisions/{revision_id}/file", headers=park.headers("auditor"))
        assert response.status_code == 200 and response.headers["x-controlled-copy"] == "controlled"
        (row,) = [row for row in _copy_rows() if row.revision_id == revision_id]
        assert row.sha256 == response.headers["x-copy-sha256"]
        assert blob_stores.exists(row.sha256)


def test_backup_carries_cached_copies_and_the_restored_server_serves_them(client, dialect, tmp_path):
    target = tmp_path / "snapshot"
    with scratch_env(dialect):
        park, copies = _copied_park(client)
        manifest = ops_backup.backup(target, get_settings())
        assert manifest["problems"] == []
        assert set(copies.values()) <= set(manifest["blobs"]["files"])
        source_data = get_settings().data_dir  # the trail's secret keys travel apart from the backup
        with scratch_env(dialect, initialise=False):
            result = runner.invoke(cli, ["restore", str(target), "--keys-from", str(source_data)])
            assert result.exit_code == 0, result.output
            checked = runner.invoke(cli, ["verify"])
            assert checked.exit_code == 0 and "WARNING" not in checked.output, checked.output
            for revision_id, sha in copies.items():
                response = client.get(f"/api/revisions/{revision_id}/file", headers=park.headers("auditor"))
                assert response.status_code == 200
                assert response.headers["x-copy-sha256"] == sha  # served from the store, not stamped again
            assert len(_copy_rows()) == len(copies)
