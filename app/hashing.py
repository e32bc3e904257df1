"""One way to take a SHA-256: of bytes, a stream or a file (read in 1 MiB chunks); lowercase hex digests."""

import hashlib
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash

CHUNK_SIZE = 1 << 20


def new_sha256() -> "_Hash":
    """An incremental hasher, for bytes hashed while they are copied or received."""
    return hashlib.sha256()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_stream(stream: IO[bytes]) -> str:
    """Hash what is left to read in a binary stream, chunk by chunk (memory stays flat for large files)."""
    hasher = hashlib.sha256()
    while chunk := stream.read(CHUNK_SIZE):
        hasher.update(chunk)
    return hasher.hexdigest()


def sha256_file(path: Path) -> str:
    with Path(path).open("rb") as stream:
        return sha256_stream(stream)
