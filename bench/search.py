"""Full-text search at scale: N revisions (default 50,000) of Chinese text recombined from the standard's sentences,
on each search backend side by side.

    .venv/bin/python bench/search.py                                 # Whoosh on SQLite, 50,000 revisions (long)
    .venv/bin/python bench/search.py --revisions 2000                # a quick run
    .venv/bin/python bench/search.py --backend postgres              # PostgreSQL full-text search (a temporary
    .venv/bin/python bench/search.py --backend both --revisions 20000  # database on --postgres); both: one corpus
                                                                     # on PostgreSQL, indexed by each backend
    .venv/bin/python bench/search.py --revisions 100000 --keep --backend both  # keep the corpus and its indexes,
    .venv/bin/python bench/search.py --reuse /tmp/carbonms-search-bench-XXXX   # then measure them again (no build;
                                                                     # --reindex rebuilds the indexes first)

Prints per backend: reindex throughput, peak memory of the reindex process (getrusage) and index size, p50/p95
latency of queries of 2–6 Han characters through `service.search` and through `GET /api/search`, the same queries on
SQLite FTS5 (trigram tokenizer) over the same texts as the reference, and recall against substring ground truth.
"""

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pg_cpu import backend_cpu_ms  # noqa: E402
from bench.search_corpus import HIDDEN, PASSWORD, build_corpus, make_queries, percentiles  # noqa: E402
from tests.support.databases import PG_ADMIN_URL, create_database, drop_database  # noqa: E402


def child_reindex() -> None:
    """Run in a child process so its peak memory is the reindex's own."""
    from app.search import service

    started = time.perf_counter()
    count = service.rebuild()
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the analysis workers, when there are any
    cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
    # PostgreSQL: the server processes of this process's connections (the writer's COPY and index build)
    database = backend_cpu_ms() / 1000 if os.environ.get("CARBONMS_SEARCH_BACKEND") == "postgres" else 0.0
    print(f"REINDEX {count} {elapsed:.3f} {usage.ru_maxrss / 1024:.1f} {cpu:.3f} {database:.3f}", flush=True)


def reindex(backend: str, data_dir: Path) -> dict:
    child = subprocess.run(
        [sys.executable, __file__, "--child-reindex"],
        capture_output=True,
        text=True,
        env=os.environ | {"CARBONMS_SEARCH_BACKEND": backend},
        check=False,
    )
    line = next((x for x in child.stdout.splitlines() if x.startswith("REINDEX")), None)
    if child.returncode != 0 or line is None:
        print(child.stdout, child.stderr, file=sys.stderr)
        raise SystemExit(f"reindex failed ({backend})")
    _, count, seconds, peak, cpu, database = line.split()
    if backend == "whoosh":
        size = sum(f.stat().st_size for f in (data_dir / "index").rglob("*") if f.is_file())
    else:
        from sqlalchemy import text

        from app.db import get_engine

        with get_engine().connect() as connection:
            size = connection.execute(text("SELECT pg_total_relation_size('search.search_entry')")).scalar_one()
    result = {
        "count": int(count),
        "seconds": float(seconds),
        "peak_mb": float(peak),
        "size_mb": size / 1e6,
        "cpu": float(cpu),
        "database_cpu": float(database),
    }
    print(
        f"reindex ({backend}): {count} revisions in {result['seconds']:.1f} s = "
        f"{result['count'] / result['seconds']:.0f} revisions/s; peak memory (maxrss of the reindex process) "
        f"{result['peak_mb']:.0f} MB; index size {result['size_mb']:.0f} MB; CPU time of this process and its workers "
        f"{result['cpu']:.0f} s"
        + (f", of its database server processes {result['database_cpu']:.0f} s" if backend == "postgres" else ""),
        flush=True,
    )
    return result


