"""Full-text search at scale: N revisions (default 50,000) of Chinese text recombined from the standard's sentences.

    .venv/bin/python bench/search.py                   # 50,000 revisions (long: run it with nohup and a log)
    .venv/bin/python bench/search.py --revisions 2000  # a quick run

Prints: reindex throughput and peak memory (a child process running `rebuild()`, measured by getrusage), p50/p95
latency of queries of 2–6 Han characters through `service.search` and through `GET /api/search`, the same queries on
SQLite FTS5 (trigram tokenizer) over the same texts as the reference, and recall against substring ground truth.
"""

import argparse
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLAUSE_MAP = ROOT / "clause_map.yaml"  # the standard's text, as data: the corpus needs nothing outside the repo
PASSWORD = "Bench-Passw0rd!"
MIN_CHARS = 2000
HIDDEN = {"superseded", "obsolete", "void"}
_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")


def _percentiles(samples: list[float]) -> tuple[float, float]:
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


def child_reindex() -> None:
    """Run in a child process so its peak memory is the reindex's own."""
    from app.search import service

    started = time.perf_counter()
    count = service.rebuild()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"REINDEX {count} {elapsed:.3f} {peak_mb:.1f}", flush=True)


def make_queries(rng: random.Random, count: int) -> list[str]:
    runs = [run for sentence in sentences() for run in _HAN.findall(sentence) if len(run) >= 2]
    queries = []
    while len(queries) < count:
        run = rng.choice(runs)
        length = rng.randint(2, min(6, len(run)))
        start = rng.randint(0, len(run) - length)
        queries.append(run[start : start + length])
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--revisions", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument("--reuse", type=Path, help="a data directory kept by --keep: only the queries are measured")
    parser.add_argument("--child-reindex", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_reindex:
        child_reindex()
        return

    data_dir = args.reuse or Path(tempfile.mkdtemp(prefix="carbonms-search-bench-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ["CARBONMS_DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        run(args, data_dir)
    finally:
        if args.keep or args.reuse:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def build_and_index(args: argparse.Namespace, rng: random.Random, data_dir: Path) -> dict:
    print(f"corpus: {args.revisions} revisions, ≥{MIN_CHARS} characters each, from {CLAUSE_MAP.name}", flush=True)
    built = build_corpus(args.revisions, rng)
    print(f"bulk insert: {built['insert_seconds']:.1f} s", flush=True)

    # ---- reindex, in a child process --------------------------------------------------------------------------
    child = subprocess.run(
        [sys.executable, __file__, "--child-reindex"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    line = next((x for x in child.stdout.splitlines() if x.startswith("REINDEX")), None)
    if child.returncode != 0 or line is None:
        print(child.stdout, child.stderr, file=sys.stderr)
        raise SystemExit("reindex failed")
    _, count, seconds, _peak = line.split()
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    index_bytes = sum(f.stat().st_size for f in (data_dir / "index").rglob("*") if f.is_file())
    print(
        f"reindex: {count} revisions in {float(seconds):.1f} s = {int(count) / float(seconds):.0f} revisions/s; "
        f"peak memory (maxrss of the reindex process) {children_peak_mb:.0f} MB; "
        f"index size {index_bytes / 1e6:.0f} MB",
        flush=True,
    )

    return built


def run(args: argparse.Namespace, data_dir: Path) -> None:
    from app.cli import initialise

    rng = random.Random(args.seed)
    initialise()
    if args.reuse:
        from sqlalchemy import select

        from app.db import session_scope
        from app.users.models import User

        with session_scope(write=False) as session:
            bench_user = session.execute(select(User).where(User.username.like("search_coord_%"))).scalars().first()
            built = {"park_id": bench_user.park_id, "username": bench_user.username}
        (data_dir / "fts.db").unlink(missing_ok=True)
    else:
        built = build_and_index(args, rng, data_dir)

    # ---- queries through the service and the API ----------------------------------------------------------------
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from app.db import session_scope
    from app.documents.models import Revision, RevisionText
    from app.main import create_app
    from app.search import evaluation, index, query, service
    from app.users.models import User

    queries = make_queries(random.Random(args.seed + 1), args.queries)
    with session_scope(write=False) as session:
        user = session.execute(select(User).where(User.username == built["username"])).scalar_one()
        session.expunge(user)

    def through_service(q: str) -> dict:
        with session_scope(write=False) as session:
            return service.search(session, user, q).model_dump()

    for q in make_queries(random.Random(args.seed + 3), 10):  # warm-up (other queries): searcher opened
        through_service(q)
    # First without the decoded-postings cache: every term read from the index files.
    cache_size = evaluation.POSTINGS_CACHE_ENTRIES
    evaluation.POSTINGS_CACHE_ENTRIES = 0
    evaluation._postings_cache.clear()
    evaluation._postings_cached = 0
    cold_ms = []
    for q in queries:
        started = time.perf_counter()
        through_service(q)
        cold_ms.append((time.perf_counter() - started) * 1000)
    evaluation.POSTINGS_CACHE_ENTRIES = cache_size
    service_ms, totals = [], {}
    for q in queries:
        started = time.perf_counter()
        page = through_service(q)
        service_ms.append((time.perf_counter() - started) * 1000)
        totals[q] = page["total"]

    api_ms = []
    with TestClient(create_app()) as client:
        token = client.post("/api/auth/token", data={"username": built["username"], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        client.get("/api/search", params={"q": "碳排放"}, headers=headers)
        for q in queries:
            started = time.perf_counter()
            response = client.get("/api/search", params={"q": q}, headers=headers)
            api_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text

    # ---- ground truth, recall (every hit of the index, not only the first page) ------------------------------------
    visible: dict[int, str] = {}
    with session_scope(write=False) as session:
        rows = session.execute(
            select(RevisionText.revision_id, RevisionText.text, Revision.state)
            .join(Revision, Revision.id == RevisionText.revision_id)
            .where(Revision.park_id == built["park_id"])
        )
        for revision_id, text, state in rows:
            if str(state) not in HIDDEN:
                visible[revision_id] = text
    searcher = index.searcher()
    recalls, precisions, total_ok = [], [], 0
    restriction = query.restriction(user, query.SearchFilters())
    for q in queries:
        truth = {rid for rid, text in visible.items() if q in text}
        matches = evaluation.evaluate(searcher, query.parse_query(q).units, restriction)
        found = {int(searcher.stored_fields(docnum)["rid"]) for _, docnum in matches}
        recalls.append(len(truth & found) / len(truth) if truth else 1.0)
        precisions.append(len(truth & found) / len(found) if found else 1.0)
        total_ok += totals[q] == len(found)

    # ---- the reference: SQLite FTS5, trigram tokenizer, same texts, same queries --------------------------------
    fts_path = data_dir / "fts.db"
    fts = sqlite3.connect(fts_path)
    fts.execute("CREATE VIRTUAL TABLE doc USING fts5(text, tokenize='trigram')")
    started = time.perf_counter()
    fts.executemany("INSERT INTO doc(rowid, text) VALUES (?, ?)", visible.items())
    fts.commit()
    fts_build = time.perf_counter() - started
    fts_ms, fts_ms3 = [], []
    for q in queries[:10]:
        fts.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (f'"{q}"',)).fetchall() if len(q) >= 3 else None
    for q in queries:
        started = time.perf_counter()
        if len(q) >= 3:
            phrase = f'"{q}"'
            fts.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (phrase,)).fetchone()
            fts.execute(
                "SELECT rowid, snippet(doc, 0, '<mark>', '</mark>', '…', 40) FROM doc WHERE doc MATCH ? "
                "ORDER BY rank LIMIT 20",
                (phrase,),
            ).fetchall()
        else:  # trigram cannot index a pair: a full scan
            fts.execute("SELECT count(*) FROM doc WHERE instr(text, ?) > 0", (q,)).fetchone()
            fts.execute("SELECT rowid FROM doc WHERE instr(text, ?) > 0 LIMIT 20", (q,)).fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        fts_ms.append(elapsed)
        if len(q) >= 3:
            fts_ms3.append(elapsed)
    fts.close()

    service_ms3 = [ms for q, ms in zip(queries, service_ms, strict=True) if len(q) >= 3]
    api_ms3 = [ms for q, ms in zip(queries, api_ms, strict=True) if len(q) >= 3]
    p = _percentiles
    print(
        f"queries: {len(queries)} of 2–6 Han characters ({sum(len(q) == 2 for q in queries)} of two); "
        f"mean hits per query {statistics.mean(totals.values()):.0f} of {len(visible)} visible revisions"
    )
    print(f"service, postings cache off  p50/p95: {p(cold_ms)[0]:.1f} / {p(cold_ms)[1]:.1f} ms")
    print(
        f"service (cache filling as it goes)  p50/p95: {p(service_ms)[0]:.1f} / {p(service_ms)[1]:.1f} ms "
        f"(≥3 chars: {p(service_ms3)[0]:.1f} / {p(service_ms3)[1]:.1f} ms)"
    )
    print(
        f"API (same queries, after the service pass)  p50/p95: {p(api_ms)[0]:.1f} / {p(api_ms)[1]:.1f} ms "
        f"(≥3 chars: {p(api_ms3)[0]:.1f} / {p(api_ms3)[1]:.1f} ms)"
    )
    print(
        f"FTS5     p50/p95: {p(fts_ms)[0]:.1f} / {p(fts_ms)[1]:.1f} ms "
        f"(≥3 chars, trigram MATCH: {p(fts_ms3)[0]:.1f} / {p(fts_ms3)[1]:.1f} ms; 2 chars: instr() scan); "
        f"FTS5 build {fts_build:.1f} s"
    )
    print(f"ratio API/FTS5 p95: {p(api_ms)[1] / p(fts_ms)[1]:.2f} (≥3 chars: {p(api_ms3)[1] / p(fts_ms3)[1]:.2f})")
    print(
        f"recall: min {min(recalls):.3f}, mean {statistics.mean(recalls):.4f}; precision (text only; metadata "
        f"matches count as misses) mean {statistics.mean(precisions):.4f}; service total = index hits for "
        f"{total_ok}/{len(queries)} queries (precision < 1: an unquoted run matches documents holding all its pairs; "
        f"quoted phrases are exact)"
    )
    if min(recalls) < 1.0:
        bad = [q for q, r in zip(queries, recalls, strict=True) if r < 1.0]
        print(f"RECALL BELOW 1.0 for: {bad[:10]}")


if __name__ == "__main__":
    main()
