"""The blob store interface: content-addressed, immutable files named by their SHA-256.

Two implementations: the local folder (`app/blobs/local.py`, the embedded default) and S3-compatible object storage
(`app/blobs/s3.py`). Callers never build a path or a key themselves; they hand the store a stream or a finished file
and ask for a stream or a local file back.

Every way in is checked: `put` and `put_file` hash what they store and refuse (`BlobMismatch`, nothing left behind)
bytes that do not hash to the name they were given. A placement token identifies one placing of a blob, so a
transaction that rolls back removes only the copy it placed itself, never one a concurrent transaction placed since.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from app.errors import Busy, Conflict, NotFound
from app.hashing import sha256_stream

CHUNK_SIZE = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobNotFound(NotFound):
    """No blob under this name (or the name is not a SHA-256): a 404 for the user."""

    def __init__(self) -> None:
        super().__init__("文件不存在或已丢失", "The file does not exist or is missing")


class BlobDamaged(Conflict):
    """The stored bytes no longer hash to their name: never handed out (`carbonms verify` names the blob)."""

    def __init__(self) -> None:
        super().__init__(
            "文件已损坏（内容与其哈希不符）", "The file is damaged (its content no longer matches its hash)"
        )


class BlobStoreUnavailable(Busy):
    """The store cannot be reached or refuses carbonms (endpoint down, bucket missing, credentials refused): a 503,
    and the request's transaction rolls back, so nothing is half-written. `reason` is for logs and `carbonms verify`,
    not for users."""

    code = "blob_store_unavailable"

    def __init__(self, reason: str = "") -> None:
        super().__init__(
            "文件存储暂不可用，请稍后再试",
            "The file store is unavailable; try again shortly",
            headers={"Retry-After": "30"},
        )
        self.reason = reason


class BlobMismatch(ValueError):
    """The bytes offered do not hash to (or are not the size of) the name they were offered under."""


def is_sha256(name: str) -> bool:
    return bool(_SHA256.fullmatch(name))


def check_sha256(sha256: str) -> None:
    if not is_sha256(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")


def shard(sha256: str) -> str:
    """The content-addressed relative name `ab/cd/<sha256>` shared by both stores' layouts."""
    check_sha256(sha256)
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class Placed:
    """What `put`/`put_file` stored: its name, size and the token of this placing."""

    sha256: str
    size: int
    placement: str


@dataclass(frozen=True)
class StoredObject:
    """One entry of the store as `scan` finds it; `sha256` is None for anything not a blob in its place."""

    name: str  # the path relative to the store's root, or the object key
    sha256: str | None
    size: int
    modified: float  # POSIX time it joined the store
    location: str  # for messages: a file path or s3://bucket/key


class BlobStore(Protocol):
    """Put a stream or a file, get a stream or a local file, ask, list, delete (for disposition only)."""

    def put(self, sha256: str, stream: BinaryIO, size: int) -> Placed:
        """Store `size` bytes read from `stream` under `sha256`, streamed; `BlobMismatch` when they differ."""
        ...

    def put_file(self, path: Path, sha256: str | None = None) -> Placed:
        """Take over the finished file at `path` (moved into place or uploaded, then gone from `path`); hashed on
        the way in, and refused (`BlobMismatch`, `path` left untouched) when `sha256` is given and differs."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """A readable binary stream of the blob (close it); `BlobNotFound` when there is none."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int:
        """The stored size in bytes; `BlobNotFound` when there is none."""
        ...

    def iter_keys(self) -> Iterator[str]:
        """The SHA-256 of every blob stored in its place."""
        ...

    def scan(self) -> Iterator[StoredObject]:
        """Everything under the store's root, blobs and stray entries alike (for `carbonms verify`)."""
        ...

    def remove(self, entry: StoredObject) -> None:
        """Delete one entry `scan` found (an orphan or a stray file)."""
        ...

    def delete(self, sha256: str, *, placement: str | None = None) -> bool:
        """Delete a blob (disposition, or a rolled-back placing when `placement` names it: then only if the stored
        copy is still that placing). True when something was deleted."""
        ...

    def local_path(self, sha256: str) -> Path:
        """A local file with the blob's bytes, for libraries that need a path: the local store's own file; for S3 a
        read-through cache file, re-hashed before it is handed out. `BlobNotFound` when there is none."""
        ...

    def local_file(self, sha256: str) -> AbstractContextManager[Path]:
        """`local_path` for as long as the block runs: S3's cache file is kept from eviction until it ends (a bare
        `local_path` is kept only while recently handed out, app/blobs/cache.py)."""
        ...

    def location(self, sha256: str) -> str:
        """Where the blob lives, for messages (a path or s3://bucket/key)."""
        ...


def rehash(store: BlobStore, sha256: str) -> str:
    """The SHA-256 of what is stored under `sha256`, streamed (`BlobNotFound`, `OSError` pass through)."""
    with store.open(sha256) as stream:
        return sha256_stream(stream)


def verify(store: BlobStore, sha256: str) -> bool:
    """Whether the blob is there and still hashes to its name."""
    if not is_sha256(sha256):
        return False
    try:
        return rehash(store, sha256) == sha256
    except (NotFound, OSError):
        return False
