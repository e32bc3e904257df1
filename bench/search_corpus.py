"""The search bench's corpus: a park, a coordinator and N revisions of Chinese text recombined from the standard's
sentences (clause_map.yaml), written with SQLAlchemy Core; and the queries (runs of 2–6 Han characters)."""

import random
import re
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAUSE_MAP = ROOT / "clause_map.yaml"  # the standard's text, as data: the corpus needs nothing outside the repo
PASSWORD = "Bench-Passw0rd!"
MIN_CHARS = 2000
HIDDEN = {"superseded", "obsolete", "void"}
_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def sentences() -> list[str]:
    from app.clauses.schema import load_clause_map

    clause_map = load_clause_map(CLAUSE_MAP)
    paragraphs = [clause.title_zh for clause in clause_map.clauses]
    paragraphs += [clause.requirement_zh for clause in clause_map.clauses]
    paragraphs += [item.text for clause in clause_map.clauses for item in clause.items]
    paragraphs += [f"{doc_type.title_zh}。{doc_type.description_zh}" for doc_type in clause_map.doc_types]
    text = "\n".join(paragraphs)
    pieces = re.split(r"(?<=[。；！？])|\n+", text)
    return [piece.strip() for piece in pieces if len(_HAN.findall(piece.strip())) and len(piece.strip()) >= 8]


def make_text(rng: random.Random, pool: list[str]) -> str:
    parts, size = [], 0
    while size < MIN_CHARS:
        sentence = rng.choice(pool)
        parts.append(sentence)
        size += len(sentence)
        if rng.random() < 0.15:
            parts.append("\n\n")
    return "".join(parts)


def build_corpus(n: int, rng: random.Random) -> dict:
    """A park, two users and n revisions (with their text) written with SQLAlchemy Core."""
    from sqlalchemy import insert, select

    from app.clauses.models import DocType
    from app.db import get_engine, session_scope
    from app.documents.models import Blob, Document, Revision, RevisionText
    from app.users import service as users
    from app.users.models import Role

    with session_scope() as session:
        park = users.create_park(session, code=f"SRCH{uuid.uuid4().hex[:6].upper()}", name="搜索基准园区")
        coordinator = users.create_user(
            session,
            park=park,
            username=f"search_coord_{park.code.lower()}",
            password=PASSWORD,
            role=Role.coordinator,
            full_name="王振阳",
        )
        park_id, coordinator_id, username = park.id, coordinator.id, coordinator.username
        types = [
            code for code, kind in session.execute(select(DocType.code, DocType.kind)).all() if str(kind) == "document"
        ]
    pool = sentences()
    now = datetime.now(UTC)
    sha = "c" * 64
    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(
            insert(Blob), [{"sha256": sha, "size_bytes": 4096, "media_type": "application/pdf", "created_at": now}]
        )
    # Two revisions per document: (superseded, effective) 50 %, (effective, draft) 30 %, (superseded, obsolete) 20 %.
    patterns = [("superseded", "effective")] * 5 + [("effective", "draft")] * 3 + [("superseded", "obsolete")] * 2
    started = time.perf_counter()
    documents, revisions, texts = [], [], []
    doc_id = rev_id = 0
    with engine.connect() as connection:
        doc_id = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM document").scalar()
        rev_id = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM revision").scalar()

    def flush() -> None:
        with engine.begin() as connection:
            if documents:
                connection.execute(insert(Document), documents)
            if revisions:
                connection.execute(insert(Revision), revisions)
                connection.execute(insert(RevisionText), texts)
        documents.clear()
        revisions.clear()
        texts.clear()

    made = 0
    while made < n:
        doc_id += 1
        doc_type = rng.choice(types)
        created = now - timedelta(days=rng.randint(30, 1500))
        documents.append(
            {
                "id": doc_id,
                "park_id": park_id,
                "control_no": f"{doc_type[:20]}-{doc_id:06d}",
                "doc_type": doc_type,
                "kind": "document",
                "title": f"{rng.choice(pool)[:30]}",
                "owner_unit": "碳管理办公室",
                "access_level": rng.choice(("public", "internal", "internal", "restricted")),
                "created_by_id": coordinator_id,
                "created_at": created,
                "version": 1,
            }
        )
        for number, state in enumerate(rng.choice(patterns), start=1):
            if made >= n:
                break
            rev_id += 1
            made += 1
            at = created + timedelta(days=number * 10)
            revisions.append(
                {
                    "id": rev_id,
                    "park_id": park_id,
                    "document_id": doc_id,
                    "number": number,
                    "state": state,
                    "version": 1,
                    "cycle": 1,
                    "change_reason": "",
                    "blob_sha256": sha,
                    "file_name": "file.pdf",
                    "media_type": "application/pdf",
                    "size_bytes": 4096,
                    "preparer_id": coordinator_id,
                    "created_at": at,
                    "submitted_at": None,
                    "approved_at": None,
                    "effective_from": at if state != "draft" else None,
                    "published_by_id": None,
                    "ended_at": None,
                    "end_reason": "",
                    "last_reviewed_at": None,
                    "period_start": None,
                    "period_end": None,
                }
            )
            texts.append({"revision_id": rev_id, "text": make_text(rng, pool)})
        if len(revisions) >= 2000:
            flush()
    flush()
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return {"park_id": park_id, "username": username, "insert_seconds": time.perf_counter() - started}


def make_queries(rng: random.Random, count: int) -> list[str]:
    runs = [run for sentence in sentences() for run in _HAN.findall(sentence) if len(run) >= 2]
    queries = []
    while len(queries) < count:
        run = rng.choice(runs)
        length = rng.randint(2, min(6, len(run)))
        start = rng.randint(0, len(run) - length)
        queries.append(run[start : start + length])
    return queries
