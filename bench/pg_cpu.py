"""CPU time of a database's PostgreSQL server processes, read from /proc: the benches print it beside wall-clock time,
which a shared machine's load inflates far more."""

import os
from pathlib import Path


def backend_cpu_ms() -> float:
    """User + system CPU (ms) so far of the client server processes connected to the current database, the one
    asking included: the pool may lend it the very connection whose work is measured (0 for processes /proc does
    not show, e.g. a server on another host)."""
    from app.db import get_engine

    with get_engine().connect() as connection:
        pids = list(
            connection.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_type = 'client backend'"
            ).scalars()
        )
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            continue
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")
