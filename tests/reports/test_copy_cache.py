"""Controlled copies are stamped once per revision and marking, kept in the store, and stamped outside the gate."""

import threading
import time

from sqlalchemy import select

from app import admission
from app.config import get_settings
from app.db import session_scope
from app.reports import controlled_copy
from app.reports.models import ControlledCopy
from tests.factories import register
from tests.reports.helpers import PDF_MEDIA, pdf_bytes, pdf_page_texts, take_through, upload_file
from tests.support import blob_stores


def _copies(revision_id: int) -> list[ControlledCopy]:
    with session_scope(write=False) as session:
        return list(session.execute(select(ControlledCopy).where(ControlledCopy.revision_id == revision_id)).scalars())


class CountingStamper:
    """Wraps `mark_pdf`: counts the stamps and notes how many request slots are taken while one runs."""

    def __init__(self, monkeypatch, delay: float = 0.0) -> None:
        self.calls = 0
        self.slots_taken: list[int] = []
        self.delay = delay
        self._real = controlled_copy.mark_pdf
        monkeypatch.setattr(controlled_copy, "mark_pdf", self)

    def __call__(self, *args, **kwargs) -> None:
        self.calls += 1
        time.sleep(self.delay)
        self.slots_taken.append(sum(gate.active for gate in list(admission._gates.values())))
        self._real(*args, **kwargs)


def test_second_download_is_served_from_the_store_without_stamping(park, monkeypatch):
    stamper = CountingStamper(monkeypatch)
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], pdf_bytes(3), "制度.pdf", PDF_MEDIA).json()
    take_through(park, revision["id"], "DATA_MANAGEMENT_RULES")
    url = f"/api/revisions/{revision['id']}/file"
    first = park.client.get(url, headers=park.headers("auditor"))
    second = park.client.get(url, headers=park.headers("coordinator"))
    assert first.status_code == second.status_code == 200
    assert stamper.calls == 1
    assert first.content == second.content
    (row,) = _copies(revision["id"])
    assert row.status == "controlled" and row.sha256 == first.headers["x-copy-sha256"]
    with blob_stores.store().open(row.sha256) as stream:
        assert stream.read() == first.content


def test_a_new_state_gets_a_new_copy_with_its_own_marking(park, monkeypatch):
    stamper = CountingStamper(monkeypatch)
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], pdf_bytes(1), "制度.pdf", PDF_MEDIA).json()
    url = f"/api/revisions/{revision['id']}/file"
    draft = park.client.get(url, headers=park.headers("coordinator"))
    take_through(park, revision["id"], "DATA_MANAGEMENT_RULES")
    effective = park.client.get(url, headers=park.headers("coordinator"))
    assert draft.headers["x-controlled-copy"] == "draft" and effective.headers["x-controlled-copy"] == "controlled"
    assert "DRAFT" in pdf_page_texts(draft.content)[0] and "CONTROLLED COPY" in pdf_page_texts(effective.content)[0]
    assert stamper.calls == 2
    assert sorted(row.status for row in _copies(revision["id"])) == ["controlled", "draft"]


def test_parallel_first_downloads_stamp_once_and_hold_no_request_slot(park, monkeypatch):
    stamper = CountingStamper(monkeypatch, delay=0.5)
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], pdf_bytes(2), "制度.pdf", PDF_MEDIA).json()
    url = f"/api/revisions/{revision['id']}/file"
    headers = park.headers("coordinator")
    answers: list[tuple[int, bytes]] = []

    def download() -> None:
        response = park.client.get(url, headers=headers)
        answers.append((response.status_code, response.content))

    threads = [threading.Thread(target=download) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200] * 4
    assert len({content for _, content in answers}) == 1
    assert stamper.calls == 1
    assert stamper.slots_taken == [0]  # the stamping request had given its slot back, the waiting ones hold none
    assert len(_copies(revision["id"])) == 1


def test_a_pdf_that_cannot_be_stamped_leaves_no_copy_behind(park, monkeypatch):
    def broken(*_args, **_kwargs) -> None:
        raise controlled_copy.Conflict("此 PDF 无法加盖受控标识", "This PDF cannot be marked")

    monkeypatch.setattr(controlled_copy, "mark_pdf", broken)
    document = register(park, "DATA_MANAGEMENT_RULES")
    revision = upload_file(park, document["id"], pdf_bytes(1), "制度.pdf", PDF_MEDIA).json()
    tmp_dir = get_settings().tmp_dir
    before = set(tmp_dir.iterdir()) if tmp_dir.exists() else set()
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
    assert response.status_code == 409 and "无法加盖" in response.json()["message_zh"]
    assert _copies(revision["id"]) == []
    assert set(tmp_dir.iterdir()) == before
    original = park.client.get(f"/api/revisions/{revision['id']}/file?original=true", headers=park.headers("auditor"))
    assert original.status_code == 200


def test_stamps_of_different_copies_respect_their_own_limit(park, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_active_stamps", 1)
    running = {"now": 0, "most": 0}
    lock = threading.Lock()
    real = controlled_copy.mark_pdf

    def stamping(*args, **kwargs) -> None:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(0.3)
        try:
            real(*args, **kwargs)
        finally:
            with lock:
                running["now"] -= 1

    monkeypatch.setattr(controlled_copy, "mark_pdf", stamping)
    document = register(park, "DATA_MANAGEMENT_RULES")
    other = register(park, "DATA_MANAGEMENT_RULES", title="另一个")
    ids = [upload_file(park, doc["id"], pdf_bytes(1), "制度.pdf", PDF_MEDIA).json()["id"] for doc in (document, other)]
    headers = park.headers("coordinator")
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda rid=rid: statuses.append(
                park.client.get(f"/api/revisions/{rid}/file", headers=headers).status_code
            )
        )
        for rid in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    assert running["most"] == 1
