"""Search: what goes into the index, keeping it in step with the database, and answering queries.

The database decides: the index narrows the candidates (park and access level are part of the Whoosh query), then
every hit is checked again with `readable(user)` before anything about it — title, snippet or count — is returned.
"""

import heapq
import html
import logging
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from app.clauses.models import DocType, DocTypeClause
from app.common import as_utc
from app.db import session_scope
from app.documents.access import readable
from app.documents.models import Document, Revision, RevisionState, RevisionText, Signature
from app.errors import AppError, Invalid
from app.search import index
from app.search.models import SearchQueue
from app.users.models import Role, User

logger = logging.getLogger("carbonms.search")

HIDDEN_STATES = frozenset({RevisionState.obsolete, RevisionState.superseded, RevisionState.void})
CHUNK = 500
MAX_QUERY_CHARS = 500
MAX_UNITS = 16
MAX_OFFSET = 5000
INDEX_ATTEMPTS = 3  # a searcher whose segment files a merge removed is reopened this many times in all
VERIFY_ALL_BELOW = 2000  # below this many matches every one is re-checked in the database for the total
INCREMENTAL_LOCK_SECONDS = 3.0

_HAN = "\u3400-\u9fff\uf900-\ufaff"
_HAN_LINE_BREAK = re.compile(rf"(?<=[{_HAN}])[ \t\u3000]*\r?\n[ \t\u3000]*(?=[{_HAN}])")


class IndexUnavailable(AppError):
    status_code = 503
    code = "search_unavailable"


# ---- JSON shapes ---------------------------------------------------------------------------------------------


class SearchHit(BaseModel):
    document_id: int
    revision_id: int
    control_no: str
    title: str
    state: str
    snippet: str
    score: float
    obsolete: bool


class SearchPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SearchHit]


@dataclass
class SearchFilters:
    doc_type: str | None = None
    clause: str | None = None
    state: str | None = None
    owner_unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    include_obsolete: bool = False

    @property
    def shows_ended(self) -> bool:
        """Obsolete, superseded and void revisions appear when asked for, or when filtering by such a state."""
        return self.include_obsolete or self.state in {str(state) for state in HIDDEN_STATES}


# ---- what one revision looks like in the index -----------------------------------------------------------------


def join_han_lines(text: str) -> str:
    """A line break between two Han characters splits a phrase (PDF lines): remove it (extraction does too)."""
    return _HAN_LINE_BREAK.sub("", text)


def _day(value: datetime | date | None) -> str:
    value = as_utc(value) if isinstance(value, datetime) else value
    return f"{value.year:04d}{value.month:02d}{value.day:02d}" if value else "00000000"


def _stamp(rev_version: int, state: str, title: str, control_no: str, access: str, owner_unit: str,
           doc_type: str) -> str:
    meta = zlib.crc32("\x1f".join((title, control_no, access, owner_unit, doc_type)).encode())
    return f"{rev_version}:{state}:{meta:08x}"


_REV_COLUMNS = (
    Revision.id, Revision.document_id, Revision.park_id, Revision.state, Revision.version, Revision.created_at,
    Revision.effective_from, Revision.preparer_id, Revision.change_reason, Revision.file_name,
    Document.control_no, Document.title, Document.doc_type, Document.kind, Document.owner_unit,
    Document.access_level, Document.created_by_id,
)


class _Lookups:
    """Document-type titles and clauses: small, loaded once per indexing run."""

    def __init__(self, session: Session) -> None:
        self.type_titles = dict(session.execute(select(DocType.code, DocType.title_zh)).all())
        self.clauses: dict[str, list[str]] = {}
        for code, clause in session.execute(select(DocTypeClause.doc_type, DocTypeClause.clause_id)).all():
            self.clauses.setdefault(code, []).append(clause)


