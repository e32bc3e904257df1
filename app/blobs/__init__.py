"""Content-addressed blob storage behind one small interface (`store.BlobStore`), chosen by `CARBONMS_BLOB_URL`.

Empty (the embedded default): the local folder `data_dir/blobs`. `file:///srv/blobs`: another local folder.
`s3://bucket?endpoint=http://host:port`: S3-compatible object storage, with its read-through cache in
`data_dir/cache/blobs`, bounded to `CARBONMS_BLOB_CACHE_MB` (app/blobs/cache.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from app.blobs.local import LocalBlobStore
from app.blobs.store import BlobStore
from app.config import Settings, get_settings


def from_url(url: str, *, data_dir: Path, cache_mb: int = 1024) -> BlobStore:
    """The store a `CARBONMS_BLOB_URL` names (`ValueError` for a scheme carbonms does not know)."""
    if not url:
        return LocalBlobStore(Path(data_dir) / "blobs")
    scheme = urlsplit(url).scheme
    if scheme == "file":
        return LocalBlobStore(Path(unquote(urlsplit(url).path)))
    if scheme == "s3":
        from app.blobs.s3 import S3BlobStore  # boto3 is only loaded when S3 is configured

        return S3BlobStore.from_url(url, cache_dir=Path(data_dir) / "cache" / "blobs", cache_bytes=cache_mb << 20)
    raise ValueError(f"CARBONMS_BLOB_URL: unknown scheme {scheme!r} (expected empty, file:// or s3://)")


@lru_cache(maxsize=8)
def _store(url: str, data_dir: Path, cache_mb: int) -> BlobStore:
    return from_url(url, data_dir=data_dir, cache_mb=cache_mb)


def store_of(settings: Settings) -> BlobStore:
    """The store `settings` configure (one per URL and data folder)."""
    return _store(settings.blob_url, settings.data_dir, settings.blob_cache_mb)


def get_blob_store() -> BlobStore:
    """The configured store (one per URL and data folder, so changed settings take effect)."""
    return store_of(get_settings())


def store_for(blob_dir: Path) -> BlobStore:
    """The store behind a `blob_dir` argument: the configured store for the configured `settings.blob_dir`, a local
    folder store for any other folder (a test's own folder, a backup's blobs)."""
    settings = get_settings()
    if Path(blob_dir) == settings.blob_dir:
        return get_blob_store()
    return LocalBlobStore(Path(blob_dir))
