"""The local folder: `root/ab/cd/<sha256>`, read-only files, placed by an atomic rename after an fsync.

The layout and the way files are placed are the ones carbonms always used, so existing data folders keep working.
A placing is identified by the file's inode: a concurrent upload of the same content renames its own file over it,
and a rollback then leaves that one alone.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from app.blobs.store import CHUNK_SIZE, BlobMismatch, BlobNotFound, Placed, StoredObject, is_sha256, shard
from app.hashing import new_sha256


def fsync_path(path: Path, *, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the data itself was synced
    finally:
        os.close(fd)


def _side_file(target: Path) -> Path:
    """A temporary file next to `target` (same directory, so the final rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, side = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    return Path(side)


def place(temp_path: Path, target: Path) -> None:
    """Move a finished (synced) file into place atomically, read-only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    Path(temp_path).chmod(0o444)
    try:
        Path(temp_path).replace(target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # The file is on another filesystem: copy next to the target, then rename (still atomic for readers).
        side = _side_file(target)
        try:
            shutil.copyfile(temp_path, side)
            fsync_path(side)
            side.chmod(0o444)
            side.replace(target)
        except BaseException:
            side.unlink(missing_ok=True)
            raise
        Path(temp_path).unlink(missing_ok=True)
    fsync_path(target.parent, directory=True)


def _hash_and_sync(path: Path) -> tuple[str, int]:
    hasher = new_sha256()
    with Path(path).open("rb+") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            hasher.update(chunk)
        os.fsync(fh.fileno())
        size = fh.tell()
    return hasher.hexdigest(), size


class LocalBlobStore:
    """A `BlobStore` in a folder of this machine."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        """Where the blob lives (whether it is there or not)."""
        return self.root / shard(sha256)

    def _placed(self, sha256: str, target: Path) -> Placed:
        stat = target.stat()
        return Placed(sha256, stat.st_size, str(stat.st_ino))

    def put(self, sha256: str, stream: BinaryIO, size: int) -> Placed:
        target = self.path(sha256)
        side = _side_file(target)
        hasher = new_sha256()
        written = 0
        try:
            with side.open("wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    hasher.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if hasher.hexdigest() != sha256 or written != size:
                raise BlobMismatch(f"{written} bytes hashing to {hasher.hexdigest()} offered as {sha256} ({size})")
            place(side, target)
        except BaseException:
            side.unlink(missing_ok=True)
            raise
        return self._placed(sha256, target)

    def put_file(self, path: Path, sha256: str | None = None) -> Placed:
        actual, _size = _hash_and_sync(path)
        if sha256 is not None and actual != sha256:
            raise BlobMismatch(f"{path} hashes to {actual}, offered as {sha256}")
        target = self.path(actual)
        place(path, target)
        return self._placed(actual, target)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except (ValueError, FileNotFoundError, IsADirectoryError):
            raise BlobNotFound() from None

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except ValueError:
            return False

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except (ValueError, FileNotFoundError):
            raise BlobNotFound() from None

    def iter_keys(self) -> Iterator[str]:
        for entry in self.scan():
            if entry.sha256 is not None:
                yield entry.sha256

    def scan(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for folder, _dirs, names in os.walk(self.root):
            for name in sorted(names):
                path = Path(folder) / name
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue
                in_place = is_sha256(name) and path == self.path(name)
                # ctime moves when the file is renamed into place or made read-only: the moment it joined the store.
                yield StoredObject(
                    name=path.relative_to(self.root).as_posix(),
                    sha256=name if in_place else None,
                    size=stat.st_size,
                    modified=max(stat.st_mtime, stat.st_ctime),
                    location=str(path),
                )

    def remove(self, entry: StoredObject) -> None:
        (self.root / entry.name).unlink(missing_ok=True)

    def delete(self, sha256: str, *, placement: str | None = None) -> bool:
        try:
            target = self.path(sha256)
        except ValueError:
            return False
        try:
            if placement is not None and str(target.stat().st_ino) != placement:
                return False  # replaced by a concurrent placing of the same content: not ours to remove
            target.unlink()
        except FileNotFoundError:
            return False
        return True

    def local_path(self, sha256: str) -> Path:
        try:
            path = self.path(sha256)
        except ValueError:
            raise BlobNotFound() from None
        if not path.is_file():
            raise BlobNotFound()
        return path

    def local_file(self, sha256: str) -> AbstractContextManager[Path]:
        return nullcontext(self.local_path(sha256))  # the store's own file: never evicted

    def location(self, sha256: str) -> str:
        return str(self.path(sha256))
