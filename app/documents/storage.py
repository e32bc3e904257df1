"""Staging of uploads and the content-addressed blob store.

An upload is streamed into a part file `tmp_dir/upload-*.part` (hashed on the way, never held in memory), recognised
from its content and its text extracted. `store_blob` then hands it to the blob store (app/blobs: the local folder
`blob_dir/ab/cd/<sha256>`, or S3-compatible object storage when `CARBONMS_BLOB_URL` says so), where a blob is never
altered, and makes sure a `Blob` row exists. Every failure path removes the part file. While a part file is in
use its writer holds an exclusive `flock` on it, so a part file nobody holds was left by a killed process
(`leftover_part_files`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import anyio.to_thread
from fastapi import UploadFile
from sqlmodel import Session
from starlette.datastructures import Headers

from app import db
from app.blobs import store_for
from app.blobs.local import LocalBlobStore
from app.blobs.store import BlobStore, check_sha256
from app.blobs.store import verify as verify_stored
from app.documents.docx_links import ExternalLink, external_links
from app.documents.extract import DOCX, EXTENSIONS, detect_media_type, extract_text
from app.documents.models import Blob
from app.errors import TooLarge
from app.hashing import new_sha256

logger = logging.getLogger("carbonms.storage")

CHUNK_SIZE = 1 << 20
MAX_FILENAME_CHARS = 200
_MAX_EXTENSION_CHARS = 16


@dataclass
class StagedFile:
    temp_path: Path
    sha256: str
    size_bytes: int
    media_type: str
    file_name: str
    text: str | None
    # A .docx's links to files outside it; its controlled copies carry them removed (app/documents/docx_links.py).
    external_links: list[ExternalLink] = field(default_factory=list)
    # The open (locked) part file: the lock tells clean-up code the file is still in use.
    lock: BinaryIO | None = None

    def release(self) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


# --------------------------------------------------------------------------- file names

_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


def sanitize_filename(name: str | None) -> str:
    """A safe display name: base name only, no control characters, whitespace collapsed, at most 200 characters.

    Chinese and other letters are kept; the extension survives truncation; `"file"` when nothing is left.
    """
    if not name:
        return "file"
    name = unicodedata.normalize("NFC", name)
    # Only the last path component, whatever the separator the client used.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned: list[str] = []
    for ch in name:
        category = unicodedata.category(ch)
        if ch in "\t\n\r\v\f\x85\u2028\u2029":
            cleaned.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # NUL, other controls, bidi overrides, zero-width characters, lone surrogates
        else:
            cleaned.append(ch)
    name = _WINDOWS_RESERVED.sub("_", "".join(cleaned))
    name = " ".join(name.split())
    name = name.rstrip(". ")
    if not name.strip("."):
        return "file"
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= _MAX_EXTENSION_CHARS:
            name = stem[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_FILENAME_CHARS].rstrip()
    return name or "file"


def name_for_type(name: str, media_type: str) -> str:
    """`name` with an extension that fits the detected `media_type`: a PDF sent as `poly.html` is kept as
    `poly.pdf`, HTML (stored as plain text) as `.txt`; a fitting extension is kept as the uploader wrote it."""
    allowed = EXTENSIONS.get(media_type)
    if not allowed:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in allowed:
        return name
    if not (dot and stem):
        stem = name
    suffix = "." + allowed[0]
    return stem[: MAX_FILENAME_CHARS - len(suffix)].rstrip() + suffix


_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()\[\]+,=@~-]")


def content_disposition(name: str | None, disposition: str = "attachment") -> str:
    """An RFC 6266 `Content-Disposition` value: the UTF-8 name percent-encoded in `filename*` (RFC 8187), and an
    ASCII `filename="…"` fallback without quotes, backslashes, CR/LF or other controls."""
    safe = sanitize_filename(name)
    stem, dot, ext = safe.rpartition(".")
    if not dot or not stem:
        stem, ext = safe, ""
    ascii_stem = re.sub(r"_{2,}", "_", _ASCII_UNSAFE.sub("_", stem)).strip(" ._")
    if not re.search(r"[A-Za-z0-9]", ascii_stem):
        ascii_stem = "file"  # e.g. an all-Chinese name: the UTF-8 filename* carries it
    ascii_ext = _ASCII_UNSAFE.sub("", ext)
    fallback = f"{ascii_stem}.{ascii_ext}" if ascii_ext else ascii_stem
    encoded = quote(safe, safe="!#$&+^`|~")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


# --------------------------------------------------------------------------- staging


def _format_mb(max_bytes: int) -> str:
    value = max_bytes / (1 << 20)
    if value.is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


PART_PREFIX = "upload-"
PART_SUFFIX = ".part"


class PartFile:
    """A part file under `tmp_dir` that hashes and counts what is written and refuses to grow beyond `max_bytes`.

    It stays open and locked from creation until it is placed into the store or removed.
    """

    def __init__(self, tmp_dir: Path, max_bytes: int) -> None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.size = 0
        self.hasher = new_sha256()
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix=PART_PREFIX, suffix=PART_SUFFIX)
        self.fh: BinaryIO = os.fdopen(fd, "w+b")
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.path = Path(name)

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            n = _format_mb(self.max_bytes)
            raise TooLarge(f"文件超过 {n} MB 的上限", f"The file exceeds the {n} MB limit")
        self.hasher.update(chunk)
        self.fh.write(chunk)

    def close(self) -> None:
        # Made durable here, while staging, so the database's write lock is never held for the disk flush. The file
        # stays open: its lock marks it as in use until it is stored or discarded.
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def abort(self) -> None:
        try:
            self.fh.close()
        finally:
            self.path.unlink(missing_ok=True)


class StagingUpload(UploadFile):
    """A file field that the upload guard (app/uploads) already streamed, counted and hashed into a part file."""

    def __init__(self, part: PartFile, *, filename: str | None, headers: Headers) -> None:
        super().__init__(file=part.fh, size=part.size, filename=filename, headers=headers)
        self.part = part


def _analyse(sink: PartFile, file_name: str | None) -> StagedFile:
    """Recognise the closed temporary file and extract its text (CPU-heavy: run off the event loop)."""
    media_type = detect_media_type(sink.path)
    text = extract_text(sink.path, media_type)
    return StagedFile(
        temp_path=sink.path,
        sha256=sink.hasher.hexdigest(),
        size_bytes=sink.size,
        media_type=media_type,
        file_name=name_for_type(sanitize_filename(file_name), media_type),
        text=text,
        external_links=external_links(sink.path) if media_type == DOCX else [],
        lock=sink.fh,
    )


async def stage_upload(upload: UploadFile, *, max_bytes: int, tmp_dir: Path) -> StagedFile:
    """Stream an upload into `tmp_dir` in 1 MiB chunks, then recognise it and extract its text.

    Raises `TooLarge` beyond `max_bytes`, `Unsupported` for a type not accepted, `Invalid` for a broken file;
    the temporary file is removed on every failure (including cancellation).
    """
    if isinstance(upload, StagingUpload):
        sink = upload.part  # streamed and counted while the request arrived: no second copy
        if sink.size > max_bytes:
            sink.abort()
            n = _format_mb(max_bytes)
            raise TooLarge(f"文件超过 {n} MB 的上限", f"The file exceeds the {n} MB limit")
    else:
        sink = PartFile(tmp_dir, max_bytes)
    try:
        while not isinstance(upload, StagingUpload) and (chunk := await upload.read(CHUNK_SIZE)):
            sink.write(chunk)
        await anyio.to_thread.run_sync(sink.close)  # the fsync must not stall the event loop
        return await anyio.to_thread.run_sync(_analyse, sink, upload.filename)
    except BaseException:
        sink.abort()
        raise


def stage_file(path: Path, file_name: str, *, max_bytes: int, tmp_dir: Path) -> StagedFile:
    """`stage_upload` for a local file (CLI, demo data): copied into `tmp_dir`, the original is left untouched."""
    sink = PartFile(tmp_dir, max_bytes)
    try:
        with Path(path).open("rb") as src:
            while chunk := src.read(CHUNK_SIZE):
                sink.write(chunk)
        sink.close()
        return _analyse(sink, file_name)
    except BaseException:
        sink.abort()
        raise


def stage_bytes(content: bytes, file_name: str, *, max_bytes: int, tmp_dir: Path) -> StagedFile:
    """`stage_upload` for a file carbonms generated (reports, letters, records, register snapshots)."""
    sink = PartFile(tmp_dir, max_bytes)
    try:
        sink.write(content)
        sink.close()
        return _analyse(sink, file_name)
    except BaseException:
        sink.abort()
        raise


def discard(staged: StagedFile) -> None:
    """Delete a staged file's part file if it is still there."""
    staged.temp_path.unlink(missing_ok=True)
    staged.release()


