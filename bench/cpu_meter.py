"""CPU seconds of each party of a load run (client, servers, worker, PostgreSQL backends, object store), read from
/proc/<pid>/stat, so a throughput figure can be explained: which party spent the machine's cores.

A party is a name and a function that returns its current pids. The meter samples every party's pids once a second
and keeps each pid's latest utime + stime, so a process that exits during the run (a PostgreSQL backend closed by the
pool) still counts up to its last sample. Counted from zero for a pid first seen during the run, from the first
sample for one that existed before it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process (all its threads), or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of proc(5), after pid and comm


def process_tree(pid: int) -> list[int]:
    """The pid and its descendants (uvicorn's supervisor and its worker processes)."""
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                found.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


class CpuMeter:
    def __init__(self, parties: dict[str, Callable[[], list[int]]], interval: float = 1.0) -> None:
        self.parties = parties
        self.interval = interval
        self.start: dict[int, float] = {}
        self.latest: dict[str, dict[int, float]] = {name: {} for name in parties}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for name, pids in self.parties.items():
            try:
                current = pids()
            except Exception:  # a party's pid source failing must not stop the run; its pids keep their last value
                continue
            for pid in current:
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    self.latest[name][pid] = seconds

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self._sample()
        self.start = {pid: seconds for party in self.latest.values() for pid, seconds in party.items()}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def used(self) -> dict[str, float]:
        """CPU seconds per party during the block."""
        return {
            name: sum(seconds - self.start.get(pid, 0.0) for pid, seconds in pids.items())
            for name, pids in self.latest.items()
        }


def postgres_backends(admin_url: str, database: str) -> Callable[[], list[int]]:
    """The pids of the PostgreSQL backends connected to one database (other databases' load is not counted)."""
    import psycopg

    url = admin_url.replace("postgresql+psycopg://", "postgresql://")
    connection = psycopg.connect(url, autocommit=True)

    def pids() -> list[int]:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)).fetchall()
        return [int(row[0]) for row in rows]

    return pids


def postgres_transactions(admin_url: str, database: str) -> Callable[[], int]:
    """Transactions committed or rolled back in one database so far (pg_stat_database; a pool's ping in autocommit
    mode is one as well), to print transactions per request."""
    import psycopg

    url = admin_url.replace("postgresql+psycopg://", "postgresql://")

    def count() -> int:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("SELECT pg_stat_clear_snapshot()")
            row = connection.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (database,)
            ).fetchone()
        return int(row[0]) if row else 0

    return count


def format_cpu(used: dict[str, float], requests: int, wall: float) -> list[str]:
    """One line per party: CPU seconds, cores busy on average, milliseconds of CPU per request."""
    lines = [f"{'party':<14} {'CPU s':>7} {'cores':>6} {'CPU ms/request':>15}"]
    total = 0.0
    for name, seconds in used.items():
        total += seconds
        per_request = seconds / requests * 1000 if requests else 0.0
        lines.append(f"{name:<14} {seconds:>7.1f} {seconds / wall:>6.2f} {per_request:>15.1f}")
    per_request = total / requests * 1000 if requests else 0.0
    lines.append(f"{'all measured':<14} {total:>7.1f} {total / wall:>6.2f} {per_request:>15.1f}")
    return lines
