"""The audit trail's two keys, kept in files outside the database.

- The trail key (32 random bytes, hex) keys every event's HMAC-SHA256: rows inserted or rewritten with SQL by someone
  without it fail verification.
- The anchor key (Ed25519, PKCS#8 PEM) signs the chain heads appended to the anchor file; its public half is written
  beside it (`<file>.pub`) and is all a verifier (or a restored copy) needs to check the anchors.

Both are created with 0600 permissions by `carbonms init` (or on first use) and never stored in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.config import Settings, get_settings

log = logging.getLogger("carbonms")

TRAIL_KEY_BYTES = 32
_trail_key_cache: dict[tuple[str, int], bytes] = {}


def _write_new_secret(path: Path, content: bytes) -> bool:
    """Create `path` with 0600 permissions from the first byte on; False when it already exists (kept as is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def public_key_path(anchor_key_file: Path) -> Path:
    return anchor_key_file.with_name(anchor_key_file.name + ".pub")


def ensure_keys(settings: Settings | None = None) -> dict[str, bool]:
    """Create whichever key file is missing; existing keys are never replaced. Returns what was created."""
    settings = settings or get_settings()
    created_trail = _write_new_secret(settings.resolved_trail_key_file, os.urandom(TRAIL_KEY_BYTES).hex().encode())
    anchor_file = settings.resolved_anchor_key_file
    private = Ed25519PrivateKey.generate()
    created_anchor = _write_new_secret(
        anchor_file,
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    if anchor_file.exists() and not public_key_path(anchor_file).exists():
        public = load_anchor_private_key(settings).public_key()
        public_key_path(anchor_file).write_bytes(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return {"trail_key": created_trail, "anchor_key": created_anchor}


def trail_key(settings: Settings | None = None, *, create: bool = True) -> bytes | None:
    """The HMAC key; made on first use like the session secret (`init` makes it first). None when absent and
    `create` is false (verification never invents a key)."""
    path = (settings or get_settings()).resolved_trail_key_file
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        if not create:
            return None
        log.warning("audit-trail key %s missing: creating a new one", path)
        _write_new_secret(path, os.urandom(TRAIL_KEY_BYTES).hex().encode())
        stamp = path.stat().st_mtime_ns
    cached = _trail_key_cache.get((str(path), stamp))
    if cached is None:
        cached = bytes.fromhex(path.read_text().strip())
        _trail_key_cache[(str(path), stamp)] = cached
    return cached


def trail_key_id(key: bytes) -> str:
    """Names a trail key without revealing it (for manifests and reports)."""
    return hmac.new(key, b"carbonms trail key id", hashlib.sha256).hexdigest()[:16]


def load_anchor_private_key(settings: Settings | None = None) -> Ed25519PrivateKey:
    path = (settings or get_settings()).resolved_anchor_key_file
    if not path.exists():
        ensure_keys(settings)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def anchor_key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def anchor_public_keys(settings: Settings | None = None) -> dict[str, Ed25519PublicKey]:
    """Every public key a verifier may check anchors with, by key id: the private key's and the `.pub` file's."""
    settings = settings or get_settings()
    found: dict[str, Ed25519PublicKey] = {}
    private_file = settings.resolved_anchor_key_file
    if private_file.exists():
        public = load_anchor_private_key(settings).public_key()
        found[anchor_key_id(public)] = public
    public_file = public_key_path(private_file)
    if public_file.exists():
        loaded = serialization.load_pem_public_key(public_file.read_bytes())
        if isinstance(loaded, Ed25519PublicKey):
            found[anchor_key_id(loaded)] = loaded
    return found
