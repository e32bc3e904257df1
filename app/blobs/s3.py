"""S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph RGW ...) through boto3.

`s3://bucket?endpoint=http://127.0.0.1:8333&region=us-east-1&prefix=blobs`: objects are `prefix/ab/cd/<sha256>`,
the bucket is created when missing. Credentials come from the URL's user part (`s3://KEY:SECRET@bucket?...`) or
boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws).

Uploads go in parts of `part_size` bytes (8 MiB; S3's multipart upload above one part), hashed on the way: bytes
that do not hash to their name abort the upload, so nothing is ever stored under a wrong name. Each placing carries a
random token in its metadata, the rollback of the transaction that placed it removes it only while it is still that
placing. Libraries that need a file get `local_path`: a cache file under `cache_dir/ab/cd/<sha256>`, downloaded once
and re-hashed every time it is handed out.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from app.blobs.cache import BlobCache
from app.blobs.s3_errors import GuardedClient, missing, unavailable_on_failure
from app.blobs.store import (
    CHUNK_SIZE,
    BlobMismatch,
    BlobNotFound,
    BlobStoreUnavailable,
    Placed,
    StoredObject,
    is_sha256,
    shard,
)
from app.hashing import new_sha256, sha256_file

PART_SIZE = 8 << 20
PLACEMENT = "carbonms-placement"
DEFAULT_CACHE_BYTES = 1024 << 20


class _Body(io.RawIOBase):
    """A botocore StreamingBody as a raw binary stream (closing it releases the connection)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with unavailable_on_failure("read"):
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class _Window(io.RawIOBase):
    """Bytes `start .. start + length` of an open file, seekable (botocore re-reads a part to sign or retry it)."""

    def __init__(self, fh: BinaryIO, start: int, length: int) -> None:
        self._fh, self._start, self._length, self._pos = fh, start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, min(self._length, base + offset))
        return self._pos

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._length - self._pos)
        if wanted <= 0:
            return 0
        self._fh.seek(self._start + self._pos)
        got = self._fh.readinto(memoryview(buffer)[:wanted])  # type: ignore[attr-defined]
        self._pos += got or 0
        return got or 0


def _spool_part(stream: BinaryIO, spool: BinaryIO, part_size: int, hasher: Any) -> int:
    """Copy up to `part_size` bytes of `stream` into `spool` (rewound first), hashing them; returns the count."""
    spool.seek(0)
    spool.truncate()
    count = 0
    while count < part_size and (chunk := stream.read(min(CHUNK_SIZE, part_size - count))):
        hasher.update(chunk)
        spool.write(chunk)
        count += len(chunk)
    spool.flush()
    return count