def load_documents(session: Session, revision_ids: list[int], lookups: _Lookups | None = None) -> list[dict]:
    """The Whoosh documents of these revisions (those that still exist)."""
    if not revision_ids:
        return []
    lookups = lookups or _Lookups(session)
    rows = session.execute(
        select(*_REV_COLUMNS).join(Document, Document.id == Revision.document_id).where(Revision.id.in_(revision_ids))
    ).all()
    texts = dict(session.execute(
        select(RevisionText.revision_id, RevisionText.text).where(RevisionText.revision_id.in_(revision_ids))
    ).all())
    signers: dict[int, list[str]] = {}
    for revision_id, name in session.execute(
        select(Signature.revision_id, Signature.signer_name).where(Signature.revision_id.in_(revision_ids))
    ).all():
        signers.setdefault(revision_id, []).append(name)
    people = dict(session.execute(
        select(User.id, User.full_name).where(User.id.in_({row.preparer_id for row in rows}))
    ).all())
    documents = []
    for row in rows:
        state = str(row.state)
        access = str(row.access_level)
        clauses = lookups.clauses.get(row.doc_type, [])
        head = [row.title, row.control_no, lookups.type_titles.get(row.doc_type, ""), row.doc_type,
                " ".join(clauses), row.owner_unit, people.get(row.preparer_id, ""), " ".join(signers.get(row.id, [])),
                row.file_name, row.change_reason]
        documents.append({
            "rid": str(row.id), "doc": str(row.document_id), "park": str(row.park_id), "access": access,
            "creator": str(row.created_by_id), "doc_type": row.doc_type, "kind": str(row.kind),
            "clauses": ",".join(clauses), "state": state, "owner_unit": row.owner_unit or "",
            "day": _day(row.effective_from or row.created_at),
            "stamp": _stamp(row.version, state, row.title, row.control_no, access, row.owner_unit or "", row.doc_type),
            "content": "\n".join(part for part in head if part) + "\n" + join_han_lines(texts.get(row.id, "")),
        })
    return documents


# ---- keeping the index in step ------------------------------------------------------------------------------


def _write(ix, revision_ids: list[int], documents: list[dict]) -> None:  # noqa: ANN001
    writer = index.open_writer(ix, timeout=INCREMENTAL_LOCK_SECONDS, procs=1, limitmb=64)
    try:
        found = set()
        for document in documents:
            writer.update_document(**document)
            found.add(document["rid"])
        for revision_id in revision_ids:
            if str(revision_id) not in found:  # the revision is gone: so is its entry
                writer.delete_by_term("rid", str(revision_id))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def index_revisions(revision_ids: Iterable[int], *, raise_errors: bool = False) -> bool:
    """Write these revisions' entries from the committed database state; on success their queue rows go.

    On failure the queue rows stay (with the error) for the next attempt; returns whether it worked.
    """
    ids = sorted({int(i) for i in revision_ids})
    if not ids:
        return True
    try:
        with index.write_lock(timeout=INCREMENTAL_LOCK_SECONDS):
            ix = index.open_current()
            if ix is None:
                raise IndexUnavailable("搜索索引尚未建立", "The search index has not been built yet")
            try:
                with session_scope(write=False) as session:
                    # Read the queue rows in the same snapshot as the data: rows queued later stay queued.
                    queued = list(session.execute(
                        select(SearchQueue.id).where(SearchQueue.revision_id.in_(ids))
                    ).scalars())
                    documents = load_documents(session, ids)
                _write(ix, ids, documents)
            finally:
                ix.close()
        if queued:
            with session_scope() as session:
                session.execute(delete(SearchQueue).where(SearchQueue.id.in_(queued)))
        return True
    except Exception as exc:
        logger.warning("search indexing failed for revisions %s: %s", ids[:20], exc)
        _record_failure(ids, exc)
        if raise_errors:
            raise
        return False


def _record_failure(ids: list[int], exc: Exception) -> None:
    try:
        with session_scope() as session:
            message = f"{type(exc).__name__}: {exc}"[:2000]
            session.execute(update(SearchQueue).where(SearchQueue.revision_id.in_(ids))
                            .values(attempts=SearchQueue.attempts + 1, last_error=message))
    except Exception:  # noqa: BLE001 - the queue rows are still there; only the error text is lost
        logger.exception("could not record the search indexing failure")


def process_queue(*, batch: int = CHUNK) -> tuple[int, int]:
    """Retry everything queued; returns (revisions indexed, revisions still queued)."""
    done, last = 0, 0
    while True:
        with session_scope(write=False) as session:
            ids = list(session.execute(
                select(SearchQueue.revision_id).where(SearchQueue.revision_id > last)
                .group_by(SearchQueue.revision_id).order_by(SearchQueue.revision_id).limit(batch)
            ).scalars())
        if not ids:
            break
        if index_revisions(ids):
            done += len(ids)
        last = ids[-1]
    with session_scope(write=False) as session:
        left = session.execute(select(func.count(func.distinct(SearchQueue.revision_id)))).scalar_one()
    return done, left


