"""The inventory at scale: a park of 500 enterprises × 10 sources × 12 months × 5 years (300 000 confirmed rows).

    .venv/bin/python bench/inventory.py [--enterprises 500] [--years 5] [--runs 30]
    .venv/bin/python bench/inventory.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The park, its factors and one year's boundary go through the services; the bulk (enterprises, sources, filed
submission records, activity rows with their stored results) is inserted directly, as readiness.py does, and
their sums (inventory_sum) rebuilt as submitting writes them. Prints: the park-year totals (queries.year_totals),
the overview (overview.year_overview), GET /api/inventory/years/{y} and the overview page p50/p95 (target
< 200 ms), the page with its five charts, the trail of the park total (time, rows), and importing a 10 000-row
workbook (target < 10 s, < 300 MB peak: tracemalloc's peak of Python allocations, and ru_maxrss).
"""

import argparse
import io
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.databases import create_database, drop_database  # noqa: E402

PASSWORD = "Bench-Passw0rd!"
SOURCES = 10
IMPORT_SOURCES = 834  # × 12 months = 10 008 rows


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def _timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), _p(samples, 0.95)


def build(enterprises: int, years: list[int]) -> dict:
    from sqlalchemy import insert, select
    from sqlmodel import col

    from app.common import utcnow
    from app.db import get_engine, session_scope
    from app.documents.models import Blob, Document, Revision
    from app.inventory import factors, sums
    from app.inventory.calculation import FactorValues, RowInput, calculate
    from app.inventory.credit_code import check_character
    from app.inventory.models import (
        ActivityData,
        Boundary,
        BoundarySource,
        EmissionSource,
        Enterprise,
        SourceCategory,
        Submission,
        to_nano,
    )
    from app.users import service as users
    from app.users.models import Role

    with session_scope() as session:
        park = users.create_park(session, code="BENCHINV", name="清单基准园区")
        coordinator = users.create_user(
            session, park=park, username="bench_inv_coord", password=PASSWORD, role=Role.coordinator
        )
        data_set = factors.create_data_set(session, actor=coordinator, code="BENCH", name="基准测试因子（测试值）")
        grid = factors.add_factor(
            session,
            actor=coordinator,
            data_set_id=data_set.id or 0,
            values={"code": "grid", "kind": "electricity", "quantity": "电网", "activity_unit": "MWh",
                    "direct_factor": "0.6", "source_document": "基准测试值", "source_table": "-", "source_row": "-"},
        )  # fmt: skip
        gas = factors.add_factor(
            session,
            actor=coordinator,
            data_set_id=data_set.id or 0,
            values={"code": "gas", "kind": "fuel", "quantity": "天然气", "activity_unit": "万Nm³", "ncv": "400",
                    "carbon_content": "0.015", "oxidation_rate": "1", "source_document": "基准测试值",
                    "source_table": "-", "source_row": "-"},
        )  # fmt: skip
        park_id, coordinator_id = park.id or 0, coordinator.id or 0
        grid_id, gas_id = grid.id or 0, gas.id or 0
        max_ids = {
            model: session.execute(select(col(model.id)).order_by(col(model.id).desc())).scalar() or 0
            for model in (Enterprise, EmissionSource, Document, Revision, Submission)
        }

    def per_unit(category: SourceCategory, unit: str, values: FactorValues) -> tuple[Decimal, Decimal]:
        out = calculate(RowInput(category=category, quantity=Decimal(1), unit=unit, factor=values))
        return out.emission, out.energy_tce

    grid_unit = per_unit(SourceCategory.purchased_electricity, "MWh", FactorValues("MWh", direct_factor=Decimal("0.6")))
    gas_unit = per_unit(
        SourceCategory.fuel_combustion, "万Nm³", FactorValues("万Nm³", Decimal(400), Decimal("0.015"), Decimal(1), None)
    )
    now = utcnow()
    enterprise_rows, source_rows, documents, revisions, submissions, activity = [], [], [], [], [], []
    boundary_rows, boundary_sources = [], []
    ids = dict(max_ids)

    def next_id(model) -> int:
        ids[model] += 1
        return ids[model]

    plan: list[tuple[int, list[tuple[int, bool]]]] = []  # (enterprise id, [(source id, is gas)])
    for number in range(enterprises + 1):  # the last one receives the imported workbook
        enterprise_id = next_id(Enterprise)
        first17 = f"91320500MB{number:07d}"
        enterprise_rows.append(
            {"id": enterprise_id, "park_id": park_id, "name": f"基准企业{number:04d}",
             "credit_code": first17 + check_character(first17), "industry_code": f"C{2600 + number % 40}",
             "industry_name": "", "key_emitter": False, "contact_name": "", "contact_phone": "", "created_at": now}
        )  # fmt: skip
        sources = []
        for index in range(IMPORT_SOURCES if number == enterprises else SOURCES):
            source_id = next_id(EmissionSource)
            is_gas = index % 2 == 0
            source_rows.append(
                {"id": source_id, "park_id": park_id, "enterprise_id": enterprise_id, "name": f"排放源{index:03d}",
                 "category": "fuel_combustion" if is_gas else "purchased_electricity", "scope": 1 if is_gas else 2,
                 "quantity": "天然气" if is_gas else "电网", "unit": "万Nm³" if is_gas else "MWh",
                 "renewable": False, "description": "", "created_at": now}
            )  # fmt: skip
            sources.append((source_id, is_gas))
        plan.append((enterprise_id, sources))
    sha = "c" * 64
    for year in years:
        boundary_id = len(boundary_rows) + 1
        boundary_rows.append({"id": boundary_id, "park_id": park_id, "year": year, "note": "", "updated_by_id":
                              coordinator_id, "updated_at": now})  # fmt: skip
        for enterprise_id, sources in plan:
            for source_id, _ in sources:
                boundary_sources.append(
                    {"boundary_id": boundary_id, "enterprise_id": enterprise_id, "source_id": source_id}
                )
        for enterprise_id, sources in plan[:-1]:
            document_id, revision_id, submission_id = next_id(Document), next_id(Revision), next_id(Submission)
            documents.append(
                {"id": document_id, "park_id": park_id, "control_no": f"ADS-{document_id:07d}",
                 "doc_type": "ACTIVITY_DATA_SUBMISSION", "kind": "record", "title": f"{enterprise_id} {year} 报送",
                 "owner_unit": "", "access_level": "internal", "created_by_id": coordinator_id, "created_at": now,
                 "version": 1}
            )  # fmt: skip
            revisions.append(
                {"id": revision_id, "park_id": park_id, "document_id": document_id, "number": 1, "state": "filed",
                 "version": 1, "cycle": 1, "change_reason": "", "blob_sha256": sha, "file_name": "data.xlsx",
                 "media_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "size_bytes": 1024, "preparer_id": coordinator_id, "created_at": now, "submitted_at": now,
                 "approved_at": now, "effective_from": now, "end_reason": ""}
            )  # fmt: skip
            submissions.append(
                {"id": submission_id, "park_id": park_id, "enterprise_id": enterprise_id, "year": year,
                 "month": None, "document_id": document_id, "correction_reason": "",
                 "created_by_id": coordinator_id, "created_at": now}
            )  # fmt: skip
            for source_id, is_gas in sources:
                unit_emission, unit_tce = gas_unit if is_gas else grid_unit
                for month in range(1, 13):
                    quantity = Decimal(3 + (source_id + month) % 7)
                    activity.append(
                        {"park_id": park_id, "submission_id": submission_id, "enterprise_id": enterprise_id,
                         "source_id": source_id, "year": year, "month": month, "quantity": quantity,
                         "unit": "万Nm³" if is_gas else "MWh", "quality": "metered",
                         "factor_id": gas_id if is_gas else grid_id,
                         "emission_mg": to_nano(quantity * unit_emission),
                         "energy_mgce": to_nano(quantity * unit_tce), "note": ""}
                    )  # fmt: skip
    started = time.perf_counter()
    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(
            insert(Blob), [{"sha256": sha, "size_bytes": 1024, "media_type": "application/pdf", "created_at": now}]
        )
        for model, rows in (
            (Enterprise, enterprise_rows),
            (EmissionSource, source_rows),
            (Boundary, boundary_rows),
            (BoundarySource, boundary_sources),
            (Document, documents),
            (Revision, revisions),
            (Submission, submissions),
            (ActivityData, activity),
        ):
            for chunk in range(0, len(rows), 5000):
                connection.execute(insert(model), rows[chunk : chunk + 5000])
    with session_scope() as session:  # the sums that submitting writes (rows inserted in bulk skip it)
        sums.rebuild(session, park_id)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # ids were given explicitly: move the sequences past them
            for model in max_ids:
                table = model.__tablename__
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return {
        "park_id": park_id,
        "coordinator_id": coordinator_id,
        "import_enterprise": plan[-1],
        "rows": len(activity),
        "insert_seconds": time.perf_counter() - started,
    }


