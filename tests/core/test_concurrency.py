"""Racing signers and uploaders: exactly one winner per step, the others told 409."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from app.db import session_scope
from app.documents.models import Revision, Signature
from tests.factories import DOCX_MEDIA, PASSWORD, docx_bytes, register, upload


def _race(calls):
    barrier = Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


def test_two_signers_racing_end_with_one_signature(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    headers = [park.headers("approver"), park.headers("top_management")]
    responses = _race(
        [
            lambda h=h: park.client.post(f"/api/revisions/{rid}/review", json={"password": PASSWORD}, headers=h)
            for h in headers
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    with session_scope(write=False) as session:
        count = session.execute(select(func.count()).where(Signature.revision_id == rid)).scalar_one()
    assert count == 1


def test_racing_uploads_make_one_open_revision(park):
    document = register(park, "DATA_MANAGEMENT_RULES")
    headers = park.headers("coordinator")

    def send(index):
        return park.client.post(
            f"/api/documents/{document['id']}/revisions",
            files={"file": (f"{index}.docx", docx_bytes(f"版本 {index}"), DOCX_MEDIA)},
            headers=headers,
        )

    responses = _race([lambda i=i: send(i) for i in range(4)])
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    with session_scope(write=False) as session:
        assert session.execute(select(func.count()).where(Revision.document_id == document["id"])).scalar_one() == 1


def test_racing_approvals_and_publications_have_one_winner_each(park):
    password = PASSWORD
    document = register(park, "DATA_MANAGEMENT_RULES")
    rid = upload(park, document["id"]).json()["id"]
    park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator"))
    assert (
        park.client.post(
            f"/api/revisions/{rid}/review", json={"password": password}, headers=park.headers("top_management")
        ).status_code
        == 200
    )
    # Only the approver may still sign; the same signer racing with itself on two connections.
    approvals = _race(
        [
            lambda: park.client.post(
                f"/api/revisions/{rid}/approve", json={"password": password}, headers=park.headers("approver")
            )
            for _ in range(3)
        ]
    )
    assert sorted(r.status_code for r in approvals) == [200, 409, 409]
    publications = _race(
        [
            lambda: park.client.post(f"/api/revisions/{rid}/publish", headers=park.headers("coordinator"))
            for _ in range(3)
        ]
    )
    assert sorted(r.status_code for r in publications) == [200, 409, 409]
    with session_scope(write=False) as session:
        meanings = session.execute(select(Signature.meaning).where(Signature.revision_id == rid)).scalars().all()
        states = session.execute(select(Revision.state).where(Revision.document_id == document["id"])).scalars().all()
    assert sorted(meanings) == ["approve", "review"] and states == ["effective"]
