"""The entries of the clause map: a clause (ClauseSpec), a document type (DocTypeSpec), and a clause's requirement
text as blocks in the standard's order. schema.py validates the whole map and loads it with line numbers.

A clause is a sequence of paragraphs, notes (注：…) and lists; a list's items are lettered a) b) … (or unlettered
"——" when the list has none) and may carry unlettered sub-items. `flat_items` and `lead_in_text` give the older flat
forms (`items`, `requirement_zh`) that clients and the audit checklist still read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MIN_CHAPTER = 4
MAX_CHAPTER = 11

ITEM_LABEL_PATTERN = r"^([a-z]|-)$"
LETTER_PATTERN = r"^[a-z]$"
BLOCK_KINDS: tuple[str, ...] = ("paragraph", "note", "list")


class ClauseItem(BaseModel):
    """A lettered item a) b) … of a clause, or a dash sub-item (label "-"): the flat form derived from the blocks,
    kept for clients and the audit checklist."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(pattern=ITEM_LABEL_PATTERN)
    text: str = Field(min_length=1)
    # A short Chinese heading telling apart the lists of a clause that has more than one (e.g. 目标可包括 / 指标可包括).
    group: str | None = Field(default=None, min_length=1)
    editorial_note_zh: str | None = None
    editorial_note_en: str | None = None


