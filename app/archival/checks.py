"""The archival check of a resolved scope: every revision, document and the scope as a whole, under the four
properties (the checks are listed in result.CHECKS; their words are in app/label_tables/archival.py).

Reused from `carbonms verify`: re-hashing a blob (`inspect_blob`, app/ops/verify_files.py), the dates a state needs
(`missing_state_dates`) and the signatures against their revision's file (`signature_rows`, both app/ops/verify.py);
from the trail: the walk of the hash chain against the key and every anchor (`verify_trail`); from storage: the part
files of killed uploads.

A check whose precondition failed is counted "not checked", not failed: a missing file is found by `blob_present`
alone, an altered one by `blob_hash` alone (its type and opening are not judged: it is not the record's file).
"""

from __future__ import annotations

import stat
from collections import defaultdict
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from app.archival import usability
from app.archival.result import SCOPE_WIDE, CheckResult, Target
from app.archival.scope import Resolved
from app.blobs import store_for
from app.blobs.local import LocalBlobStore
from app.blobs.store import is_sha256
from app.clauses.models import DocKind, DocType
from app.config import Settings
from app.documents.models import AccessLevel, Document, Revision, RevisionState, Signature, SignatureMeaning
from app.documents.storage import leftover_part_files
from app.errors import Conflict, NotFound
from app.events.models import Event
from app.events.service import verify_trail
from app.ops.verify import missing_state_dates, signature_rows
from app.ops.verify_files import inspect_blob
from app.retention import queries as retention
from app.users.models import User

S = RevisionState
_CHUNK = 500

# The lifecycle events a revision in each state must have in the trail (app/documents/lifecycle.py writes them).
_DOCUMENT_PATH = {
    S.draft: ("revision.create",),
    S.in_review: ("revision.create", "revision.submit"),
    S.in_approval: ("revision.create", "revision.submit", "revision.review"),
    S.approved: ("revision.create", "revision.submit", "revision.review", "revision.approve"),
    S.effective: ("revision.create", "revision.submit", "revision.review", "revision.approve", "revision.publish"),
}
_DOCUMENT_PATH[S.superseded] = (*_DOCUMENT_PATH[S.effective], "revision.supersede")
_DOCUMENT_PATH[S.obsolete] = (*_DOCUMENT_PATH[S.effective], "revision.obsolete")
_RECORD_PATH = {
    S.draft: ("revision.create",),
    S.in_approval: ("revision.create", "revision.submit"),
    S.filed: ("revision.create", "revision.submit", "revision.approve"),
    S.void: ("revision.create", "revision.submit", "revision.approve", "revision.void"),
}
# The signatures a state needs, per kind (meaning of the current cycle).
_DOCUMENT_SIGNATURES = {
    S.in_approval: (SignatureMeaning.review,),
    S.approved: (SignatureMeaning.review, SignatureMeaning.approve),
    S.effective: (SignatureMeaning.review, SignatureMeaning.approve),
    S.superseded: (SignatureMeaning.review, SignatureMeaning.approve),
    S.obsolete: (SignatureMeaning.review, SignatureMeaning.approve),
}
_RECORD_SIGNATURES = {S.filed: (SignatureMeaning.confirm,), S.void: (SignatureMeaning.confirm,)}
_PUBLISHED = {S.effective, S.superseded, S.obsolete}


class Presence(StrEnum):
    present = "present"
    missing = "missing"
    destroyed = "destroyed"


def destroyed_per_disposition(session: Session, revision: Revision) -> bool:
    """Whether the revision's file was destroyed under an approved disposition (a retention tombstone)."""
    assert revision.id is not None  # a stored revision
    return retention.is_destroyed(session, revision.id)


def file_presence(session: Session, revision: Revision, blob_dir: Path) -> tuple[Presence, Path | None]:
    """Present (with a local file holding it: the store's own, or S3's verified cache), missing, or destroyed per
    disposition (which the integrity check counts as kept, not missing)."""
    store = store_for(blob_dir)
    if is_sha256(revision.blob_sha256) and store.exists(revision.blob_sha256):
        try:
            return Presence.present, store.local_path(revision.blob_sha256)
        except (NotFound, Conflict):  # gone meanwhile, or the cached copy does not hash right: the hash check says
            return Presence.present, None
    if destroyed_per_disposition(session, revision):
        return Presence.destroyed, None
    return Presence.missing, None


