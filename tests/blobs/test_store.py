"""The blob store contract, run on both implementations: the local folder and S3 (a real SeaweedFS on 127.0.0.1)."""

import hashlib
import io
import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from app.blobs import from_url
from app.blobs.local import LocalBlobStore
from app.blobs.s3 import S3BlobStore
from app.blobs.store import BlobDamaged, BlobMismatch, BlobNotFound, BlobStore, rehash, verify

BIG = 20 << 20  # larger than two 8 MiB parts
MEMORY_LIMIT = 6 << 20  # a few 1 MiB chunks and the client's buffers: less than one part, far less than the file


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    seaweed = request.getfixturevalue("seaweed")
    return S3BlobStore.from_url(seaweed.url(), cache_dir=tmp_path / "cache")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _big_file(path: Path, size: int = BIG) -> str:
    """Write `size` random bytes in 1 MiB chunks (never whole in memory); returns their SHA-256."""
    hasher = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size >> 20):
            chunk = os.urandom(1 << 20)
            hasher.update(chunk)
            out.write(chunk)
    return hasher.hexdigest()


def _pending_uploads(store: BlobStore) -> list:
    if isinstance(store, S3BlobStore):
        return store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return []


def test_big_roundtrip_is_streamed_in_bounded_memory(store: BlobStore, tmp_path: Path, figure) -> None:
    source = tmp_path / "big.bin"
    sha = _big_file(source)
    tracemalloc.start()
    started = time.perf_counter()
    with source.open("rb") as stream:
        placed = store.put(sha, stream, BIG)
    put_seconds = time.perf_counter() - started
    _, put_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    assert rehash(store, sha) == sha  # read back as a stream
    _, read_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert placed.sha256 == sha and placed.size == BIG and store.size(sha) == BIG
    assert put_peak < MEMORY_LIMIT and read_peak < MEMORY_LIMIT
    figure(
        f"blob store {type(store).__name__}: put 20 MiB in {put_seconds:.2f} s, "
        f"peak Python memory put {put_peak / 2**20:.1f} MiB, read {read_peak / 2**20:.1f} MiB"
    )