def rebuild(*, progress: Callable[[int], None] | None = None, chunk: int = CHUNK, commit_every: int = 5000,
            limitmb: int = 128) -> int:
    """Build a new index from the database beside the current one, then switch to it.

    Rows are read `chunk` at a time and the writer commits every `commit_every` revisions without merging (Whoosh
    re-adds every posting when it merges, which would double the work); memory stays bounded by `limitmb` (the
    writer spills sorted runs to disk) and by the chunk size. Holds the write lock throughout: changes committed
    meanwhile stay queued and are indexed right after.
    """
    count = 0
    with index.write_lock(timeout=60.0):
        name, ix = index.new_build()
        writer = None
        try:
            last, pending = 0, 0
            with session_scope(write=False) as session:
                lookups = _Lookups(session)
            while True:
                with session_scope(write=False) as session:
                    ids = list(session.execute(
                        select(Revision.id).where(Revision.id > last).order_by(Revision.id).limit(chunk)
                    ).scalars())
                    if not ids:
                        break
                    documents = load_documents(session, ids, lookups)
                if writer is None:
                    writer = ix.writer(procs=1, limitmb=limitmb)
                for document in documents:
                    writer.add_document(**document)
                del documents
                count += len(ids)
                pending += len(ids)
                last = ids[-1]
                if pending >= commit_every:
                    writer.commit(merge=False)
                    writer, pending = None, 0
                if progress:
                    progress(len(ids))
            if writer is not None:
                writer.commit(merge=False)
                writer = None
            ix.close()
            index.activate(name)
        except BaseException:
            if writer is not None:
                writer.cancel()
            ix.close()
            index.discard(name)
            raise
    process_queue()
    return count


def ensure_index() -> None:
    """At start-up: build the index when it is missing or of another schema version, then retry the queue."""
    if not index.is_current():
        logger.info("building the search index (missing or of another schema version)")
        rebuild()
    else:
        process_queue()


@dataclass
class CheckReport:
    rows: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    queued: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check() -> CheckReport:
    """Compare every revision's state with its index entry: missing, stale (state/version/metadata), extra."""
    report = CheckReport()
    ix = index.open_current()
    if ix is None:
        raise IndexUnavailable("搜索索引尚未建立", "The search index has not been built yet")
    with ix.searcher() as searcher:
        entries = {int(fields["rid"]): fields.get("stamp") for fields in searcher.all_stored_fields()}
    ix.close()
    report.indexed = len(entries)
    seen: set[int] = set()
    with session_scope(write=False) as session:
        rows = session.execute(
            select(Revision.id, Revision.version, Revision.state, Document.title, Document.control_no,
                   Document.access_level, Document.owner_unit, Document.doc_type)
            .join(Document, Document.id == Revision.document_id).order_by(Revision.id)
            .execution_options(yield_per=2000)
        )
        for row in rows:
            report.rows += 1
            seen.add(row.id)
            stamp = entries.get(row.id)
            if stamp is None:
                report.missing.append(row.id)
            elif stamp != _stamp(row.version, str(row.state), row.title, row.control_no, str(row.access_level),
                                 row.owner_unit or "", row.doc_type):
                report.stale.append(row.id)
        report.queued = session.execute(select(func.count(func.distinct(SearchQueue.revision_id)))).scalar_one()
    report.extra = sorted(set(entries) - seen)
    return report


# ---- queries ----------------------------------------------------------------------------------------------------


@dataclass
class ParsedQuery:
    units: list[index.Unit]
    needles: list[tuple[str, str]]  # (kind, text): what the snippet highlights
    phrases: list[str] = field(default_factory=list)  # quoted: checked word for word against the database


def _phrase_tokens(segments: list[tuple[str, str, int, int]]) -> list[str]:
    """Tokens of a phrase, positioned as the tokenizer positions them (compound words by their parts)."""
    tokens: list[str] = []
    for kind, text, _, _ in segments:
        if kind == "cjk":
            tokens.extend(index.bigrams(text))
        else:
            parts = index._PART_RE.findall(text)
            tokens.extend(part.lower() for part in (parts if len(parts) > 1 else [text]))
    return tokens


def _segment_unit(kind: str, text: str) -> index.Unit:
    if kind == "cjk":
        if len(text) == 1:
            return index.Unit("prefix", [text])  # the lone character, or a pair it begins
        return index.Unit("and", index.bigrams(text))  # every pair of the run: finds every text containing it
    word = text.lower()
    return index.Unit("prefix", [word]) if len(word) >= 2 else index.Unit("and", [word])