def _chunks(values: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _target(document: Document, revision: Revision) -> Target:
    return Target(document.id, revision.id, document.control_no, revision.number)


def run_checks(session: Session, resolved: Resolved, settings: Settings) -> CheckResult:
    result = CheckResult(documents_checked=len(resolved.documents), revisions_checked=len(resolved.revisions))
    revision_ids = [revision.id for revision in resolved.revisions if revision.id is not None]
    events = _lifecycle_events(session, revision_ids, list(resolved.documents))
    signed = _signatures(session, revision_ids)
    mismatched: dict[int, list[int]] = defaultdict(list)
    for ids in _chunks(revision_ids):
        for signature_id, revision_id, signed_sha, revision_sha in signature_rows(session, ids):
            if signed_sha != revision_sha:
                mismatched[revision_id].append(signature_id)
    types = {row.code: row for row in session.execute(select(DocType)).scalars()}
    preparers = _existing_users(session, {revision.preparer_id for revision in resolved.revisions})
    allowed = usability.allowed_formats()
    hashes: dict[str, str] = {}
    for revision in resolved.revisions:
        document = resolved.documents[revision.document_id]
        target = _target(document, revision)
        presence, path = file_presence(session, revision, settings.blob_dir)
        _check_file(result, target, revision, presence, path, settings, hashes)
        result.check("signature_hash", target, _signature_problem(mismatched.get(target.revision_id or 0, [])))
        result.check("lifecycle_events", target, _events_problem(document, revision, events))
        result.check("metadata", target, _metadata_problem(document, revision, types, preparers, signed))
        if document.kind == DocKind.record:
            result.check("record_period", target, _period_problem(revision))
        result.check("format_allowed", target, usability.format_problem(revision.media_type, allowed))
        result.check("access_level", target, _access_problem(document))
    _check_version_chains(session, result, resolved)
    _check_chain(session, result, events, settings)
    _check_part_files(result, settings)
    return result


def _check_file(
    result: CheckResult,
    target: Target,
    revision: Revision,
    presence: Presence,
    path: Path | None,
    settings: Settings,
    hashes: dict[str, str],
) -> None:
    """blob_present, blob_hash, media_type, openable, file_mode: the checks that read the stored file."""
    if presence == Presence.destroyed:
        result.destroyed += 1
        result.passed("blob_present", target)  # destroyed per disposition: kept as decided, not missing
    elif presence == Presence.missing:
        result.failed(
            "blob_present", target, "文件在存储中缺失", f"The file is missing from the store ({revision.blob_sha256})"
        )
    else:
        result.passed("blob_present", target)
    if presence != Presence.present:
        for check in ("blob_hash", "media_type", "openable", "file_mode"):
            result.not_checked(check, target)
        return
    # Hashed from the store even when no local file could be had: object storage's cache refuses to hand out bytes
    # that do not hash to their name, and those are exactly the ones this check must fail.
    status = hashes.get(revision.blob_sha256)
    if status is None:
        found = inspect_blob(store_for(settings.blob_dir), revision.blob_sha256)
        status = hashes[revision.blob_sha256] = found.status
    if status == "ok" and path is None:  # gone between the two looks
        result.passed("blob_hash", target)
        result.not_checked("media_type", target)
        result.not_checked("openable", target)
    elif status == "ok" and path is not None:
        result.passed("blob_hash", target)
        type_problem = usability.media_type_problem(path, revision.media_type)
        result.check("media_type", target, type_problem)
        if type_problem is None:
            result.check("openable", target, usability.open_problem(path, revision.media_type))
        else:
            result.not_checked("openable", target)
    else:
        what = ("文件无法读取", "The file cannot be read") if status == "unreadable" else None
        result.failed(
            "blob_hash",
            target,
            *(what or ("文件内容已被改动：SHA-256 与登记的不符", "The file was altered: its SHA-256 differs")),
        )
        result.not_checked("media_type", target)
        result.not_checked("openable", target)
    if path is not None and isinstance(store_for(settings.blob_dir), LocalBlobStore):  # object storage: no modes
        result.check("file_mode", target, _mode_problem(path))
    else:
        result.not_checked("file_mode", target)


def _mode_problem(path: Path) -> tuple[str, str] | None:
    mode = path.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (
            f"存储文件可被其他用户改写（权限 {stat.filemode(mode)}）",
            f"The stored file is writable by others (mode {stat.filemode(mode)})",
        )
    return None


def _signature_problem(signature_ids: list[int]) -> tuple[str, str] | None:
    if not signature_ids:
        return None
    ids = ", ".join(str(i) for i in signature_ids)
    return (f"签名 {ids} 签署的文件不是本版本的文件", f"Signatures {ids} signed another file than this revision's")


def _lifecycle_events(
    session: Session, revision_ids: list[int], document_ids: list[int]
) -> dict[tuple[str, str], dict[str, list[tuple[int, bool]]]]:
    """(entity type, entity id) → action → [(seq, has an actor)] of the scope's revisions and documents."""
    found: dict[tuple[str, str], dict[str, list[tuple[int, bool]]]] = defaultdict(lambda: defaultdict(list))
    for entity_type, ids in (("revision", revision_ids), ("document", document_ids)):
        for chunk in _chunks(ids):
            rows = session.execute(
                select(
                    col(Event.entity_id), col(Event.action), col(Event.seq), col(Event.actor_id), col(Event.actor_name)
                ).where(col(Event.entity_type) == entity_type, col(Event.entity_id).in_([str(i) for i in chunk]))
            )
            for entity_id, action, seq, actor_id, actor_name in rows:
                found[(entity_type, entity_id)][action].append((seq, actor_id is not None and bool(actor_name)))
    return found


def _events_problem(
    document: Document, revision: Revision, events: dict[tuple[str, str], dict[str, list[tuple[int, bool]]]]
) -> tuple[str, str] | None:
    paths = _RECORD_PATH if document.kind == DocKind.record else _DOCUMENT_PATH
    expected: tuple[str, ...] = ("document.register",) if revision.number == 1 else ()
    expected += paths.get(RevisionState(revision.state), ("revision.create",))
    missing, anonymous = [], []
    for action in expected:
        key = ("document", str(document.id)) if action == "document.register" else ("revision", str(revision.id))
        logged = events.get(key, {}).get(action, [])
        if not logged:
            missing.append(action)
        elif not any(has_actor for _, has_actor in logged):
            anonymous.append(action)
    if not missing and not anonymous:
        return None
    zh, en = [], []
    if missing:
        zh.append(f"审计追踪中缺少事件 {'、'.join(missing)}")
        en.append(f"the trail lacks {', '.join(missing)}")
    if anonymous:
        zh.append(f"事件 {'、'.join(anonymous)} 没有操作人")
        en.append(f"{', '.join(anonymous)} without an actor")
    return "；".join(zh), "; ".join(en).capitalize()


def _signatures(session: Session, revision_ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    """revision id → {(meaning, cycle)} of its signatures."""
    found: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for chunk in _chunks(revision_ids):
        rows = session.execute(
            select(col(Signature.revision_id), col(Signature.meaning), col(Signature.cycle)).where(
                col(Signature.revision_id).in_(chunk)
            )
        )
        for revision_id, meaning, cycle in rows:
            found[revision_id].add((str(meaning), cycle))
    return found


def _existing_users(session: Session, ids: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        found |= set(session.execute(select(col(User.id)).where(col(User.id).in_(chunk))).scalars())
    return found


def _metadata_problem(
    document: Document,
    revision: Revision,
    types: dict[str, DocType],
    preparers: set[int],
    signed: dict[int, set[tuple[str, int]]],
) -> tuple[str, str] | None:
    """Control number, title, type, the dates of its state, preparer, publisher and the signatures its type needs."""
    state = RevisionState(revision.state)
    missing = [name for name, value in (("control_no", document.control_no), ("title", document.title)) if not value]
    if document.doc_type not in types:
        missing.append("doc_type")
    missing += missing_state_dates(
        state,
        submitted_at=revision.submitted_at,
        approved_at=revision.approved_at,
        effective_from=revision.effective_from,
        ended_at=revision.ended_at,
    )
    if revision.preparer_id not in preparers:
        missing.append("preparer")
    if document.kind == DocKind.document and state in _PUBLISHED and revision.published_by_id is None:
        missing.append("published_by")
    needed = (_RECORD_SIGNATURES if document.kind == DocKind.record else _DOCUMENT_SIGNATURES).get(state, ())
    have = signed.get(revision.id or 0, set())
    missing += [f"signature:{meaning}" for meaning in needed if (str(meaning), revision.cycle) not in have]
    if not missing:
        return None
    return f"缺少必要元数据：{'、'.join(missing)}", f"Required metadata missing: {', '.join(missing)}"


def _period_problem(revision: Revision) -> tuple[str, str] | None:
    if revision.period_start is None or revision.period_end is None:
        return "记录没有所属期间", "The record has no period"
    if revision.period_end < revision.period_start:
        return "记录期间的结束早于开始", "The record's period ends before it starts"
    return None


def _access_problem(document: Document) -> tuple[str, str] | None:
    if str(document.access_level) in {level.value for level in AccessLevel}:
        return None
    return (
        f"访问级别未设置或无效：{document.access_level!r}",
        f"Access level missing or invalid: {document.access_level!r}",
    )


def _check_version_chains(session: Session, result: CheckResult, resolved: Resolved) -> None:
    """Per document: its revision numbers are 1..n (all its revisions, whatever the period)."""
    numbers: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(resolved.documents)):
        rows = session.execute(
            select(col(Revision.document_id), col(Revision.number)).where(col(Revision.document_id).in_(chunk))
        )
        for document_id, number in rows:
            numbers[document_id].append(number)
    for document_id, document in sorted(resolved.documents.items(), key=lambda item: item[1].control_no):
        found = sorted(numbers.get(document_id, []))
        target = Target(document_id, None, document.control_no, None)
        if found == list(range(1, len(found) + 1)):
            result.passed("version_chain", target)
            continue
        gaps = sorted(set(range(1, max(found, default=0) + 1)) - set(found))
        result.failed(
            "version_chain",
            target,
            f"版本号不连续：现有 {found}，缺少 {gaps}",
            f"Revision numbers have gaps: found {found}, missing {gaps}",
        )


def _check_chain(
    session: Session,
    result: CheckResult,
    events: dict[tuple[str, str], dict[str, list[tuple[int, bool]]]],
    settings: Settings,
) -> None:
    """The whole chain is walked as `carbonms verify` walks it; the scope passes when all its events lie before the
    first broken link (a break after them leaves them vouched for, and is noted)."""
    chain = verify_trail(session, settings)
    last_seq = max((seq for actions in events.values() for logged in actions.values() for seq, _ in logged), default=0)
    result.chain = chain.as_dict() | {"scope_last_seq": last_seq}
    broken_at = chain.first_broken_seq
    if chain.ok or (broken_at is not None and last_seq < broken_at):
        result.passed("audit_chain", SCOPE_WIDE)
        return
    at = str(broken_at) if broken_at is not None else "—"
    reason_zh, _, reason_en = (chain.reason or "").partition(" / ")
    result.failed(
        "audit_chain",
        SCOPE_WIDE,
        f"审计链在第 {at} 条断开（{chain.kind}），范围内的事件无法证实：{reason_zh}",
        f"The audit chain breaks at event {at} ({chain.kind}); the scope's events cannot be vouched for: "
        f"{reason_en or reason_zh}",
    )


def _check_part_files(result: CheckResult, settings: Settings) -> None:
    left = list(leftover_part_files(settings.tmp_dir))
    if not left:
        result.passed("part_files", SCOPE_WIDE)
        return
    result.failed(
        "part_files",
        SCOPE_WIDE,
        f"有 {len(left)} 个中断上传遗留的临时文件（carbonms verify --clean-orphans 可清除）",
        f"{len(left)} part files left by interrupted uploads (carbonms verify --clean-orphans removes them)",
    )
