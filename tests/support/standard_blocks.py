"""The standard's clause text (tests/fixtures/T-CPQS-ZC001-2025.md) walked into ordered blocks.

The markdown copy is irregular: lettered items appear as "- a) …" or bare "a) …", lists run on across blank lines,
nested items are indented "- …" or "——…", notes are "注：" or "**注:**". This walker reads it the way a person
does, so the clause map's `blocks` can be compared with the standard block by block.
"""

import re
from typing import Any

# "### 7.3.2 碳排放管理评审" (the number of '#' varies; chapter 3 has bare "3.4" lines, so '#' is optional).
CLAUSE_HEADING = re.compile(r"^#{0,6}\s*(\d{1,2}(?:\.\d+)+)\s+(\S.*?)\s*$")
CHAPTER_HEADING = re.compile(r"^#{1,6}\s*\d{1,2}\s+\S")
LETTERED = re.compile(r"^(?:-\s+)?([a-z])\)\s*(.*)$")
NESTED = re.compile(r"^\s+-\s+(.*)$")
DASHED = re.compile(r"^——(.*)$")
NOTE = re.compile(r"^\**注\s*[:：]\**\s*(.*)$")

Block = dict[str, Any]


def _body_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip("# ") == "4 基本原则")
    end = next(i for i, line in enumerate(lines) if i > start and line.strip("# ") == "附录 A")
    return lines[start:end]


def _clean(text: str) -> str:
    return text.replace("**", "").strip()


def clause_blocks(text: str) -> dict[str, list[Block]]:
    """Clause id → its blocks, as plain dicts shaped like the clause map's YAML (no group, no editorial notes):
    {"kind": "paragraph", "text"}, {"kind": "note", "text"}, {"kind": "list", "items": [{"label", "text",
    "sub_items": [{"text"}]}]} (label None for an unlettered "——" list)."""
    found: dict[str, list[Block]] = {}
    current: list[Block] | None = None
    for line in _body_lines(text):
        heading = CLAUSE_HEADING.match(line)
        if heading:
            current = found.setdefault(heading.group(1), [])
            continue
        if CHAPTER_HEADING.match(line):
            current = None
            continue
        if current is None or not line.strip():
            continue
        last = current[-1] if current else None
        in_lettered = last is not None and last["kind"] == "list" and last["items"][0]["label"] is not None
        if nested := NESTED.match(line):
            assert in_lettered, f"a nested item outside a lettered list: {line!r}"
            last["items"][-1]["sub_items"].append({"text": _clean(nested.group(1))})  # type: ignore[index]
        elif dashed := DASHED.match(line):
            if in_lettered:
                last["items"][-1]["sub_items"].append({"text": _clean(dashed.group(1))})  # type: ignore[index]
            elif last is not None and last["kind"] == "list":
                last["items"].append({"label": None, "text": _clean(dashed.group(1)), "sub_items": []})
            else:
                current.append({"kind": "list", "items": [{"label": None, "text": _clean(dashed.group(1))}]})
                current[-1]["items"][0]["sub_items"] = []
        elif lettered := LETTERED.match(line):
            item = {"label": lettered.group(1), "text": _clean(lettered.group(2)), "sub_items": []}
            if in_lettered:
                last["items"].append(item)  # type: ignore[index]
            else:
                current.append({"kind": "list", "items": [item]})
        elif note := NOTE.match(line.strip()):
            current.append({"kind": "note", "text": _clean(note.group(1))})
        else:
            current.append({"kind": "paragraph", "text": _clean(line)})
    return found
