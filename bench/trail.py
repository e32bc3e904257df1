"""The audit trail's costs: appending at commit (keyed HMAC vs. the old unkeyed SHA-256), anchoring, verifying.

    .venv/bin/python bench/trail.py [--events 50000]              # SQLite in a temporary data directory
    .venv/bin/python bench/trail.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Prints: the hash of one event under each scheme (µs), commits of one event each (ms p50/p95, which includes the
chain-head trigger), one anchor written (ms), and `verify_trail` over the whole chain (s and events/s).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a temporary database is made)")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-trail-"))
    pg_name = None
    admin_url = args.postgres
    if admin_url:
        import sqlalchemy

        pg_name = f"carbonms_bench_{uuid.uuid4().hex[:8]}"
        admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
        admin.dispose()
        os.environ["CARBONMS_DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{pg_name}"
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ["CARBONMS_ANCHOR_EVERY"] = "0"  # anchors are timed on their own below
    try:
        from app.cli import initialise
        from app.db import dispose_engines, session_scope
        from app.events import anchors, keys
        from app.events import service as events
        from app.events.hashing import SCHEME_HMAC_V2, SCHEME_SHA256, compute_hash

        initialise()
        key = keys.trail_key()
        sample = SimpleNamespace(
            prev_hash="a" * 64,
            seq=123456,
            park_id=1,
            actor_id=2,
            actor_name="coordinator",
            occurred_at=events.utcnow(),
            action="revision.approve",
            entity_type="revision",
            entity_id="42",
            before_json='{"state":"in_approval"}',
            after_json='{"state":"approved"}',
        )
        for scheme in (SCHEME_SHA256, SCHEME_HMAC_V2):
            sample.hash_scheme = scheme
            started = time.perf_counter()
            for _ in range(20_000):
                compute_hash(sample, key)
            print(f"hash scheme {scheme}: {(time.perf_counter() - started) / 20_000 * 1e6:.1f} µs per event")

        commits = []
        for number in range(args.commits):
            started = time.perf_counter()
            with session_scope() as session:
                events.record(session, action="bench.step", entity_type="bench", entity_id=number, park_id=None)
            commits.append((time.perf_counter() - started) * 1000)
        print(
            f"commit of one event (append + chain-head trigger): p50 {statistics.median(commits):.2f} ms, "
            f"p95 {_p(commits, 0.95):.2f} ms"
        )

        batch = 1000
        started = time.perf_counter()
        for start in range(0, args.events - args.commits, batch):
            with session_scope() as session:
                for number in range(min(batch, args.events - args.commits - start)):
                    events.record(
                        session, action="bench.bulk", entity_type="bench", entity_id=start + number, park_id=None
                    )
        print(f"appended {args.events} events in {time.perf_counter() - started:.1f} s (batches of {batch})")

        with session_scope(write=False) as session:
            started = time.perf_counter()
            events.anchor_head(session)
            print(
                f"one anchor (read head, Ed25519 sign, append + fsync): {(time.perf_counter() - started) * 1000:.1f} ms"
            )
            started = time.perf_counter()
            report = events.verify_trail(session)
            elapsed = time.perf_counter() - started
        assert report.ok, report
        print(
            f"verify_trail over {report.checked} events, {report.anchors_checked} anchors: {elapsed:.2f} s "
            f"({report.checked / elapsed:,.0f} events/s)"
        )
        print(f"anchor line: {anchors.read_anchors(Path(data_dir) / 'anchors.jsonl')[0][-1].as_json()}")
        dispose_engines()
    finally:
        if pg_name:
            import sqlalchemy

            admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
