"""Web pages on a large park (10,000 documents, 40,000 revisions: bench/readiness.py's park); prints p50/p95.

    .venv/bin/python bench/web_pages.py                      # SQLite in a temporary data directory
    .venv/bin/python bench/web_pages.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Each page is requested through the real app (TestClient, signed in by the /login form with its CSRF token);
the time is the whole request in process. The target is under 200 ms per page.
"""

import argparse
import importlib.util
import os
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.databases import create_database, drop_database  # noqa: E402

TARGET_MS = 200


def _builder():
    spec = importlib.util.spec_from_file_location("bench_readiness", Path(__file__).with_name("readiness.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(runs: int, warmup: int) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from app.cli import initialise
    from app.db import session_scope
    from app.documents.models import Document
    from app.main import create_app

    builder = _builder()
    initialise()
    built = builder.build_park(random.Random(20251123))
    with session_scope(write=False) as session:
        some_document = session.execute(
            select(func.max(Document.id)).where(Document.park_id == built["park_id"])
        ).scalar_one()
    print(f"sizes: {built['documents']} documents, {built['revisions']} revisions, {built['signatures']} signatures")
    pages = [
        "/",
        "/?as_of=2025-01-01",
        "/documents",
        "/documents?sort=-title&page=150",
        "/documents?state=effective&kind=document",
        "/documents?q=BENCH",
        "/documents/new",
        f"/documents/{some_document}",
        "/clauses/7.3.2",
        "/tasks",
        "/events",
    ]
    with TestClient(create_app(), follow_redirects=False) as client:
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text).group(1)
        answer = client.post(
            "/login", data={"username": built["username"], "password": builder.PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        print(f"{runs} runs after {warmup} warm-up runs, signed in as the coordinator")
        slow = 0
        for page in pages:

            def fetch(path: str = page) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code, response.text[:300])

            p50, p95, worst = builder._percentiles(builder._time(fetch, runs, warmup)[0])
            flag = "OK" if p95 < TARGET_MS else "SLOW"
            slow += flag == "SLOW"
            print(f"  GET {page:<42} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {worst:7.1f} ms   {flag}")
    print("all pages under the target" if not slow else f"{slow} page(s) over {TARGET_MS} ms at p95")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL: a temporary database is created")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-web-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("CARBONMS_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CARBONMS_ARGON2_MEMORY_KIB", "1024")
    os.environ.setdefault("CARBONMS_ARGON2_TIME_COST", "1")
    pg_name = None
    if args.postgres:
        pg_name, os.environ["CARBONMS_DATABASE_URL"] = create_database(args.postgres, prefix="carbonms_bench")
    try:
        run(args.runs, args.warmup)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name:
            drop_database(pg_name, args.postgres)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
