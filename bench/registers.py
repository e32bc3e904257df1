"""The registers at size: import 2,000 equipment rows from .xlsx, list and filter pages in SQL, the inventory's
overdue-meter lookup, and publishing the register as a snapshot.

    .venv/bin/python bench/registers.py                      # SQLite in a temporary data directory
    .venv/bin/python bench/registers.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.databases import create_database, drop_database  # noqa: E402


def _sheet(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "measures", "interval_months", "last_calibrated_on", "accuracy_class"])
    start = date.today() - timedelta(days=800)
    for i in range(rows):
        sheet.append([f"电能表 {i:05d}", "外购电量", 12, (start + timedelta(days=i % 700)).isoformat(), "1.0"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def run(rows: int, runs: int) -> None:
    from sqlalchemy import select

    from app.cli import initialise
    from app.db import session_scope
    from app.registers import publish, reading, sheets
    from app.registers.models import Equipment
    from app.registers.queries import calibration_overdue_on
    from app.registers.specs import RegisterKind
    from app.users import service as users
    from app.users.models import Role

    initialise()
    with session_scope() as session:
        park = users.create_park(session, code="BENCHREG", name="登记册基准园区")
        coordinator = users.create_user(
            session,
            park=park,
            username="bench_reg",
            password="Bench-Passw0rd!",
            role=Role.coordinator,
            full_name="体系管理员",
            unit="碳管理办公室",
        )
        user_id = coordinator.id
    content = _sheet(rows)
    with session_scope() as session:
        from app.users.models import User

        actor = session.get_one(User, user_id)
        started = time.perf_counter()
        count = sheets.import_rows(session, actor=actor, kind=RegisterKind.equipment, content=content)
        imported = time.perf_counter() - started
    print(f"import: {count} rows from .xlsx in {imported:.2f} s (validated first, one transaction)")
    listing, filtered, lookups = [], [], []
    with session_scope(write=False) as session:
        actor = session.get_one(User, user_id)
        for i in range(runs):
            started = time.perf_counter()
            reading.list_rows(session, user=actor, kind=RegisterKind.equipment, page=1 + i % 40, per_page=50)
            listing.append(time.perf_counter() - started)
            started = time.perf_counter()
            reading.list_rows(session, user=actor, kind=RegisterKind.equipment, q=f"{i:03d}", per_page=50)
            filtered.append(time.perf_counter() - started)
        meters = list(session.execute(select(Equipment).limit(runs)).scalars())
        for meter in meters:
            started = time.perf_counter()
            calibration_overdue_on(session, meter.id or 0, date.today())  # by source id: no source, a miss
            lookups.append(time.perf_counter() - started)
    print(f"list page of 50 of {rows}: {_ms(listing)}; free-text filter: {_ms(filtered)}")
    print(f"calibration_overdue_on: {_ms(lookups)}")
    with session_scope() as session:
        actor = session.get_one(User, user_id)
        started = time.perf_counter()
        snapshot = publish.publish(session, actor=actor, kind=RegisterKind.equipment)
        took = time.perf_counter() - started
        print(f"publish {snapshot.row_count} rows (.docx + .xlsx + snapshot, submitted): {took:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL: a temporary database is created")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-"))
    os.environ["CARBONMS_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("CARBONMS_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CARBONMS_ARGON2_MEMORY_KIB", "1024")
    os.environ.setdefault("CARBONMS_ARGON2_TIME_COST", "1")
    pg_name = None
    if args.postgres:
        pg_name, os.environ["CARBONMS_DATABASE_URL"] = create_database(args.postgres, prefix="carbonms_bench")
    else:
        os.environ["CARBONMS_DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.db'}"
    try:
        run(args.rows, args.runs)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name:
            drop_database(pg_name, args.postgres)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
