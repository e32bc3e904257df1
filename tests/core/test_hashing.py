"""One file-hashing helper (app/hashing.py): every SHA-256 of a file, a stream or bytes is taken there."""

import hashlib
import io
import re
from pathlib import Path

from app import hashing

APP = Path(__file__).resolve().parents[2] / "app"
# hashlib stays allowed where the digest is not of a file: keyed/chained digests of the audit trail, token digests
# and CSRF HMACs.
# HMACs and key ids (hashlib as a digest module), not file hashing.
NOT_FILE_HASHING = {"hashing.py", "events/hashing.py", "events/keys.py", "users/security.py", "csrf.py"}


def test_digests_of_bytes_streams_and_files_agree(tmp_path: Path) -> None:
    data = b"\x00carbonms" * 300_000  # more than one chunk
    expected = hashlib.sha256(data).hexdigest()
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert hashing.sha256_bytes(data) == expected
    assert hashing.sha256_stream(io.BytesIO(data)) == expected
    assert hashing.sha256_file(path) == expected
    incremental = hashing.new_sha256()
    incremental.update(data[:10])
    incremental.update(data[10:])
    assert incremental.hexdigest() == expected


def test_empty_input_has_the_empty_digest(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert hashing.sha256_file(tmp_path / "empty") == hashing.sha256_bytes(b"") == empty


def test_no_other_module_hashes_files_itself() -> None:
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if relative in NOT_FILE_HASHING:
            continue
        if re.search(r"^\s*(import hashlib|from hashlib import)", path.read_text(encoding="utf-8"), re.MULTILINE):
            offenders.append(relative)
    assert offenders == [], f"use app.hashing instead of hashlib in {offenders}"
