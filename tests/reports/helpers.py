"""Helpers of the report and export tests."""

import io

from pypdf import PdfReader, PdfWriter

from tests.factories import DOCX_MEDIA, TestPark

PDF_MEDIA = "application/pdf"


def pdf_bytes(pages: int = 3) -> bytes:
    """A PDF with pages of different sizes (and one rotated), as parks upload scanned documents."""
    writer = PdfWriter()
    for index in range(pages):
        page = writer.add_blank_page(595, 842) if index % 2 == 0 else writer.add_blank_page(842, 595)
        if index == 2:
            page.rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def upload_file(park: TestPark, document_id: int, content: bytes, name: str, media: str = DOCX_MEDIA, reason: str = ""):
    return park.client.post(
        f"/api/documents/{document_id}/revisions",
        files={"file": (name, content, media)},
        data={"change_reason": reason},
        headers=park.headers("coordinator"),
    )


def take_through(park: TestPark, revision_id: int, doc_type: str, until: str = "effective") -> dict:
    """Submit, review, approve (by the roles the type needs) and publish a revision, stopping at `until`."""
    from tests.factories import approver_role, sign

    approver = "top_management" if approver_role(doc_type) == "top_management" else "approver"
    reviewer = "approver" if approver == "top_management" else "top_management"
    response = park.client.post(f"/api/revisions/{revision_id}/submit", headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    if until == "in_review":
        return response.json()
    assert sign(park, revision_id, "review", reviewer).status_code == 200
    response = sign(park, revision_id, "approve", approver)
    assert response.status_code == 200, response.text
    if until == "approved":
        return response.json()
    response = park.client.post(f"/api/revisions/{revision_id}/publish", headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return response.json()
