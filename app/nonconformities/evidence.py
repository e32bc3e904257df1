"""A corrective action's completion evidence as links (11.2): documents and revisions named by control number.

"CMS-001" names a document, "CMS-001@2" its revision 2. A number the actor's park does not hold (or that the actor
may not read) is refused in words, before anything is stored; what is stored is the link (ids), shown as a link.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.common import loads
from app.documents.access import readable
from app.documents.models import Document, Revision
from app.errors import Invalid
from app.users.models import User

SEPARATORS = re.compile(r"[,，;；、\s]+")
NUMBER = re.compile(r"^(?P<control>[^@]{1,64})(?:@(?P<revision>\d{1,6}))?$")
MAX_NUMBERS = 50


@dataclass(frozen=True)
class EvidenceLinks:
    document_ids: list[int]
    revision_ids: list[int]


def split_numbers(text: str) -> list[str]:
    return list(dict.fromkeys(part for part in SEPARATORS.split(text or "") if part))


def resolve(session: Session, *, actor: User, numbers: list[str]) -> EvidenceLinks:
    """Control numbers (optionally @revision) → the documents and revisions they name, or Invalid naming the first
    number that names nothing the actor may read."""
    if len(numbers) > MAX_NUMBERS:
        raise Invalid(f"最多填写 {MAX_NUMBERS} 个编号", f"At most {MAX_NUMBERS} numbers")
    document_ids: list[int] = []
    revision_ids: list[int] = []
    for number in numbers:
        match = NUMBER.match(number.strip())
        document = None
        if match:
            query = select(Document).where(readable(actor), col(Document.control_no) == match["control"])
            document = session.execute(query).scalars().first()
        if document is None:
            raise Invalid(
                f"编号“{number}”不是本园区中您可查看的文件或记录，请核对编号",
                f"“{number}” is not a document or record of your park that you may read; check the number",
            )
        if match and match["revision"]:
            revision = (
                session.execute(
                    select(Revision).where(
                        col(Revision.document_id) == document.id, col(Revision.number) == int(match["revision"])
                    )
                )
                .scalars()
                .first()
            )
            if revision is None:
                raise Invalid(
                    f"{document.control_no} 没有第 {match['revision']} 版",
                    f"{document.control_no} has no revision {match['revision']}",
                )
            revision_ids.append(int(revision.id or 0))
        else:
            document_ids.append(int(document.id or 0))
    return EvidenceLinks(list(dict.fromkeys(document_ids)), list(dict.fromkeys(revision_ids)))


def links_of(session: Session, *, document_ids_json: str, revision_ids_json: str) -> list[dict]:
    """The stored links as the pages show them: {href, control_no, revision (or None), title}."""
    document_ids = [int(i) for i in loads(document_ids_json, [])]
    revision_ids = [int(i) for i in loads(revision_ids_json, [])]
    revisions = (
        {r.id: r for r in session.execute(select(Revision).where(col(Revision.id).in_(revision_ids))).scalars()}
        if revision_ids
        else {}
    )
    wanted = set(document_ids) | {r.document_id for r in revisions.values()}
    documents = (
        {d.id: d for d in session.execute(select(Document).where(col(Document.id).in_(wanted))).scalars()}
        if wanted
        else {}
    )
    out = []
    for document_id in document_ids:
        if document_id in documents:
            document = documents[document_id]
            out.append(
                {
                    "href": f"/documents/{document_id}",
                    "control_no": document.control_no,
                    "revision": None,
                    "title": document.title,
                }
            )
    for revision_id in revision_ids:
        revision = revisions.get(revision_id)
        if revision is not None and revision.document_id in documents:
            document = documents[revision.document_id]
            out.append(
                {
                    "href": f"/documents/{document.id}#rev-{revision.id}",
                    "control_no": document.control_no,
                    "revision": revision.number,
                    "title": document.title,
                }
            )
    return out
