"""Tenancy on PostgreSQL: one park's readiness, register (documents list) and search through the API, on a database
holding that park alone and on one holding it among many parks of the same size; prints p50/p95 of each (wall
clock, and the CPU time of this process plus the PostgreSQL backends serving it) and the ratio (target: the crowded
database within 1.2× of the single-park one).

    .venv/bin/python bench/tenancy.py                        # 100 parks × 2,000 documents vs 1 park × 2,000
    .venv/bin/python bench/tenancy.py --parks 20 --runs 30   # a quicker look
    .venv/bin/python bench/tenancy.py --parks 20 --explain /tmp/plans   # and every statement's plan, both databases

"register" is the documents register's first page, newest first: GET /api/documents?limit=50&sort=-created_at.

The measured park (the first, its rows the oldest of the database) is written by bench/readiness.py's `build_park`
(documents, revision histories, records with their periods, signatures), every revision with a short text
recombined from the standard's sentences (bench/search_corpus.py); the other parks are copies of it made inside
PostgreSQL (INSERT … SELECT with shifted ids, each park with its own users). The PostgreSQL search index
(CARBONMS_SEARCH_BACKEND=postgres) is built by the application's own rebuild, then ANALYZE (what autovacuum would
soon do). Built databases are kept on the server (carbonms_tenancy_cache_<key>, the key from the sizes and the
sources that shape the data: migrations, these benches, what writes the search entries) and reused by later runs;
--fresh builds anew, --drop-cache drops every kept one.
"""

import argparse
import hashlib
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

from bench import tenancy_plans as plans  # noqa: E402
from bench.pg_cpu import backend_cpu_ms  # noqa: E402
from bench.readiness import PASSWORD, build_park  # noqa: E402
from bench.search_corpus import make_queries, sentences  # noqa: E402
from tests.support.databases import PG_ADMIN_URL  # noqa: E402

OPERATIONS = ("readiness", "register", "search")
CACHE_PREFIX = "carbonms_tenancy_cache_"
# What shapes a built database: a change in any of these builds it anew.
# The search backend's queries do not shape the data, so only what writes its rows counts (and SCHEMA_VERSION).
CACHE_SOURCES = (
    "migrations/versions",
    "bench/readiness.py",
    "bench/search_corpus.py",
    "app/search/entries.py",
    "app/search/index.py",
    "app/search/pg_analysis.py",
    "app/search/pg_rebuild.py",
)
BUILD_VERSION = 1  # of build() and copy_park() below: raise it when they change what they write


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


def _columns(connection: object, table: str) -> list[str]:
    return list(
        connection.exec_driver_sql(  # type: ignore[attr-defined]
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position",
            (table,),
        ).scalars()
    )


def copy_park(source: dict, number: int) -> None:
    """A copy of the source park's documents, revisions, signatures and texts as a new park with its own users,
    written inside PostgreSQL (ids shifted past the current maximum)."""
    from sqlalchemy import select

    from app.db import get_engine, session_scope
    from app.users import service as users
    from app.users.models import Role, User

    with session_scope() as session:
        park = users.create_park(session, code=f"COPY{number:04d}", name=f"复制园区 {number}")
        people = {}
        for old in session.execute(select(User).where(User.park_id == source["park_id"])).scalars():
            new = users.create_user(
                session,
                park=park,
                username=f"{old.username}_{number}",
                password=PASSWORD,
                role=Role(old.role),
                full_name=old.full_name,
            )
            people[old.id] = new.id
        park_id = park.id
    user_map = "CASE {} " + " ".join(f"WHEN {old} THEN {new}" for old, new in people.items()) + " END"
    with get_engine().begin() as connection:
        shift = {
            table: connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
            - connection.exec_driver_sql(
                f"SELECT min(id) - 1 FROM {table} WHERE park_id = %s", (source["park_id"],)
            ).scalar_one()
            for table in ("document", "revision", "signature")
        }
        mapped = {
            "id": "id + {own}",
            "park_id": str(park_id),
            "document_id": f"document_id + {shift['document']}",
            "revision_id": f"revision_id + {shift['revision']}",
            "created_by_id": user_map.format("created_by_id"),
            "preparer_id": user_map.format("preparer_id"),
            "published_by_id": user_map.format("published_by_id"),
            "signer_id": user_map.format("signer_id"),
        }
        for table in ("document", "revision", "signature"):
            names = _columns(connection, table)
            values = ", ".join(mapped.get(name, name).format(own=shift[table]) for name in names)
            connection.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} FROM {table} "
                f"WHERE park_id = {source['park_id']} ORDER BY id"
            )
        connection.exec_driver_sql(
            f"INSERT INTO revision_text (revision_id, text) SELECT t.revision_id + {shift['revision']}, t.text "
            f"FROM revision_text t JOIN revision r ON r.id = t.revision_id WHERE r.park_id = {source['park_id']} "
            "ORDER BY t.revision_id"
        )


