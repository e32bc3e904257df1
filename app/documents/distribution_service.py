"""Distribution lists and read confirmations: the writes (coordinator sets the list, a recipient confirms), the status
the document page and the API show, and its .xlsx export. Services flush, never commit."""

import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlmodel import Session, col

from app import timezones
from app.clauses.models import DocKind
from app.common import as_utc, utcnow
from app.documents import distribution, service
from app.documents.access import can_read, sees_full_history
from app.documents.distribution_models import DistributionEntry, ReadConfirmation, TargetKind
from app.documents.lifecycle import STATE_LABELS
from app.documents.models import Document, Revision, RevisionState
from app.documents.schemas import (
    DistributionEntryIn,
    DistributionEntryPublic,
    DistributionPublic,
    ReadConfirmationPublic,
    ReadStatus,
    RevisionDistribution,
)
from app.errors import Conflict, Forbidden, Invalid
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.models import Enterprise
from app.labels import LABELS
from app.parks.queries import park_time_zone
from app.users.models import Role, User

DISTRIBUTORS = frozenset({Role.coordinator})
_ID = re.compile("[0-9]{1,10}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses


def _require_distributor(actor: User, document: Document) -> None:
    if actor.role not in DISTRIBUTORS:
        raise Forbidden(
            "只有体系管理员可以设置文件的分发范围",
            "Only a coordinator may set a document's distribution list",
            audit=refusal(actor, Rule.role, "document", document.id),
        )


def _checked_entry(session: Session, document: Document, entry: DistributionEntryIn) -> tuple[TargetKind, str]:
    """The entry as stored (kind, target), or a 422 naming what is wrong with it."""
    kind, target = TargetKind(entry.kind), entry.target.strip()
    if kind == TargetKind.role:
        if target not in {role.value for role in Role}:
            raise Invalid(f"未知的角色：{target}", f"Unknown role: {target}")
        return kind, target
    if not _ID.fullmatch(target) or not 1 <= int(target) <= 2_147_483_647:
        raise Invalid(f"分发对象编号必须是正整数：{target}", f"The {kind} must be given by its id: {target}")
    if kind == TargetKind.enterprise:
        enterprise = session.get(Enterprise, int(target))
        if enterprise is None or enterprise.park_id != document.park_id:
            raise Invalid(f"本园区没有编号为 {target} 的企业", f"No enterprise {target} in this park")
        return kind, target
    user = session.get(User, int(target))
    if user is None or user.park_id != document.park_id:
        raise Invalid(f"本园区没有编号为 {target} 的用户", f"No user {target} in this park")
    if not can_read(user, document):
        raise Invalid(
            f"用户 {user.full_name} 无权阅读此文件（企业填报人员只能阅读公开文件），不能分发给他",
            f"{user.full_name} may not read this document (contributors read public documents only)",
        )
    return kind, target


def set_list(session: Session, *, actor: User, document_id: int, entries: list[DistributionEntryIn]) -> Document:
    """Replace the document's distribution list; the effective revision (if any) goes to whoever it reaches now."""
    document = service.get_document(session, document_id=document_id, user=actor, for_update=True)
    _require_distributor(actor, document)
    if document.kind != DocKind.document:
        raise Invalid("记录不分发：只有文件的现行版本可以分发", "Records are not distributed, only documents")
    wanted = list(dict.fromkeys(_checked_entry(session, document, entry) for entry in entries))
    assert document.id is not None and actor.id is not None  # stored rows
    current = distribution.entries_of(session, document.id)
    before = [(row.target_kind, row.target) for row in current]
    for row in current:
        if (row.target_kind, row.target) not in wanted:
            session.delete(row)
    for kind, target in wanted:
        if (kind, target) not in before:
            session.add(
                DistributionEntry(
                    park_id=document.park_id,
                    document_id=document.id,
                    target_kind=kind,
                    target=target,
                    added_by_id=actor.id,
                )
            )
    if set(before) != set(wanted):
        session.flush()
        events.record(
            session,
            action="document.distribution",
            entity_type="document",
            entity_id=document.id,
            park_id=document.park_id,
            actor=actor,
            before={"entries": [f"{kind}:{target}" for kind, target in before]},
            after={"entries": [f"{kind}:{target}" for kind, target in wanted]},
        )
    revision = distribution.effective_revision(session, document.id)
    if revision is not None:
        distribution.distribute(session, document, revision, actor=actor)
    return document


def confirm(session: Session, *, actor: User, document_id: int, revision_id: int) -> ReadConfirmationPublic:
    """The addressed user confirms reading the effective revision; a second click changes nothing."""
    document = service.get_document(session, document_id=document_id, user=actor)
    revision = service.get_revision(session, revision_id=revision_id, user=actor)
    if revision.document_id != document.id:
        raise Invalid("该版本不属于此文件", "This revision belongs to another document")
    if revision.state != RevisionState.effective:
        state_zh, state_en = STATE_LABELS[str(revision.state)]
        raise Conflict(
            f"只能确认现行有效的版本（此版本为“{state_zh}”）",
            f"Only the effective revision can be confirmed (this one is {state_en})",
        )
    query = select(ReadConfirmation).where(
        col(ReadConfirmation.revision_id) == revision.id, col(ReadConfirmation.user_id) == actor.id
    )
    row = session.execute(query.with_for_update()).scalars().first()
    if row is None:
        raise Forbidden(
            "此版本没有分发给您，无需确认",
            "This revision was not distributed to you",
            audit=refusal(actor, Rule.assignment, "revision", revision.id),
        )
    if row.confirmed_at is None:
        row.confirmed_at = utcnow()
        session.add(row)
        session.flush()
        events.record(
            session,
            action="revision.read_confirm",
            entity_type="revision",
            entity_id=revision.id,
            park_id=revision.park_id,
            actor=actor,
            before={"confirmed_at": None},
            after={"number": revision.number, "confirmed_at": row.confirmed_at.isoformat()},
        )
    assert row.confirmed_at is not None and revision.id is not None  # just set, or set before
    return ReadConfirmationPublic(
        document_id=document_id,
        revision_id=revision.id,
        number=revision.number,
        user_id=row.user_id,
        distributed_at=as_utc(row.distributed_at),
        confirmed_at=as_utc(row.confirmed_at),
    )


def _entry_label(session: Session, row: DistributionEntry) -> tuple[str, str]:
    if row.target_kind == TargetKind.role:
        zh, en = LABELS["role"].get(row.target, (row.target, row.target))
        return f"角色：{zh}", f"Role: {en}"
    if row.target_kind == TargetKind.enterprise:
        enterprise = session.get(Enterprise, int(row.target))
        name = enterprise.name if enterprise else row.target
        return f"企业：{name}", f"Enterprise: {name}"
    user = session.get(User, int(row.target))
    name = f"{user.full_name} ({user.username})" if user else row.target
    return f"用户：{name}", f"User: {name}"


def status(session: Session, *, user: User, document_id: int) -> DistributionPublic:
    """The list and, per distributed revision, who confirmed and who has not (contributors: only their own rows)."""
    document = service.get_document(session, document_id=document_id, user=user)
    assert document.id is not None  # a stored row
    full = sees_full_history(user)
    entries = distribution.entries_of(session, document.id) if full else []
    people = session.execute(
        select(User).where(col(User.park_id) == document.park_id, col(User.is_active).is_(True))
    ).scalars()
    readers = [person for person in people if can_read(person, document)]
    entry_items = [
        DistributionEntryPublic(
            id=row.id or 0,
            kind=str(row.target_kind),
            target=row.target,
            label_zh=label[0],
            label_en=label[1],
            reaches=sum(1 for person in readers if distribution.reached_by(row, person)),
        )
        for row in entries
        for label in [_entry_label(session, row)]
    ]
    revisions = list(
        session.execute(
            select(Revision).where(col(Revision.document_id) == document.id).order_by(col(Revision.number).desc())
        ).scalars()
    )
    rows = distribution.confirmations_of(session, [r.id for r in revisions if r.id is not None])
    if not full:
        rows = [row for row in rows if row.user_id == user.id]
    users = {
        person.id: person
        for person in session.execute(select(User).where(col(User.id).in_({row.user_id for row in rows}))).scalars()
    }
    by_revision: dict[int, list[ReadStatus]] = {}
    for row in rows:
        person = users[row.user_id]
        by_revision.setdefault(row.revision_id, []).append(
            ReadStatus(
                user_id=row.user_id,
                username=person.username,
                full_name=person.full_name,
                unit=person.unit or "",
                role=str(person.role),
                distributed_at=as_utc(row.distributed_at),
                confirmed_at=as_utc(row.confirmed_at),
            )
        )
    items = []
    my_pending = None
    for revision in revisions:
        recipients = by_revision.get(revision.id or 0)
        if not recipients:
            continue
        confirmed = sum(1 for item in recipients if item.confirmed_at is not None)
        mine = next((item for item in recipients if item.user_id == user.id), None)
        if revision.state == RevisionState.effective and mine is not None and mine.confirmed_at is None:
            my_pending = revision.id
        items.append(
            RevisionDistribution(
                revision_id=revision.id or 0,
                number=revision.number,
                state=str(revision.state),
                state_zh=STATE_LABELS[str(revision.state)][0],
                confirmed=confirmed,
                pending=len(recipients) - confirmed,
                recipients=sorted(recipients, key=lambda item: (item.confirmed_at is not None, item.username)),
            )
        )
    return DistributionPublic(
        document_id=document.id, entries=entry_items, revisions=items, my_pending_revision_id=my_pending
    )


EXPORT_HEADERS = [
    "文件编号",
    "文件名称",
    "版本",
    "版本状态",
    "姓名",
    "用户名",
    "部门",
    "角色",
    "分发时间",
    "确认时间",
    "确认情况",
]


def export_rows(session: Session, *, user: User, document_id: int) -> tuple[Document, list[list[str]]]:
    """The export's rows: one per (revision, recipient), times in the park's zone."""
    document = service.get_document(session, document_id=document_id, user=user)
    if not sees_full_history(user):
        raise Forbidden(
            "企业填报人员不能导出分发和确认情况",
            "Contributors may not export who confirmed a document",
            audit=refusal(user, Rule.role, "document", document.id),
        )
    zone = park_time_zone(session, document.park_id)
    rows = []
    for revision in status(session, user=user, document_id=document_id).revisions:
        for item in revision.recipients:
            rows.append(
                [
                    document.control_no,
                    document.title,
                    f"第{revision.number}版",
                    revision.state_zh,
                    item.full_name,
                    item.username,
                    item.unit,
                    LABELS["role"][item.role][0],
                    timezones.fmt_time(item.distributed_at, zone),
                    timezones.fmt_time(item.confirmed_at, zone) if item.confirmed_at else "",
                    "已确认" if item.confirmed_at else "未确认",
                ]
            )
    return document, rows


def export_xlsx(session: Session, *, user: User, document_id: int) -> tuple[bytes, str]:
    document, rows = export_rows(session, user=user, document_id=document_id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "分发与确认"
    sheet.append(EXPORT_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), f"{document.control_no}-分发与确认.xlsx"


@dataclass(frozen=True)
class Choices:
    """Whom the coordinator may put on a list: the park's active users, the roles, the park's enterprises."""

    users: list[tuple[str, str]]
    roles: list[str]
    enterprises: list[tuple[str, str]]


def choices(session: Session, park_id: int) -> Choices:
    people = session.execute(
        select(User).where(col(User.park_id) == park_id, col(User.is_active).is_(True)).order_by(col(User.username))
    ).scalars()
    companies = session.execute(
        select(Enterprise).where(col(Enterprise.park_id) == park_id).order_by(col(Enterprise.name))
    ).scalars()
    return Choices(
        users=[(str(person.id), f"{person.full_name} ({person.username})") for person in people],
        roles=[role.value for role in Role],
        enterprises=[(str(company.id), company.name) for company in companies],
    )
