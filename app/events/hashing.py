"""How an event's hash is computed, per scheme (the scheme is stored on each row, so old trails still verify)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import lru_cache
from typing import Any

from app.common import as_utc

GENESIS_HASH = "0" * 64

# 1: unkeyed SHA-256, written before keyed hashes existed (anyone could recompute it): accepted only before the
#    first anchor. 2: HMAC-SHA256 with the trail key kept outside the database.
SCHEME_SHA256 = 1
SCHEME_HMAC_V2 = 2
CURRENT_SCHEME = SCHEME_HMAC_V2


def fmt_time(value: datetime) -> str:
    utc = as_utc(value)
    assert utc is not None
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(event: Any) -> str:
    return "|".join(
        [
            event.prev_hash,
            str(event.seq),
            str(event.park_id or ""),
            str(event.actor_id or ""),
            event.actor_name,
            fmt_time(event.occurred_at),
            event.action,
            event.entity_type,
            event.entity_id,
            event.before_json,
            event.after_json,
        ]
    )


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    """The HMAC state after the key: copying it skips re-deriving the key pads for every event."""
    return hmac.new(key, digestmod=hashlib.sha256)


def compute_hash(event: Any, key: bytes | None = None) -> str:
    """The hash `event` must carry under its `hash_scheme`; scheme 2 needs the trail key."""
    scheme = getattr(event, "hash_scheme", None) or SCHEME_SHA256
    if scheme == SCHEME_SHA256:
        return hashlib.sha256(_payload(event).encode("utf-8")).hexdigest()
    if scheme == SCHEME_HMAC_V2:
        if key is None:
            raise ValueError("the HMAC scheme needs the trail key")
        # The scheme is inside the MAC: a row cannot be relabelled to another scheme without the key.
        mac = _keyed(key).copy()
        mac.update(("v2|" + _payload(event)).encode("utf-8"))
        return mac.hexdigest()
    raise ValueError(f"unknown hash scheme {scheme}")
