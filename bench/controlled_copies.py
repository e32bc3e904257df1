"""Long PDFs on a real server (uvicorn subprocess): the page limit's refusal, and controlled copies of 1,000 pages.

    .venv/bin/python bench/controlled_copies.py            # SQLite in a temporary data directory
    .venv/bin/python bench/controlled_copies.py --pages 2000 --downloaders 8

Prints: the time to the 422 for a 20,000-page PDF; the first (stamping) and a cached download of a 1,000-page copy;
and, while five clients download another such copy for the first time, the latency of `GET /api/documents` from
another user (median and max) and how long the downloads took.
"""

import argparse
import io
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, create_users, prepare, start_server  # noqa: E402

PDF_MEDIA = "application/pdf"
DOC_TYPE = "DATA_MANAGEMENT_RULES"


def blank_pdf(pages: int, title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def new_document(client: httpx.Client, title: str) -> int:
    body = {"doc_type": DOC_TYPE, "title": title, "owner_unit": "碳管理办公室", "access_level": "internal"}
    response = client.post("/api/documents", json=body)
    response.raise_for_status()
    return response.json()["id"]


def upload(client: httpx.Client, document_id: int, content: bytes, name: str) -> httpx.Response:
    return client.post(f"/api/documents/{document_id}/revisions", files={"file": (name, content, PDF_MEDIA)})


def timed_get(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    clock = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - clock


def run(base: str, tokens: dict[str, str], args: argparse.Namespace) -> None:
    writer = httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {tokens['coordinator']}"})
    reader = httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {tokens['approver']}"})

    huge = blank_pdf(20_000, "20000")
    document_id = new_document(writer, "两万页")
    clock = time.perf_counter()
    refused = upload(writer, document_id, huge, "两万页.pdf")
    print(f"20,000-page PDF ({len(huge) / 1e6:.1f} MB): {refused.status_code} in {time.perf_counter() - clock:.2f} s")

    content = blank_pdf(args.pages, "single")
    revision = upload(writer, new_document(writer, "千页"), content, "千页.pdf").json()
    url = f"/api/revisions/{revision['id']}/file"
    first, first_time = timed_get(reader, url)
    cached, cached_time = timed_get(reader, url)
    assert first.status_code == cached.status_code == 200 and first.content == cached.content
    print(f"{args.pages}-page copy: first download {first_time:.2f} s (stamped), cached {cached_time * 1000:.0f} ms")

    content = blank_pdf(args.pages, "parallel")
    revision = upload(writer, new_document(writer, "千页并发"), content, "千页.pdf").json()
    url = f"/api/revisions/{revision['id']}/file"
    durations: list[float] = []

    def download() -> None:
        with httpx.Client(base_url=base, timeout=600, headers=writer.headers) as client:
            response, took = timed_get(client, url)
            response.raise_for_status()
            durations.append(took)

    threads = [threading.Thread(target=download) for _ in range(args.downloaders)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    latencies: list[float] = []
    while any(thread.is_alive() for thread in threads):
        response, took = timed_get(reader, "/api/documents")
        response.raise_for_status()
        latencies.append(took)
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    print(
        f"{args.downloaders} parallel first downloads of a {args.pages}-page copy: "
        f"{min(durations):.2f}–{max(durations):.2f} s; GET /api/documents meanwhile ({len(latencies)} calls): "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--downloaders", type=int, default=5)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server: a temporary database is used")
    args = parser.parse_args()
    args.max_upload_mb = 50
    env, data_dir, pg_name = prepare(args)
    process = None
    try:
        names = create_users(env)
        process, base = start_server(env, data_dir / "server.log")
        tokens = {}
        for role, username in names.items():
            response = httpx.post(f"{base}/api/auth/token", data={"username": username, "password": PASSWORD})
            response.raise_for_status()
            tokens[role] = response.json()["access_token"]
        run(base, tokens, args)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if pg_name:
            import sqlalchemy

            from app.db import dispose_engines

            dispose_engines()
            admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
