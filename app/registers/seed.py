"""A new park's first legal-register rows: the standard's normative references (chapter 2) and its bibliography
(参考文献 [1]–[20]), as candidates the park confirms or rejects.

The text is read from `standard_references.md`, copied verbatim from T/CPQS ZC001—2025: titles and numbers are the
standard's own words, and no date is added that the standard does not print (`issued_on` stays empty for the park).
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from app.events import service as events
from app.registers.models import LegalRequirement, RequirementOrigin, ReviewState, SourceKind

SOURCE_FILE = Path(__file__).with_name("standard_references.md")
# A standard's code at the start of an entry: GB/T23331, GB/T 24067-2024, DB11/T 1370-2016, ISO 14064-1:2018,
_STANDARD = re.compile(r"^((?:GB/T|GB|DB\d+/T|ISO)\s?[\d.\-—:]+),?\s+(.+)$")
_BIBLIOGRAPHY = re.compile(r"^- \[(\d+)\] (.+)$")


@dataclass(frozen=True)
class Reference:
    origin: RequirementOrigin
    seed_ref: str  # "2" (chapter 2) or "[7]"
    title: str
    number: str
    source_kind: SourceKind


def _entry(origin: RequirementOrigin, seed_ref: str, text: str) -> Reference:
    match = _STANDARD.match(text)
    if match:
        return Reference(origin, seed_ref, match.group(2).strip(), match.group(1).strip(), SourceKind.standard)
    # Not a standard: the whole entry is its title, as printed; the park classifies it when it confirms it.
    return Reference(origin, seed_ref, text.strip(), "", SourceKind.other)


@cache
def standard_references() -> tuple[Reference, ...]:
    lines = SOURCE_FILE.read_text(encoding="utf-8").splitlines()
    out: list[Reference] = []
    section = ""
    for line in lines:
        if line.startswith("## "):
            section = "normative" if line.startswith("## 2 ") else "bibliography"
            continue
        if not line.startswith("- "):
            continue
        if section == "normative":
            out.append(_entry(RequirementOrigin.normative_reference, "2", line[2:]))
        elif (match := _BIBLIOGRAPHY.match(line)) is not None:
            out.append(_entry(RequirementOrigin.bibliography, f"[{match.group(1)}]", match.group(2)))
    return tuple(out)


def seed_legal_candidates(session: Session, park_id: int) -> int:
    """Add the standard's references as candidates unless the park has them already; returns how many were added."""
    present = set(
        session.execute(
            select(col(LegalRequirement.seed_ref)).where(
                col(LegalRequirement.park_id) == park_id, col(LegalRequirement.seed_ref) != ""
            )
        ).scalars()
    )
    added = 0
    for ref in standard_references():
        key = ref.seed_ref if ref.seed_ref != "2" else f"2:{ref.number}"
        if key in present:
            continue
        row = LegalRequirement(
            park_id=park_id,
            title=ref.title,
            number=ref.number,
            source_kind=ref.source_kind,
            origin=ref.origin,
            seed_ref=key,
            state=ReviewState.candidate,
        )
        session.add(row)
        session.flush()
        events.record(
            session,
            action="register.row_create",
            entity_type="legal_requirement",
            entity_id=row.id,
            park_id=park_id,
            actor_name="system",
            after={"register": "legal", "title": ref.title, "number": ref.number, "seed_ref": key},
        )
        added += 1
    return added
