"""What the password throttle costs a sign-in when its store is full; prints p50/p95.

    .venv/bin/python bench/throttle.py                      # SQLite in a temporary data directory
    .venv/bin/python bench/throttle.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Fills `password_failure` with --rows failures inside the window (spread over --addresses client addresses and many
user names, as a guessing campaign would leave it), then times `throttle.wait_for` (the two counting queries every
password check runs first) and whole sign-ins through the app with the production argon2 cost.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PASSWORD = "Bench-Passw0rd!"


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _fill(rows: int, addresses: int) -> None:
    from sqlalchemy import insert

    from app.common import utcnow
    from app.db import session_scope
    from app.users.models import PasswordFailure

    rng = random.Random(20261201)
    now = utcnow()
    batch = []
    with session_scope() as session:
        for n in range(rows):
            batch.append(
                {
                    "username": f"guess-{rng.randrange(rows // 4 or 1)}",
                    "client_address": f"10.{rng.randrange(addresses) % 250}.{rng.randrange(addresses) // 250 % 250}.9",
                    "kind": "sign_in",
                    "occurred_at": now - timedelta(seconds=rng.uniform(0, 3000)),
                }
            )
            if len(batch) == 5000 or n == rows - 1:
                session.execute(insert(PasswordFailure), batch)
                batch = []


def run(rows: int, addresses: int, runs: int) -> None:
    from fastapi.testclient import TestClient

    from app.cli import initialise
    from app.db import session_scope
    from app.main import create_app
    from app.users import service as users
    from app.users import throttle
    from app.users.models import Role

    initialise()
    with session_scope() as session:
        park = users.create_park(session, code=f"B{uuid.uuid4().hex[:6].upper()}", name="基准园区")
        user = users.create_user(session, park=park, username="bench_user", password=PASSWORD, role=Role.auditor)
        username = user.username
    started = time.perf_counter()
    _fill(rows, addresses)
    print(f"store: {rows} failures over about {addresses} addresses, filled in {time.perf_counter() - started:.1f} s")

    samples = []
    for n in range(runs):
        address = "10.1.1.9" if n % 2 else "192.0.2.77"  # a busy address and an unseen one
        started = time.perf_counter()
        throttle.wait_for(username if n % 3 else "guess-7", address)
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = _percentiles(samples)
    print(f"  throttle.wait_for            p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   ({runs} calls)")

    with TestClient(create_app(), client=("192.0.2.10", 50000)) as client:
        samples = []
        for _ in range(max(5, runs // 10)):
            started = time.perf_counter()
            answer = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
            samples.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
    p50, p95 = _percentiles(samples)
    print(f"  POST /api/auth/token (right) p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (argon2 at the production cost)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL: a temporary database is created")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--addresses", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-throttle-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("CARBONMS_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CARBONMS_SEARCH_INDEX_ASYNC", "false")
    pg_name = None
    if args.postgres:
        import sqlalchemy

        pg_name = f"carbonms_bench_{uuid.uuid4().hex[:8]}"
        admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
        admin.dispose()
        os.environ["CARBONMS_DATABASE_URL"] = args.postgres.rsplit("/", 1)[0] + f"/{pg_name}"
    try:
        run(args.rows, args.addresses, args.runs)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name:
            import sqlalchemy

            admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