class _Verbatim(BaseModel):
    """Text quoted verbatim from the standard. Where the standard itself is defective (a sentence cut short, an
    English word in the Chinese text) the text stays as printed and an editorial note says so, in both languages."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    editorial_note_zh: str | None = Field(default=None, min_length=1)
    editorial_note_en: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _note_in_both_languages(self) -> _Verbatim:
        if (self.editorial_note_zh is None) != (self.editorial_note_en is None):
            raise ValueError("editorial_note_zh and editorial_note_en go together / 编者注须同时给出中英文")
        return self


class SubItem(_Verbatim):
    """An unlettered item nested under a lettered one (the standard's "-" or "——")."""


class ListItem(_Verbatim):
    """An item of a list: lettered a) b) …, or unlettered ("——") when the list has no letters."""

    label: str | None = Field(default=None, pattern=LETTER_PATTERN)
    sub_items: list[SubItem] = Field(default_factory=list)


class ParagraphBlock(_Verbatim):
    kind: Literal["paragraph"]


class NoteBlock(_Verbatim):
    """A note of the standard (注：…), shown as a note, never as a requirement."""

    kind: Literal["note"]


class ListBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["list"]
    # A short Chinese heading telling apart the lists of a clause that has more than one.
    group: str | None = Field(default=None, min_length=1)
    items: list[ListItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_style(self) -> ListBlock:
        lettered = {item.label is not None for item in self.items}
        if len(lettered) > 1:
            raise ValueError("a list is either lettered or unlettered / 一个列表的条目须全部带字母或全部不带字母")
        if False in lettered and any(item.sub_items for item in self.items):
            raise ValueError("only lettered items carry sub-items / 只有带字母的条目可以有下级条目")
        return self


Block = Annotated[ParagraphBlock | NoteBlock | ListBlock, Field(discriminator="kind")]


def flat_items(blocks: Iterable[ParagraphBlock | NoteBlock | ListBlock]) -> list[ClauseItem]:
    """The items of every list in order, sub-items right after their item with label "-" (the flat form)."""
    out: list[ClauseItem] = []
    for block in blocks:
        if not isinstance(block, ListBlock):
            continue
        for item in block.items:
            notes = {"editorial_note_zh": item.editorial_note_zh, "editorial_note_en": item.editorial_note_en}
            out.append(ClauseItem(label=item.label or "-", text=item.text, group=block.group, **notes))
            for sub in item.sub_items:
                sub_notes = {"editorial_note_zh": sub.editorial_note_zh, "editorial_note_en": sub.editorial_note_en}
                out.append(ClauseItem(label="-", text=sub.text, group=block.group, **sub_notes))
    return out


def lead_in_text(blocks: Iterable[ParagraphBlock | NoteBlock | ListBlock]) -> str:
    """The paragraphs (and notes, as 注：…) joined by newlines: the flat `requirement_zh` kept for clients."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, ParagraphBlock):
            lines.append(block.text)
        elif isinstance(block, NoteBlock):
            lines.append(f"注：{block.text}")
    return "\n".join(lines)


CLAUSE_ID_PATTERN = r"^[1-9][0-9]*(\.[1-9][0-9]*)+$"
DOC_TYPE_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"

# Why a clause asks for a document type, first that applies: Annex A names the type for the clause's chapter
# (annex_a); the clause says 保持 (maintain) or 保留 (retain) the documented information; it says 建立/制定
# (establish) what the type records; "recommended" marks the types of a clause that only suggests measures
# (8.2 可采取以下措施): shown, never counted in coverage. tests/clauses/test_clause_links.py checks each link.
LinkBasis = Literal["annex_a", "maintain", "retain", "establish", "recommended"]
LINK_BASES: tuple[str, ...] = ("annex_a", "maintain", "retain", "establish", "recommended")


class ClauseSpec(BaseModel):
    """A clause or sub-clause of chapters 4 to 11."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CLAUSE_ID_PATTERN, max_length=16)
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=300)
    # The requirement text in the standard's order: paragraphs, notes and lists, each verbatim.
    blocks: list[Block] = Field(default_factory=list)
    doc_types: list[str] = Field(default_factory=list)
    # The basis of a link where it is not the default (see `ClauseMap.link_basis`), keyed by doc type code.
    link_basis: dict[str, LinkBasis] = Field(default_factory=dict)
    # Chapter 4 only: a principle is carried out by these clauses (their records are its evidence), and why.
    supported_by: list[str] = Field(default_factory=list)
    support_zh: str | None = Field(default=None, min_length=1)
    support_en: str | None = Field(default=None, min_length=1)

    @property
    def chapter(self) -> str:
        return chapter_of(self.id)

    @property
    def requirement_zh(self) -> str:
        return lead_in_text(self.blocks)

    @property
    def items(self) -> list[ClauseItem]:
        return flat_items(self.blocks)

    @property
    def has_requirement(self) -> bool:
        """True when the clause has text of its own (not a bare heading such as 7.3)."""
        return bool(self.blocks)


# How often a record type is due (records only): calendar years, quarters or months; `event` for records kept when
# something happens (met per calendar year by a record or a signed "no occurrence" declaration); `none` for a
# record made once (the initial review).
Cycle = Literal["annual", "quarterly", "monthly", "event", "none"]
CYCLES: tuple[str, ...] = ("annual", "quarterly", "monthly", "event", "none")
DUE_DAY_PATTERN = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class DocTypeSpec(BaseModel):
    """A required document type: a document (保持: maintained, approved, published) or a record (保留: retained)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=DOC_TYPE_CODE_PATTERN, max_length=48)
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=300)
    kind: Literal["document", "record"]
    approver_role: Literal["approver", "top_management", "coordinator"]
    review_cycle_months: int | None = Field(default=None, gt=0)
    # 保管期限 (国家档案局令第10号): permanent, 30y or 10y; DocType.retention_years is derived from it.
    retention: Literal["permanent", "30y", "10y"] = "10y"
    annex_a: bool = False
    description_zh: str = ""
    # Records: the cycle, and when a period's record is due. `due_day` "MM-DD" for annual and event cycles: the
    # record of year N is due by that day of year N+1; `due_after_days` for quarterly and monthly cycles: days
    # after the period ends. `park_interval`: the standard leaves the interval to the park (按策划的时间间隔), so
    # a park may set another cycle; the due day is overridable by every park for every cycled type.
    cycle: Cycle | None = None
    due_day: str | None = Field(default=None, pattern=DUE_DAY_PATTERN)
    due_after_days: int | None = Field(default=None, ge=0, le=366)
    park_interval: bool = False
    # A record type shared by several clauses, each record covering one of them (9.2.2–9.2.5: one process each):
    # a record says which (`Revision.covers_clause`) and counts for that clause only.
    covers_clauses: list[str] = Field(default_factory=list)


def chapter_of(clause_id: str) -> str:
    """The chapter of a clause id: chapter_of("7.3.2") == "7"."""
    return clause_id.split(".", 1)[0]
