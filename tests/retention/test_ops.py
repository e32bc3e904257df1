"""Backups after a destruction: the destroyed blob is neither copied nor reported missing; the kept ones are."""

from app.config import get_settings
from app.ops import backup as ops_backup
from tests.retention.helpers import LONG_AGO, appraise, approve, destroy, filed_record, propose


def test_a_backup_does_not_count_a_destroyed_blob_as_missing(park, tmp_path) -> None:
    record = filed_record(park, "TRAINING_RECORD", filed=LONG_AGO)
    kept = filed_record(park, "TRAINING_RECORD")
    batch = appraise(park, propose(park, [record["id"]]))
    assert approve(park, batch["id"]).status_code == 200
    assert destroy(park, batch["id"]).status_code == 200

    manifest = ops_backup.backup(tmp_path / "snapshot", get_settings())
    assert [
        problem for problem in manifest["problems"] if problem["sha256"] in (record["sha256"], kept["sha256"])
    ] == []
    assert record["sha256"] not in manifest["blobs"]["files"] and kept["sha256"] in manifest["blobs"]["files"]
