"""`bench/load.py --processes 1,2`: the same mixed load on the scale-out stack with 1, then 2 server processes.

For each N: a PostgreSQL database of its own, a bucket of a SeaweedFS server (started once for the run), a Redis
queue, `carbonms serve --workers N` and one `carbonms worker` (tests/support/stack.py), the search index in
PostgreSQL. Then the workload of bench/load.py, driven by the light client (bench/load_client.py: asyncio, pre-built
requests, one keep-alive connection per simulated user) so that the client leaves the cores to the servers.

Method, "at the same p99 bound":
1. Every configuration first runs at the same concurrency (`--clients`, after `--warmup` seconds not counted); both
   p99s are printed. The first configuration's p99 at that concurrency is the bound (or `--p99-bound-ms`).
2. Each later configuration is then stepped up (`--clients` × 1.5, × 2, … at most `--steps` more runs) while its p99
   stays under the bound: its figure is the highest throughput of a run whose p99 is within the bound. A closed loop
   at saturation gains little from more clients, so the figure is mostly its capacity at the first step.
3. Target on this 2-core machine: the last configuration ≥ 1.5× the first's throughput, within the bound.

Where the CPU goes: each party's CPU seconds during the measured seconds (/proc/<pid>/stat: this client, the uvicorn
processes, the job worker, the PostgreSQL backends of the run's database, SeaweedFS; Redis is shared and not
counted), per request and as cores busy, and the load average at the start and end of every run: on a shared
machine the other work on the same cores shows there, and in the gap between the cores measured and the 2 there are.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from bench.cpu_meter import CpuMeter, format_cpu, postgres_backends, postgres_transactions, process_tree
from bench.load import PASSWORD, Stats, create_users, percentile, report_load, run_load, server_log_summary
from tests.support.seaweed import Seaweed, seaweed_server
from tests.support.stack import Stack, scaleout_stack, start_app, start_worker

# Previews (LibreOffice on every uploaded .docx) would measure the converter, not the servers: off in both runs. The
# clients share one coordinator account; its limit of uploads in flight is per process, so it is lifted for both.
SETTINGS = {
    "CARBONMS_PREVIEWS_ENABLED": "false",
    "CARBONMS_MAX_UPLOAD_MB": "300",
    "CARBONMS_MAX_UPLOADS_PER_USER": "256",
}


@dataclass
class Outcome:
    processes: int
    clients: int
    requests: int
    throughput: float
    p99_ms: float
    errors: int
    cpu: dict[str, float]
    load_start: float
    load_end: float


def summarise(processes: int, clients: int, stats: Stats, cpu: dict[str, float], loads: tuple[float, float]) -> Outcome:
    everything = sorted(s for samples in stats.latencies.values() for s in samples)
    total = len(everything)
    return Outcome(
        processes=processes,
        clients=clients,
        requests=total,
        throughput=total / stats.wall if stats.wall else 0.0,
        p99_ms=percentile(everything, 0.99) * 1000 if everything else 0.0,
        errors=sum(len(v) for v in stats.errors.values()),
        cpu=cpu,
        load_start=loads[0],
        load_end=loads[1],
    )


def measure(
    stack: Stack,
    seaweed: Seaweed,
    base: str,
    tokens: dict[str, str],
    processes: int,
    clients: int,
    args: argparse.Namespace,
) -> Outcome:
    """One measured run at `clients` concurrency against the running stack."""
    server, worker = stack.servers[-1], stack.workers[-1]
    database = stack.env["CARBONMS_DATABASE_URL"].rsplit("/", 1)[-1]
    transactions = postgres_transactions(args.postgres, database)
    run_args = argparse.Namespace(**{**vars(args), "clients": clients})
    parties = {
        "load client": lambda: [os.getpid()],
        "servers": lambda: process_tree(server.pid),
        "worker": lambda: process_tree(worker.pid),
        "postgres": postgres_backends(args.postgres, database),
        "seaweedfs": lambda: [seaweed.process.pid],
    }
    label = f"scale-out stack, {processes} server process{'es' if processes > 1 else ''}"
    load_start = os.getloadavg()[0]
    print(f"\n-- {label}, {clients} clients: load average at the start {load_start:.2f}")
    meter = CpuMeter(parties)
    counted: list[int] = []

    @contextmanager
    def window() -> Iterator[None]:
        with meter:
            counted.append(transactions())
            yield

    stats = run_load(base, tokens, run_args, timed=window())
    load_end = os.getloadavg()[0]
    time.sleep(1.0)  # backends report their counts to pg_stat_database within about a second
    transactions_during = transactions() - counted[0]
    report_load(stats, run_args, label)
    total = sum(len(v) for v in stats.latencies.values())
    used = meter.used()
    print(f"load average at the end {load_end:.2f}; CPU of each party during the measured {stats.wall:.1f} s:")
    for line in format_cpu(used, total, stats.wall):
        print("  " + line)
    print(
        f"  PostgreSQL transactions {transactions_during} in the measured seconds "
        f"({transactions_during / total if total else 0.0:.1f} per request; pg_stat_database, ±1 s of reporting lag)"
    )
    per_process = sorted(meter.latest["servers"].items())
    print(
        "  server processes: "
        + ", ".join(f"pid {pid} {seconds - meter.start.get(pid, 0.0):.1f} s" for pid, seconds in per_process)
    )
    return summarise(processes, clients, stats, used, (load_start, load_end))


def run_one(processes: int, seaweed: Seaweed, args: argparse.Namespace, bound_ms: float | None) -> list[Outcome]:
    """Start the stack with N server processes; measure at `--clients`, then step up while p99 is within the bound."""
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
        start_worker(stack, "worker")
        tokens = {}
        for role, username in names.items():
            response = httpx.post(
                f"{base}/api/auth/token", data={"username": username, "password": PASSWORD}, timeout=60
            )
            response.raise_for_status()
            tokens[role] = response.json()["access_token"]
        print(f"\nserver on {base} (`carbonms serve --workers {processes}`, PostgreSQL, S3, Redis, postgres search)")
        outcomes = [measure(stack, seaweed, base, tokens, processes, args.clients, args)]
        clients = args.clients
        for _ in range(args.steps if bound_ms is not None else 0):
            if bound_ms is None or outcomes[-1].p99_ms > bound_ms:
                break
            clients = int(clients * 1.5)
            outcomes.append(measure(stack, seaweed, base, tokens, processes, clients, args))
        server_log_summary(stack.root / "server.log")
        return outcomes


def within(outcomes: list[Outcome], bound_ms: float) -> Outcome | None:
    """The run with the highest throughput whose p99 is within the bound."""
    eligible = [outcome for outcome in outcomes if outcome.p99_ms <= bound_ms]
    return max(eligible, key=lambda outcome: outcome.throughput) if eligible else None


def main(args: argparse.Namespace) -> None:
    counts = [int(part) for part in str(args.processes).split(",") if part.strip()]
    runs: dict[int, list[Outcome]] = {}
    bound_ms: float | None = args.p99_bound_ms
    with seaweed_server() as seaweed:
        for processes in counts:
            runs[processes] = run_one(processes, seaweed, args, bound_ms)
            if bound_ms is None:
                bound_ms = runs[processes][0].p99_ms
    assert bound_ms is not None
    print(
        f"\n== scaling: {args.seconds:.0f} s measured per run after {args.warmup:.0f} s warm-up; "
        f"p99 bound {bound_ms:.0f} ms ({'given' if args.p99_bound_ms else f'the {counts[0]}-process run'}) =="
    )
    print(
        f"{'processes':>9} {'clients':>7} {'req/s':>7} {'p99 ms':>7} {'errors':>6} {'load avg':>11} "
        f"{'server ms/req':>13} {'all ms/req':>10} {'cores':>5}"
    )
    for processes, outcomes in runs.items():
        for outcome in outcomes:
            wall = outcome.requests / outcome.throughput if outcome.throughput else 0.0
            total_cpu = sum(outcome.cpu.values())
            per_request = 1000 / outcome.requests if outcome.requests else 0.0
            print(
                f"{processes:>9} {outcome.clients:>7} {outcome.throughput:>7.1f} {outcome.p99_ms:>7.0f} "
                f"{outcome.errors:>6} {outcome.load_start:>5.1f}→{outcome.load_end:<5.1f} "
                f"{outcome.cpu['servers'] * per_request:>13.1f} {total_cpu * per_request:>10.1f} "
                f"{total_cpu / wall if wall else 0.0:>5.2f}"
            )
    cores = os.cpu_count() or 1
    print(
        f"\nCPU-bound ceiling from the CPU per request above (one core at most per server process, all measured "
        f"parties sharing the {cores} cores, nothing else running): what a quiet machine could reach"
    )
    ceilings: list[float] = []
    for processes, outcomes in runs.items():
        outcome = outcomes[0]
        if not outcome.requests:
            continue
        server_ms = outcome.cpu["servers"] * 1000 / outcome.requests
        all_ms = sum(outcome.cpu.values()) * 1000 / outcome.requests
        ceiling = min(processes * 1000 / server_ms, cores * 1000 / all_ms) if server_ms and all_ms else 0.0
        ceilings.append(ceiling)
        ratio = ceiling / ceilings[0] if ceilings[0] else 0.0
        print(
            f"  {processes} process(es): min({processes} × 1000/{server_ms:.1f}, {cores} × 1000/{all_ms:.1f}) "
            f"= {ceiling:.0f} req/s (×{ratio:.2f})"
        )
    first = within(runs[counts[0]], bound_ms)
    same = {processes: outcomes[0] for processes, outcomes in runs.items()}
    base_same = same[counts[0]]
    print(f"\nat the same concurrency ({args.clients} clients):")
    for processes, outcome in same.items():
        ratio = outcome.throughput / base_same.throughput if base_same.throughput else 0.0
        print(f"  {processes} process(es): {outcome.throughput:.1f} req/s, p99 {outcome.p99_ms:.0f} ms, ×{ratio:.2f}")
    print(f"within the p99 bound of {bound_ms:.0f} ms:")
    best: dict[int, Outcome | None] = {processes: within(outcomes, bound_ms) for processes, outcomes in runs.items()}
    for processes, found in best.items():
        if found is None:
            print(f"  {processes} process(es): no run within the bound")
            continue
        ratio = found.throughput / first.throughput if first and first.throughput else 0.0
        print(
            f"  {processes} process(es): {found.throughput:.1f} req/s at {found.clients} clients, "
            f"p99 {found.p99_ms:.0f} ms, ×{ratio:.2f}"
        )
    if len(counts) > 1 and first is not None:
        last = best[counts[-1]]
        met = last is not None and last.throughput >= 1.5 * first.throughput
        print(
            f"target {counts[-1]} processes ≥ 1.5× the throughput of {counts[0]} within the same p99 bound: "
            f"{'met' if met else 'NOT met'} (load average {os.getloadavg()[0]:.2f} now; a shared machine's other "
            "work takes cores from the second process first)"
        )
