"""What the operations tests do to the configured blob store behind the application's back (damage, loss, strays),
the same way whether it is the local folder or S3 (`CARBONMS_TEST_BLOB=s3`)."""

from __future__ import annotations

import os
from pathlib import Path

from app.blobs import get_blob_store
from app.blobs.local import LocalBlobStore
from app.blobs.s3 import S3BlobStore
from app.blobs.store import BlobStore


def store() -> BlobStore:
    return get_blob_store()


def exists(sha256: str) -> bool:
    return store().exists(sha256)


def names() -> set[str]:
    """Every blob's SHA-256 and every stray entry's name in the store."""
    return {entry.sha256 or entry.name for entry in store().scan()}


def write_raw(name: str, data: bytes) -> None:
    """Write `data` at `name` (`ab/cd/<sha256>` or any other relative name) without any of the store's checks."""
    current = store()
    if isinstance(current, S3BlobStore):
        current.client.put_object(Bucket=current.bucket, Key=f"{current.prefix}/{name}", Body=data)
        return
    assert isinstance(current, LocalBlobStore)
    path = current.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(0o644)
    path.write_bytes(data)


def raw_exists(name: str) -> bool:
    current = store()
    if isinstance(current, S3BlobStore):
        key = f"{current.prefix}/{name}"
        return current.client.list_objects_v2(Bucket=current.bucket, Prefix=key).get("KeyCount", 0) > 0
    assert isinstance(current, LocalBlobStore)
    return (current.root / name).exists()


def shard(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def alter(sha256: str, data: bytes | None = None) -> None:
    """Replace a stored blob's bytes: with `data`, or with one bit of the middle byte flipped."""
    if data is None:
        with store().open(sha256) as stream:
            changed = bytearray(stream.read())
        changed[len(changed) // 2] ^= 0x01
        data = bytes(changed)
    write_raw(shard(sha256), data)


def lose(sha256: str) -> None:
    assert store().delete(sha256)


def make_old(sha256: str) -> None:
    """Date a local blob back to 1970 (an S3 object's time cannot be set: tests pass orphan_min_age=0 anyway)."""
    current = store()
    if isinstance(current, LocalBlobStore):
        os.utime(current.path(sha256), (0, 0))


def local_root() -> Path | None:
    current = store()
    return current.root if isinstance(current, LocalBlobStore) else None
