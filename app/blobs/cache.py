"""The read-through cache of object storage (`data_dir/cache/blobs/ab/cd/<sha256>`): local files for libraries that
need a path, bounded to `max_bytes` (`CARBONMS_BLOB_CACHE_MB`).

Every hand-out re-hashes the file and sets its mtime: the mtime is the least-recently-used clock. After a download
pushes the cache past its bound, the oldest files are evicted, with two guards for readers in other processes:
- a file handed out less than `min_idle_seconds` ago is kept (its reader may not have opened it yet);
- a file a reader holds through `held()` (a shared `flock`) is kept: eviction takes an exclusive lock without waiting
  and skips the file when it cannot. A reader that opened the file before it was evicted keeps reading it (an
  unlinked file lives on while it is open); `held()` re-checks after locking that the name still is that file.
One process shrinks at a time (a lock file); the others skip the pass rather than wait.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.blobs.local import place
from app.blobs.store import CHUNK_SIZE, BlobDamaged, BlobNotFound, is_sha256, shard
from app.hashing import new_sha256, sha256_file

DEFAULT_MIN_IDLE_SECONDS = 60.0
_SHRINK_LOCK = ".shrink.lock"


@dataclass(frozen=True)
class CachedFile:
    path: Path
    size: int
    used: float  # the last hand-out (mtime)


class BlobCache:
    def __init__(self, root: Path, *, max_bytes: int, min_idle_seconds: float = DEFAULT_MIN_IDLE_SECONDS) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.min_idle_seconds = min_idle_seconds

    def path(self, sha256: str) -> Path:
        return self.root / shard(sha256)

    def get(self, sha256: str, fetch: Callable[[], BinaryIO]) -> Path:
        """The verified cache file of `sha256`, downloaded with `fetch()` (a stream of the stored bytes) when it is
        missing or no longer hashes to its name."""
        if not is_sha256(sha256):
            raise BlobNotFound()
        cached = self.path(sha256)
        try:
            if sha256_file(cached) == sha256:
                _touch(cached)
                return cached
            cached.unlink(missing_ok=True)  # altered or torn: fetched again
        except FileNotFoundError:
            pass
        self._download(sha256, cached, fetch)
        _touch(cached)
        self.shrink(keep=cached)
        return cached

    @contextmanager
    def held(self, sha256: str, fetch: Callable[[], BinaryIO]) -> Iterator[Path]:
        """`get`, with the file kept from eviction until the block ends (for readers that use the path for long)."""
        while True:
            path = self.get(sha256, fetch)
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # evicted between the hand-out and the open: fetched again
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
                try:
                    same = path.stat().st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    yield path
                    return
            finally:
                os.close(fd)

    def discard(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def files(self) -> list[CachedFile]:
        """The cached blobs (side files of downloads in progress and the lock file are not counted)."""
        found: list[CachedFile] = []
        if not self.root.is_dir():
            return found
        for folder, _dirs, names in os.walk(self.root):
            for name in names:
                if not is_sha256(name):
                    continue
                path = Path(folder) / name
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                found.append(CachedFile(path, stat.st_size, stat.st_mtime))
        return found

    def size(self) -> int:
        return sum(entry.size for entry in self.files())

    def shrink(self, *, keep: Path | None = None) -> list[Path]:
        """Evict least-recently-used files until the cache is within its bound (never `keep`, the file about to be
        handed out); returns what was evicted."""
        self.root.mkdir(parents=True, exist_ok=True)
        evicted: list[Path] = []
        with (self.root / _SHRINK_LOCK).open("a") as lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return evicted  # another process is shrinking it now
            entries = sorted(self.files(), key=lambda entry: entry.used)
            total = sum(entry.size for entry in entries)
            idle_before = time.time() - self.min_idle_seconds
            for entry in entries:
                if total <= self.max_bytes or entry.used > idle_before:
                    break  # sorted by last use: every later file is newer still
                if entry.path != keep and _evict(entry.path):
                    total -= entry.size
                    evicted.append(entry.path)
        return evicted

    def _download(self, sha256: str, cached: Path, fetch: Callable[[], BinaryIO]) -> None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=cached.parent, prefix=f".{sha256}.", suffix=".part")
        side = Path(name)
        try:
            hasher = new_sha256()
            with os.fdopen(fd, "wb") as out, fetch() as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if hasher.hexdigest() != sha256:
                raise BlobDamaged()
            place(side, cached)
        except BaseException:
            side.unlink(missing_ok=True)
            raise


def _touch(path: Path) -> None:
    with suppress(OSError):  # the clock only orders eviction; a file it cannot touch merely looks older
        os.utime(path)


def _evict(path: Path) -> bool:
    """Unlink `path` unless a reader holds it (shared lock) or it was replaced meanwhile."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # in use by a reader
        try:
            if path.stat().st_ino != os.fstat(fd).st_ino:
                return False
        except FileNotFoundError:
            return False
        path.unlink()
        return True
    finally:
        os.close(fd)
