"""Records: registering one with its first revision, its period and its cycle. Services flush, never commit."""

import calendar
import re
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from app.clauses import cycles
from app.clauses.models import DocKind, DocType
from app.common import utcnow
from app.documents import lifecycle, storage
from app.documents.lifecycle import Action
from app.documents.models import AccessLevel, Document, Revision
from app.documents.service import add_revision, get_doc_type, get_document, get_revision, register_document
from app.errors import Invalid, NotFound
from app.users.models import User

_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})\s*/\s*(\d{4}-\d{2}-\d{2})$"), "range"),
)


def parse_period(text: str) -> tuple[date, date]:
    """'2025', '2025-06', '2025-Q2' or '2025-01-01/2025-06-30' → (start, end)."""
    text = (text or "").strip()
    try:
        for pattern, shape in _PERIOD_PATTERNS:
            match = pattern.match(text)
            if not match:
                continue
            if shape == "year":
                year = int(match[1])
                return date(year, 1, 1), date(year, 12, 31)
            if shape == "month":
                year, month = int(match[1]), int(match[2])
                return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
            if shape == "quarter":
                year, quarter = int(match[1]), int(match[2])
                first = 3 * quarter - 2
                return date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1])
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if end < start:
                break
            return start, end
    except ValueError:
        pass
    raise Invalid(
        "期间格式不正确：请用 2025、2025-06、2025-Q2 或 2025-01-01/2025-06-30",
        "Bad period: use 2025, 2025-06, 2025-Q2 or 2025-01-01/2025-06-30",
    )


def check_record_fits(
    session: Session, *, actor: User, doc_type: DocType, period: tuple[date, date], covers_clause: str = ""
) -> None:
    """A record's period must have begun and fit its type's cycle (as the park sets it); a process record names
    the process clause it covers. Raises Invalid (422) saying what is allowed."""
    if doc_type.kind != DocKind.record:
        return  # register_document refuses it, with its own message
    rule = cycles.load_rules(session, actor.park_id, [doc_type.code])[doc_type.code]
    covers = covers_clause.strip() or None
    cycles.check_record_period(rule, doc_type.title_zh, period[0], period[1], utcnow().date(), covers)


def create_record(
    session: Session,
    *,
    actor: User,
    doc_type_code: str,
    period_text: str,
    staged: storage.StagedFile,
    title: str = "",
    owner_unit: str = "",
    access_level: AccessLevel = AccessLevel.internal,
    submit: bool = True,
    covers_clause: str = "",
    check_period: bool = True,
) -> tuple[Document, Revision]:
    """Register a record with its first revision. `check_period=False` for reports filed from an audit, review or
    nonconformity, whose period is that entity's own year."""
    try:
        period = parse_period(period_text)
        doc_type = get_doc_type(session, doc_type_code)
        if check_period:
            check_record_fits(session, actor=actor, doc_type=doc_type, period=period, covers_clause=covers_clause)
        title = title.strip() or f"{doc_type.title_zh}（{period_text.strip()}）"
        document = register_document(
            session,
            actor=actor,
            doc_type_code=doc_type_code,
            title=title,
            owner_unit=owner_unit,
            access_level=access_level,
            kind=DocKind.record,
        )
        assert document.id is not None  # flushed by register_document
        revision = add_revision(
            session,
            actor=actor,
            document_id=document.id,
            staged=staged,
            period=period,
            covers_clause=covers_clause.strip() or None,
        )
    finally:
        storage.discard(staged)
    if submit:
        lifecycle.transition(session, revision, Action.submit, actor=actor, document=document, doc_type=doc_type)
    return document, revision


def record_revision(session: Session, *, record_id: int, user: User, for_update: bool = False) -> Revision:
    document = get_document(session, document_id=record_id, user=user, entity_type="record")
    if document.kind != DocKind.record:
        raise NotFound("记录不存在", "Record not found")
    revision_id = session.execute(
        select(col(Revision.id)).where(col(Revision.document_id) == document.id).order_by(col(Revision.number).desc())
    ).scalar()
    if revision_id is None:
        raise NotFound("记录不存在", "Record not found")
    return get_revision(session, revision_id=revision_id, user=user, for_update=for_update)
