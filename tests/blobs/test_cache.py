"""The read-through cache of object storage stays within its bound: least recently used files go first, never one a
reader holds (in this or another process) or one handed out a moment ago."""

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.blobs import from_url
from app.blobs.cache import BlobCache
from app.blobs.s3 import S3BlobStore
from tests.support import REPO

KIB = 1024


def _blobs(*labels: str) -> dict[str, bytes]:
    return {hashlib.sha256(data).hexdigest(): data for data in (label.encode() * KIB for label in labels)}


def _fetcher(blobs: dict[str, bytes], sha: str):
    return lambda: io.BytesIO(blobs[sha])


def _age(path: Path, seconds_ago: float) -> None:
    """Set the last hand-out of a cache file `seconds_ago` seconds back (the LRU clock is the mtime)."""
    import time

    moment = time.time() - seconds_ago
    os.utime(path, (moment, moment))


def test_least_recently_used_files_are_evicted_past_the_bound(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache", max_bytes=3 * KIB, min_idle_seconds=0)
    blobs = _blobs("a", "b", "c", "d")
    a, b, c, d = blobs
    for age, sha in zip((400, 300, 200), (a, b, c), strict=True):
        _age(cache.get(sha, _fetcher(blobs, sha)), age)
    cache.get(a, _fetcher(blobs, a))  # a used again: now b is the least recently used
    cache.get(d, _fetcher(blobs, d))  # 4 KiB in a 3 KiB cache
    assert cache.size() == 3 * KIB
    assert not cache.path(b).exists()
    assert all(cache.path(sha).exists() for sha in (a, c, d))
    again = cache.get(b, _fetcher(blobs, b))  # fetched again on demand, and the next oldest makes room
    assert again.read_bytes() == blobs[b] and not cache.path(c).exists() and cache.size() == 3 * KIB


def test_a_file_handed_out_a_moment_ago_is_kept(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache", max_bytes=KIB, min_idle_seconds=3600)
    blobs = _blobs("a", "b")
    for sha in blobs:
        cache.get(sha, _fetcher(blobs, sha))
    assert all(cache.path(sha).exists() for sha in blobs)  # over the bound, but its reader may not have opened it
    assert cache.shrink() == []


_HOLDER = """
import sys
from pathlib import Path
from app.blobs.cache import BlobCache
cache = BlobCache(Path(sys.argv[1]), max_bytes=1, min_idle_seconds=0)
with cache.held(sys.argv[2], lambda: open(sys.argv[3], "rb")) as path:
    print(path, flush=True)
    sys.stdin.readline()
"""


def test_a_file_another_process_holds_is_not_evicted(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache", max_bytes=KIB, min_idle_seconds=0)
    blobs = _blobs("a", "b")
    a, b = blobs
    source = tmp_path / "a.bin"
    source.write_bytes(blobs[a])
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(cache.root), a, str(source)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert Path(holder.stdout.readline().strip()) == cache.path(a)
        _age(cache.path(a), 600)  # the oldest, and over the bound once b arrives
        cache.get(b, _fetcher(blobs, b))
        assert cache.path(a).exists()  # held by the other process: kept
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert cache.shrink() == [cache.path(a)]  # released: now it goes


def test_a_reader_that_opened_the_file_keeps_reading_it_after_eviction(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache", max_bytes=KIB, min_idle_seconds=0)
    blobs = _blobs("a", "b")
    a, b = blobs
    with cache.get(a, _fetcher(blobs, a)).open("rb") as reader:
        _age(cache.path(a), 600)
        cache.get(b, _fetcher(blobs, b))
        assert not cache.path(a).exists()
        assert reader.read() == blobs[a]


def test_s3_store_cache_is_bounded_by_the_setting(seaweed, tmp_path: Path) -> None:
    store = from_url(seaweed.url(), data_dir=tmp_path, cache_mb=5)
    assert isinstance(store, S3BlobStore) and store.cache.max_bytes == 5 << 20
    small = S3BlobStore.from_url(seaweed.url(), cache_dir=tmp_path / "small", cache_bytes=2 * KIB)
    small.cache.min_idle_seconds = 0
    blobs = _blobs("x", "y", "z")
    for age, (sha, data) in zip((300, 200, 100), blobs.items(), strict=True):
        small.put(sha, io.BytesIO(data), len(data))
        _age(small.local_path(sha), age)
    assert small.cache.size() <= 2 * KIB
    first = next(iter(blobs))
    assert not small.cache_path(first).exists()
    assert small.local_path(first).read_bytes() == blobs[first]  # read through again


def test_the_default_bound_is_a_gibibyte() -> None:
    from app.config import Settings

    assert Settings().blob_cache_mb == 1024


@pytest.mark.parametrize("name", [".shrink.lock", ".abc.part"])
def test_side_files_are_not_counted_as_cached_blobs(tmp_path: Path, name: str) -> None:
    cache = BlobCache(tmp_path / "cache", max_bytes=KIB)
    cache.root.mkdir(parents=True)
    (cache.root / name).write_bytes(b"x" * 4096)
    assert cache.files() == []
