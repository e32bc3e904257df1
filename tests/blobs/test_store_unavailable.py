"""An unreachable object store (endpoint down, bucket gone) is a 503 with one bilingual message on every path that
reads or writes blobs, and nothing is half-written. Run on either stack: the test points the application at an S3
endpoint where nothing listens."""

import hashlib
import io
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.blobs.s3 import S3BlobStore
from app.blobs.store import BlobStoreUnavailable
from app.config import get_settings
from app.db import session_scope
from app.documents.models import Revision
from tests.factories import publish_new_document, register, upload
from tests.support.servers import free_port

MESSAGE_ZH = "文件存储暂不可用，请稍后再试"
MESSAGE_EN = "The file store is unavailable; try again shortly"


def _dead_url(bucket: str = "carbonms-gone") -> str:
    return f"s3://{bucket}?endpoint=http://127.0.0.1:{free_port()}&attempts=1&connect_timeout=1"


@pytest.fixture()
def store_down(monkeypatch: pytest.MonkeyPatch) -> str:
    """The configured store becomes an S3 endpoint with nothing listening, as if it went down after start-up (the
    store is built without its start-up bucket check, so every request meets the dead endpoint itself)."""
    monkeypatch.setattr(S3BlobStore, "_ensure_bucket", lambda self: None)
    url = _dead_url()
    monkeypatch.setattr(get_settings(), "blob_url", url)
    return url


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert (body["message_zh"], body["message_en"], body["code"]) == (MESSAGE_ZH, MESSAGE_EN, "blob_store_unavailable")
    assert response.headers["Retry-After"] == "30"


def test_a_store_that_cannot_be_reached_at_start_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BlobStoreUnavailable) as caught:
        S3BlobStore.from_url(_dead_url(), cache_dir=tmp_path / "cache")
    assert caught.value.status_code == 503 and "127.0.0.1" in caught.value.reason


def test_a_missing_bucket_is_unavailable_not_a_missing_file(seaweed, tmp_path: Path) -> None:
    store = S3BlobStore.from_url(seaweed.url(), cache_dir=tmp_path / "cache")
    data = b"bucket removed behind carbonms' back"
    sha = hashlib.sha256(data).hexdigest()
    store.put(sha, io.BytesIO(data), len(data))
    for entry in list(store.scan()):
        store.remove(entry)
    store.client.delete_bucket(Bucket=store.bucket)
    with pytest.raises(BlobStoreUnavailable):
        store.open(sha)
    with pytest.raises(BlobStoreUnavailable):
        store.put(sha, io.BytesIO(data), len(data))
    with pytest.raises(BlobStoreUnavailable):
        list(store.scan())


def test_upload_answers_503_and_leaves_no_revision_and_no_part_file(park, store_down: str) -> None:
    document = register(park)
    response = upload(park, document["id"])
    _assert_unavailable(response)
    with session_scope(write=False) as session:
        revisions = session.exec(select(Revision).where(Revision.document_id == document["id"])).all()
    assert revisions == []
    assert list(get_settings().tmp_dir.glob("upload-*.part")) == []


def test_download_of_the_original_answers_503(park, monkeypatch: pytest.MonkeyPatch) -> None:
    document = register(park)
    revision = upload(park, document["id"]).json()
    monkeypatch.setattr(S3BlobStore, "_ensure_bucket", lambda self: None)
    monkeypatch.setattr(get_settings(), "blob_url", _dead_url())
    url = f"/api/revisions/{revision['id']}/file?original=true"
    response = park.client.get(url, headers=park.headers("coordinator"))
    _assert_unavailable(response)


def test_controlled_copy_answers_503(park, monkeypatch: pytest.MonkeyPatch) -> None:
    _document, revision = publish_new_document(park)
    monkeypatch.setattr(S3BlobStore, "_ensure_bucket", lambda self: None)
    monkeypatch.setattr(get_settings(), "blob_url", _dead_url())
    response = park.client.get(f"/api/revisions/{revision['id']}/file", headers=park.headers("coordinator"))
    _assert_unavailable(response)


def test_verify_says_the_store_is_unavailable_without_a_traceback(app_env: str, store_down: str) -> None:
    from app.cli import app as cli

    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 2
    assert f"{MESSAGE_ZH} / {MESSAGE_EN}" in result.output
    assert "127.0.0.1" in result.output  # the store's own answer, for the operator
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
