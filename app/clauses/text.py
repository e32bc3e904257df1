"""A clause's requirement text as stored (`Clause.blocks_json`), read back into the clause map's block models.

Pages, templates, the evidence package, OSCAL and the API all read the blocks from here, so each shows the
standard's paragraphs, notes and lists in the order the standard prints them.
"""

import json

from pydantic import TypeAdapter, ValidationError

from app.clauses.models import Clause
from app.clauses.schema import Block, ClauseItem, ListBlock, ListItem, NoteBlock, ParagraphBlock, SubItem

AnyBlock = ParagraphBlock | NoteBlock | ListBlock
_BLOCKS: TypeAdapter[list[Block]] = TypeAdapter(list[Block])


def blocks_of(clause: Clause) -> list[AnyBlock]:
    """The clause's blocks in order. A row written before blocks existed falls back to its lead-in paragraphs
    followed by its items (the old, unordered form) rather than showing nothing."""
    try:
        blocks: list[AnyBlock] = list(_BLOCKS.validate_json(clause.blocks_json or "[]"))
    except ValidationError:
        blocks = []
    if blocks:
        return blocks
    return _legacy_blocks(clause)


def _legacy_blocks(clause: Clause) -> list[AnyBlock]:
    out: list[AnyBlock] = [
        ParagraphBlock(kind="paragraph", text=line.strip())
        for line in (clause.requirement_zh or "").splitlines()
        if line.strip()
    ]
    try:
        raw = json.loads(clause.items_json or "[]")
        items = [ClauseItem.model_validate(item) for item in raw] if isinstance(raw, list) else []
    except (ValueError, ValidationError):
        items = []
    listed: list[ListItem] = []
    for item in items:
        if item.label == "-" and listed and listed[-1].label is not None:
            listed[-1].sub_items.append(SubItem(text=item.text))
        else:
            listed.append(ListItem(label=None if item.label == "-" else item.label, text=item.text))
    if listed and len({item.label is None for item in listed}) == 1:
        out.append(ListBlock(kind="list", items=listed))
    return out


def supported_by(clause: Clause) -> list[str]:
    """A chapter 4 principle's supporting clause ids (empty for every other clause)."""
    try:
        ids = json.loads(clause.supported_by_json or "[]")
    except ValueError:
        return []
    return [str(i) for i in ids] if isinstance(ids, list) else []


def mark(item: ListItem | SubItem) -> str:
    """How an item is introduced when printed: "a)" for a lettered item, "——" for an unlettered one."""
    label = getattr(item, "label", None)
    return f"{label})" if label else "——"


def text_lines(blocks: list[AnyBlock]) -> list[tuple[str, str]]:
    """The requirement as printed lines in the standard's order, each (kind, text): "paragraph", "note"
    ("注：…"), "item" ("a) …" or "—— …"), "sub" ("—— …"), "editorial" ("〔编者注：…〕" after the text it is on)."""
    lines: list[tuple[str, str]] = []

    def editorial(part: ParagraphBlock | ListItem | SubItem) -> None:
        if part.editorial_note_zh:
            lines.append(("editorial", f"〔编者注：{part.editorial_note_zh}〕"))

    for block in blocks:
        if isinstance(block, ParagraphBlock):
            lines.append(("paragraph", block.text))
            editorial(block)
        elif isinstance(block, NoteBlock):
            lines.append(("note", f"注：{block.text}"))
        else:
            for item in block.items:
                lines.append(("item", f"{mark(item)} {item.text}"))
                editorial(item)
                for sub in item.sub_items:
                    lines.append(("sub", f"—— {sub.text}"))
                    editorial(sub)
    return lines


def item_groups(blocks: list[AnyBlock]) -> list[tuple[str | None, list[ListItem | SubItem]]]:
    """The lists of a clause as (group title, items with their sub-items right after them). A list whose letters
    continue the one before (7.5's c) after a note) belongs to the same group: tables list all its items."""
    groups: list[tuple[str | None, list[ListItem | SubItem]]] = []
    for block in blocks:
        if not isinstance(block, ListBlock):
            continue
        first = block.items[0].label
        continues = groups and first is not None and first != "a"
        items: list[ListItem | SubItem] = []
        for item in block.items:
            items.append(item)
            items.extend(item.sub_items)
        if continues:
            groups[-1][1].extend(items)
        else:
            groups.append((block.group, items))
    return groups