class S3BlobStore:
    """A `BlobStore` in one bucket of an S3-compatible server."""

    def __init__(
        self,
        bucket: str,
        *,
        cache_dir: Path,
        endpoint: str | None = None,
        region: str | None = None,
        prefix: str = "blobs",
        access_key: str | None = None,
        secret_key: str | None = None,
        part_size: int = PART_SIZE,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        attempts: int = 5,
        connect_timeout: float = 5.0,
    ) -> None:
        if part_size < 5 << 20:
            raise ValueError("S3 parts are at least 5 MiB")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.cache_dir = Path(cache_dir)
        self.cache = BlobCache(self.cache_dir, max_bytes=cache_bytes)
        self.part_size = part_size
        self.endpoint = endpoint
        config = Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            # S3-compatible servers differ in which of the newer trailing checksums they accept; the SHA-256 this
            # store computes on every way in is the check that counts.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )
        self.client: Any = GuardedClient(client, f"s3://{bucket} at {endpoint or 'AWS'}")
        self._ensure_bucket()

    @classmethod
    def from_url(
        cls, url: str, *, cache_dir: Path, part_size: int = PART_SIZE, cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> S3BlobStore:
        """`attempts` (requests per call, retries included) and `connect_timeout` (seconds) may be given in the
        query; a refused or unreachable endpoint is `BlobStoreUnavailable` after the last attempt."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.hostname:
            raise ValueError(f"not an s3://bucket URL: {url!r}")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return cls(
            parts.hostname,
            cache_dir=cache_dir,
            endpoint=query.get("endpoint"),
            region=query.get("region"),
            prefix=query.get("prefix", "blobs"),
            access_key=unquote(parts.username) if parts.username else None,
            secret_key=unquote(parts.password) if parts.password else None,
            part_size=part_size,
            cache_bytes=cache_bytes,
            attempts=int(query.get("attempts", 5)),
            connect_timeout=float(query.get("connect_timeout", 5.0)),
        )

    def __repr__(self) -> str:
        return f"S3BlobStore({self.bucket!r}, endpoint={self.endpoint!r}, prefix={self.prefix!r})"

    def _ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if not missing(exc):
                raise
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except ClientError as race:
                if race.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def key(self, sha256: str) -> str:
        return f"{self.prefix}/{shard(sha256)}"

    def cache_path(self, sha256: str) -> Path:
        return self.cache.path(sha256)

    # ----------------------------------------------------------------------- writing

    def _abort(self, key: str, upload: str) -> None:
        # Best effort: should the abort fail too, the server's lifecycle rules drop unfinished uploads.
        with suppress(ClientError, BlobStoreUnavailable):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)

    def _upload(self, sha256: str, fh: BinaryIO, size: int) -> Placed:
        """Upload `size` bytes of the seekable file `fh` in parts of `part_size` read straight from the file."""
        key = self.key(sha256)
        placement = secrets.token_hex(16)
        metadata = {PLACEMENT: placement}
        if size <= self.part_size:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=_Window(fh, 0, size), Metadata=metadata)
            return Placed(sha256, size, placement)
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, Metadata=metadata)["UploadId"]
        try:
            done: list[dict[str, Any]] = []
            for number, start in enumerate(range(0, size, self.part_size), start=1):
                body = _Window(fh, start, min(self.part_size, size - start))
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number, Body=body
                )
                done.append({"PartNumber": number, "ETag": answer["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
            )
        except BaseException:
            self._abort(key, upload)
            raise
        return Placed(sha256, size, placement)

    def put(self, sha256: str, stream: BinaryIO, size: int) -> Placed:
        """Spooled through a temporary file one part at a time (a stream cannot be re-read to sign or retry a part);
        memory holds one 1 MiB chunk. Nothing is completed unless every byte hashed to `sha256`."""
        key = self.key(sha256)
        placement = secrets.token_hex(16)
        metadata = {PLACEMENT: placement}
        hasher = new_sha256()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.cache_dir) as spool:
            first = _spool_part(stream, cast(BinaryIO, spool), self.part_size, hasher)
            if first < self.part_size:  # one part: checked before anything is sent
                if hasher.hexdigest() != sha256 or first != size:
                    raise BlobMismatch(f"{first} bytes hashing to {hasher.hexdigest()} offered as {sha256}")
                body = _Window(cast(BinaryIO, spool), 0, first)
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata=metadata)
                return Placed(sha256, first, placement)
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, Metadata=metadata)["UploadId"]
            try:
                done: list[dict[str, Any]] = []
                written = count = first
                while count:
                    number = len(done) + 1
                    answer = self.client.upload_part(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload,
                        PartNumber=number,
                        Body=_Window(cast(BinaryIO, spool), 0, count),
                    )
                    done.append({"PartNumber": number, "ETag": answer["ETag"]})
                    count = _spool_part(stream, cast(BinaryIO, spool), self.part_size, hasher)
                    written += count
                if hasher.hexdigest() != sha256 or written != size:
                    raise BlobMismatch(f"{written} bytes hashing to {hasher.hexdigest()} offered as {sha256}")
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
                )
            except BaseException:
                self._abort(key, upload)
                raise
        return Placed(sha256, written, placement)

    def put_file(self, path: Path, sha256: str | None = None) -> Placed:
        """Hashed first (the key is the hash; a wrong one never starts an upload), then uploaded straight from the
        file in parts, and removed."""
        path = Path(path)
        actual = sha256_file(path)
        if sha256 is not None and actual != sha256:
            raise BlobMismatch(f"{path} hashes to {actual}, offered as {sha256}")
        with path.open("rb") as fh:
            placed = self._upload(actual, fh, os.fstat(fh.fileno()).st_size)
        path.unlink(missing_ok=True)
        return placed

    # ----------------------------------------------------------------------- reading

    def _head(self, sha256: str) -> dict[str, Any] | None:
        if not is_sha256(sha256):
            return None
        try:
            return cast(dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=self.key(sha256)))
        except ClientError as exc:
            if missing(exc):
                return None
            raise

    def open(self, sha256: str) -> BinaryIO:
        if not is_sha256(sha256):
            raise BlobNotFound()
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if missing(exc):
                raise BlobNotFound() from None
            raise
        return cast(BinaryIO, io.BufferedReader(_Body(answer["Body"]), CHUNK_SIZE))

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        head = self._head(sha256)
        if head is None:
            raise BlobNotFound()
        return int(head["ContentLength"])

    def iter_keys(self) -> Iterator[str]:
        for entry in self.scan():
            if entry.sha256 is not None:
                yield entry.sha256

    def scan(self) -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = iter(paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/"))
        while True:
            with unavailable_on_failure(f"s3://{self.bucket} list"):
                page = next(pages, None)
            if page is None:
                return
            for item in page.get("Contents", []):
                key = item["Key"]
                name = key.rsplit("/", 1)[-1]
                in_place = is_sha256(name) and key == self.key(name)
                yield StoredObject(
                    name=key,
                    sha256=name if in_place else None,
                    size=int(item["Size"]),
                    modified=item["LastModified"].timestamp(),
                    location=f"s3://{self.bucket}/{key}",
                )

    def remove(self, entry: StoredObject) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=entry.name)
        if entry.sha256 is not None:
            self.cache.discard(entry.sha256)

    def delete(self, sha256: str, *, placement: str | None = None) -> bool:
        head = self._head(sha256)
        if head is None:
            return False
        if placement is not None and head.get("Metadata", {}).get(PLACEMENT) != placement:
            return False  # replaced by a concurrent placing of the same content: not ours to remove
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        self.cache.discard(sha256)
        return True

    def local_path(self, sha256: str) -> Path:
        return self.cache.get(sha256, lambda: self.open(sha256))

    def local_file(self, sha256: str) -> AbstractContextManager[Path]:
        return self.cache.held(sha256, lambda: self.open(sha256))

    def location(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key(sha256)}"
