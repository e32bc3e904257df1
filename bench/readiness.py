"""Readiness on a park and on one ten times smaller, in one run: prints p50/p95 of compute_readiness (today and as
of a past date) and of the API for both sizes, and the ratio of the larger to the smaller (the cost should follow
the number of document types, not the size of the park).

    .venv/bin/python bench/readiness.py                      # 10,000 documents / 40,000 revisions, SQLite
    .venv/bin/python bench/readiness.py --documents 100000 --revisions 400000
    .venv/bin/python bench/readiness.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
                                                             # a temporary database on that server

The park is written with bulk inserts (no API, no lifecycle): per document mostly one effective revision and the
superseded ones before it, some with a draft of the next revision, some obsolete, some only in progress; records
filed (a few void or awaiting confirmation) with their periods; approve/confirm signatures for what was signed.
"""

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.databases import create_database, drop_database  # noqa: E402

DOCUMENTS = 10_000
REVISIONS = 40_000
RECORD_SHARE = 0.3  # of the documents, this share are records (one revision each)
PASSWORD = "Bench-Passw0rd!"


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


class _GcWatch:
    """Time spent in the cyclic garbage collector, and the full (generation 2) collections, while active."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.full = 0
        self._start = 0.0
        self.active = False
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if not self.active:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._start) * 1000
            self.full += info["generation"] == 2


GC = _GcWatch()


def _time(fn: Any, runs: int, warmup: int) -> tuple[list[float], list[float], float, int]:
    """Wall-clock and CPU milliseconds per call (CPU time of this process: it tells our work apart from a busy
    machine's contention; SQLite runs in-process, a PostgreSQL server's work is not in it), plus the garbage
    collector's total milliseconds and full collections over the timed runs."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    GC.ms, GC.full, GC.active = 0.0, 0, True
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    GC.active = False
    return wall, cpu, GC.ms, GC.full


