"""`bench/load.py --processes 1,2`: the same mixed load on the scale-out stack with 1, then 2 server processes.

For each N: a PostgreSQL database of its own, a bucket of a SeaweedFS server (started once for the run), a Redis
queue, `carbonms serve --workers N` and one `carbonms worker` (tests/support/stack.py), the search index in
PostgreSQL. Then the workload of bench/load.py, and at the end throughput and p99 per N and their ratio (target on
this 2-core machine: 2 processes ≥ 1.5× the throughput of one, at a p99 no worse).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

import httpx

from bench.cpu_meter import CpuMeter, format_cpu, postgres_backends, process_tree
from bench.load import PASSWORD, Stats, create_users, percentile, report_load, run_load, server_log_summary
from tests.support.seaweed import seaweed_server
from tests.support.stack import scaleout_stack, start_app, start_worker

# Previews (LibreOffice on every uploaded .docx) would measure the converter, not the servers: off in both runs. The
# 32 clients share one coordinator account; its limit of uploads in flight is per process, so it is lifted for both.
SETTINGS = {
    "CARBONMS_PREVIEWS_ENABLED": "false",
    "CARBONMS_MAX_UPLOAD_MB": "300",
    "CARBONMS_MAX_UPLOADS_PER_USER": "64",
}


@dataclass
class Outcome:
    processes: int
    requests: int
    throughput: float
    p99_ms: float
    errors: int


def summarise(processes: int, stats: Stats) -> Outcome:
    everything = sorted(s for samples in stats.latencies.values() for s in samples)
    total = len(everything)
    return Outcome(
        processes=processes,
        requests=total,
        throughput=total / stats.wall if stats.wall else 0.0,
        p99_ms=percentile(everything, 0.99) * 1000 if everything else 0.0,
        errors=sum(len(v) for v in stats.errors.values()),
    )


def run_one(processes: int, seaweed, args: argparse.Namespace) -> Outcome:
    import app.models  # noqa: F401  (every table, so the users' foreign keys resolve)
    from app import config, db

    env_settings = {**SETTINGS, "CARBONMS_JOBS_SCHEDULE": "false"}
    for key in ("CARBONMS_ARGON2_MEMORY_KIB", "CARBONMS_ARGON2_TIME_COST"):
        os.environ.pop(key, None)  # production password hashing
    with scaleout_stack(seaweed, admin_url=args.postgres, settings=env_settings) as stack:
        config.get_settings.cache_clear()
        db.dispose_engines()
        names = create_users(stack.process_env("bench"))
        db.dispose_engines()
        base = start_app(stack, "server", workers=processes)
        worker = start_worker(stack, "worker")
        server = stack.servers[-1]
        tokens = {}
        for role, username in names.items():
            response = httpx.post(
                f"{base}/api/auth/token", data={"username": username, "password": PASSWORD}, timeout=60
            )
            response.raise_for_status()
            tokens[role] = response.json()["access_token"]
        label = f"scale-out stack, {processes} server process{'es' if processes > 1 else ''}"
        print(f"\nserver on {base} (`carbonms serve --workers {processes}`, PostgreSQL, S3, Redis, postgres search)")
        parties = {
            "load client": lambda: [os.getpid()],
            "servers": lambda: process_tree(server.pid),
            "worker": lambda: process_tree(worker.pid),
            "postgres": postgres_backends(args.postgres, stack.env["CARBONMS_DATABASE_URL"].rsplit("/", 1)[-1]),
            "seaweedfs": lambda: [seaweed.process.pid],
        }
        print(f"load average at the start {os.getloadavg()[0]:.2f}")
        meter = CpuMeter(parties)
        stats = run_load(base, tokens, args, timed=meter)
        report_load(stats, args, label)
        print(f"load average at the end {os.getloadavg()[0]:.2f}; CPU of each party during the load:")
        total = sum(len(v) for v in stats.latencies.values())
        for line in format_cpu(meter.used(), total, stats.wall):
            print("  " + line)
        server_log_summary(stack.root / "server.log")
        return summarise(processes, stats)


def main(args: argparse.Namespace) -> None:
    counts = [int(part) for part in str(args.processes).split(",") if part.strip()]
    outcomes: list[Outcome] = []
    with seaweed_server() as seaweed:
        for processes in counts:
            outcomes.append(run_one(processes, seaweed, args))
    print(f"\n== scaling: {args.clients} clients, {args.seconds:.0f} s each, load average {os.getloadavg()[0]:.2f} ==")
    first = outcomes[0]
    for outcome in outcomes:
        ratio = outcome.throughput / first.throughput if first.throughput else 0.0
        print(
            f"{outcome.processes} process(es): {outcome.throughput:6.1f} req/s ({outcome.requests} requests, "
            f"{outcome.errors} errors), p99 {outcome.p99_ms:5.0f} ms; throughput ×{ratio:.2f} of {first.processes}"
        )
    if len(outcomes) > 1:
        last = outcomes[-1]
        met = last.throughput >= 1.5 * first.throughput and last.p99_ms <= first.p99_ms
        print(
            f"target {last.processes} processes ≥ 1.5× the throughput of {first.processes} at a p99 no worse: "
            f"{'met' if met else 'NOT met'}"
        )
