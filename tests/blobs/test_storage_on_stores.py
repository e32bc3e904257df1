"""app/documents/storage.py on both stores: placing after staging, rollback clean-up, open, verify, derived files."""

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from app import db
from app.blobs.local import LocalBlobStore
from app.blobs.s3 import S3BlobStore
from app.blobs.store import BlobStore
from app.documents import storage
from app.documents.models import Blob
from app.errors import NotFound


@pytest.fixture()
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A private SQLite database configured like the app's; `app.db` sessions use it."""
    import app.models  # noqa: F401  (every table, so foreign keys resolve)

    own = create_engine(f"sqlite:///{tmp_path / 'blobs.db'}", connect_args={"check_same_thread": False})
    db._configure_sqlite(own)
    SQLModel.metadata.create_all(own)
    monkeypatch.setattr(db, "get_engine", lambda url=None: own)
    yield own
    own.dispose()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BlobStore:
    """The store storage.py's functions reach for `blob_dir` (whatever folder they are given)."""
    chosen: BlobStore
    if request.param == "local":
        chosen = LocalBlobStore(tmp_path / "blobs")
    else:
        chosen = S3BlobStore.from_url(request.getfixturevalue("seaweed").url(), cache_dir=tmp_path / "cache")
    monkeypatch.setattr(storage, "store_for", lambda blob_dir: chosen)
    return chosen


def _staged(tmp_path: Path, data: bytes) -> storage.StagedFile:
    source = tmp_path / f"src-{uuid.uuid4().hex}"
    source.write_bytes(data)
    return storage.stage_file(source, "a.txt", max_bytes=1 << 20, tmp_dir=tmp_path / "tmp")


def test_store_open_verify_and_duplicate(store: BlobStore, tmp_path: Path, engine: Engine) -> None:
    data = "碳排放管理体系\n".encode()
    staged = _staged(tmp_path, data)
    with db.session_scope() as session:
        blob = storage.store_blob(session, staged, blob_dir=tmp_path / "blobs")
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.open_blob(tmp_path / "blobs", blob.sha256).read_bytes() == data
    assert storage.verify_blob(tmp_path / "blobs", blob.sha256)
    again = _staged(tmp_path, data)
    with db.session_scope() as session:
        assert storage.store_blob(session, again, blob_dir=tmp_path / "blobs").sha256 == blob.sha256
    assert list(store.iter_keys()) == [blob.sha256]
    assert list((tmp_path / "tmp").iterdir()) == []  # both part files gone
    with Session(engine) as check:
        assert check.get(Blob, blob.sha256) is not None


def test_rollback_removes_only_what_nothing_committed(store: BlobStore, tmp_path: Path, engine: Engine) -> None:
    fresh = _staged(tmp_path, b"rolled back")
    with pytest.raises(RuntimeError), db.session_scope() as session:
        storage.store_blob(session, fresh, blob_dir=tmp_path / "blobs")
        assert store.exists(fresh.sha256)
        raise RuntimeError("the request failed later")
    assert not store.exists(fresh.sha256)
    with pytest.raises(NotFound):
        storage.open_blob(tmp_path / "blobs", fresh.sha256)

    with db.session_scope() as session:
        kept = storage.store_blob(session, _staged(tmp_path, b"committed"), blob_dir=tmp_path / "blobs")
    with pytest.raises(RuntimeError), db.session_scope() as session:
        storage.store_blob(session, _staged(tmp_path, b"committed"), blob_dir=tmp_path / "blobs")
        raise RuntimeError("rolled back")
    assert store.exists(kept.sha256)
    # The row exists but its blob went missing: it is placed again, and a rollback leaves it (the row keeps it).
    assert store.delete(kept.sha256)
    with pytest.raises(RuntimeError), db.session_scope() as session:
        storage.store_blob(session, _staged(tmp_path, b"committed"), blob_dir=tmp_path / "blobs")
        raise RuntimeError("rolled back")
    assert storage.verify_blob(tmp_path / "blobs", kept.sha256)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_derived_file_is_placed_by_its_hash(store: BlobStore, tmp_path: Path) -> None:
    derived = tmp_path / "copy.pdf"
    derived.write_bytes(b"%PDF-1.4 a stamped copy")
    sha, size = storage.place_derived_file(derived, tmp_path / "blobs")
    assert (sha, size) == (hashlib.sha256(b"%PDF-1.4 a stamped copy").hexdigest(), 23)
    assert not derived.exists() and store.exists(sha)
    assert storage.open_blob(tmp_path / "blobs", sha).read_bytes() == b"%PDF-1.4 a stamped copy"


def test_the_test_switch_selects_the_configured_store(app_env: str) -> None:
    """`CARBONMS_TEST_BLOB=s3` (make test-scaleout) runs the app on S3; by default it keeps the local folder."""
    from app.blobs import get_blob_store
    from app.config import get_settings
    from tests.conftest import BLOB_BACKEND

    configured = get_blob_store()
    if BLOB_BACKEND == "s3":
        assert isinstance(configured, S3BlobStore) and get_settings().blob_url.startswith("s3://")
    else:
        assert isinstance(configured, LocalBlobStore) and configured.root == get_settings().blob_dir