def build(parks: int, documents: int, revisions: int) -> None:
    """Migrate, write `parks` parks (the first is measured), index them, ANALYZE."""
    from app.cli import initialise
    from app.db import get_engine
    from app.search import service as search

    initialise()
    pool = [sentence for sentence in sentences() if len(sentence) >= 20]
    started = time.perf_counter()
    measured = build_park(random.Random(20261201), documents, revisions)
    add_texts(measured["park_id"], random.Random(0), pool)
    for number in range(1, parks):
        copy_park(measured, number)
        if number % 10 == 9 or number == parks - 1:
            print(f"  {number + 1} parks written ({time.perf_counter() - started:.0f} s)", flush=True)
    with get_engine().begin() as connection:
        for table in ("document", "revision", "signature"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    indexing = time.perf_counter()
    count = search.rebuild()
    print(f"  search index: {count} revisions in {time.perf_counter() - indexing:.0f} s", flush=True)
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def cache_key(parks: int, documents: int, revisions: int) -> str:
    digest = hashlib.sha256(f"{BUILD_VERSION}/{parks}/{documents}/{revisions}".encode())
    for source in CACHE_SOURCES:
        path = ROOT / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def _admin(admin_url: str, sql: str) -> list:
    import sqlalchemy

    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            result = connection.exec_driver_sql(sql)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def _url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def use_database(admin_url: str, name: str) -> None:
    """Point the application (settings, engines) at database `name` of the server."""
    from app import config, db

    os.environ["CARBONMS_DATABASE_URL"] = _url(admin_url, name)
    config.get_settings.cache_clear()
    db.dispose_engines()


def prepared_database(parks: int, args: argparse.Namespace) -> str:
    """The name of a database of `parks` parks: the kept one when its key matches, else built (into a working name,
    renamed once complete, so a failed build is never reused)."""
    from app import db

    name = f"{CACHE_PREFIX}{parks}p_{cache_key(parks, args.documents, args.revisions)}"
    print(f"\n== {parks} park(s) × {args.documents} documents ==", flush=True)
    exists = _admin(args.postgres, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    if exists and args.fresh:
        _admin(args.postgres, f'DROP DATABASE "{name}" WITH (FORCE)')
        exists = []
    if exists:
        print(f"  kept database {name}", flush=True)
    else:
        working = f"{name}_building"
        _admin(args.postgres, f'DROP DATABASE IF EXISTS "{working}" WITH (FORCE)')
        _admin(args.postgres, f'CREATE DATABASE "{working}"')
        use_database(args.postgres, working)
        started = time.perf_counter()
        try:
            build(parks, args.documents, args.revisions)
        finally:
            db.dispose_engines()
        _admin(args.postgres, f'ALTER DATABASE "{working}" RENAME TO "{name}"')
        print(f"  built in {time.perf_counter() - started:.0f} s, kept as {name}", flush=True)
    use_database(args.postgres, name)
    try:
        with db.get_engine().connect() as connection:
            totals = connection.exec_driver_sql(
                "SELECT (SELECT count(*) FROM document), (SELECT count(*) FROM revision), "
                "(SELECT count(*) FROM search.search_entry)"
            ).one()
        print(f"  database: {totals[0]} documents, {totals[1]} revisions, {totals[2]} search entries")
    finally:
        db.dispose_engines()
    return name


def timed(call: Callable[[], None], runs: int, warmup: int, pids: Callable[[], list[int]]) -> dict[str, list[float]]:
    """Wall-clock and CPU milliseconds per call, sorted: CPU of this process (the application, in-process) plus
    the database backends serving it (their /proc schedstat). Parallel query workers a backend starts come and go
    within a statement and are not counted: a plan that runs in parallel shows more wall than CPU here."""
    for _ in range(warmup):
        call()
    backends = pids()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu, started_db = time.perf_counter(), time.process_time(), plans.cpu_ns(backends)
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000 + (plans.cpu_ns(backends) - started_db) / 1e6)
    return {"wall": sorted(wall), "cpu": sorted(cpu)}


def p95(samples: list[float]) -> float:
    return samples[max(0, round(0.95 * len(samples)) - 1)]


def measure(label: str, args: argparse.Namespace, runs: int, explain: Path | None) -> dict[str, dict[str, list[float]]]:
    """The measured park's coordinator through the API (TestClient on create_app): readiness, a register page,
    searches; with --explain, the plans of one call of each."""
    from fastapi.testclient import TestClient

    from app.db import get_engine
    from app.main import create_app
    from app.users.models import Park, User

    engine = get_engine()
    with engine.connect() as connection:
        first_park = connection.exec_driver_sql(f"SELECT min(id) FROM {Park.__tablename__}").scalar_one()
        username = connection.exec_driver_sql(
            f"SELECT username FROM {User.__tablename__} WHERE park_id = %s AND role = 'coordinator' ORDER BY id",
            (first_park,),
        ).scalar()
    queries = make_queries(random.Random(7), 50)
    turn = iter(range(10**9))
    with TestClient(create_app()) as client:
        response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
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

        backends = lambda: plans.backend_pids(engine)  # noqa: E731
        result = {name: timed(call, runs, args.warmup, backends) for name, call in calls.items() if name != "search"}
        before, cpu = backend_cpu_ms(), time.process_time()
        result["search"] = timed(calls["search"], runs, args.warmup, backends)
        server, app = backend_cpu_ms() - before, (time.process_time() - cpu) * 1000
        slowest = ", ".join(f"{q} {ms:.0f} ms ({total} hits)" for ms, q, total in sorted(searches)[-3:][::-1])
        print(
            f"  search CPU per request: database {server / (runs + args.warmup):.1f} ms, application and client "
            f"{app / (runs + args.warmup):.1f} ms; slowest: {slowest}",
            flush=True,
        )
        if explain is not None:
            for name in ("readiness", "register"):
                with plans.caught(engine) as statements:
                    calls[name]()
                plans.report(f"{label}-{name}", plans.explain(engine, statements), explain)
        return result


Samples = dict[str, dict[str, list[float]]]  # operation -> "wall" / "cpu" -> milliseconds


def alternated(databases: dict[str, str], args: argparse.Namespace) -> dict[str, Samples]:
    """Measure the databases in turns (--rounds of runs/rounds calls each), so a machine's load drifting during the
    run weighs on both alike; the plans (--explain) are taken in the last round."""
    from app import db

    results: dict[str, Samples] = {label: {name: {"wall": [], "cpu": []} for name in OPERATIONS} for label in databases}
    rounds = max(1, min(args.rounds, args.runs))
    for number in range(rounds):
        runs = args.runs // rounds + (1 if number < args.runs % rounds else 0)
        for label, database in databases.items():
            use_database(args.postgres, database)
            try:
                explain = args.explain if number == rounds - 1 else None
                measured = measure(label.replace(" ", "-"), args, runs, explain)
            finally:
                db.dispose_engines()
            for name in OPERATIONS:
                for kind in ("wall", "cpu"):
                    results[label][name][kind] = sorted(results[label][name][kind] + measured[name][kind])
    for label, result in results.items():
        print(f"\n== {label} ({rounds} rounds) ==")
        for name in OPERATIONS:
            wall, cpu = result[name]["wall"], result[name]["cpu"]
            print(
                f"  {name:<10} wall p50 {statistics.median(wall):6.1f} ms  p95 {p95(wall):6.1f} ms  "
                f"max {wall[-1]:6.1f} ms | cpu p50 {statistics.median(cpu):6.1f} ms  p95 {p95(cpu):6.1f} ms"
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=PG_ADMIN_URL, help="admin URL: the databases are made there")
    parser.add_argument("--parks", type=int, default=100)
    parser.add_argument("--documents", type=int, default=2000, help="documents per park")
    parser.add_argument("--revisions", type=int, default=5000, help="revisions per park")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10, help="calls before each round's timed ones")
    parser.add_argument("--rounds", type=int, default=3, help="turns between the two databases")
    parser.add_argument("--fresh", action="store_true", help="build the databases anew, even when kept ones match")
    parser.add_argument("--drop-cache", action="store_true", help="drop every kept database, then stop")
    parser.add_argument("--explain", type=Path, metavar="DIR", help="EXPLAIN (ANALYZE, BUFFERS) every statement")
    args = parser.parse_args()
    if args.drop_cache:
        for (name,) in _admin(args.postgres, f"SELECT datname FROM pg_database WHERE datname LIKE '{CACHE_PREFIX}%'"):
            _admin(args.postgres, f'DROP DATABASE "{name}" WITH (FORCE)')
            print(f"dropped {name}")
        return

    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-tenancy-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ["CARBONMS_SEARCH_BACKEND"] = "postgres"
    os.environ["CARBONMS_SEARCH_INDEX_ASYNC"] = "false"
    os.environ["CARBONMS_JOBS_ASYNC"] = "false"  # no background threads outliving a database of the run
    os.environ.setdefault("CARBONMS_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CARBONMS_ARGON2_MEMORY_KIB", "1024")  # sign-in cost is not what we measure
    os.environ.setdefault("CARBONMS_ARGON2_TIME_COST", "1")
    try:
        databases = {"single park": prepared_database(1, args), "many parks": prepared_database(args.parks, args)}
        results = alternated(databases, args)
        single, crowded = results["single park"], results["many parks"]
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(
        f"\none park's p95: {args.parks} parks / 1 park (target ≤ 1.2×), load average "
        f"{' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    for name in OPERATIONS:
        line = f"  {name:<10}"
        for measure_name in ("wall", "cpu"):
            before, after = p95(single[name][measure_name]), p95(crowded[name][measure_name])
            ratio = after / before if before else float("inf")
            verdict = "OK" if ratio <= 1.2 else "CHECK"
            line += f" {measure_name} {before:6.1f} ms -> {after:6.1f} ms ×{ratio:4.2f} {verdict} |"
        print(line.rstrip(" |"))


if __name__ == "__main__":
    main()
