"""The audit trail's part of a backup: the anchor file and the public key travel in it, the secret keys never do."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from app.config import Settings
from app.errors import Invalid
from app.events import keys as trail_keys
from app.hashing import sha256_file

TRAIL = "trail"
ANCHORS = "anchors.jsonl"
PUBLIC_KEY = "anchor_key.pub"


def copy_trail(out: Path, settings: Settings) -> dict[str, Any]:
    folder = out / TRAIL
    folder.mkdir(exist_ok=True)
    anchors = settings.resolved_anchor_file
    info: dict[str, Any] = {"anchor_file": None, "anchor_file_sha256": None, "public_key": None}
    if anchors.is_file():
        partial = folder / f".{ANCHORS}.part"
        shutil.copyfile(anchors, partial)
        Path(partial).replace(folder / ANCHORS)
        info["anchor_file"] = f"{TRAIL}/{ANCHORS}"
        info["anchor_file_sha256"] = sha256_file(folder / ANCHORS)
    public = trail_keys.public_key_path(settings.resolved_anchor_key_file)
    if public.is_file():
        shutil.copyfile(public, folder / PUBLIC_KEY)
        info["public_key"] = f"{TRAIL}/{PUBLIC_KEY}"
    key = trail_keys.trail_key(settings, create=False)
    info["trail_key_id"] = trail_keys.trail_key_id(key) if key is not None else None
    info["anchor_key_ids"] = sorted(trail_keys.anchor_public_keys(settings))
    info["keys_included"] = False
    return info


def install_trail_keys(settings: Settings, trail: dict[str, Any], keys_from: Path | None) -> None:
    """Put the trail's secret keys in place from `keys_from` (if given) and check the trail key is the backup's."""
    if keys_from is not None:
        for name, target in (
            ("trail_key", settings.resolved_trail_key_file),
            ("anchor_key", settings.resolved_anchor_key_file),
        ):
            source = Path(keys_from) / name
            if source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(source.read_bytes())
    wanted = trail.get("trail_key_id")
    if wanted is None:
        return
    key = trail_keys.trail_key(settings, create=False)
    if key is None:
        raise Invalid(
            f"恢复需要审计追踪密钥：请把原数据目录中的 trail_key（及 anchor_key）放到 "
            f"{settings.resolved_trail_key_file}，或使用 --keys-from 原数据目录",
            "Restoring needs the audit trail's key: put the old data folder's trail_key (and anchor_key) at "
            f"{settings.resolved_trail_key_file}, or pass --keys-from <old data folder>",
        )
    if trail_keys.trail_key_id(key) != wanted:
        raise Invalid(
            f"审计追踪密钥与备份不符（备份使用 {wanted}）：请使用原数据目录中的 trail_key",
            f"The audit trail's key is not the backup's (it names {wanted}): use the old data folder's trail_key",
        )


def restore_trail(snapshot: Path, settings: Settings, trail: dict[str, Any]) -> None:
    if trail.get("anchor_file"):
        target = settings.resolved_anchor_file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snapshot / trail["anchor_file"], target)
    public = trail_keys.public_key_path(settings.resolved_anchor_key_file)
    if trail.get("public_key") and not public.exists():
        public.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snapshot / trail["public_key"], public)
