"""What the distribution and comparison tests share: more people in a park, the next revision published."""

from app.db import session_scope
from app.users import service as users
from app.users.models import Park, Role
from tests.factories import PASSWORD, TestPark, approver_role, docx_bytes, sign, upload


def add_user(park: TestPark, name: str, role: str, unit: str = "生产部") -> int:
    """Another user of `role`, reachable as park.headers(name)."""
    with session_scope() as session:
        user = users.create_user(
            session,
            park=session.get_one(Park, park.id),
            username=f"{name}_{park.code.lower()}",
            password=PASSWORD,
            role=Role(role),
            full_name=f"{name} 测试",
            unit=unit,
        )
        assert user.id is not None
        park.usernames[name], park.user_ids[name] = user.username, user.id
        return user.id


def publish_next(park: TestPark, document_id: int, doc_type: str, *paragraphs: str, reason: str) -> dict:
    """Upload, submit, review, approve and publish the document's next revision; returns it."""
    revision = upload(park, document_id, docx_bytes(*paragraphs), reason=reason)
    assert revision.status_code == 201, revision.text
    revision_id = revision.json()["id"]
    approver = "top_management" if approver_role(doc_type) == "top_management" else "approver"
    reviewer = "approver" if approver == "top_management" else "top_management"
    submitted = park.client.post(f"/api/revisions/{revision_id}/submit", headers=park.headers("coordinator"))
    assert submitted.status_code == 200, submitted.text
    assert sign(park, revision_id, "review", reviewer).status_code == 200
    assert sign(park, revision_id, "approve", approver).status_code == 200
    published = park.client.post(f"/api/revisions/{revision_id}/publish", headers=park.headers("coordinator"))
    assert published.status_code == 200, published.text
    return published.json()
