"""Clause text in the standard's order: the clause map's blocks against the standard, block by block; editorial
notes on the standard's own defects; the flat forms kept for clients; and the schema's refusals (naming the line).

Pure tests: the clause map file and the standard's committed copy (tests/fixtures/), no database.
"""

from pathlib import Path

import pytest

from app.clauses.schema import ClauseMap, ClauseMapError, ListBlock, load_clause_map, parse_clause_map
from tests.support import STANDARD
from tests.support.standard_blocks import clause_blocks

REPO = Path(__file__).resolve().parents[2]
CLAUSE_MAP = REPO / "clause_map.yaml"


@pytest.fixture(scope="module")
def clause_map() -> ClauseMap:
    return load_clause_map(CLAUSE_MAP)


@pytest.fixture(scope="module")
def standard() -> dict[str, list[dict]]:
    return clause_blocks(STANDARD.read_text(encoding="utf-8"))


def _as_standard(clause_map: ClauseMap, clause_id: str) -> list[dict]:
    """The map's blocks in the walker's shape: what the standard prints, without the map's own additions (list
    group headings, editorial notes)."""
    clause = clause_map.clause(clause_id)
    assert clause is not None
    out: list[dict] = []
    for block in clause.blocks:
        if isinstance(block, ListBlock):
            items = [
                {"label": item.label, "text": item.text, "sub_items": [{"text": sub.text} for sub in item.sub_items]}
                for item in block.items
            ]
            out.append({"kind": "list", "items": items})
        else:
            out.append({"kind": block.kind, "text": block.text})
    return out


def test_every_clause_matches_the_standard_block_by_block(clause_map: ClauseMap, standard: dict) -> None:
    assert [c.id for c in clause_map.clauses] == list(standard)
    for clause_id, expected in standard.items():
        actual = _as_standard(clause_map, clause_id)
        assert len(actual) == len(expected), f"{clause_id}: {len(actual)} blocks, the standard has {len(expected)}"
        for index, (ours, theirs) in enumerate(zip(actual, expected, strict=True)):
            assert ours == theirs, f"{clause_id} block {index + 1} differs from the standard"


def test_the_walker_sees_the_irregular_layouts(standard: dict) -> None:
    """The comparison above is only as good as the walker: check it on the layouts that used to go wrong."""

    def shape(clause_id: str) -> list[str]:
        blocks = standard[clause_id]
        return [
            f"list:{''.join(i['label'] or '-' for i in b['items'])}" if b["kind"] == "list" else b["kind"]
            for b in blocks
        ]

    # 7.1: each lead-in before its own list, a paragraph of its own between the second and third lists
    assert shape("7.1") == [
        "paragraph",
        "list:abcde",
        "paragraph",
        "list:abcd",
        "paragraph",
        "paragraph",
        "list:abcdefg",
    ]
    assert shape("5.3") == ["paragraph", "list:abcdef", "paragraph"]  # the closing sentence comes after f)
    assert shape("5.2") == ["paragraph", "list:abc", "paragraph", "list:abc"]
    assert shape("7.5") == ["paragraph", "list:ab", "note", "list:c", "paragraph"]  # a note inside the list
    assert shape("7.6.1") == ["paragraph", "list:---", "paragraph", "list:abcde"]  # "——" items, unlettered
    assert shape("10.2") == ["paragraph", "list:abc", "paragraph", "list:abcdef"]  # "a)" bare, "- b)" dashed
    assert shape("7.3.1") == ["paragraph", "note"]
    assert shape("7.3") == []
    assert [len(item["sub_items"]) for item in standard["10.2"][1]["items"]] == [0, 3, 0]
    assert [len(item["sub_items"]) for item in standard["7.6.2"][1]["items"]] == [0, 0, 2]  # "——" under c)


def test_multi_list_clauses_name_their_lists(clause_map: ClauseMap) -> None:
    for clause_id, lists in {"5.2": 2, "6.4": 2, "7.1": 3, "7.6.1": 2, "8.4": 2, "10.2": 2, "11.2": 2}.items():
        clause = clause_map.clause(clause_id)
        assert clause is not None
        groups = [b.group for b in clause.blocks if isinstance(b, ListBlock)]
        assert len(groups) == lists and None not in groups and len(set(groups)) == lists, (clause_id, groups)


def test_flat_forms_are_derived_from_the_blocks(clause_map: ClauseMap) -> None:
    """requirement_zh and items stay for clients: lead-ins joined, items flat with sub-items labelled "-"."""
    review = clause_map.clause("10.3")
    assert review is not None
    assert [i.label for i in review.items] == list("abcd") + ["-"] * 4 + list("efg")
    assert review.requirement_zh.split("\n") == [
        "最高管理者应按照计划的时间间隔对产业园区的碳排放管理体系进行评审，以确保其持续的适宜性、充分性和有效性，"
        "并与产业园区的战略方向保持一致。",
        "管理评审应包括对下列事项的考虑：",
    ]
    objectives = clause_map.clause("7.1")
    assert objectives is not None
    assert [i.group for i in objectives.items][4:6] == ["目标可包括", "指标可包括"]
    scope = clause_map.clause("5.3")
    assert scope is not None and scope.requirement_zh.endswith("并可为相关方获取。")