def leftover_part_files(tmp_dir: Path, *, min_age_seconds: float = 2.0) -> Iterator[Path]:
    """Part files that no process holds (left by a killed upload). A file younger than `min_age_seconds` is skipped:
    its writer may not have taken its lock yet."""
    if not tmp_dir.is_dir():
        return
    now = time.time()
    for path in sorted(tmp_dir.glob(f"{PART_PREFIX}*{PART_SUFFIX}")):
        try:
            with Path(path).open("rb") as probe:
                if now - os.fstat(probe.fileno()).st_mtime < min_age_seconds:
                    continue
                try:
                    fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # an upload in progress
                fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
        except OSError:
            continue
        yield path


def remove_leftover_part_files(tmp_dir: Path, *, min_age_seconds: float = 2.0) -> list[Path]:
    """Delete the part files of killed uploads; returns what was removed."""
    removed = []
    for path in leftover_part_files(tmp_dir, min_age_seconds=min_age_seconds):
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    if removed:
        logger.info("removed %d part files left by interrupted uploads", len(removed))
    return removed


# --------------------------------------------------------------------------- blob store


def _check_sha(sha256: str) -> None:
    check_sha256(sha256)


def blob_path(blob_dir: Path, sha256: str) -> Path:
    """Where a blob lives in a local folder store: `blob_dir/ab/cd/<sha256>` (S3 keeps the same names under its
    prefix; ask the store, not the path, whether a blob is there)."""
    return LocalBlobStore(blob_dir).path(sha256)


