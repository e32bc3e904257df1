"""Tenancy on PostgreSQL: one park's readiness, register (documents list) and search through the API, on a database
holding that park alone and on one holding it among many parks of the same size; prints p50/p95 of each and the
ratio (target: the crowded database within 1.2× of the single-park one).

    .venv/bin/python bench/tenancy.py                        # 100 parks × 2,000 documents vs 1 park × 2,000
    .venv/bin/python bench/tenancy.py --parks 20 --runs 30   # a quicker look

Each park is written by bench/readiness.py's `build_park` (bulk inserts: documents, revision histories, records with
their periods, signatures); every revision gets a short text recombined from the standard's sentences
(bench/search_corpus.py) and the PostgreSQL search index (CARBONMS_SEARCH_BACKEND=postgres) is built by the
application's own rebuild. The measured park is the first one written: its rows are the oldest of the database.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pg_cpu import backend_cpu_ms  # noqa: E402
from bench.readiness import PASSWORD, build_park  # noqa: E402
from bench.search_corpus import make_queries, sentences  # noqa: E402
from tests.support.databases import PG_ADMIN_URL, temporary_postgres  # noqa: E402

OPERATIONS = ("readiness", "register", "search")


def add_texts(park_id: int, rng: random.Random, pool: list[str]) -> int:
    """A short text for every revision of the park (two or three of the standard's sentences)."""
    from sqlalchemy import insert, select

    from app.db import get_engine
    from app.documents.models import Revision, RevisionText

    engine = get_engine()
    with engine.begin() as connection:
        ids = list(connection.execute(select(Revision.id).where(Revision.park_id == park_id)).scalars())
        rows = [{"revision_id": rid, "text": "".join(rng.sample(pool, rng.randint(2, 3)))} for rid in ids]
        for start in range(0, len(rows), 5000):
            connection.execute(insert(RevisionText), rows[start : start + 5000])
    return len(rows)


def build(parks: int, documents: int, revisions: int) -> dict:
    """Migrate, write `parks` parks (the first is measured), index them; returns the measured park's sign-in."""
    from app.cli import initialise
    from app.db import get_engine
    from app.search import service as search

    initialise()
    pool = [sentence for sentence in sentences() if len(sentence) >= 20]
    started = time.perf_counter()
    measured: dict = {}
    for number in range(parks):
        built = build_park(random.Random(20261201 + number), documents, revisions)
        add_texts(built["park_id"], random.Random(number), pool)
        measured = measured or built
        if number % 10 == 9 or number == parks - 1:
            print(f"  {number + 1} parks written ({time.perf_counter() - started:.0f} s)", flush=True)
    indexing = time.perf_counter()
    count = search.rebuild()
    print(f"  search index: {count} revisions in {time.perf_counter() - indexing:.0f} s", flush=True)
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")
    return measured


def timed(call: Callable[[], None], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)


def p95(samples: list[float]) -> float:
    return samples[max(0, round(0.95 * len(samples)) - 1)]


def measure(park: dict, runs: int, warmup: int) -> dict[str, list[float]]:
    """The park's coordinator through the API (TestClient on create_app): readiness, a register page, searches."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    queries = make_queries(random.Random(7), 50)
    turn = iter(range(10**9))
    with TestClient(create_app()) as client:
        response = client.post("/api/auth/token", data={"username": park["username"], "password": PASSWORD})
        response.raise_for_status()
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

        def get(path: str, **params: object) -> None:
            answer = client.get(path, params=params, headers=headers)
            assert answer.status_code == 200, answer.text

        calls: dict[str, Callable[[], None]] = {
            "readiness": lambda: get("/api/readiness"),
            "register": lambda: get("/api/documents", limit=50, sort="-created_at"),
            "search": lambda: search(queries[next(turn) % len(queries)]),
        }
        searches: list[tuple[float, str, int]] = []

        def search(q: str) -> None:
            started = time.perf_counter()
            answer = client.get("/api/search", params={"q": q}, headers=headers)
            assert answer.status_code == 200, answer.text
            searches.append(((time.perf_counter() - started) * 1000, q, answer.json()["total"]))

        result = {name: timed(call, runs, warmup) for name, call in calls.items() if name != "search"}
        before, cpu = backend_cpu_ms(), time.process_time()
        result["search"] = timed(calls["search"], runs, warmup)
        server, app = backend_cpu_ms() - before, (time.process_time() - cpu) * 1000
        slowest = ", ".join(f"{q} {ms:.0f} ms ({total} hits)" for ms, q, total in sorted(searches)[-3:][::-1])
        print(
            f"  search CPU per request: database {server / (runs + warmup):.1f} ms, application and client "
            f"{app / (runs + warmup):.1f} ms; slowest: {slowest}",
            flush=True,
        )
        return result


def one_database(label: str, parks: int, args: argparse.Namespace) -> dict[str, list[float]]:
    from app import config, db

    with temporary_postgres(args.postgres, prefix="carbonms_tenancy") as url:
        os.environ["CARBONMS_DATABASE_URL"] = url
        config.get_settings.cache_clear()
        db.dispose_engines()
        try:
            print(f"\n== {label}: {parks} park(s) × {args.documents} documents ==", flush=True)
            park = build(parks, args.documents, args.revisions)
            with db.get_engine().connect() as connection:
                totals = connection.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM document), (SELECT count(*) FROM revision), "
                    "(SELECT count(*) FROM search.search_entry)"
                ).one()
            print(f"  database: {totals[0]} documents, {totals[1]} revisions, {totals[2]} search entries")
            result = measure(park, args.runs, args.warmup)
            for name in OPERATIONS:
                samples = result[name]
                print(
                    f"  {name:<10} p50 {statistics.median(samples):6.1f} ms  p95 {p95(samples):6.1f} ms  "
                    f"max {samples[-1]:6.1f} ms"
                )
            return result
        finally:
            db.dispose_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=PG_ADMIN_URL, help="admin URL: temporary databases are made there")
    parser.add_argument("--parks", type=int, default=100)
    parser.add_argument("--documents", type=int, default=2000, help="documents per park")
    parser.add_argument("--revisions", type=int, default=5000, help="revisions per park")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-tenancy-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ["CARBONMS_SEARCH_BACKEND"] = "postgres"
    os.environ["CARBONMS_SEARCH_INDEX_ASYNC"] = "false"
    os.environ["CARBONMS_JOBS_ASYNC"] = "false"  # no background threads outliving a database of the run
    os.environ.setdefault("CARBONMS_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CARBONMS_ARGON2_MEMORY_KIB", "1024")  # sign-in cost is not what we measure
    os.environ.setdefault("CARBONMS_ARGON2_TIME_COST", "1")
    try:
        single = one_database("single park", 1, args)
        crowded = one_database("many parks", args.parks, args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\none park's p95: {args.parks} parks / 1 park (target ≤ 1.2×), load average {os.getloadavg()[0]:.2f}")
    for name in OPERATIONS:
        before, after = p95(single[name]), p95(crowded[name])
        ratio = after / before if before else float("inf")
        print(f"  {name:<10} {before:6.1f} ms -> {after:6.1f} ms  ×{ratio:4.2f}  {'OK' if ratio <= 1.2 else 'CHECK'}")


if __name__ == "__main__":
    main()
