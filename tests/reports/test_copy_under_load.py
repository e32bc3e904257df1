"""Five clients downloading a 1,000-page controlled copy do not stall the other users (a real uvicorn server).

The first download stamps the copy once, outside the admission gate; the others wait for that one stamp without
holding a request slot, so another user's register page answers at once. The figures are printed.
"""

import os
import statistics
import threading
import time

import httpx
import pytest

from tests.ops.test_crash_safety import start_server
from tests.reports.helpers import PDF_MEDIA, take_through, upload_file

PAGES = 1000
DOWNLOADERS = 5


def _blank_pdf(pages: int) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_register_answers_while_five_clients_download_a_1000_page_copy(park, figure):
    from tests.factories import register

    document = register(park, "DATA_MANAGEMENT_RULES", title="千页文件")
    revision = upload_file(park, document["id"], _blank_pdf(PAGES), "千页.pdf", PDF_MEDIA).json()
    take_through(park, revision["id"], "DATA_MANAGEMENT_RULES")
    downloader = {"Authorization": f"Bearer {park.token('coordinator')}"}
    reader = {"Authorization": f"Bearer {park.token('auditor')}"}
    process, base = start_server({**os.environ, "CARBONMS_MAX_ACTIVE_REQUESTS": "4"})
    try:
        with httpx.Client(base_url=base, timeout=120) as warm:
            assert warm.get("/api/documents", headers=reader).status_code == 200
        url = f"/api/revisions/{revision['id']}/file"
        results: list[tuple[int, float, bytes]] = []
        lock = threading.Lock()

        def download() -> None:
            clock = time.perf_counter()
            with httpx.Client(base_url=base, timeout=300) as client:
                response = client.get(url, headers=downloader)
            with lock:
                results.append((response.status_code, time.perf_counter() - clock, response.content))

        threads = [threading.Thread(target=download) for _ in range(DOWNLOADERS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(0.3)  # the downloads have reached the server
        latencies: list[float] = []
        answered_during_downloads = 0  # register answers that came back while a download was still stamping
        with httpx.Client(base_url=base, timeout=300) as client:
            while any(thread.is_alive() for thread in threads) or len(latencies) < 3:
                clock = time.perf_counter()
                response = client.get("/api/documents", headers=reader)
                latencies.append(time.perf_counter() - clock)
                assert response.status_code == 200, response.text
                answered_during_downloads += any(thread.is_alive() for thread in threads)
                time.sleep(0.1)
        for thread in threads:
            thread.join()
        first = time.perf_counter() - started
        with httpx.Client(base_url=base, timeout=120) as client:
            clock = time.perf_counter()
            cached = client.get(url, headers=downloader)
            cached_time = time.perf_counter() - clock
        figure(
            f"\n{DOWNLOADERS} parallel downloads of a {PAGES}-page copy: all done in {first:.2f} s "
            f"(each {', '.join(f'{t:.2f}' for _, t, _ in sorted(results, key=lambda r: r[1]))} s); "
            f"cached download {cached_time * 1000:.0f} ms; GET /api/documents meanwhile: {len(latencies)} calls, "
            f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )
        assert [status for status, _, _ in results] == [200] * DOWNLOADERS
        assert cached.status_code == 200 and cached.headers["x-controlled-copy"] == "controlled"
        assert len({content for _, _, content in results} | {cached.content}) == 1  # one stamp, served to all
        # Not a time limit (speed is measured in bench/): if the waiting downloads held request slots, the register
        # would queue behind them and answer only once they were done.
        assert answered_during_downloads >= 2
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()