def build_park(rng: random.Random, document_total: int, revision_total: int) -> dict[str, Any]:
    """Create the park, a coordinator and the bulk data; returns what the timings need."""
    from sqlalchemy import insert, select

    from app.clauses.models import DocType
    from app.common import utcnow
    from app.db import get_engine, session_scope
    from app.documents.models import Blob, Document, Revision, Signature
    from app.users import service as users
    from app.users.models import Role

    with session_scope() as session:
        park = users.create_park(session, code=f"BENCH{uuid.uuid4().hex[:6].upper()}", name="基准测试园区")
        coordinator = users.create_user(
            session,
            park=park,
            username=f"bench_coord_{park.code.lower()}",
            password=PASSWORD,
            role=Role.coordinator,
            full_name="体系管理员",
        )
        approver = users.create_user(
            session,
            park=park,
            username=f"bench_appr_{park.code.lower()}",
            password=PASSWORD,
            role=Role.approver,
            full_name="部门负责人甲",
        )
        park_id, coordinator_id, approver_id = park.id, coordinator.id, approver.id
        username = coordinator.username
        types = session.execute(select(DocType.code, DocType.kind).order_by(DocType.sort_key)).all()
        cycle_of = dict(session.execute(select(DocType.code, DocType.cycle)).all())
        max_doc = session.execute(select(Document.id).order_by(Document.id.desc())).scalar() or 0
        max_rev = session.execute(select(Revision.id).order_by(Revision.id.desc())).scalar() or 0

    # A realistic mix: one document type never started (missing), one only in drafts (in progress), one record
    # type whose newest record is old (overdue); the rest spread evenly.
    document_types = [code for code, kind in types if str(kind) == "document"]
    record_types = [code for code, kind in types if str(kind) == "record"]
    draft_only_type, document_types = document_types[1], document_types[2:]
    overdue_type = next(code for code in record_types if code == "EMISSION_REVIEW_RECORD")
    now = utcnow()
    sha = "b" * 64
    documents: list[dict] = []
    revisions: list[dict] = []
    signatures: list[dict] = []
    next_doc, next_rev = max_doc, max_rev

    def add_document(doc_type: str, kind: str, created: datetime) -> int:
        nonlocal next_doc
        next_doc += 1
        documents.append(
            {
                "id": next_doc,
                "park_id": park_id,
                "control_no": f"{doc_type[:20]}-{next_doc:06d}",
                "doc_type": doc_type,
                "kind": kind,
                "title": f"{doc_type} 第 {next_doc} 号",
                "owner_unit": "碳管理办公室",
                "access_level": rng.choice(("public", "internal", "internal", "restricted")),
                "created_by_id": coordinator_id,
                "created_at": created,
                "version": 1,
            }
        )
        return next_doc

    def add_revision(
        document_id: int, number: int, state: str, created: datetime, doc_type: str = "", **extra: Any
    ) -> int:
        nonlocal next_rev
        next_rev += 1
        row = {
            "id": next_rev,
            "park_id": park_id,
            "document_id": document_id,
            "doc_type": doc_type or documents[-1]["doc_type"],
            "covers_clause": None,
            "number": number,
            "state": state,
            "version": 1,
            "cycle": 1,
            "change_reason": "",
            "blob_sha256": sha,
            "file_name": "file.docx",
            "media_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "size_bytes": 1024,
            "preparer_id": coordinator_id,
            "created_at": created,
            "submitted_at": None,
            "approved_at": None,
            "effective_from": None,
            "published_by_id": None,
            "ended_at": None,
            "end_reason": "",
            "last_reviewed_at": None,
            "period_start": None,
            "period_end": None,
        } | extra
        revisions.append(row)
        if row["approved_at"] is not None:
            signatures.append(
                {
                    "park_id": park_id,
                    "revision_id": next_rev,
                    "signer_id": approver_id,
                    "signer_name": "部门负责人甲",
                    "meaning": "confirm" if state in ("filed", "void") else "approve",
                    "cycle": 1,
                    "signed_at": row["approved_at"],
                    "file_sha256": sha,
                    "comment": "",
                }
            )
        return next_rev

    # Records: one revision each, mostly filed, with their periods.
    records = int(document_total * RECORD_SHARE)
    for index in range(records):
        doc_type = record_types[index % len(record_types)]
        months_ago = rng.randint(20, 40) if doc_type == overdue_type else rng.randint(1, 40)
        index_month = now.year * 12 + now.month - 1 - months_ago
        year, month = index_month // 12, index_month % 12 + 1
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        cycle = cycle_of.get(doc_type) or "none"
        if cycle in ("annual", "event"):  # the period its cycle takes (registration refuses any other)
            start, end = date(year, 1, 1), date(year, 12, 31)
        elif cycle == "quarterly":
            first = 3 * ((month - 1) // 3) + 1
            start = date(year, first, 1)
            end = date(year + (first == 10), (first + 3 - 1) % 12 + 1, 1) - timedelta(days=1)
        filed = datetime.combine(end, datetime.min.time(), tzinfo=UTC) + timedelta(days=rng.randint(5, 40))
        filed = min(filed, now - timedelta(hours=1))
        created = filed - timedelta(days=3)
        document_id = add_document(doc_type, "record", created)
        roll = rng.random()
        if roll < 0.90:
            add_revision(
                document_id,
                1,
                "filed",
                created,
                submitted_at=created,
                approved_at=filed,
                effective_from=filed,
                period_start=start,
                period_end=end,
            )
        elif roll < 0.95:
            add_revision(
                document_id,
                1,
                "void",
                created,
                submitted_at=created,
                approved_at=filed,
                effective_from=filed,
                ended_at=filed + timedelta(days=2),
                end_reason="数据有误",
                period_start=start,
                period_end=end,
            )
        else:
            add_revision(
                document_id, 1, rng.choice(("draft", "in_approval")), created, period_start=start, period_end=end
            )

    for row in revisions:  # process records say which process they cover (9.2.2–9.2.5)
        if row["doc_type"] == "PROCESS_MANAGEMENT_RECORDS":
            row["covers_clause"] = rng.choice(("9.2.2", "9.2.3", "9.2.4", "9.2.5"))

    # Documents: histories of superseded revisions ending in effective (often with a draft) or obsolete.
    document_count = document_total - records
    only_open = document_count // 10
    obsolete = document_count // 10
    effective = document_count - only_open - obsolete
    with_draft = effective * 15 // 100
    superseded_total = revision_total - records - only_open - obsolete - effective - with_draft
    histories = effective + obsolete
    for index in range(document_count):
        doc_type = draft_only_type if index < only_open // 10 else document_types[index % len(document_types)]
        created = now - timedelta(days=rng.randint(900, 1500))
        document_id = add_document(doc_type, "document", created)
        if index < only_open:
            add_revision(
                document_id,
                1,
                rng.choice(("draft", "in_review", "in_approval", "approved")),
                now - timedelta(days=rng.randint(1, 60)),
            )
            continue
        slot = index - only_open
        history = superseded_total // histories + (1 if slot < superseded_total % histories else 0)
        moment = created
        number = 0
        for _ in range(history):
            number += 1
            published = moment + timedelta(days=rng.randint(5, 20))
            ended = published + timedelta(days=rng.randint(30, 120))
            add_revision(
                document_id,
                number,
                "superseded",
                moment,
                submitted_at=moment,
                approved_at=published,
                effective_from=published,
                published_by_id=coordinator_id,
                ended_at=ended,
                last_reviewed_at=published,
                end_reason="被新版替代",
            )
            moment = ended - timedelta(days=10)
        number += 1
        published = max(moment + timedelta(days=5), now - timedelta(days=rng.randint(10, 700)))
        published = min(published, now - timedelta(hours=2))
        reviewed = published + timedelta(days=rng.randint(0, 200)) if rng.random() < 0.3 else published
        reviewed = min(reviewed, now - timedelta(hours=1))
        is_obsolete = slot >= effective
        add_revision(
            document_id,
            number,
            "obsolete" if is_obsolete else "effective",
            min(moment, published),
            submitted_at=moment,
            approved_at=published,
            effective_from=published,
            published_by_id=coordinator_id,
            last_reviewed_at=reviewed,
            ended_at=now - timedelta(hours=1) if is_obsolete else None,
            end_reason="不再适用" if is_obsolete else "",
        )
        if not is_obsolete and slot < with_draft:
            add_revision(
                document_id, number + 1, "draft", now - timedelta(days=rng.randint(1, 30)), change_reason="年度修订"
            )

    started = time.perf_counter()
    engine = get_engine()
    with engine.begin() as connection:
        if connection.execute(select(Blob.sha256).where(Blob.sha256 == sha)).first() is None:  # the second park
            connection.execute(
                insert(Blob), [{"sha256": sha, "size_bytes": 1024, "media_type": "application/pdf", "created_at": now}]
            )
        connection.execute(insert(Document), documents)
        for chunk in range(0, len(revisions), 5000):
            connection.execute(insert(Revision), revisions[chunk : chunk + 5000])
        for chunk in range(0, len(signatures), 5000):
            connection.execute(insert(Signature), signatures[chunk : chunk + 5000])
    if engine.dialect.name == "postgresql":  # what autovacuum would soon do; SQLite is left as the app leaves it
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return {
        "park_id": park_id,
        "username": username,
        "documents": len(documents),
        "revisions": len(revisions),
        "signatures": len(signatures),
        "insert_seconds": time.perf_counter() - started,
    }


def measure(size: tuple[int, int], runs: int, warmup: int, freeze: bool) -> dict[str, float]:
    """Build a park of `size` (documents, revisions), time readiness on it; returns p95 per measurement."""
    from fastapi.testclient import TestClient

    from app.db import get_engine, session_scope
    from app.main import create_app
    from app.readiness.service import compute_readiness

    started = time.perf_counter()
    built = build_park(random.Random(20251123), *size)
    park_id = built["park_id"]
    print(
        f"database: {get_engine().dialect.name}; park built in {time.perf_counter() - started:.1f} s "
        f"(bulk insert {built['insert_seconds']:.1f} s)"
    )
    print(f"sizes: {built['documents']} documents, {built['revisions']} revisions, {built['signatures']} signatures")

    def direct(as_of: date | None = None) -> dict:
        with session_scope(write=False) as session:
            return compute_readiness(session, park_id=park_id, as_of=as_of)

    result = direct()
    counts = result["overall"]["counts"]
    items = sum(len(clause["items"]) for clause in result["clauses"])
    evidence = sum(len(item["evidence_detail"]) for clause in result["clauses"] for item in clause["items"])
    print(
        f"result: {len(result['clauses'])} clauses, {items} items, {evidence} evidence rows; overall "
        f"{result['overall']['status']} coverage {result['overall']['coverage']:.2%} progress "
        f"{result['overall']['progress']:.2%}; counts {counts}"
    )

    rows = []
    last_year = date.today() - timedelta(days=365)
    with TestClient(create_app()) as client:
        response = client.post("/api/auth/token", data={"username": built["username"], "password": PASSWORD})
        response.raise_for_status()
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

        def api(path: str = "/api/readiness") -> None:
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, answer.text

        api()
        if freeze:  # what a server would do once started: the start-up objects leave the collector's sight
            gc.collect()
            gc.freeze()
        rows.append(("compute_readiness (today)", _time(direct, runs, warmup)))
        rows.append((f"compute_readiness (as_of {last_year})", _time(lambda: direct(last_year), runs, warmup)))
        rows.append(("GET /api/readiness", _time(api, runs, warmup)))
        rows.append(
            (
                f"GET /api/readiness?as_of={last_year}",
                _time(lambda: api(f"/api/readiness?as_of={last_year}"), runs, warmup),
            )
        )
        rows.append(("GET /api/clauses/7.3.2", _time(lambda: api("/api/clauses/7.3.2"), runs, warmup)))
        size_bytes = len(client.get("/api/readiness", headers=headers).content)
    print(
        f"response size: {size_bytes / 1024:.0f} KiB; {runs} runs after {warmup} warm-up runs; gc.freeze(): "
        f"{'yes' if freeze else 'no'}; load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    out = {}
    for name, (wall, cpu, gc_ms, gc_full) in rows:
        p50, p95, worst = _percentiles(wall)
        cpu50, cpu95, _ = _percentiles(cpu)
        flag = "OK" if p95 < 100 else "SLOW"
        print(
            f"  {name:<44} wall p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {worst:6.1f} ms | "
            f"cpu p50 {cpu50:6.1f} ms  p95 {cpu95:6.1f} ms | gc {gc_ms / runs:5.1f} ms/run, {gc_full} full  {flag}"
        )
        out[name.split(" (as_of")[0].split("?as_of")[0] + (" past" if "as_of" in name else "")] = p95
    return out


def run(documents: int, revisions: int, runs: int, warmup: int, freeze: bool) -> None:
    from app.cli import initialise

    initialise()
    small = measure((documents // 10, revisions // 10), runs, warmup, freeze)
    print()
    large = measure((documents, revisions), runs, warmup, freeze)
    print()
    print(f"larger park / smaller park (p95), target <= 1.5 and p95 < 100 ms at {documents}/{revisions}:")
    for name, value in large.items():
        ratio = value / small[name] if small[name] else float("inf")
        verdict = "OK" if ratio <= 1.5 and value < 100 else "CHECK"
        print(f"  {name:<44} {small[name]:6.1f} ms -> {value:6.1f} ms  x{ratio:4.2f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL: a temporary database is created")
    parser.add_argument("--documents", type=int, default=DOCUMENTS, help="documents of the larger park")
    parser.add_argument("--revisions", type=int, default=REVISIONS, help="revisions of the larger park")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--gc-freeze", action="store_true", help="call gc.freeze() once the app is up, as a tuned server would"
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("CARBONMS_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CARBONMS_ARGON2_MEMORY_KIB", "1024")  # sign-in cost is not what we measure
    os.environ.setdefault("CARBONMS_ARGON2_TIME_COST", "1")
    pg_name = None
    if args.postgres:
        pg_name, os.environ["CARBONMS_DATABASE_URL"] = create_database(args.postgres, prefix="carbonms_bench")
    else:
        os.environ["CARBONMS_DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        run(args.documents, args.revisions, args.runs, args.warmup, args.gc_freeze)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name:
            drop_database(pg_name, args.postgres)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