def import_workbook(built: dict, year: int) -> None:
    from openpyxl import Workbook
    from sqlmodel import Session

    from app.config import get_settings
    from app.db import get_engine
    from app.documents import storage
    from app.inventory import intake, submissions, workbook
    from app.users.models import User

    enterprise_id, sources = built["import_enterprise"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = workbook.SHEET
    sheet.append([header for _, header in workbook.COLUMNS])
    for source_id, is_gas in sources:
        for month in range(1, 13):
            sheet.append([source_id, "", "", month, 5, "万Nm³" if is_gas else "MWh", "实测"])
    buffer = io.BytesIO()
    book.save(buffer)
    settings = get_settings()
    path = settings.tmp_dir / "bench-import.xlsx"
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    print(f"workbook: {len(sources) * 12} rows, {len(buffer.getvalue()) / 1024:.0f} KiB")
    for traced in (False, True):
        staged = storage.stage_file(path, "import.xlsx", max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)
        with Session(get_engine()) as session:
            actor = session.get_one(User, built["coordinator_id"])
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            submission = intake.import_workbook(
                session, actor=actor, enterprise_id=enterprise_id, year=year, staged=staged
            )
            session.flush()
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
            if traced:
                tracemalloc.stop()
            rows = len(submissions.submission_rows(session, submission.id or 0))
            session.rollback()
        label = "with tracemalloc" if traced else "plain"
        extra = f", Python peak {peak:.0f} MB" if traced else ""
        print(f"import ({label}): {rows} rows in {elapsed:.2f} s{extra}")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def run(enterprises: int, year_count: int, runs: int) -> None:
    from fastapi.testclient import TestClient

    from app.cli import initialise
    from app.db import get_engine, session_scope
    from app.inventory import charts, overview, queries
    from app.main import create_app

    last = 2025
    years = list(range(last - year_count + 1, last + 1))
    started = time.perf_counter()
    initialise()
    built = build(enterprises, years)
    park_id = built["park_id"]
    print(
        f"database: {get_engine().dialect.name}; {enterprises} enterprises × {SOURCES} sources × 12 months × "
        f"{year_count} years = {built['rows']} rows; built in {time.perf_counter() - started:.1f} s "
        f"(bulk insert {built['insert_seconds']:.1f} s)"
    )

    def totals() -> None:
        with session_scope(write=False) as session:
            queries.year_totals(session, park_id, last)

    def view() -> None:
        with session_scope(write=False) as session:
            overview.year_overview(session, park_id, last)

    with session_scope(write=False) as session:
        total = queries.year_totals(session, park_id, last)["total"]
    print(f"park total {last}: {total} tCO₂")
    with TestClient(create_app()) as client:
        token = client.post("/api/auth/token", data={"username": "bench_inv_coord", "password": PASSWORD})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def api() -> None:
            assert client.get(f"/api/inventory/years/{last}", headers=headers).status_code == 200

        with TestClient(create_app(), follow_redirects=False) as browser:
            form = browser.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form)
            assert csrf is not None
            signed_in = browser.post(
                "/login", data={"username": "bench_inv_coord", "password": PASSWORD, "csrf_token": csrf.group(1)}
            )
            assert signed_in.status_code == 303, signed_in.text

            def page() -> None:
                assert browser.get(f"/inventory?year={last}").status_code == 200

            def page_and_charts() -> None:  # what the browser asks for to show the overview
                page()
                for chart in charts.CHART_NAMES:
                    assert browser.get(f"/inventory/charts/{chart}.png?year={last}").status_code == 200

            for name, fn, target in (
                ("year_totals", totals, 200),
                ("year_overview", view, 200),
                (f"GET /api/inventory/years/{last}", api, 200),
                (f"GET /inventory?year={last} (page)", page, 200),
                ("page + its 5 charts", page_and_charts, None),
            ):
                p50, p95 = _timed(fn, runs)
                flag = "" if target is None else "OK" if p95 < target else "SLOW"
                print(f"  {name:<34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {flag}")
    with session_scope(write=False) as session:
        started = time.perf_counter()
        trail = queries.trail(session, park_id, last, "park", "park")
        print(f"trail of the park total: {len(trail['rows'])} rows in {(time.perf_counter() - started):.2f} s")
    import_workbook(built, last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL: a temporary database is created")
    parser.add_argument("--enterprises", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-inventory-"))
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
        run(args.enterprises, args.years, args.runs)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name:
            drop_database(pg_name, args.postgres)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
