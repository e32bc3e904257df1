"""The clause map (clause_map.yaml) as strict pydantic models, and its loader.

The clause map is the standard T/CPQS ZC001—2025 as data: every clause of chapters 4 to 11 and every required
document type. Links between the two live only on the clauses (`ClauseSpec.doc_types`).

`load_clause_map` reports every problem with the line of the YAML file it comes from, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import ErrorDetails

from app.clauses.specs import (
    BLOCK_KINDS,
    CYCLES,
    DUE_DAY_PATTERN,
    LINK_BASES,
    MAX_CHAPTER,
    MIN_CHAPTER,
    Block,
    ClauseItem,
    ClauseSpec,
    Cycle,
    DocTypeSpec,
    LinkBasis,
    ListBlock,
    ListItem,
    NoteBlock,
    ParagraphBlock,
    SubItem,
    chapter_of,
    flat_items,
    lead_in_text,
)

YamlPath = tuple[str | int, ...]  # a location inside the YAML document: keys and list indices
Problem = tuple[int, str, str]  # (line, Chinese, English)

# Re-exported: the entries and block models are part of the clause map's schema.
__all__ = [
    "CYCLES",
    "DUE_DAY_PATTERN",
    "LINK_BASES",
    "Block",
    "ClauseItem",
    "ClauseMap",
    "ClauseSpec",
    "Cycle",
    "DocTypeSpec",
    "LinkBasis",
    "ListBlock",
    "ListItem",
    "NoteBlock",
    "ParagraphBlock",
    "SubItem",
    "chapter_of",
    "flat_items",
    "lead_in_text",
]


@dataclass(frozen=True)
class Issue:
    """One problem found in the clause map, located by its path in the YAML document."""

    path: YamlPath
    zh: str
    en: str


class ClauseMapIssues(ValueError):
    """Raised by `ClauseMap` validation; carries every cross-reference problem with its location."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{_format_path(i.path)}: {i.en}" for i in issues))


class ClauseMapError(ValueError):
    """The clause map file cannot be used. The message names the line(s) and the problem in Chinese and English."""

    def __init__(self, message: str, lines: Iterable[int] = ()) -> None:
        super().__init__(message)
        self.lines: list[int] = list(lines)


class ClauseMap(BaseModel):
    """The whole file: clauses in the standard's order and the required document types."""

    model_config = ConfigDict(extra="forbid")

    clauses: list[ClauseSpec]
    doc_types: list[DocTypeSpec]

    @model_validator(mode="after")
    def _check_references(self) -> ClauseMap:
        issues = cross_check(self)
        if issues:
            raise ClauseMapIssues(issues)
        return self

    # --- lookups

    def clause(self, clause_id: str) -> ClauseSpec | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    def doc_type(self, code: str) -> DocTypeSpec | None:
        return next((d for d in self.doc_types if d.code == code), None)

    def parent_of(self, clause_id: str) -> str | None:
        return parent_id_of(clause_id, {c.id for c in self.clauses})

    def link_basis(self, clause: ClauseSpec, code: str) -> str:
        """The basis of the link clause → doc type: the clause's explicit `link_basis`, else Annex A for an Annex A
        type, else maintain for a document and retain for a record."""
        explicit = clause.link_basis.get(code)
        if explicit is not None:
            return explicit
        doc_type = self.doc_type(code)
        if doc_type is not None and doc_type.annex_a:
            return "annex_a"
        return "maintain" if doc_type is None or doc_type.kind == "document" else "retain"

    def clauses_of(self, code: str) -> list[str]:
        """The ids of the clauses a document type serves, in file order."""
        return [c.id for c in self.clauses if code in c.doc_types]


