"""Carbon management performance at scale, on the inventory bench's park (bench/inventory.py: 500 enterprises × 10
sources × 12 months × 5 years = 300 000 confirmed rows).

    .venv/bin/python bench/performance.py [--enterprises 500] [--years 5] [--runs 30] [--key-enterprises 100]
    .venv/bin/python bench/performance.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

On top of the inventory: every enterprise's output value per year; park indicators (total, intensity, scope 1 and
2, energy, renewable share), one total indicator per key enterprise; a baseline in force for each park indicator (an
effective CARBON_BASELINE revision); one target per indicator; 50 measures with milestones and progress; a
deviation per park indicator. Prints p50/p95 (target < 300 ms) of: every indicator's values over the years
(calculation.indicator_values), every target's status (the read model: overview.performance_overview), and the
performance page GET /performance.
"""

import argparse
import os
import shutil
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.inventory import PASSWORD, _timed, build  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402

TARGET_MS = 300
PARK_FORMULAS = (
    ("P-TOTAL", "total_emission", "tCO₂", None),
    ("P-INT", "intensity_output_value", "tCO₂/万元", None),
    ("P-S1", "scope_emission", "tCO₂", 1),
    ("P-S2", "scope_emission", "tCO₂", 2),
    ("P-ENERGY", "energy_consumption", "tce", None),
    ("P-RENEW", "renewable_share", "%", None),
)


def add_performance(built: dict, years: list[int], key_enterprises: int) -> int:
    """The performance rows, inserted directly like the inventory's bulk; returns the number of indicators."""
    from sqlalchemy import insert, select
    from sqlmodel import col

    from app.common import utcnow
    from app.db import get_engine, session_scope
    from app.documents.models import Document, Revision
    from app.inventory.models import EconomicData, Enterprise
    from app.performance.models import (
        Baseline,
        Deviation,
        Indicator,
        Measure,
        MeasureProgress,
        MeasureTarget,
        Milestone,
        Objective,
        Target,
    )

    park_id, user_id, now = built["park_id"], built["coordinator_id"], utcnow()
    with session_scope(write=False) as session:
        enterprise_ids = list(
            session.execute(
                select(col(Enterprise.id)).where(col(Enterprise.park_id) == park_id).order_by(col(Enterprise.id))
            ).scalars()
        )
        top = {model: session.execute(select(col(model.id)).order_by(col(model.id).desc())).scalar() or 0
               for model in (Document, Revision)}  # fmt: skip
    economic = [
        {"park_id": park_id, "enterprise_id": e, "year": y, "output_value": Decimal(1000 + (e + y) % 500),
         "value_kind": "output_value", "product_name": "", "product_unit": "", "source": "基准测试值",
         "updated_by_id": user_id, "updated_at": now}
        for e in enterprise_ids for y in years
    ]  # fmt: skip
    document_id, revision_id = top[Document] + 1, top[Revision] + 1
    indicators = [
        {"id": n + 1, "park_id": park_id, "code": code, "name": code, "unit": unit, "level": "park",
         "formula": formula, "scope": scope, "frequency": "annual", "direction": "higher" if code == "P-RENEW"
         else "lower", "deviation_percent": Decimal(1), "deviation_reference": "target", "method": "", "active": True,
         "created_by_id": user_id, "created_at": now}
        for n, (code, formula, unit, scope) in enumerate(PARK_FORMULAS)
    ] + [
        {"id": len(PARK_FORMULAS) + n + 1, "park_id": park_id, "code": f"E-{e}", "name": f"企业{e}总量",
         "unit": "tCO₂", "level": "enterprise", "enterprise_id": e, "formula": "total_emission", "scope": None,
         "frequency": "annual", "direction": "lower", "deviation_percent": None, "deviation_reference": "target",
         "method": "", "active": True, "created_by_id": user_id, "created_at": now}
        for n, e in enumerate(enterprise_ids[:key_enterprises])
    ]  # fmt: skip
    base_year, last = years[0], years[-1]
    baselines = [
        {"park_id": park_id, "indicator_id": i["id"], "version": 1, "base_year": base_year, "base_line": "",
         "value": Decimal(1_000_000), "variables_json": "[]", "document_id": document_id, "revision_id": revision_id,
         "adjustment_reason": "", "adjustment_note": "", "created_by_id": user_id, "created_at": now}
        for i in indicators[: len(PARK_FORMULAS)]
    ]  # fmt: skip
    targets = [
        {"id": i["id"], "park_id": park_id, "objective_id": 1, "indicator_id": i["id"], "title": f"{i['name']} 指标",
         "target_value": Decimal(500_000), "base_year": base_year, "start_year": base_year,
         "deadline": date(last + 2, 12, 31), "responsible_unit": "园区管委会", "responsible_person": "",
         "considerations_json": "{}", "benchmark_source": "", "withdrawn_reason": "", "created_by_id": user_id,
         "created_at": now}
        for i in indicators
    ]  # fmt: skip
    measures = [
        {"id": n, "park_id": park_id, "title": f"措施{n}", "kind": "", "technical_content": "",
         "expected_reduction": Decimal(100), "path_method": "", "responsible_unit": "能源管理部",
         "resources_people": "", "resources_equipment": "", "start_date": date(last, 1, 1),
         "end_date": date(last + 1, 12, 31), "verification_method": "", "created_by_id": user_id, "created_at": now}
        for n in range(1, 51)
    ]  # fmt: skip
    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(insert(EconomicData), economic)
        connection.execute(
            insert(Document),
            [{"id": document_id, "park_id": park_id, "control_no": "CB-BENCH", "doc_type": "CARBON_BASELINE",
              "kind": "document", "title": "碳排放管理基准", "owner_unit": "", "access_level": "internal",
              "created_by_id": user_id, "created_at": now, "version": 1}],
        )  # fmt: skip
        connection.execute(
            insert(Revision),
            [{"id": revision_id, "park_id": park_id, "document_id": document_id, "number": 1, "state": "effective",
              "version": 1, "cycle": 1, "change_reason": "", "blob_sha256": "c" * 64, "file_name": "baseline.docx",
              "media_type": "application/pdf", "size_bytes": 1024, "preparer_id": user_id, "created_at": now,
              "submitted_at": now, "approved_at": now, "effective_from": now, "end_reason": ""}],
        )  # fmt: skip
        connection.execute(insert(Indicator), indicators)
        connection.execute(insert(Baseline), baselines)
        connection.execute(
            insert(Objective),
            [{"id": 1, "park_id": park_id, "category": "performance", "title": "碳排放总量下降", "description": "",
              "considerations_json": "{}", "withdrawn_reason": "", "created_by_id": user_id, "created_at": now}],
        )  # fmt: skip
        connection.execute(insert(Target), targets)
        connection.execute(insert(Measure), measures)
        connection.execute(
            insert(MeasureTarget), [{"measure_id": m["id"], "target_id": 1 + m["id"] % len(targets)} for m in measures]
        )
        connection.execute(
            insert(Milestone),
            [{"measure_id": m["id"], "title": "阶段完工", "due_date": date(last, 6, 30)} for m in measures],
        )
        connection.execute(
            insert(MeasureProgress),
            [{"measure_id": m["id"], "year": last, "period": 0, "status": "in_progress",
              "achieved_reduction": Decimal(40), "verification": "", "note": "", "recorded_by_id": user_id,
              "recorded_at": now} for m in measures],
        )  # fmt: skip
        connection.execute(
            insert(Deviation),
            [{"park_id": park_id, "indicator_id": i["id"], "target_id": i["id"], "year": last, "period": 0,
              "value": Decimal(1), "reference_value": Decimal(1), "reference_kind": "target",
              "deviation_percent": Decimal(2), "threshold_percent": Decimal(1), "state": "open",
              "investigation": "", "response": "", "detected_at": now} for i in indicators[: len(PARK_FORMULAS)]],
        )  # fmt: skip
    return len(indicators)


