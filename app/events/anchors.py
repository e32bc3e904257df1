"""Signed anchors of the audit chain: its head (seq, hash, time) appended to a file outside the database.

One JSON object per line, never rewritten:
    {"v":1,"seq":1000,"hash":"<64 hex>","time":"2026-12-01T10:00:00.000000Z","key_id":"<16 hex>","sig":"<base64>"}
`sig` is the Ed25519 signature of `signed_message(...)`. The file can be copied elsewhere (rsync, WORM storage) as it
grows; `verify` checks the chain against every line. Writers take an exclusive `flock` and skip a head that an
earlier line already covers, so the seqs in the file only grow.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.common import utcnow
from app.config import Settings, get_settings
from app.events import keys
from app.events.hashing import fmt_time

log = logging.getLogger("carbonms")

ANCHOR_FORMAT = 1
_TAIL_BYTES = 4096


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    time: datetime
    key_id: str
    signature: str
    line: int = 0  # 1-based line number in the file (0: not read from a file)

    def as_json(self) -> str:
        return json.dumps(
            {
                "v": ANCHOR_FORMAT,
                "seq": self.seq,
                "hash": self.hash,
                "time": fmt_time(self.time),
                "key_id": self.key_id,
                "sig": self.signature,
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class UnreadableLine:
    line: int
    reason: str
    # Not JSON at all: a write cut short by a crash (the next anchor starts on a new line after it). Reported as a
    # warning — an unreadable line loses only its own anchor, as deleting it would; edits that keep the JSON whole
    # fail their signature instead.
    torn: bool = False


def signed_message(seq: int, chain_hash: str, time: datetime, key_id: str) -> bytes:
    return f"carbonms-anchor-v{ANCHOR_FORMAT}|{seq}|{chain_hash}|{fmt_time(time)}|{key_id}".encode()


def sign(private: Ed25519PrivateKey, seq: int, chain_hash: str, time: datetime) -> Anchor:
    key_id = keys.anchor_key_id(private.public_key())
    signature = private.sign(signed_message(seq, chain_hash, time, key_id))
    return Anchor(seq, chain_hash, time, key_id, base64.b64encode(signature).decode("ascii"))


def signature_valid(anchor: Anchor, public_keys: dict[str, Ed25519PublicKey]) -> bool:
    public = public_keys.get(anchor.key_id)
    if public is None:
        return False
    try:
        public.verify(
            base64.b64decode(anchor.signature, validate=True),
            signed_message(anchor.seq, anchor.hash, anchor.time, anchor.key_id),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def _parse(text: str, line: int) -> Anchor:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("v") != ANCHOR_FORMAT:
        raise ValueError(f"not an anchor of format {ANCHOR_FORMAT}")
    seq, chain_hash, key_id, signature = data["seq"], data["hash"], data["key_id"], data["sig"]
    if not (isinstance(seq, int) and seq >= 0 and isinstance(chain_hash, str) and len(chain_hash) == 64):
        raise ValueError("seq or hash malformed")
    time = datetime.strptime(data["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=utcnow().tzinfo)
    return Anchor(seq, chain_hash, time, str(key_id), str(signature), line)


def read_anchors(path: Path) -> tuple[list[Anchor], list[UnreadableLine]]:
    """Every anchor in file order, and the lines that are not anchors (a torn last line, an edit)."""
    anchors: list[Anchor] = []
    unreadable: list[UnreadableLine] = []
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return anchors, unreadable
    for number, text in enumerate(content.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            anchors.append(_parse(text, number))
        except (ValueError, KeyError, TypeError) as exc:
            unreadable.append(UnreadableLine(number, str(exc), isinstance(exc, json.JSONDecodeError)))
    return anchors, unreadable


def _last_seq(fh: Any) -> int | None:
    """The seq of the file's last readable line, reading only its tail."""
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        return None
    fh.seek(max(0, size - _TAIL_BYTES))
    for text in reversed(fh.read().decode("utf-8", "replace").splitlines()):
        try:
            return _parse(text, 0).seq
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _ends_mid_line(fh: Any) -> bool:
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        return False
    fh.seek(size - 1)
    return bool(fh.read(1) != b"\n")


def append_anchor(
    seq: int, chain_hash: str, *, settings: Settings | None = None, force_first: bool = False
) -> Anchor | None:
    """Sign (seq, hash, now) and append it; None when the file already holds an anchor at or past `seq`
    (`force_first`: only write when the file is empty — the anchor `init` starts the keyed trail with)."""
    settings = settings or get_settings()
    path = settings.resolved_anchor_file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # one writer at a time, across processes (server, cron)
        last = _last_seq(fh)
        if last is not None and (force_first or last >= seq):
            return None
        anchor = sign(keys.load_anchor_private_key(settings), seq, chain_hash, utcnow())
        torn = _ends_mid_line(fh)  # a write cut short by a crash: start on a line of our own
        fh.write((("\n" if torn else "") + anchor.as_json() + "\n").encode("ascii"))
        fh.flush()
        os.fsync(fh.fileno())
    return anchor


def anchor_after_commit(seq: int, chain_hash: str) -> None:
    """The automatic anchor, run after the request's commit: a failure is logged, never raised (the change is
    already durable, and `verify` reports the anchor as stale)."""
    try:
        append_anchor(seq, chain_hash)
    except Exception:  # the user's request must not fail for an anchor
        log.exception("writing the audit-trail anchor for seq %s failed", seq)