def test_put_file_moves_a_big_file_in(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "derived.bin"
    sha = _big_file(source, 9 << 20)
    tracemalloc.start()
    placed = store.put_file(source)  # the name is worked out from the content
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (placed.sha256, placed.size) == (sha, 9 << 20)
    assert not source.exists()  # taken over
    assert verify(store, sha) and peak < MEMORY_LIMIT


def test_exists_size_list_delete(store: BlobStore) -> None:
    contents = [b"first", b"second blob", b""]
    shas = [_sha(data) for data in contents]
    assert list(store.iter_keys()) == []
    for sha, data in zip(shas, contents, strict=True):
        assert not store.exists(sha)
        store.put(sha, io.BytesIO(data), len(data))
    assert sorted(store.iter_keys()) == sorted(shas)
    assert [store.size(sha) for sha in shas] == [5, 11, 0]
    with store.open(shas[1]) as stream:
        assert stream.read() == b"second blob"
    assert store.delete(shas[0]) is True
    assert store.delete(shas[0]) is False  # already gone
    assert not store.exists(shas[0]) and sorted(store.iter_keys()) == sorted(shas[1:])
    for missing in (shas[0], "not-a-hash", "A" * 64):
        assert not store.exists(missing)
        with pytest.raises(BlobNotFound):
            store.open(missing)
        with pytest.raises(BlobNotFound):
            store.size(missing)
        with pytest.raises(BlobNotFound):
            store.local_path(missing)


def test_wrong_hash_or_size_is_refused_and_leaves_nothing(store: BlobStore, tmp_path: Path) -> None:
    data = b"the real content"
    with pytest.raises(BlobMismatch):
        store.put(_sha(b"something else"), io.BytesIO(data), len(data))
    with pytest.raises(BlobMismatch):
        store.put(_sha(data), io.BytesIO(data), len(data) + 1)  # right bytes, wrong announced size
    big = tmp_path / "big.bin"
    _big_file(big, 9 << 20)  # more than one part: the multipart upload is aborted
    with big.open("rb") as stream, pytest.raises(BlobMismatch):
        store.put("0" * 64, stream, 9 << 20)
    with pytest.raises(BlobMismatch):
        store.put_file(big, "1" * 64)
    assert big.is_file()  # a refused file is left where it was
    assert list(store.scan()) == [] and _pending_uploads(store) == []


def test_concurrent_puts_of_the_same_content(store: BlobStore) -> None:
    data = os.urandom(256 << 10)
    sha = _sha(data)
    placed = []
    errors: list[BaseException] = []

    def put() -> None:
        try:
            placed.append(store.put(sha, io.BytesIO(data), len(data)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(placed) == 4
    assert list(store.iter_keys()) == [sha] and rehash(store, sha) == sha
    # A rollback of an earlier placing leaves the later one alone; the later one's own rollback removes it.
    first = store.put(sha, io.BytesIO(data), len(data))
    second = store.put(sha, io.BytesIO(data), len(data))
    assert first.placement != second.placement
    assert store.delete(sha, placement=first.placement) is False and store.exists(sha)
    assert store.delete(sha, placement=second.placement) is True and not store.exists(sha)


def test_local_path_is_verified(store: BlobStore, tmp_path: Path) -> None:
    data = b"a file a library wants as a path"
    sha = _sha(data)
    store.put(sha, io.BytesIO(data), len(data))
    path = store.local_path(sha)
    assert path.read_bytes() == data and path.name == sha
    if isinstance(store, LocalBlobStore):
        assert path == store.root / sha[:2] / sha[2:4] / sha  # the store's own file, today's layout
        return
    assert path == tmp_path / "cache" / sha[:2] / sha[2:4] / sha
    path.chmod(0o644)
    path.write_bytes(b"tampered cache file")
    again = store.local_path(sha)  # re-hashed, found wrong, fetched again
    assert again == path and again.read_bytes() == data
    # Bytes altered in the bucket itself never reach a caller.
    assert isinstance(store, S3BlobStore)
    store.client.put_object(Bucket=store.bucket, Key=store.key(sha), Body=b"altered in the bucket")
    path.unlink()
    with pytest.raises(BlobDamaged):
        store.local_path(sha)
    assert not path.exists() and not verify(store, sha)


def test_scan_names_strays_and_remove_deletes_them(store: BlobStore) -> None:
    data = b"kept"
    sha = _sha(data)
    store.put(sha, io.BytesIO(data), len(data))
    if isinstance(store, S3BlobStore):
        store.client.put_object(Bucket=store.bucket, Key=f"{store.prefix}/ab/junk", Body=b"x")
    else:
        assert isinstance(store, LocalBlobStore)
        (store.root / "ab").mkdir(parents=True, exist_ok=True)
        (store.root / "ab" / "junk").write_bytes(b"x")
    entries = sorted(store.scan(), key=lambda entry: entry.name)
    assert [(entry.sha256, entry.size) for entry in entries] == [(sha, 4), (None, 1)] or [
        (entry.sha256, entry.size) for entry in entries
    ] == [(None, 1), (sha, 4)]
    stray = next(entry for entry in entries if entry.sha256 is None)
    assert time.time() - stray.modified < 300
    store.remove(stray)
    assert [entry.sha256 for entry in store.scan()] == [sha]


def test_from_url_selects_the_store(tmp_path: Path, seaweed) -> None:
    default = from_url("", data_dir=tmp_path)
    assert isinstance(default, LocalBlobStore) and default.root == tmp_path / "blobs"
    other = from_url(f"file://{tmp_path / 'elsewhere'}", data_dir=tmp_path)
    assert isinstance(other, LocalBlobStore) and other.root == tmp_path / "elsewhere"
    s3 = from_url(f"s3://carbonms-select?endpoint={seaweed.endpoint}&prefix=files", data_dir=tmp_path)
    assert isinstance(s3, S3BlobStore)
    assert (s3.bucket, s3.prefix, s3.cache_dir) == ("carbonms-select", "files", tmp_path / "cache" / "blobs")
    assert s3.key("ab" * 32) == f"files/ab/ab/{'ab' * 32}"
    with pytest.raises(ValueError, match="unknown scheme"):
        from_url("ftp://host/blobs", data_dir=tmp_path)


def test_local_file_holds_the_bytes_for_the_block(store: BlobStore) -> None:
    data = b"a file a library reads by its path"
    sha = hashlib.sha256(data).hexdigest()
    store.put(sha, io.BytesIO(data), len(data))
    with store.local_file(sha) as path:
        assert path.read_bytes() == data
    with pytest.raises(BlobNotFound), store.local_file("0" * 64):
        pass
