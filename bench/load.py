"""Mixed load on a real server (uvicorn subprocess, as `make run` starts it); prints throughput, p50/p95/p99 per
operation and the errors; then one 200 MB upload and the server's memory (VmRSS before/after/peak, VmHWM).

    .venv/bin/python bench/load.py                          # SQLite in a temporary data directory, 32 clients, 60 s
    .venv/bin/python bench/load.py --seconds 20 --clients 8
    .venv/bin/python bench/load.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
                                                            # a temporary database on that server, dropped after
    .venv/bin/python bench/load.py --processes 1,2          # the scale-out stack (PostgreSQL, S3, Redis) with
                                                            # `serve --workers 1`, then 2: throughput, p99, ratio

Operations, per simulated user (`--client raw`, the default: bench/load_client.py, asyncio with pre-built requests
on one keep-alive connection each, so the client's own CPU stays small and is reported; `--client httpx`: a thread
with its own httpx.Client each, the original client), chosen at random: browse (GET /api/documents), readiness
(GET /api/readiness), search (GET /api/search, skipped and said so when the route answers 404), and the document
flow on the client's own documents: upload a small .docx → submit → review (审核, signature) → approve (批准,
signature) → publish, then upload the next revision. Passwords are hashed with the production argon2 settings.
"""

import argparse
import io
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import servers  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402

PASSWORD = "Load-Passw0rd!"
DOC_TYPE = "DATA_MANAGEMENT_RULES"  # approved by an approver, reviewed by top management
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SEARCH_TERMS = ["碳排放", "数据管理", "管理制度", "监测", "核算"]


# --------------------------------------------------------------------------- environment and server


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], Path, str | None]:
    data_dir = Path(tempfile.mkdtemp(prefix="carbonms-load-"))
    env = {
        **os.environ,
        "CARBONMS_DATA_DIR": str(data_dir),
        "CARBONMS_SECRET_KEY": uuid.uuid4().hex,
        "CARBONMS_MAX_UPLOAD_MB": str(args.max_upload_mb),
    }
    for key in ("CARBONMS_ARGON2_MEMORY_KIB", "CARBONMS_ARGON2_TIME_COST"):
        env.pop(key, None)  # production password hashing
    pg_name = None
    if args.postgres:
        pg_name, env["CARBONMS_DATABASE_URL"] = create_database(args.postgres, prefix="carbonms_load")
    else:
        env["CARBONMS_DATABASE_URL"] = ""
    subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return env, data_dir, pg_name


def create_users(env: dict[str, str]) -> dict[str, str]:
    """The park and its users, through the services (in this process, pointed at the same database)."""
    for key in ("CARBONMS_DATA_DIR", "CARBONMS_DATABASE_URL", "CARBONMS_SECRET_KEY"):
        os.environ[key] = env[key]
    import app.models  # noqa: F401  (every table, so the users' foreign keys resolve)
    from app.db import session_scope
    from app.users import service as users
    from app.users.models import Role

    names = {}
    with session_scope() as session:
        park = users.create_park(session, code="LOAD", name="负载测试园区")
        for role, full_name in (
            ("coordinator", "体系管理员"),
            ("approver", "部门负责人"),
            ("top_management", "园区主任"),
        ):
            user = users.create_user(
                session,
                park=park,
                username=f"load_{role}",
                password=PASSWORD,
                role=Role(role),
                full_name=full_name,
                unit="碳管理办公室",
            )
            names[role] = user.username
    return names


# Diagnosis only: the same server with one change, to test a hypothesis about where the time goes.
#   --sqlite-pool N          SQLite's connection pool set to N (the default QueuePool is 5 + 10 overflow)
#   --skip-request-indexing  search indexing is not done in the request's after-commit hook (rows stay queued)
_PATCH = """
import sys
import app.db as db
import app.search.hooks as hooks
POOL, SKIP = {pool}, {skip}
original = db.create_engine
def create_engine(url, **kw):
    if POOL and str(url).startswith("sqlite"):
        kw.update(pool_size=POOL, max_overflow=0)
    return original(url, **kw)
db.create_engine = create_engine
if SKIP:
    hooks._index_pending = lambda session: session.info.pop(hooks._PENDING, None)
import uvicorn
uvicorn.main(sys.argv[1:])
"""


