"""The clause map (clause_map.yaml) as strict pydantic models, and its loader.

The clause map is the standard T/CPQS ZC001—2025 as data: every clause of chapters 4 to 11 and every required
document type. Links between the two live only on the clauses (`ClauseSpec.doc_types`).

`load_clause_map` reports every problem with the line of the YAML file it comes from, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NoReturn

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

MIN_CHAPTER = 4
MAX_CHAPTER = 11

CLAUSE_ID_PATTERN = r"^[1-9][0-9]*(\.[1-9][0-9]*)+$"
DOC_TYPE_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"
ITEM_LABEL_PATTERN = r"^([a-z]|-)$"

# Why a clause asks for a document type: named in Annex A for the clause's group, the clause text says 保持
# (maintain) or 保留 (retain) documented information, or 建立/制定 (establish) it; "recommended" marks the types of
# a clause that only suggests measures (8.2 可采取以下措施): shown, never counted in coverage.
LinkBasis = Literal["annex_a", "maintain", "retain", "establish", "recommended"]
LINK_BASES: tuple[str, ...] = ("annex_a", "maintain", "retain", "establish", "recommended")

# How often a record type is due (records only): calendar years, quarters or months; `event` for records kept when
# something happens (met per calendar year by a record or a signed "no occurrence" declaration); `none` for a
# record made once (the initial review).
Cycle = Literal["annual", "quarterly", "monthly", "event", "none"]
CYCLES: tuple[str, ...] = ("annual", "quarterly", "monthly", "event", "none")
DUE_DAY_PATTERN = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

YamlPath = tuple[str | int, ...]  # a location inside the YAML document: keys and list indices
Problem = tuple[int, str, str]  # (line, Chinese, English)


class ClauseItem(BaseModel):
    """A lettered item a) b) … of a clause, or a dash sub-item (label "-")."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(pattern=ITEM_LABEL_PATTERN)
    text: str = Field(min_length=1)
    # A short Chinese heading telling apart the lists of a clause that has more than one (e.g. 目标可包括 / 指标可包括).
    group: str | None = Field(default=None, min_length=1)


class ClauseSpec(BaseModel):
    """A clause or sub-clause of chapters 4 to 11."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CLAUSE_ID_PATTERN, max_length=16)
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=300)
    requirement_zh: str = ""
    items: list[ClauseItem] = Field(default_factory=list)
    doc_types: list[str] = Field(default_factory=list)
    # The basis of a link where it is not the default (see `ClauseMap.link_basis`), keyed by doc type code.
    link_basis: dict[str, LinkBasis] = Field(default_factory=dict)

    @property
    def chapter(self) -> str:
        return chapter_of(self.id)

    @property
    def has_requirement(self) -> bool:
        """True when the clause has text of its own (not a bare heading such as 7.3)."""
        return bool(self.requirement_zh.strip() or self.items)


class DocTypeSpec(BaseModel):
    """A required document type: a document (保持: maintained, approved, published) or a record (保留: retained)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=DOC_TYPE_CODE_PATTERN, max_length=48)
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=300)
    kind: Literal["document", "record"]
    approver_role: Literal["approver", "top_management"]
    review_cycle_months: int | None = Field(default=None, gt=0)
    retention_years: int | None = Field(default=None, gt=0)
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


def chapter_of(clause_id: str) -> str:
    """The chapter of a clause id: chapter_of("7.3.2") == "7"."""
    return clause_id.split(".", 1)[0]


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

    loc: YamlPath = tuple(error["loc"])
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


def _format_path(path: YamlPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"