def parent_id_of(clause_id: str, known_ids: Iterable[str]) -> str | None:
    """The nearest ancestor of a clause that is itself a clause: "7.3.2" → "7.3" when "7.3" is known, else None.

    A chapter ("7") is not a clause, so top-level clauses such as "7.4" have no parent.
    """
    known = set(known_ids)
    parts = clause_id.split(".")
    for end in range(len(parts) - 1, 1, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def cross_check(clause_map: ClauseMap) -> list[Issue]:
    """Problems that span entries: duplicates, chapter range, unknown or unused document types."""
    issues: list[Issue] = []
    seen_ids: set[str] = set()
    for i, clause in enumerate(clause_map.clauses):
        if clause.id in seen_ids:
            issues.append(
                Issue(("clauses", i, "id"), f"条款编号 '{clause.id}' 重复", f"duplicate clause id '{clause.id}'")
            )
        seen_ids.add(clause.id)
        chapter = int(chapter_of(clause.id))
        if not MIN_CHAPTER <= chapter <= MAX_CHAPTER:
            issues.append(
                Issue(
                    ("clauses", i, "id"),
                    f"条款 '{clause.id}' 所在章 {chapter} 不在第 {MIN_CHAPTER}–{MAX_CHAPTER} 章范围内",
                    f"clause '{clause.id}' is in chapter {chapter}, outside chapters {MIN_CHAPTER}–{MAX_CHAPTER}",
                )
            )

    codes: set[str] = set()
    titles: dict[str, str] = {}
    for k, doc_type in enumerate(clause_map.doc_types):
        if doc_type.code in codes:
            issues.append(
                Issue(
                    ("doc_types", k, "code"),
                    f"文件类型代码 '{doc_type.code}' 重复",
                    f"duplicate doc type code '{doc_type.code}'",
                )
            )
        codes.add(doc_type.code)
        if doc_type.title_zh in titles and titles[doc_type.title_zh] != doc_type.code:
            other = titles[doc_type.title_zh]
            issues.append(
                Issue(
                    ("doc_types", k, "title_zh"),
                    f"文件类型 '{doc_type.code}' 的中文名称与 '{other}' 相同",
                    f"doc type '{doc_type.code}' has the same title_zh as '{other}'",
                )
            )
        titles.setdefault(doc_type.title_zh, doc_type.code)

    for k, doc_type in enumerate(clause_map.doc_types):
        if doc_type.kind == "document" and (doc_type.cycle or doc_type.due_day or doc_type.covers_clauses):
            issues.append(
                Issue(
                    ("doc_types", k, "cycle"),
                    f"文件类型 '{doc_type.code}' 是文件（保持），周期、到期日和所覆盖条款只适用于记录",
                    f"doc type '{doc_type.code}' is a document: cycle, due day and covered clauses are for records",
                )
            )
        for clause_id in doc_type.covers_clauses:
            spec = clause_map.clause(clause_id)
            if spec is None or doc_type.code not in spec.doc_types:
                issues.append(
                    Issue(
                        ("doc_types", k, "covers_clauses"),
                        f"文件类型 '{doc_type.code}' 的所覆盖条款 '{clause_id}' 未列出该类型",
                        f"doc type '{doc_type.code}' covers clause '{clause_id}', which does not list it",
                    )
                )

    used: set[str] = set()
    for i, clause in enumerate(clause_map.clauses):
        seen_here: set[str] = set()
        for j, code in enumerate(clause.doc_types):
            if code not in codes:
                issues.append(
                    Issue(
                        ("clauses", i, "doc_types", j),
                        f"条款 '{clause.id}' 引用了未定义的文件类型 '{code}'",
                        f"clause '{clause.id}' names unknown doc type '{code}'",
                    )
                )
            if code in seen_here:
                issues.append(
                    Issue(
                        ("clauses", i, "doc_types", j),
                        f"条款 '{clause.id}' 重复列出文件类型 '{code}'",
                        f"clause '{clause.id}' lists doc type '{code}' twice",
                    )
                )
            seen_here.add(code)
            used.add(code)
        for code in clause.link_basis:
            if code not in seen_here:
                issues.append(
                    Issue(
                        ("clauses", i, "link_basis", code),
                        f"条款 '{clause.id}' 为未列出的文件类型 '{code}' 指定了依据",
                        f"clause '{clause.id}' gives a basis for '{code}', which it does not list",
                    )
                )

    issues += _check_principles(clause_map, seen_ids)

    for k, doc_type in enumerate(clause_map.doc_types):
        if doc_type.code not in used:
            issues.append(
                Issue(
                    ("doc_types", k),
                    f"文件类型 '{doc_type.code}' 未被任何条款引用",
                    f"doc type '{doc_type.code}' serves no clause",
                )
            )
    return issues


def _check_principles(clause_map: ClauseMap, known_ids: set[str]) -> list[Issue]:
    """Chapter 4 states principles: no document type of its own (never counted), evidence found in other clauses."""
    issues: list[Issue] = []
    for i, clause in enumerate(clause_map.clauses):
        principle = clause.chapter == str(MIN_CHAPTER)
        if principle and clause.doc_types:
            issues.append(
                Issue(
                    ("clauses", i, "doc_types"),
                    f"第 4 章原则 '{clause.id}' 不应直接要求文件类型（请用 supported_by 指向落实它的条款）",
                    f"principle '{clause.id}' must not require doc types (use supported_by to name the clauses)",
                )
            )
        if not principle and (clause.supported_by or clause.support_zh or clause.support_en):
            issues.append(
                Issue(
                    ("clauses", i, "supported_by"),
                    f"只有第 4 章原则可以有 supported_by（'{clause.id}'）",
                    f"only chapter 4 principles take supported_by ('{clause.id}')",
                )
            )
        if principle and clause.supported_by and not (clause.support_zh and clause.support_en):
            issues.append(
                Issue(
                    ("clauses", i, "supported_by"),
                    f"原则 '{clause.id}' 须用 support_zh 和 support_en 说明这些条款如何落实它",
                    f"principle '{clause.id}' needs support_zh and support_en explaining its supporting clauses",
                )
            )
        for j, ref in enumerate(clause.supported_by):
            if ref not in known_ids or chapter_of(ref) == str(MIN_CHAPTER):
                issues.append(
                    Issue(
                        ("clauses", i, "supported_by", j),
                        f"原则 '{clause.id}' 引用的 '{ref}' 不是第 5–11 章的条款",
                        f"principle '{clause.id}' names '{ref}', which is not a clause of chapters 5–11",
                    )
                )
    return issues


# --- loading with line numbers


def load_clause_map(path: Path) -> ClauseMap:
    """Read, parse and validate a clause map file. Raises `ClauseMapError` naming the line of every problem."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClauseMapError(f"{name}：无法读取文件（{exc}） / cannot read the file ({exc})") from exc
    return parse_clause_map(text, name=name)


def parse_clause_map(text: str, name: str = "clause_map.yaml") -> ClauseMap:
    """Parse and validate clause map YAML text (see `load_clause_map`)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ClauseMapError(
            _message(name, line, f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"), [line]
        ) from exc

    lines: dict[YamlPath, int] = {}
    problems: list[Problem] = []
    if root is not None:
        _index_lines(root, (), lines, problems)
    if problems:
        _raise(name, problems)
    if not isinstance(data, dict):
        top = "the top level must be a mapping with 'clauses' and 'doc_types'"
        _raise(name, [(1, "文件顶层应为包含 clauses 和 doc_types 的映射", top)])

    try:
        return ClauseMap.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.extend(_describe(error, lines))
    _raise(name, problems)


def _raise(name: str, problems: list[Problem]) -> NoReturn:
    problems = sorted(set(problems), key=lambda p: (p[0], p[2]))
    message = "\n".join(_message(name, line, zh, en) for line, zh, en in problems)
    raise ClauseMapError(message, [line for line, _, _ in problems])


def _message(name: str, line: int, zh: str, en: str) -> str:
    return f"{name} 第 {line} 行：{zh} / line {line}: {en}"


def _index_lines(node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int], problems: list[Problem]) -> None:
    """Record the 1-based line of every mapping key and sequence item, by its path; flag duplicate keys."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append((line, f"字段 '{key}' 重复", f"duplicate key '{key}'"))
            seen.add(key)
            lines[(*path, key)] = line
            _index_lines(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _index_lines(item, (*path, index), lines, problems)


def _line_of(path: YamlPath, lines: dict[YamlPath, int]) -> int:
    """The line of the deepest known prefix of a path (pydantic adds type tags such as 'int' to some paths)."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return 1


def _describe(error: ErrorDetails, lines: dict[YamlPath, int]) -> list[Problem]:
    """Turn one pydantic error into (line, Chinese, English) problems."""
    ctx = error.get("ctx") or {}
    original = ctx.get("error")
    if isinstance(original, ClauseMapIssues):
        return [(_line_of(i.path, lines), i.zh, i.en) for i in original.issues]

    loc: YamlPath = _without_tags(tuple(error["loc"]))
    where = _format_path(loc)
    kind = error["type"]
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        return [(_line_of(loc, lines), f"未知字段 '{field}'", f"unknown key '{field}'")]
    if kind == "missing":
        # A missing key has no line of its own: name the entry that lacks it.
        return [(_line_of(loc[:-1], lines), f"缺少字段 '{field}'", f"missing key '{field}' ({where})")]
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return [
            (
                _line_of(loc, lines),
                f"字段 '{field}' 的取值 {error.get('input')!r} 无效，应为 {expected}",
                f"invalid value {error.get('input')!r} for '{field}', expected {expected}",
            )
        ]
    if kind == "string_type":
        return [
            (
                _line_of(loc, lines),
                f"字段 '{field}' 应为字符串（条款编号请加引号，如 \"7.3\"）",
                f"'{field}' must be a string (quote clause ids, e.g. \"7.3\") ({where})",
            )
        ]
    msg = error.get("msg", kind)
    return [(_line_of(loc, lines), f"字段 '{field or where}' 无效：{msg}", f"invalid '{where}': {msg}")]


def _without_tags(loc: YamlPath) -> YamlPath:
    """Drop the block kind pydantic puts in the location of a discriminated union (blocks[3].list.items[0] →
    blocks[3].items[0]), so the location is a path in the YAML document again."""
    out: list[str | int] = []
    for part in loc:
        if part in BLOCK_KINDS and len(out) >= 2 and out[-2] == "blocks" and isinstance(out[-1], int):
            continue
        out.append(part)
    return tuple(out)


def _format_path(path: YamlPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"