def _item(clause_map: ClauseMap, clause_id: str, list_index: int, label: str):
    clause = clause_map.clause(clause_id)
    assert clause is not None
    lists = [b for b in clause.blocks if isinstance(b, ListBlock)]
    return next(item for item in lists[list_index].items if item.label == label)


def test_the_standards_defects_stay_verbatim_with_a_note(clause_map: ClauseMap) -> None:
    cut = _item(clause_map, "11.2", 0, "a")
    assert cut.text.endswith("并对这") and "中断" in cut.editorial_note_zh and "breaks off" in cut.editorial_note_en
    mixed = _item(clause_map, "10.3", 0, "b")
    assert "外部 and 内部因素" in mixed.text and "and" in mixed.editorial_note_zh and mixed.editorial_note_en
    for clause_id, list_index, label in [("10.3", 0, "c"), ("10.3.2", 0, "h"), ("7.5", 1, "c"), ("11.2", 0, "b")]:
        item = _item(clause_map, clause_id, list_index, label)
        assert item.editorial_note_zh and item.editorial_note_en, (clause_id, label)
    noted = [
        (clause.id, item.label)
        for clause in clause_map.clauses
        for block in clause.blocks
        if isinstance(block, ListBlock)
        for item in block.items
        if item.editorial_note_zh
    ]
    assert len(noted) == 6, noted
    # The flat form carries the note too.
    assert any(i.editorial_note_zh for i in (clause_map.clause("11.2").items or []))  # type: ignore[union-attr]


# --- the schema refuses bad blocks, naming the line

BLOCKS = """\
clauses:
  - id: "5.1"
    title_zh: 理解园区及其所处的环境
    title_en: Understanding the park and its context
    blocks:
      - kind: paragraph
        text: 引导语：
      - kind: list
        items:
          - label: "a"
            text: 第一项
            sub_items:
              - text: 下级
    doc_types: [ENV]
doc_types:
  - {code: ENV, title_zh: 概况, title_en: Context, kind: document, approver_role: approver}
"""


def _refused(text: str) -> str:
    with pytest.raises(ClauseMapError) as info:
        parse_clause_map(text)
    return str(info.value)


def test_a_valid_block_map_loads() -> None:
    clause = parse_clause_map(BLOCKS).clauses[0]
    assert [i.label for i in clause.items] == ["a", "-"] and clause.requirement_zh == "引导语："


def test_an_unknown_block_kind_names_its_line() -> None:
    message = _refused(BLOCKS.replace("kind: paragraph", "kind: heading"))
    assert "line 6" in message and "第 6 行" in message


def test_a_bad_sub_item_names_its_line() -> None:
    message = _refused(
        BLOCKS.replace("              - text: 下级", "              - text: 下级\n                label: x")
    )
    assert "line 14" in message and "'label'" in message


def test_an_editorial_note_needs_both_languages() -> None:
    message = _refused(
        BLOCKS.replace("            text: 第一项\n", "            text: 第一项\n            editorial_note_zh: 注\n")
    )
    assert "line 10" in message and "editorial_note_en" in message


def test_a_list_is_lettered_or_not() -> None:
    mixed = BLOCKS.replace("              - text: 下级\n", "              - text: 下级\n          - text: 无字母\n")
    message = _refused(mixed)
    assert "line 8" in message and "lettered" in message


def test_principles_take_no_doc_types_and_name_real_clauses() -> None:
    chapter_4 = BLOCKS.replace('id: "5.1"', 'id: "4.1"')
    message = _refused(chapter_4)
    assert "must not require doc types" in message and "第 4 章" in message
    support = '    supported_by: ["9.9"]\n    support_zh: 说明\n    support_en: why\n'
    message = _refused(BLOCKS.replace("    doc_types: [ENV]\n", "    doc_types: [ENV]\n" + support))
    assert "only chapter 4 principles take supported_by" in message and "line 15" in message


def test_every_principle_names_its_supporting_clauses(clause_map: ClauseMap) -> None:
    principles = [c for c in clause_map.clauses if c.chapter == "4"]
    assert [c.id for c in principles] == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    for principle in principles:
        assert principle.doc_types == [] and principle.supported_by, principle.id
        assert principle.support_zh and principle.support_en
        for clause_id in principle.supported_by:
            supporting = clause_map.clause(clause_id)
            assert supporting is not None and supporting.doc_types, (principle.id, clause_id)
            assert clause_id in principle.support_zh, (principle.id, clause_id)
    accuracy = clause_map.clause("4.4")
    assert accuracy is not None and "7.3.2" in accuracy.supported_by and "10.1.1" in accuracy.supported_by


def test_chapter_4_has_no_counted_links(clause_map: ClauseMap) -> None:
    """Readiness counts links; chapter 4 has none, so it can never count toward coverage or progress."""
    from sqlmodel import Session, SQLModel, create_engine, select

    import app.models  # noqa: F401
    from app.clauses.models import DocTypeClause
    from app.clauses.service import sync_clause_map

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        sync_clause_map(session, clause_map)
        linked = {row.clause_id for row in session.exec(select(DocTypeClause)).all()}
    engine.dispose()
    assert linked and not {cid for cid in linked if cid.split(".")[0] == "4"}
