"""Walk the audit trail and name the first broken link: which seq, and what kind of break.

Kinds: `seq_gap` (an event is missing), `prev_hash` (the link to the previous event is wrong), `bad_hash` (a legacy
SHA-256 row whose content changed), `bad_hmac` (the keyed hash does not match: inserted or rewritten with SQL),
`scheme_downgrade` (an unkeyed row after keyed ones or after the first anchor), `unknown_scheme`, `key_missing`,
`time_backwards`, `anchor_mismatch` (the chain no longer passes through a signed anchor), `anchor_time`,
`anchor_signature`, `anchor_order`, `anchor_unreadable`, `anchor_missing` (no anchor file although events exist),
`events_missing` (the trail ends before an anchor's seq: a truncated tail), `head_mismatch`.
A stale anchor (the head is `anchor_every` or more events past the last anchor) is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from app.common import as_utc
from app.config import Settings, get_settings
from app.events import anchors as anchor_file
from app.events import keys
from app.events.anchors import Anchor, UnreadableLine
from app.events.hashing import GENESIS_HASH, SCHEME_HMAC_V2, SCHEME_SHA256, compute_hash
from app.events.models import Event, EventChainHead

EVENT_COLUMNS = list(Event.__table__.columns)  # type: ignore[attr-defined]


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    kind: str | None = None
    anchors_checked: int = 0
    last_anchor_seq: int | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken_seq": self.first_broken_seq,
            "kind": self.kind,
            "reason": self.reason,
            "anchors_checked": self.anchors_checked,
            "last_anchor_seq": self.last_anchor_seq,
            "warnings": self.warnings,
        }


class _Broken(Exception):
    def __init__(self, kind: str, seq: int | None, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.seq, self.reason = kind, seq, reason


def _check_anchor_file(
    anchors: Sequence[Anchor], unreadable: Sequence[UnreadableLine], public_keys: dict[str, Ed25519PublicKey]
) -> None:
    damaged = [line for line in unreadable if not line.torn]
    if damaged:
        first = damaged[0]
        raise _Broken(
            "anchor_unreadable",
            None,
            f"锚点文件第 {first.line} 行无法读取 / anchor file line {first.line} is unreadable: {first.reason}",
        )
    previous: Anchor | None = None
    for anchor in anchors:
        if not anchor_file.signature_valid(anchor, public_keys):
            raise _Broken(
                "anchor_signature",
                anchor.seq,
                f"锚点（第 {anchor.line} 行）签名无效或密钥未知 / anchor on line {anchor.line} has an invalid "
                f"signature or an unknown key {anchor.key_id}",
            )
        if previous is not None and (anchor.seq < previous.seq or anchor.time < previous.time):
            raise _Broken(
                "anchor_order",
                anchor.seq,
                f"锚点第 {anchor.line} 行的序号或时间倒退 / anchor on line {anchor.line} goes back in seq or time",
            )
        if anchor.seq == 0 and anchor.hash != GENESIS_HASH:
            raise _Broken("anchor_mismatch", 0, "序号 0 的锚点不是起点哈希 / anchor of seq 0 is not the genesis")
        previous = anchor


def verify_chain(
    session: Session,
    *,
    key: bytes | None = None,
    anchors: Sequence[Anchor] | None = None,
    unreadable: Sequence[UnreadableLine] = (),
    public_keys: dict[str, Ed25519PublicKey] | None = None,
    anchor_every: int = 0,
    batch: int = 5000,
) -> ChainReport:
    """Walk the whole chain in seq order. `anchors=None` skips the anchor checks (a scratch chain); a list — even an
    empty one — means the trail is anchored and must agree with every anchor."""
    checked = 0
    anchors_checked = 0
    try:
        if anchors is not None:
            _check_anchor_file(anchors, unreadable, public_keys or {})
        by_seq: dict[int, Anchor] = {}
        for anchor in anchors or ():
            if by_seq.setdefault(anchor.seq, anchor).hash != anchor.hash:
                raise _Broken("anchor_mismatch", anchor.seq, f"两个锚点对序号 {anchor.seq} 不一致 / anchors disagree")
        keyed_from = anchors[0].seq if anchors else None  # after the first anchor, every event is keyed
        expected_prev, expected_seq = GENESIS_HASH, 1
        previous_time: datetime | None = None
        seen_keyed = False
        last_seq = 0
        while True:
            # Plain rows, not ORM objects: building entities was most of the walk's time.
            query = select(*EVENT_COLUMNS).where(col(Event.seq) > last_seq).order_by(col(Event.seq)).limit(batch)
            rows = session.execute(query)
            count_before = checked
            for event in rows:
                _check_event(event, expected_seq, expected_prev, previous_time, seen_keyed, keyed_from, key)
                seen_keyed = seen_keyed or event.hash_scheme == SCHEME_HMAC_V2
                occurred_at = as_utc(event.occurred_at)
                covering = by_seq.get(event.seq)
                if covering is not None:
                    _check_against_anchor(event, occurred_at, covering)
                    anchors_checked += 1
                expected_prev, expected_seq, previous_time = event.hash, event.seq + 1, occurred_at
                checked += 1
                last_seq = event.seq
            if checked == count_before:
                break
        anchors_checked += sum(1 for anchor in anchors or () if anchor.seq == 0)
        last_anchor = max(anchors, key=lambda a: a.seq) if anchors else None
        if last_anchor is not None and last_anchor.seq > checked:
            raise _Broken(
                "events_missing",
                checked + 1,
                f"锚点（第 {last_anchor.line} 行）证明审计链已到第 {last_anchor.seq} 条，但只剩 {checked} 条：第 "
                f"{checked + 1}–{last_anchor.seq} 条缺失 / events missing after the anchor of seq {last_anchor.seq} "
                f"(line {last_anchor.line}): the trail ends at {checked}",
            )
        if anchors is not None and not anchors and checked:
            raise _Broken(
                "anchor_missing",
                None,
                "没有锚点文件，审计链无外部凭证：请运行 carbonms anchor / no anchor file although the trail has "
                "events: run `carbonms anchor`",
            )
        head = session.execute(select(EventChainHead).where(col(EventChainHead.id) == 1)).scalars().first()
        if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
            raise _Broken(
                "head_mismatch",
                checked + 1,
                f"链头（第 {head.last_seq} 条）与最后一条事件不符 / the chain head (seq {head.last_seq}) does not "
                "match the last event",
            )
    except _Broken as broken:
        return ChainReport(False, checked, broken.seq, broken.reason, broken.kind, anchors_checked)
    report = ChainReport(True, checked, anchors_checked=anchors_checked)
    for line in unreadable:
        if line.torn:
            report.warnings.append(
                f"锚点文件第 {line.line} 行不完整（写入时中断），已忽略 / anchor file line {line.line} is incomplete "
                "(a write cut short): ignored"
            )
    if anchors:
        report.last_anchor_seq = max(anchor.seq for anchor in anchors)
        behind = checked - report.last_anchor_seq
        if anchor_every and behind >= anchor_every:
            report.warnings.append(
                f"最后的锚点落后 {behind} 条事件（应每 {anchor_every} 条一次）：请检查锚点写入日志或运行 carbonms "
                f"anchor / the last anchor is {behind} events behind the head (one is due every {anchor_every}): "
                "check the log for failed anchor writes, or run `carbonms anchor`"
            )
    return report


def _check_event(
    event: Any,
    expected_seq: int,
    expected_prev: str,
    previous_time: datetime | None,
    seen_keyed: bool,
    keyed_from: int | None,
    key: bytes | None,
) -> None:
    if event.seq != expected_seq:
        raise _Broken(
            "seq_gap",
            expected_seq,
            f"第 {expected_seq} 条事件缺失（下一条是第 {event.seq} 条）/ event {expected_seq} is missing "
            f"(the next is {event.seq})",
        )
    if event.prev_hash != expected_prev:
        raise _Broken("prev_hash", event.seq, "与上一条事件的链接不符 / prev_hash does not match the previous event")
    if event.hash_scheme == SCHEME_SHA256:
        if seen_keyed or (keyed_from is not None and event.seq > keyed_from):
            raise _Broken(
                "scheme_downgrade",
                event.seq,
                "无密钥哈希出现在密钥哈希或首个锚点之后：该行由 SQL 插入或改写 / an unkeyed hash after keyed ones or "
                "after the first anchor: the row was inserted or rewritten with SQL",
            )
        if compute_hash(event) != event.hash:
            raise _Broken("bad_hash", event.seq, "内容与哈希不符 / content does not match its hash")
    elif event.hash_scheme == SCHEME_HMAC_V2:
        if key is None:
            raise _Broken(
                "key_missing", event.seq, "缺少审计追踪密钥，无法校验 / the trail key is missing: cannot verify"
            )
        if compute_hash(event, key) != event.hash:
            raise _Broken(
                "bad_hmac",
                event.seq,
                "密钥哈希不符：该行由 SQL 插入或改写 / the keyed hash (HMAC) does not match: the row was inserted "
                "or rewritten with SQL",
            )
    else:
        raise _Broken("unknown_scheme", event.seq, f"未知哈希方案 {event.hash_scheme} / unknown hash scheme")
    occurred_at = as_utc(event.occurred_at)
    if previous_time is not None and occurred_at is not None and occurred_at < previous_time:
        raise _Broken(
            "time_backwards", event.seq, "事件时间早于上一条 / the event's time is earlier than the previous event's"
        )


def _check_against_anchor(event: Any, occurred_at: datetime | None, anchor: Anchor) -> None:
    if event.hash != anchor.hash:
        raise _Broken(
            "anchor_mismatch",
            event.seq,
            f"与第 {anchor.line} 行的签名锚点不符：此前的事件被改写 / does not match the signed anchor on line "
            f"{anchor.line}: events up to here were rewritten",
        )
    if occurred_at is not None and occurred_at > anchor.time:
        raise _Broken(
            "anchor_time",
            event.seq,
            f"事件时间晚于证明它的锚点（第 {anchor.line} 行）/ the event is dated after the anchor that covers it "
            f"(line {anchor.line})",
        )


def verify_trail(session: Session, settings: Settings | None = None, *, anchor_path: Path | None = None) -> ChainReport:
    """The full check: keyed hashes with the configured trail key, against every anchor of the anchor file (or of
    `anchor_path`, a copy kept elsewhere: it still holds the lines someone may have cut from the local file)."""
    settings = settings or get_settings()
    anchors, unreadable = anchor_file.read_anchors(anchor_path or settings.resolved_anchor_file)
    return verify_chain(
        session,
        key=keys.trail_key(settings, create=False),
        anchors=anchors,
        unreadable=unreadable,
        public_keys=keys.anchor_public_keys(settings),
        anchor_every=settings.anchor_every,
    )
