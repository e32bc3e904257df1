"""What one API call asks PostgreSQL, and how PostgreSQL answers: the statements an operation of bench/tenancy.py
runs (caught on the engine), each explained with EXPLAIN (ANALYZE, BUFFERS) on the same database, summarised as
its time, its shared buffers and its scans (a sequential scan of a table holding other parks' rows is what makes a
park's cost grow with its neighbours). Also the CPU time of the PostgreSQL backends serving the application, read
from /proc/<pid>/schedstat (nanoseconds on the CPU), so a figure on a busy machine tells work from waiting.
"""

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Statements worth explaining: reads. Writes (a sign-in's last-seen) are left alone: EXPLAIN ANALYZE would run them.
_READ = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


@dataclass
class Statement:
    sql: str
    parameters: Any


@dataclass
class Plan:
    sql: str
    milliseconds: float
    shared_blocks: int  # hit + read, the whole plan
    scans: list[str] = field(default_factory=list)  # "Seq Scan on document (rows 2000)", "Index Scan using …"
    text: str = ""


@contextmanager
def caught(engine: Engine) -> Iterator[list[Statement]]:
    """The statements run on `engine` inside the block, in order."""
    statements: list[Statement] = []

    def before(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append(Statement(sql, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _scans(node: dict[str, Any], out: list[str]) -> None:
    kind = node.get("Node Type", "")
    if "Scan" in kind and "Function" not in kind and "Values" not in kind and "Subquery" not in kind:
        target = node.get("Relation Name") or ""
        index = node.get("Index Name")
        loops = node.get("Actual Loops", 1)
        rows = node.get("Actual Rows", 0) * loops
        removed = node.get("Rows Removed by Filter", 0) * loops
        where = f" using {index}" if index else ""
        out.append(f"{kind} on {target}{where} (rows {rows:.0f}, filtered out {removed:.0f}, loops {loops})")
    for child in node.get("Plans", []):
        _scans(child, out)


def explain(engine: Engine, statements: list[Statement]) -> list[Plan]:
    """EXPLAIN (ANALYZE, BUFFERS) of every read among `statements`, in a transaction rolled back afterwards."""
    plans: list[Plan] = []
    with engine.connect() as connection:
        # The application plans each lookup for its values (lookups.RevisionFinder); so does this explanation.
        connection.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
        for statement in statements:
            if not _READ.match(statement.sql):
                continue
            prefix = "EXPLAIN (ANALYZE, BUFFERS, FORMAT {}) "
            result = connection.exec_driver_sql(prefix.format("JSON") + statement.sql, statement.parameters)
            document = result.scalar_one()
            document = json.loads(document) if isinstance(document, str) else document
            root = document[0]
            top = root["Plan"]
            scans: list[str] = []
            _scans(top, scans)
            text = "\n".join(
                row[0]
                for row in connection.exec_driver_sql(prefix.format("TEXT") + statement.sql, statement.parameters)
            )
            plans.append(
                Plan(
                    sql=statement.sql,
                    milliseconds=root.get("Execution Time", 0.0) + root.get("Planning Time", 0.0),
                    shared_blocks=top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
                    scans=scans,
                    text=text,
                )
            )
        connection.rollback()
    return plans


def report(label: str, plans: list[Plan], folder: Path | None) -> None:
    """One line per statement (time, buffers, its first words), its scans below; full plans to `folder`."""
    total = sum(plan.milliseconds for plan in plans)
    blocks = sum(plan.shared_blocks for plan in plans)
    print(f"  {label}: {len(plans)} reads, {total:.1f} ms planning+execution, {blocks} shared buffers")
    for number, plan in enumerate(plans, 1):
        head = " ".join(plan.sql.split())[:110]
        print(f"    #{number:<2} {plan.milliseconds:6.2f} ms {plan.shared_blocks:6d} buf  {head}")
        for scan in plan.scans:
            flag = "  <-- SEQ" if scan.startswith("Seq Scan") else ""
            print(f"          {scan}{flag}")
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{label}.txt").open("w", encoding="utf-8") as out:
            for number, plan in enumerate(plans, 1):
                out.write(f"-- #{number} {plan.milliseconds:.2f} ms\n{plan.sql}\n\n{plan.text}\n\n")


def backend_pids(engine: Engine) -> list[int]:
    """The server processes of the other connections to this database (the application's pool)."""
    with engine.connect() as connection:
        return list(
            connection.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalars()
        )


def cpu_ns(pids: list[int]) -> int:
    """Nanoseconds on the CPU so far of these processes (those gone count as 0)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def cpu_of(call: Callable[[], None], pids: list[int]) -> float:
    """Milliseconds of backend CPU one call took."""
    before = cpu_ns(pids)
    call()
    return (cpu_ns(pids) - before) / 1e6