def parse_query(text: str) -> ParsedQuery:
    """Words and "quoted phrases"; no other syntax: Whoosh operators are plain words here.

    A run of Han characters matches documents holding all its overlapping pairs (so every document that contains
    the run); a Latin word or number matches the words it begins (prefix); a quoted phrase matches its tokens in
    order and adjacent (for Han text: the consecutive pairs, i.e. exactly the phrase). All units must match.
    """
    text = (text or "").strip()
    if not text:
        raise Invalid("请输入搜索词", "Enter something to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise Invalid(f"搜索词不能超过 {MAX_QUERY_CHARS} 个字符",
                      f"The query may not exceed {MAX_QUERY_CHARS} characters")
    chunks: list[tuple[str, bool]] = []
    parts = text.split('"')
    for i, part in enumerate(parts):
        quoted = i % 2 == 1 and i < len(parts) - 1  # an unbalanced last quote opens nothing
        if quoted:
            chunks.append((part, True))
        else:
            chunks.extend((word, False) for word in part.split())
    units: list[index.Unit] = []
    needles: list[tuple[str, str]] = []
    phrases: list[str] = []
    for chunk, quoted in chunks:
        segments = list(index.segments(chunk))
        if not segments:
            continue
        needles.extend((seg[0], seg[1]) for seg in segments)
        if quoted:
            tokens = _phrase_tokens(segments)
            if len(segments) == 1 and segments[0][0] == "cjk" and len(segments[0][1]) == 1:
                units.append(index.Unit("prefix", tokens))
            else:
                units.append(index.Unit("and", tokens))
            if len(tokens) > 1:
                phrases.append(chunk.strip())
                needles.append(("phrase", chunk.strip()))
        else:
            units.extend(_segment_unit(seg[0], seg[1]) for seg in segments)
        if len(units) > MAX_UNITS:
            raise Invalid(f"搜索词最多 {MAX_UNITS} 个", f"At most {MAX_UNITS} search terms")
    if not units:
        raise Invalid("搜索词中没有可搜索的文字或数字", "The query has no letters, digits or Chinese characters")
    return ParsedQuery(units, needles, phrases)


def restriction(user: User, filters: SearchFilters) -> index.Restriction:
    """The park (and for contributors the access level) inside the index query, plus the user's filters."""
    result = index.Restriction(required=[("park", str(user.park_id))])
    if user.role == Role.contributor:
        result.any_of.append([("access", "public"), ("creator", str(user.id))])
    for fieldname, value in (("doc_type", filters.doc_type), ("clauses", filters.clause), ("state", filters.state),
                             ("owner_unit", filters.owner_unit)):
        if value:
            result.required.append((fieldname, value))
    if filters.date_from or filters.date_to:
        start = _day(filters.date_from) if filters.date_from else "00000000"
        end = _day(filters.date_to) if filters.date_to else "99991231"
        result.ranges.append(("day", start, end))
    if not filters.shows_ended:
        result.excluded.extend(("state", str(state)) for state in HIDDEN_STATES)
    return result


def _highlighter(needles: list[tuple[str, str]]) -> re.Pattern | None:
    alternatives = []
    for kind, needle in sorted(set(needles), key=lambda item: len(item[1]), reverse=True):
        if kind == "word":
            alternatives.append(re.escape(needle) + r"[A-Za-z0-9]*")
        elif kind == "phrase":
            alternatives.append(re.escape(needle))  # a word matches the words it begins
        else:
            alternatives.append(re.escape(needle))
    for kind, needle in needles:  # a run found only in pieces: mark its pairs
        if kind == "cjk" and len(needle) > 2:
            alternatives.extend(re.escape(pair) for pair in index.bigrams(needle))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def make_snippet(text: str, pattern: re.Pattern | None, *, width: int = 160, before: int = 40) -> str:
    """A window of the text around the first match; matches in <mark>, everything else HTML-escaped."""
    text = text or ""
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - before) if match else 0
    end = min(len(text), start + width + 40)
    piece = join_han_lines(text[start:end])[:width]  # only the window: cheap on long texts
    end = min(len(text), start + len(piece)) if end < len(text) else end
    out, pos = [], 0
    if pattern:
        for found in pattern.finditer(piece):
            out.append(html.escape(piece[pos:found.start()]))
            out.append(f"<mark>{html.escape(found.group())}</mark>")
            pos = found.end()
    out.append(html.escape(piece[pos:]))
    snippet = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


def _visible_rows(session: Session, user: User, revision_ids: list[int], include_obsolete: bool) -> dict[int, tuple]:
    if not revision_ids:
        return {}
    query = (
        select(Revision.id, Revision.document_id, Revision.state, Document.control_no, Document.title)
        .join(Document, Document.id == Revision.document_id)
        .where(Revision.id.in_(revision_ids), readable(user))
    )
    if not include_obsolete:
        query = query.where(Revision.state.not_in([str(state) for state in HIDDEN_STATES]))
    return {row.id: row for row in session.execute(query).all()}