def place_derived_file(path: Path, blob_dir: Path) -> tuple[str, int]:
    """Move a file made from stored content (a controlled copy, a preview, recognised text) into the store under its
    own SHA-256; returns (sha256, size). It has no `Blob` row: whatever made it keeps the reference
    (app/reports/models.py)."""
    placed = store_for(blob_dir).put_file(path)
    return placed.sha256, placed.size


def _rollback_cleanup(store: BlobStore, sha256: str, placement: str) -> Callable[[], None]:
    def cleanup() -> None:
        # Another transaction may have committed the same content meanwhile: its row keeps the file alive.
        with db.session_scope(write=False) as fresh:
            if fresh.get(Blob, sha256) is not None:
                return
        # Replaced by a concurrent upload of the same content: not ours to remove (the store checks the placing).
        if store.delete(sha256, placement=placement):
            logger.info("removed blob %s after rollback", sha256)

    return cleanup


def store_blob(session: Session, staged: StagedFile, *, blob_dir: Path) -> Blob:
    """Put the staged file into the content-addressed store and return its `Blob` row (added and flushed if new).

    A file already stored under this hash is kept and the temporary file deleted. A newly placed file is removed
    again if the transaction rolls back, unless a committed row refers to it by then.
    """
    store = store_for(blob_dir)
    try:
        blob = session.get(Blob, staged.sha256)
        if blob is not None and store.exists(staged.sha256):
            discard(staged)
            return blob
        # No committed row yet (a file there was left by an unfinished or concurrent transaction), or the row's file
        # is missing: place our own copy (same bytes), so another transaction's rollback cleanup leaves it alone.
        placed = store.put_file(staged.temp_path, staged.sha256)
        staged.release()
    except BaseException:
        discard(staged)
        raise
    db.after_rollback(session, _rollback_cleanup(store, staged.sha256, placed.placement))
    if blob is not None:
        return blob  # the row existed but its file was missing: the file is restored
    # No savepoint here: SQLAlchemy emits `after_commit` when a savepoint is released, which would run (and drop)
    # the transaction's after-commit/after-rollback callbacks too early. A concurrent insert of the same hash
    # (PostgreSQL only; SQLite serialises writers) fails this transaction, and the rollback cleans up.
    blob = Blob(sha256=staged.sha256, size_bytes=staged.size_bytes, media_type=staged.media_type)
    session.add(blob)
    session.flush()
    return blob


def open_blob(blob_dir: Path, sha256: str) -> Path:
    """A local file holding a stored blob (the local store's own file, or S3's verified cache file); `NotFound` if the
    hash is malformed or the blob is missing."""
    return store_for(blob_dir).local_path(sha256)


def verify_blob(blob_dir: Path, sha256: str) -> bool:
    """Re-hash a stored blob (streamed) and tell whether it still matches its name."""
    return verify_stored(store_for(blob_dir), sha256)


def destroy_blob(blob_dir: Path, sha256: str) -> bool:
    """Delete a blob's bytes at the end of its retention (app/retention: the only deletion carbonms makes).

    The caller has committed the tombstones and checked that no live revision refers to `sha256`. True when a file
    was removed; a file already gone is not an error.
    """
    removed = store_for(blob_dir).delete(sha256)
    if removed:
        logger.info("destroyed blob %s at the end of its retention", sha256)
    return removed
