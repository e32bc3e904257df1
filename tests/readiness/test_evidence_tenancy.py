"""The evidence shown by readiness among other parks' documents of the same types: each park's detail names its own
revision and its own approvers (批准/确认 signatures, oldest first, once each; review signatures are not approvals),
read by revision id (app/readiness/queries.fill_evidence), on both databases."""

from datetime import timedelta
from typing import Any

from app.common import utcnow
from tests.readiness.conftest import BLOB_SHA, item_of, readiness, rev, seed_document

DAY = timedelta(days=1)


def _sign(park: Any, revision_id: int, name: str, meaning: str, cycle: int, days_ago: int) -> None:
    from app.db import session_scope
    from app.documents.models import Signature

    with session_scope() as session:
        session.add(
            Signature(
                park_id=park.id,
                revision_id=revision_id,
                signer_id=park.user_ids["approver"],
                signer_name=name,
                meaning=meaning,
                cycle=cycle,
                signed_at=utcnow() - days_ago * DAY,
                file_sha256=BLOB_SHA,
            )
        )


def test_each_parks_evidence_names_its_own_revision_and_approvers(park, other_park) -> None:
    now = utcnow()
    theirs = seed_document(
        other_park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY, approver="赵总")
    )
    ours = seed_document(
        park,
        "CARBON_POLICY",
        rev("superseded", effective_from=now - 400 * DAY, ended_at=now - 50 * DAY, approver="前任"),
        rev("effective", effective_from=now - 50 * DAY, approver="王总"),
    )
    current = ours.revision_ids[1]
    _sign(park, current, "李副总", "approve", 2, days_ago=20)  # approved again in a second round, later
    _sign(park, current, "王总", "approve", 3, days_ago=10)  # the same approver again: named once
    _sign(park, current, "审核人", "review", 2, days_ago=25)  # a review is not an approval
    _sign(other_park, theirs.revision_ids[0], "钱总", "approve", 2, days_ago=5)

    detail = item_of(readiness(park), "6.2", "CARBON_POLICY")["evidence_detail"]
    assert [(row["document_id"], row["revision_id"], row["revision"]) for row in detail] == [
        (ours.document_id, current, 2)
    ]
    assert detail[0]["control_no"] == ours.control_no and detail[0]["state"] == "effective"
    assert detail[0]["approvers"] == ["王总", "李副总"]

    other = item_of(readiness(other_park), "6.2", "CARBON_POLICY")["evidence_detail"]
    assert [(row["revision_id"], row["approvers"]) for row in other] == [(theirs.revision_ids[0], ["赵总", "钱总"])]


def test_evidence_without_an_approving_signature_lists_no_approver(park, other_park) -> None:
    now = utcnow()
    seed_document(other_park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY, approver="赵总"))
    ours = seed_document(park, "CARBON_POLICY", rev("effective", effective_from=now - 30 * DAY))
    _sign(park, ours.revision_ids[0], "审核人", "review", 1, days_ago=31)
    detail = item_of(readiness(park), "6.2", "CARBON_POLICY")["evidence_detail"]
    assert [(row["revision_id"], row["approvers"]) for row in detail] == [(ours.revision_ids[0], [])]
