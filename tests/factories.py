"""Plain functions that build what tests need, through the services and the API."""

import io
import uuid
from dataclasses import dataclass, field

from docx import Document as DocxDocument

from app.db import session_scope
from app.users import service as users
from app.users.models import Role
from tests.support import SAMPLES

__all__ = ["SAMPLES"]

PASSWORD = "Test-Passw0rd!"


@dataclass
class TestPark:
    __test__ = False

    id: int
    code: str
    client: object
    usernames: dict[str, str]
    user_ids: dict[str, int]
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, role: str) -> str:
        if role not in self._tokens:
            response = self.client.post(
                "/api/auth/token", data={"username": self.usernames[role], "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._tokens[role] = response.json()["access_token"]
        return self._tokens[role]

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}", **extra}


def make_park(
    client,
    *,
    roles: tuple[str, ...] = tuple(r.value for r in Role),
    contributor_types: tuple[str, ...] = ("MONITORING_MEASUREMENT_RECORDS",),
) -> TestPark:
    code = f"T{uuid.uuid4().hex[:8].upper()}"
    usernames, user_ids = {}, {}
    with session_scope() as session:
        park = users.create_park(session, code=code, name=f"测试园区 {code}")
        for role in roles:
            username = f"{role}_{code.lower()}"
            user = users.create_user(
                session,
                park=park,
                username=username,
                password=PASSWORD,
                role=Role(role),
                full_name=f"{role} 测试",
                unit="碳管理办公室" if role != "auditor" else "审计部",
                assigned_doc_types=list(contributor_types) if role == "contributor" else None,
            )
            usernames[role], user_ids[role] = username, user.id
        park_id = park.id
    return TestPark(id=park_id, code=code, client=client, usernames=usernames, user_ids=user_ids)


def docx_bytes(*paragraphs: str) -> bytes:
    document = DocxDocument()
    for paragraph in paragraphs or ("碳排放管理方针：园区承诺持续改进碳排放管理绩效。",):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def register(park: TestPark, doc_type: str = "CARBON_POLICY", **body: object) -> dict:
    payload = {
        "doc_type": doc_type,
        "title": body.pop("title", "碳排放管理方针"),
        "owner_unit": "碳管理办公室",
        "access_level": "internal",
        **body,
    }
    response = park.client.post("/api/documents", json=payload, headers=park.headers("coordinator"))
    assert response.status_code == 201, response.text
    return response.json()


def upload(
    park: TestPark,
    document_id: int,
    content: bytes | None = None,
    *,
    role: str = "coordinator",
    name: str = "方针.docx",
    reason: str = "",
    headers: dict | None = None,
):
    return park.client.post(
        f"/api/documents/{document_id}/revisions",
        files={"file": (name, content if content is not None else docx_bytes(), DOCX_MEDIA)},
        data={"change_reason": reason},
        headers={**park.headers(role), **(headers or {})},
    )


def sign(park: TestPark, revision_id: int, action: str, role: str, password: str | None = PASSWORD, **extra: object):
    body = {"comment": extra.pop("comment", "同意")}
    if password is not None:
        body["password"] = password
    return park.client.post(
        f"/api/revisions/{revision_id}/{action}", json=body, headers=park.headers(role, **extra.pop("headers", {}))
    )


def publish_new_document(park: TestPark, doc_type: str = "CARBON_POLICY", **body: object) -> tuple[dict, dict]:
    """Register, upload, submit, review, approve (by the right role) and publish; returns (document, revision)."""
    document = register(park, doc_type, **body)
    revision = upload(park, document["id"]).json()
    approver = "top_management" if approver_role(doc_type) == "top_management" else "approver"
    reviewer = "approver" if approver == "top_management" else "top_management"
    assert (
        park.client.post(f"/api/revisions/{revision['id']}/submit", headers=park.headers("coordinator")).status_code
        == 200
    )
    assert sign(park, revision["id"], "review", reviewer).status_code == 200
    assert sign(park, revision["id"], "approve", approver).status_code == 200
    published = park.client.post(f"/api/revisions/{revision['id']}/publish", headers=park.headers("coordinator"))
    assert published.status_code == 200, published.text
    return document, published.json()


def approver_role(doc_type: str) -> str:
    from app.clauses.models import DocType

    with session_scope(write=False) as session:
        return session.get(DocType, doc_type).approver_role


def record_upload(
    park: TestPark,
    doc_type: str = "EMISSION_REVIEW_RECORD",
    period: str = "2025",
    *,
    role: str = "coordinator",
    content: bytes | None = None,
    name: str = "记录.docx",
    **data: object,
):
    return park.client.post(
        "/api/records",
        files={
            "file": (name, content if content is not None else docx_bytes("2025年度碳排放管理评审记录"), DOCX_MEDIA)
        },
        data={"type": doc_type, "period": period, **{k: str(v) for k, v in data.items()}},
        headers=park.headers(role),
    )