def start_server(
    env: dict[str, str], log_path: Path, sqlite_pool: int = 0, skip_indexing: bool = False
) -> tuple[subprocess.Popen, str]:
    patch = _PATCH.format(pool=sqlite_pool, skip=skip_indexing) if sqlite_pool or skip_indexing else None
    with Path(log_path).open("wb") as log:
        try:
            return servers.start_server(env, output=log, errors=subprocess.STDOUT, python_code=patch, timeout=60)
        except servers.ServerDidNotStart as exc:
            raise SystemExit(str(exc)) from exc


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


# --------------------------------------------------------------------------- workload


def docx_bytes(text: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("数据管理制度", level=1)
    for number in range(6):
        document.add_paragraph(f"{number + 1}. {text} 园区碳排放数据的采集、审核与保存要求。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.search_missing = False
        self.wall = 0.0

    def add(self, op: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[op].append(seconds)
            if error:
                self.errors[op].append(error)


class Client:
    """One simulated user session: its own connection, its own documents moving through the lifecycle."""

    def __init__(
        self, base: str, tokens: dict[str, str], stats: Stats, rng: random.Random, documents: list[int]
    ) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.tokens = tokens
        self.stats = stats
        self.rng = rng
        self.documents: dict[int, dict[str, object]] = {
            document_id: {"state": None, "revision": None} for document_id in documents
        }
        self.payload = docx_bytes(f"客户端 {uuid.uuid4().hex[:6]}")

    def call(self, op: str, method: str, path: str, role: str = "coordinator", **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, path, headers={"Authorization": f"Bearer {self.tokens[role]}"}, **kwargs
            )
        except httpx.HTTPError as exc:
            self.stats.add(op, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        error = None if response.status_code < 400 else f"{response.status_code} {response.text[:160]}"
        self.stats.add(op, elapsed, error)
        return response

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.35:
            self.call("browse", "GET", "/api/documents", params={"limit": 50})
        elif roll < 0.45:
            self.call("readiness", "GET", "/api/readiness")
        elif roll < 0.60 and not self.stats.search_missing:
            response = self.call("search", "GET", "/api/search", params={"q": self.rng.choice(SEARCH_TERMS)})
            if response is not None and response.status_code == 404:
                self.stats.search_missing = True
        else:
            self.advance(self.rng.choice(list(self.documents)))

    def advance(self, document_id: int) -> None:
        doc = self.documents[document_id]
        state, revision = doc["state"], doc["revision"]
        comment = {"password": PASSWORD, "comment": "同意"}
        if state in (None, "effective"):
            data = {"change_reason": "定期修订"} if state == "effective" else {}
            response = self.call(
                "upload",
                "POST",
                f"/api/documents/{document_id}/revisions",
                files={"file": ("数据管理制度.docx", self.payload, DOCX_MEDIA)},
                data=data,
            )
            target = "draft"
        elif state == "draft":
            response = self.call("submit", "POST", f"/api/revisions/{revision}/submit")
            target = "in_review"
        elif state == "in_review":
            response = self.call("review", "POST", f"/api/revisions/{revision}/review", "top_management", json=comment)
            target = "in_approval"
        elif state == "in_approval":
            response = self.call("approve", "POST", f"/api/revisions/{revision}/approve", "approver", json=comment)
            target = "approved"
        else:
            response = self.call("publish", "POST", f"/api/revisions/{revision}/publish")
            target = "effective"
        if response is not None and response.status_code < 300:
            doc["state"] = target
            doc["revision"] = response.json()["id"]

    def close(self) -> None:
        self.http.close()


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def create_documents(base: str, tokens: dict[str, str], args: argparse.Namespace) -> list[list[int]]:
    """Each client's own documents (`--documents-per-client`), made before the clock starts."""
    per_client = []
    with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {tokens['coordinator']}"}) as setup:
        for index in range(args.clients):
            documents = []
            for number in range(args.documents_per_client):
                response = setup.post(
                    "/api/documents",
                    json={
                        "doc_type": DOC_TYPE,
                        "title": f"负载 {index}-{number}",
                        "owner_unit": "碳管理办公室",
                        "access_level": "internal",
                    },
                )
                response.raise_for_status()
                documents.append(response.json()["id"])
            per_client.append(documents)
    return per_client


def run_load(
    base: str, tokens: dict[str, str], args: argparse.Namespace, timed: AbstractContextManager[object] | None = None
) -> Stats:
    """The mixed load with the client chosen by `--client`: `raw` (bench/load_client.py, asyncio, pre-built
    requests) or `httpx` (one thread and httpx.Client per simulated user, the original client). `timed` is entered
    around the measured seconds only (a CPU meter), not around the set-up of documents and clients."""
    documents = create_documents(base, tokens, args)
    timed = timed if timed is not None else nullcontext()
    if getattr(args, "client", "raw") == "raw":
        from bench.load_client import run_raw_load

        return run_raw_load(base, tokens, args, documents, timed)
    stats = Stats()
    rng = random.Random(args.seed)
    clients = [Client(base, tokens, stats, random.Random(rng.random()), ids) for ids in documents]
    stop = threading.Event()

    def loop(client: Client) -> None:
        while not stop.is_set():
            client.step()

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    with timed:
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        stats.wall = time.perf_counter() - started
    for client in clients:
        client.close()
    return stats


def report_load(stats: Stats, args: argparse.Namespace, label: str) -> None:
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    print(f"\n== {label}: {args.clients} clients, {stats.wall:.1f} s ==")
    print(f"requests {total}, throughput {total / stats.wall:.1f} req/s, errors {errors}")
    print(f"{'operation':<10} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} errors")
    for op in ("browse", "readiness", "search", "upload", "submit", "review", "approve", "publish"):
        samples = sorted(stats.latencies.get(op, []))
        if not samples:
            continue
        print(
            f"{op:<10} {len(samples):>6} {len(samples) / stats.wall:>7.1f} {percentile(samples, 0.5) * 1000:>8.0f} "
            f"{percentile(samples, 0.95) * 1000:>8.0f} {percentile(samples, 0.99) * 1000:>8.0f} "
            f"{samples[-1] * 1000:>8.0f} {len(stats.errors.get(op, []))}"
        )
    if stats.search_missing:
        print("search: GET /api/search answered 404 — the search operation was skipped")
    everything = sorted(s for v in stats.latencies.values() for s in v)
    if everything:
        print(
            f"all operations: p50 {percentile(everything, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(everything, 0.95) * 1000:.0f} ms, p99 {percentile(everything, 0.99) * 1000:.0f} ms"
        )
    for op, messages in stats.errors.items():
        kinds: dict[str, int] = defaultdict(int)
        for message in messages:
            kinds[message[:120]] += 1
        for message, count in sorted(kinds.items(), key=lambda kv: -kv[1])[:5]:
            print(f"  error {op} x{count}: {message}")


# --------------------------------------------------------------------------- one large upload


def write_big_text(path: Path, megabytes: int) -> int:
    line = (
        "园区碳排放监测数据记录：电力、天然气、蒸汽消耗量与排放因子，按月汇总并经审核。"
        "Park carbon monitoring data, monthly totals.\n"
    ).encode()
    block = line * (1024 * 1024 // len(line) + 1)
    block = block[: block.rfind(b"\n") + 1]
    target = megabytes * 1024 * 1024
    written = 0
    with Path(path).open("wb") as fh:
        while written + len(block) <= target:
            fh.write(block)
            written += len(block)
        rest = line * ((target - written) // len(line))
        fh.write(rest)
        written += len(rest)
    return written


def big_upload(base: str, tokens: dict[str, str], pid: int, workdir: Path, megabytes: int) -> None:
    path = workdir / "big.txt"
    size = write_big_text(path, megabytes)
    headers = {"Authorization": f"Bearer {tokens['coordinator']}"}
    with httpx.Client(base_url=base, timeout=600, headers=headers) as http:
        document = http.post(
            "/api/documents",
            json={"doc_type": DOC_TYPE, "title": "大文件", "owner_unit": "", "access_level": "internal"},
        ).json()
        time.sleep(1)
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM: the peak of this upload alone
            hwm_reset = True
        except OSError:
            hwm_reset = False
        before = proc_status(pid)
        peak = [before["VmRSS"]]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                try:
                    peak[0] = max(peak[0], proc_status(pid)["VmRSS"])
                except OSError:
                    return
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        with Path(path).open("rb") as fh:
            response = http.post(
                f"/api/documents/{document['id']}/revisions", files={"file": ("大文件.txt", fh, "text/plain")}
            )
        elapsed = time.perf_counter() - started
        time.sleep(2)  # let after-commit work (indexing) run
        done.set()
        sampler.join()
        after = proc_status(pid)
    path.unlink()
    print(
        f"\n== one {size / 2**20:.0f} MB upload (.txt): HTTP {response.status_code} in {elapsed:.1f} s "
        f"({size / 2**20 / elapsed:.0f} MB/s) =="
    )
    if response.status_code >= 300:
        print(f"  {response.text[:300]}")
    print(
        f"server VmRSS before {before['VmRSS'] / 1024:.0f} MiB, after {after['VmRSS'] / 1024:.0f} MiB, "
        f"peak sampled {peak[0] / 1024:.0f} MiB (+{(peak[0] - before['VmRSS']) / 1024:.0f} MiB); "
        f"VmHWM {after['VmHWM'] / 1024:.0f} MiB "
        f"{'(reset just before the upload)' if hwm_reset else '(process lifetime)'}"
    )


def server_log_summary(log_path: Path) -> None:
    """What the server logged (its stderr went to a file): errors by exception type."""
    if not log_path.exists():
        return
    text = log_path.read_text(errors="replace")
    exceptions = Counter(
        re.findall(r"^((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Timeout)): (.{0,90})", text, flags=re.M)
    )
    print(
        f"\nserver log: {text.count('unexpected error')} unexpected errors (HTTP 500), "
        f"{text.count('search indexing failed')} failed search indexing attempts"
    )
    for (kind, message), count in exceptions.most_common(6):
        print(f"  x{count} {kind}: {message}")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds of load before the measured seconds, not counted (raw client)"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--documents-per-client", type=int, default=3)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server: a temporary database is used")
    parser.add_argument("--big-mb", type=int, default=200, help="size of the one large upload (0: skip)")
    parser.add_argument("--max-upload-mb", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: asyncio keep-alive sockets with pre-built requests (light); httpx: one thread per user (heavy)",
    )
    parser.add_argument(
        "--sqlite-pool",
        type=int,
        default=0,
        help="diagnosis: run the server with SQLite's connection pool set to this size",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the data folder and server.log")
    parser.add_argument(
        "--skip-request-indexing",
        action="store_true",
        help="diagnosis: run the server without search indexing in the request's after-commit hook",
    )
    parser.add_argument(
        "--processes",
        help="e.g. 1,2: run on the scale-out stack with that many server processes each (bench/load_processes.py)",
    )
    parser.add_argument(
        "--steps", type=int, default=2, help="--processes: runs at 1.5× more clients each while p99 is within the bound"
    )
    parser.add_argument(
        "--p99-bound-ms", type=float, help="--processes: the p99 bound (default: the first configuration's p99)"
    )
    args = parser.parse_args()
    if args.processes:
        from bench import load_processes
        from tests.support.databases import PG_ADMIN_URL

        args.postgres = args.postgres or PG_ADMIN_URL
        load_processes.main(args)
        return

    env, data_dir, pg_name = prepare(args)
    process = None
    try:
        names = create_users(env)
        log_path = data_dir / "server.log"
        process, base = start_server(env, log_path, args.sqlite_pool, args.skip_request_indexing)
        if args.sqlite_pool or args.skip_request_indexing:
            print(
                f"DIAGNOSTIC server: sqlite pool={args.sqlite_pool or 'default'}, "
                f"request-time indexing {'skipped' if args.skip_request_indexing else 'on'}"
            )
        tokens = {}
        for role, username in names.items():
            response = httpx.post(
                f"{base}/api/auth/token", data={"username": username, "password": PASSWORD}, timeout=60
            )
            response.raise_for_status()
            tokens[role] = response.json()["access_token"]
        label = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"server pid {process.pid} on {base} ({label}, data in {data_dir}); "
            f"VmRSS {proc_status(process.pid)['VmRSS'] / 1024:.0f} MiB before the load"
        )
        stats = run_load(base, tokens, args)
        report_load(stats, args, label)
        print(
            f"server VmRSS after the load {proc_status(process.pid)['VmRSS'] / 1024:.0f} MiB, "
            f"VmHWM {proc_status(process.pid)['VmHWM'] / 1024:.0f} MiB"
        )
        if args.big_mb:
            big_upload(base, tokens, process.pid, data_dir, args.big_mb)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        server_log_summary(data_dir / "server.log")
        if pg_name:
            from app.db import dispose_engines

            dispose_engines()
            drop_database(pg_name, args.postgres)
        if args.keep_data:
            print(f"data and server.log kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