def run(enterprises: int, year_count: int, runs: int, key_enterprises: int) -> None:
    from fastapi.testclient import TestClient

    from app.cli import initialise
    from app.db import get_engine, session_scope
    from app.main import create_app
    from app.performance import calculation, overview, queries

    last = 2025
    years = list(range(last - year_count + 1, last + 1))
    initialise()
    built = build(enterprises, years)
    count = add_performance(built, years, key_enterprises)
    park_id = built["park_id"]
    print(
        f"database: {get_engine().dialect.name}; {enterprises} enterprises, {built['rows']} confirmed rows over "
        f"{year_count} years; {count} indicators and targets, 50 measures"
    )

    def values() -> None:
        with session_scope(write=False) as session:
            indicators = queries.active_indicators(session, park_id)
            calculation.indicator_values(session, park_id, indicators, years)

    def statuses() -> None:
        with session_scope(write=False) as session:
            overview.performance_overview(session, park_id, last)

    with session_scope(write=False) as session:
        view = overview.performance_overview(session, park_id, last)
        counts: dict[str, int] = {}
        for target in view.targets:
            counts[str(target.result.status)] = counts.get(str(target.result.status), 0) + 1
        print(f"targets judged: {len(view.targets)} {counts}; largest emitter {view.top[0]['emission']} tCO₂")
    with TestClient(create_app()) as client:
        token = client.post("/api/auth/token", data={"username": "bench_inv_coord", "password": PASSWORD})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def page() -> None:
            response = client.get(f"/performance?year={last}", headers=headers)
            assert response.status_code == 200, response.text[:300]

        for name, fn in (
            (f"every indicator's values ({year_count} years)", values),
            ("every target's status (read model)", statuses),
            (f"GET /performance?year={last}", page),
        ):
            p50, p95 = _timed(fn, runs)
            flag = "OK" if p95 < TARGET_MS else "SLOW"
            print(f"  {name:<38} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL: a temporary database is created")
    parser.add_argument("--enterprises", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--key-enterprises", type=int, default=100, help="enterprises with their own indicator")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-bench-performance-"))
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
        run(args.enterprises, args.years, args.runs, args.key_enterprises)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        if pg_name:
            drop_database(pg_name, args.postgres)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