def measure(backend: str, built: dict, queries: list[str], seed: int) -> dict:
    """Latency through the service and the API, and recall over every match of the index (not only the page)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from app.config import get_settings
    from app.db import session_scope
    from app.documents.models import Revision, RevisionText
    from app.main import create_app
    from app.search import evaluation, index, query, service
    from app.search.backend import get_backend
    from app.users.models import User

    get_settings().search_backend = backend
    with session_scope(write=False) as session:
        user = session.execute(select(User).where(User.username == built["username"])).scalar_one()
        session.expunge(user)

    def through_service(q: str) -> dict:
        with session_scope(write=False) as session:
            return service.search(session, user, q).model_dump()

    for q in make_queries(random.Random(seed + 3), 10):  # warm-up (other queries): searcher opened
        through_service(q)
    cold_ms: list[float] = []
    if backend == "whoosh":  # first without the decoded-postings cache: every term read from the index files
        cache_size = evaluation.POSTINGS_CACHE_ENTRIES
        evaluation.POSTINGS_CACHE_ENTRIES = 0
        evaluation._postings_cache.clear()
        evaluation._postings_cached = 0
        for q in queries:
            started = time.perf_counter()
            through_service(q)
            cold_ms.append((time.perf_counter() - started) * 1000)
        evaluation.POSTINGS_CACHE_ENTRIES = cache_size
    service_ms, totals, estimated = [], {}, 0
    for q in queries:
        started = time.perf_counter()
        page = through_service(q)
        service_ms.append((time.perf_counter() - started) * 1000)
        totals[q] = page["total"]
        estimated += page["estimated"]

    api_ms = []
    with TestClient(create_app()) as client:
        token = client.post("/api/auth/token", data={"username": built["username"], "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        client.get("/api/search", params={"q": "碳排放"}, headers=headers)
        api_cpu_ms = []  # the server runs in this process (TestClient): its CPU time, which the load does not inflate
        database_before = backend_cpu_ms() if backend == "postgres" else 0.0
        for q in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get("/api/search", params={"q": q}, headers=headers)
            api_ms.append((time.perf_counter() - started) * 1000)
            api_cpu_ms.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, response.text
        database_ms = (backend_cpu_ms() - database_before) / len(queries) if backend == "postgres" else 0.0

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
    recalls, precisions, total_ok = [], [], 0
    filters = query.SearchFilters()
    searcher = index.searcher() if backend == "whoosh" else None
    for q in queries:
        truth = {rid for rid, text in visible.items() if q in text}
        parsed = query.parse_query(q)
        if searcher is not None:
            matches = evaluation.evaluate(searcher, parsed.units, query.restriction(user, filters))
            column = evaluation.rid_column(searcher)
            found = {int(column[docnum]) for docnum in matches.all_docnums()}
        else:
            with session_scope(write=False) as session:
                found = set(get_backend().all_matches(session, user, parsed, filters))  # type: ignore[attr-defined]
        recalls.append(len(truth & found) / len(truth) if truth else 1.0)
        precisions.append(len(truth & found) / len(found) if found else 1.0)
        total_ok += totals[q] == len(found)
    three = [i for i, q in enumerate(queries) if len(q) >= 3]
    return {
        "cold_ms": cold_ms,
        "service_ms": service_ms,
        "api_ms": api_ms,
        "api_ms3": [api_ms[i] for i in three],
        "api_cpu_ms": api_cpu_ms,
        "api_cpu_ms3": [api_cpu_ms[i] for i in three],
        "service_ms3": [service_ms[i] for i in three],
        "recalls": recalls,
        "precisions": precisions,
        "total_ok": total_ok,
        "estimated": estimated,
        "mean_hits": statistics.mean(totals.values()),
        "visible": visible,
        "bad": [q for q, r in zip(queries, recalls, strict=True) if r < 1.0],
        "database_ms": database_ms,
    }


def fts5_reference(visible: dict[int, str], queries: list[str], data_dir: Path) -> dict:
    """SQLite FTS5, trigram tokenizer, same texts, same queries."""
    fts_path = data_dir / "fts.db"
    fts_path.unlink(missing_ok=True)
    fts = sqlite3.connect(fts_path)
    fts.execute("CREATE VIRTUAL TABLE doc USING fts5(text, tokenize='trigram')")
    started = time.perf_counter()
    fts.executemany("INSERT INTO doc(rowid, text) VALUES (?, ?)", visible.items())
    fts.commit()
    build = time.perf_counter() - started
    every, three = [], []
    for q in queries[:10]:
        fts.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (f'"{q}"',)).fetchall() if len(q) >= 3 else None
    cpu_ms, cpu_ms3 = [], []
    for q in queries:
        started, cpu_started = time.perf_counter(), time.process_time()
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
        cpu_ms.append((time.process_time() - cpu_started) * 1000)
        every.append(elapsed)
        if len(q) >= 3:
            three.append(elapsed)
            cpu_ms3.append(cpu_ms[-1])
    fts.close()
    return {"ms": every, "ms3": three, "build": build, "cpu_ms": cpu_ms, "cpu_ms3": cpu_ms3}


def report(backends: list[str], indexed: dict, measured: dict, fts: dict, queries: list[str]) -> None:
    p = percentiles
    first = measured[backends[0]]
    print(
        f"queries: {len(queries)} of 2–6 Han characters ({sum(len(q) == 2 for q in queries)} of two, "
        f"{len(first['api_ms3'])} of three or more); {len(first['visible'])} visible revisions"
    )
    rows = [("", lambda b: b)]
    rows += [
        ("reindex revisions/s", lambda b: f"{indexed[b]['count'] / indexed[b]['seconds']:.0f}"),
        ("reindex peak memory MB", lambda b: f"{indexed[b]['peak_mb']:.0f}"),
        ("reindex CPU s (app side)", lambda b: f"{indexed[b]['cpu']:.0f}"),
        ("reindex CPU s (database server)", lambda b: f"{indexed[b]['database_cpu']:.0f}" if b == "postgres" else "-"),
        ("index size MB", lambda b: f"{indexed[b]['size_mb']:.0f}"),
        ("mean hits per query", lambda b: f"{measured[b]['mean_hits']:.0f}"),
        ("service p50/p95 ms", lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["service_ms"]))),
        ("service ≥3 chars p50/p95 ms", lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["service_ms3"]))),
        ("API p50/p95 ms", lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["api_ms"]))),
        ("API ≥3 chars p50/p95 ms", lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["api_ms3"]))),
        ("API CPU p50/p95 ms", lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["api_cpu_ms"]))),
        ("API CPU ≥3 chars p50/p95 ms", lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["api_cpu_ms3"]))),
        (
            "ratio CPU API/FTS5 p95, ≥3 chars",
            lambda b: f"{p(measured[b]['api_cpu_ms3'])[1] / p(fts['cpu_ms3'])[1]:.2f}",
        ),
        ("database CPU per API query ms", lambda b: f"{measured[b]['database_ms']:.1f}" if b == "postgres" else "-"),
        ("ratio API/FTS5 p95", lambda b: f"{p(measured[b]['api_ms'])[1] / p(fts['ms'])[1]:.2f}"),
        ("ratio API/FTS5 p95, ≥3 chars", lambda b: f"{p(measured[b]['api_ms3'])[1] / p(fts['ms3'])[1]:.2f}"),
        (
            "recall min / mean",
            lambda b: f"{min(measured[b]['recalls']):.3f} / {statistics.mean(measured[b]['recalls']):.4f}",
        ),
        ("precision mean (text only)", lambda b: f"{statistics.mean(measured[b]['precisions']):.4f}"),
        ("total = index matches", lambda b: f"{measured[b]['total_ok']}/{len(queries)}"),
        ("totals flagged estimated", lambda b: f"{measured[b]['estimated']}/{len(queries)}"),
    ]
    if "whoosh" in measured:
        rows.append(
            (
                "service, postings cache off p50/p95",
                lambda b: "{:.1f} / {:.1f}".format(*p(measured[b]["cold_ms"])) if measured[b]["cold_ms"] else "-",
            )
        )
    for label, value in rows:
        print(f"{label:<38}" + "".join(f"{value(b):>22}" for b in backends))
    print(
        f"FTS5 p50/p95: {p(fts['ms'])[0]:.1f} / {p(fts['ms'])[1]:.1f} ms (≥3 chars, trigram MATCH: "
        f"{p(fts['ms3'])[0]:.1f} / {p(fts['ms3'])[1]:.1f} ms; 2 chars: instr() scan); FTS5 build {fts['build']:.1f} s; "
        "FTS5 CPU p50/p95 {:.1f} / {:.1f} ms (≥3 chars {:.1f} / {:.1f}); load average {:.1f}".format(
            *p(fts["cpu_ms"]), *p(fts["cpu_ms3"]), os.getloadavg()[0]
        )
    )
    print(
        "(precision < 1: an unquoted run matches documents holding all its pairs; quoted phrases are exact; metadata "
        "matches count as misses)"
    )
    for b in backends:
        if measured[b]["bad"]:
            print(f"RECALL BELOW 1.0 ({b}) for: {measured[b]['bad'][:10]}")


def run(args: argparse.Namespace, data_dir: Path, backends: list[str]) -> None:
    from app.cli import initialise

    kept = data_dir / "built.json"
    if args.reuse:
        built = json.loads(kept.read_text())
        print(f"corpus: reused from {data_dir} ({built['revisions']} revisions)", flush=True)
        indexed = {backend: reindex(backend, data_dir) for backend in backends} if args.reindex else built["indexed"]
    else:
        rng = random.Random(args.seed)
        initialise()
        print(f"corpus: {args.revisions} revisions on {os.environ['CARBONMS_DATABASE_URL'].split(':')[0]}", flush=True)
        built = build_corpus(args.revisions, rng) | {"revisions": args.revisions}
        print(f"bulk insert: {built['insert_seconds']:.1f} s", flush=True)
        indexed = {backend: reindex(backend, data_dir) for backend in backends}
    if args.keep:  # a reuse of some backends keeps what the others' indexes were
        indexed = built.get("indexed", {}) | indexed
        everyone = [b for b in ("whoosh", "postgres") if b in backends or b in built.get("backends", [])]
        built |= {"indexed": indexed, "database_url": os.environ["CARBONMS_DATABASE_URL"], "backends": everyone}
        kept.write_text(json.dumps(built))
    queries = make_queries(random.Random(args.seed + 1), args.queries)
    measured = {backend: measure(backend, built, queries, args.seed) for backend in backends}
    fts = fts5_reference(measured[backends[0]]["visible"], queries, data_dir)
    report(backends, indexed, measured, fts, queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--revisions", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--backend", choices=("whoosh", "postgres", "both"), default="whoosh")
    parser.add_argument(
        "--postgres", metavar="URL", default=PG_ADMIN_URL, help="server for a temporary database (postgres, both)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory (and database)")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="measure a corpus kept by --keep again")
    parser.add_argument("--reindex", action="store_true", help="with --reuse: rebuild the indexes first")
    parser.add_argument("--child-reindex", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_reindex:
        child_reindex()
        return
    backends = ["whoosh", "postgres"] if args.backend == "both" else [args.backend]
    if args.reuse:  # the kept corpus decides the database and which indexes exist
        kept = json.loads((args.reuse / "built.json").read_text())
        os.environ["CARBONMS_DATA_DIR"] = str(args.reuse)
        os.environ["CARBONMS_DATABASE_URL"] = kept["database_url"]
        backends = [b for b in backends if b in kept["backends"]] or kept["backends"]
        args.keep = True
        try:
            run(args, args.reuse, backends)
        finally:
            from app.db import dispose_engines

            dispose_engines()
        return
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-search-bench-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    pg_name = None
    if "postgres" in backends:
        pg_name, os.environ["CARBONMS_DATABASE_URL"] = create_database(args.postgres, prefix="carbonms_bench")
    else:
        os.environ["CARBONMS_DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        run(args, data_dir, backends)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name and not args.keep:
            drop_database(pg_name, args.postgres)
        if args.keep:
            print(f"data kept in {data_dir}" + (f" and database {pg_name}" if pg_name else ""))
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