def _with_phrases(session: Session, searcher, matches: list[tuple[float, int]],  # noqa: ANN001
                  phrases: list[str]) -> list[tuple[float, int]]:
    """Keep the matches whose text (or title, or control number) holds every quoted phrase as written."""
    column = index.rid_column(searcher)
    by_revision = {int(column[docnum]): (score, docnum) for score, docnum in matches}
    conditions = [
        RevisionText.text.icontains(phrase, autoescape=True) | Document.title.icontains(phrase, autoescape=True)
        | Document.control_no.icontains(phrase, autoescape=True)
        for phrase in phrases
    ]
    kept: list[tuple[float, int]] = []
    ids = list(by_revision)
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(Revision.id).join(Document, Document.id == Revision.document_id)
            .outerjoin(RevisionText, RevisionText.revision_id == Revision.id)
            .where(Revision.id.in_(ids[start:start + 5000]), *conditions)
        ).scalars()
        kept.extend(by_revision[revision_id] for revision_id in rows)
    return kept


def _queue_pending(session: Session) -> bool:
    return session.execute(select(SearchQueue.id).limit(1)).first() is not None


def search(session: Session, user: User, query: str, filters: SearchFilters | None = None, limit: int = 20,
           offset: int = 0) -> SearchPage:
    """Readable revisions matching the query, best first; totals count only what this user may read."""
    filters = filters or SearchFilters()
    if limit < 1 or limit > 100 or offset < 0 or offset > MAX_OFFSET:
        raise Invalid("分页参数超出范围", "Pagination out of range")
    parsed = parse_query(query)
    for attempt in range(INDEX_ATTEMPTS):
        try:
            searcher = index.searcher(renew=attempt > 0)
            if searcher is None:
                raise IndexUnavailable("搜索索引正在建立，请稍后再试",
                                       "The search index is being built; try again shortly")
            return _search_with(session, user, searcher, parsed, filters, limit, offset)
        except FileNotFoundError:
            # The indexer merged segments and removed their files after this searcher was opened: open a fresh one.
            logger.info("search index segment vanished under a searcher (attempt %d); reopening", attempt + 1)
    raise IndexUnavailable("搜索索引正在更新，请稍后再试", "The search index is being updated; try again shortly")


def _search_with(session: Session, user: User, searcher, parsed: ParsedQuery,  # noqa: ANN001
                 filters: SearchFilters, limit: int, offset: int) -> SearchPage:
    matches = index.evaluate(searcher, parsed.units, restriction(user, filters))
    if parsed.phrases:
        matches = _with_phrases(session, searcher, matches, parsed.phrases)
    found = len(matches)

    need = offset + limit
    window = need
    while True:
        top = heapq.nlargest(window, matches)
        column = index.rid_column(searcher)
        hits = [(int(column[docnum]), score) for score, docnum in top]
        rows = _visible_rows(session, user, [rid for rid, _ in hits], filters.shows_ended)
        accepted = [(rid, score) for rid, score in hits if rid in rows]
        rejected = len(hits) - len(accepted)  # stale entries: the database said no
        if len(accepted) >= need or len(hits) >= found:
            break
        window = min(found, window + max(2 * rejected, limit))
    total = max(0, found - rejected)
    if len(hits) < found and (rejected or found <= VERIFY_ALL_BELOW or _queue_pending(session)):
        # The index may be behind the database (a rejected hit, a queued change) or checking is cheap: count every
        # match in the database, so the total never includes a revision this user may not see.
        column = index.rid_column(searcher)
        every = [int(column[docnum]) for _, docnum in matches]
        total = sum(len(_visible_rows(session, user, every[start:start + 5000], filters.shows_ended))
                    for start in range(0, len(every), 5000))
    page = accepted[offset:offset + limit]

    pattern = _highlighter(parsed.needles)
    page_ids = [rid for rid, _ in page]
    texts = dict(session.execute(
        select(RevisionText.revision_id, RevisionText.text).where(RevisionText.revision_id.in_(page_ids))
    ).all()) if page_ids else {}
    items = []
    for rid, score in page:
        row = rows[rid]
        text = texts.get(rid, "")
        source = text if pattern and pattern.search(text or "") else (row.title if pattern and
                                                                      pattern.search(row.title) else text)
        items.append(SearchHit(
            document_id=row.document_id, revision_id=rid, control_no=row.control_no, title=row.title,
            state=str(row.state), snippet=make_snippet(source, pattern), score=round(float(score), 4),
            obsolete=RevisionState(row.state) in HIDDEN_STATES,
        ))
    return SearchPage(total=total, limit=limit, offset=offset, items=items)
