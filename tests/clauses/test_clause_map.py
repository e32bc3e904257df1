"""The clause map (clause_map.yaml) against the standard's text, its validation, and its sync into the database.

Pure tests: no shared database fixture. The sync test builds its own in-memory SQLite engine.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from app.clauses.schema import ClauseMap, ClauseMapError, chapter_of, load_clause_map, parent_id_of, parse_clause_map
from tests.support import STANDARD

REPO = Path(__file__).resolve().parents[2]
CLAUSE_MAP = REPO / "clause_map.yaml"

# A clause heading: "### 7.3.2 碳排放管理评审", "## 5.2 …", "#### 10.1.1 …"; the markdown is irregular about the
# number of '#', and chapter 3 even has bare "3.4" lines, so the '#' are optional.
HEADING = re.compile(r"^#{0,6}\s*(\d{1,2}(?:\.\d+)+)\s+(\S.*?)\s*$")
ANNEX_A_TITLE = re.compile(r"《([^《》]+)》")
# Annex A also names these without 《》.
ANNEX_A_UNBRACKETED = [
    "相关培训会议文件",
    "相关会议记录",
    "监测（设备、平台）及测量（碳源、汇）相关文件记录",
    "产业园区碳排放、碳交易、碳资产、碳中和过程管理及相关会议记录",
]


@pytest.fixture(scope="module")
def clause_map() -> ClauseMap:
    return load_clause_map(CLAUSE_MAP)


@pytest.fixture(scope="module")
def standard_text() -> str:
    assert STANDARD.is_file(), f"the standard's text is not at {STANDARD} (a committed test fixture)"
    return STANDARD.read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> list[str]:
    """The lines from the heading `start` up to the heading `end` (headings may be '#' or bold; the table of
    contents, whose lines carry dots and page numbers, never matches)."""
    lines = text.splitlines()

    def is_heading(line: str, title: str) -> bool:
        return line.strip().strip("#* \t") == title

    first = next(i for i, line in enumerate(lines) if is_heading(line, start))
    last = next(i for i, line in enumerate(lines) if i > first and is_heading(line, end))
    return lines[first:last]


def _headings(text: str) -> dict[str, str]:
    """Clause number → title for every clause heading of chapters 4 to 11 (the body, before Annex A)."""
    found: dict[str, str] = {}
    for line in _section(text, "4 基本原则", "附录 A"):
        match = HEADING.match(line)
        if match:
            number, title = match.groups()
            assert 4 <= int(chapter_of(number)) <= 11, line
            assert number not in found, f"heading {number} twice"
            found[number] = title
    return found


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


# --- the real file


def test_real_clause_map_loads(clause_map: ClauseMap) -> None:
    assert len(clause_map.clauses) == 47
    assert clause_map.clause("7.3.2") is not None
    assert clause_map.clause("7.3.2").title_zh == "碳排放管理评审"
    assert clause_map.doc_type("CARBON_POLICY") is not None
    assert clause_map.doc_type("INTERNAL_AUDIT_REPORT") is not None


def test_every_heading_of_chapters_4_to_11_is_in_the_map(clause_map: ClauseMap, standard_text: str) -> None:
    headings = _headings(standard_text)
    # Sanity: the parser sees the irregular headings too (## 5.2, ### 7.4, #### 10.1.1).
    assert {"5.2", "7.4", "7.3.2", "10.1.1", "10.3.2", "11.3"} <= set(headings)
    assert len(headings) == 47
    in_map = {c.id: c.title_zh for c in clause_map.clauses}
    for number, title in headings.items():
        assert number in in_map, f"clause {number} {title} is missing from the map"
        assert in_map[number] == title, f"clause {number}: map says {in_map[number]!r}, standard says {title!r}"
    assert set(in_map) == set(headings), f"clauses not in the standard: {sorted(set(in_map) - set(headings))}"


def test_clause_order_follows_the_standard(clause_map: ClauseMap, standard_text: str) -> None:
    assert [c.id for c in clause_map.clauses] == list(_headings(standard_text))


def test_every_annex_a_title_is_a_doc_type(clause_map: ClauseMap, standard_text: str) -> None:
    annex = "\n".join(_section(standard_text, "附录 A", "附录 B"))
    bracketed = ANNEX_A_TITLE.findall(annex)
    assert "产业园区碳评审报告" in bracketed and "不符合项改进指南" in bracketed
    assert len(bracketed) == 23
    titles = {d.title_zh: d for d in clause_map.doc_types}
    for title in bracketed + ANNEX_A_UNBRACKETED:
        assert title in annex
        assert title in titles, f"Annex A names 《{title}》 but no doc type has that title_zh"
        assert titles[title].annex_a, f"{titles[title].code} should be marked annex_a"
    annex_titles = set(bracketed) | set(ANNEX_A_UNBRACKETED)
    for doc_type in clause_map.doc_types:
        if doc_type.annex_a:
            assert doc_type.title_zh in annex_titles, f"{doc_type.code} is marked annex_a but Annex A does not name it"


# --- the content rules


def test_every_clause_with_requirements_has_a_doc_type(clause_map: ClauseMap) -> None:
    for clause in clause_map.clauses:
        if 5 <= int(clause.chapter) <= 11 and clause.has_requirement:
            assert clause.doc_types, f"clause {clause.id} requires no document type"


def test_every_doc_type_serves_a_clause(clause_map: ClauseMap) -> None:
    for doc_type in clause_map.doc_types:
        assert clause_map.clauses_of(doc_type.code), doc_type.code


def test_annual_reviews_are_yearly_records(clause_map: ClauseMap) -> None:
    for clause_id in ("7.3.2", "7.3.3", "7.3.4", "7.3.5"):
        clause = clause_map.clause(clause_id)
        assert clause is not None and clause.doc_types
        for code in clause.doc_types:
            doc_type = clause_map.doc_type(code)
            assert doc_type is not None
            assert doc_type.kind == "record", code
            assert doc_type.review_cycle_months == 12, code


def test_approver_roles(clause_map: ClauseMap) -> None:
    policy = clause_map.doc_type("CARBON_POLICY")
    assert policy is not None and "6.2" in clause_map.clauses_of("CARBON_POLICY")
    assert policy.approver_role == "top_management"
    by_title = {d.title_zh: d for d in clause_map.doc_types}
    for title in [
        "产业园区碳排放管理目标和指标责任书",
        "产业园区碳排放管理制度",
        "产业园区碳排放管理体系文件",
        "关于产业园区成立碳排放领导小组",
        "管理评审",
    ]:
        assert by_title[title].approver_role == "top_management", title
    assert by_title["管理体系内审报告"].approver_role == "approver"


def test_clause_required_information_links(clause_map: ClauseMap) -> None:
    titles = {d.code: d.title_zh for d in clause_map.doc_types}

    def titles_of(clause_id: str) -> set[str]:
        clause = clause_map.clause(clause_id)
        assert clause is not None
        return {titles[code] for code in clause.doc_types}

    assert "碳排放管理体系范围和边界" in titles_of("5.3")
    assert "碳排放管理方针" in titles_of("6.2")
    assert "风险与机遇登记册" in titles_of("5.1")
    assert "产业园区碳评审报告" in titles_of("7.3.1")  # the review results are the Annex A report
    assert "碳排放管理基准" in titles_of("7.5")
    assert "合规性评价报告" in titles_of("10.1.2")
    assert "管理评审" in titles_of("10.3.2")
    assert "管理体系内审报告" in titles_of("10.2")


def test_chapter_and_parent() -> None:
    assert chapter_of("7.3.2") == "7"
    assert chapter_of("10.1") == "10"
    known = {"7.3", "7.3.2", "7.4", "10.1", "10.1.1"}
    assert parent_id_of("7.3.2", known) == "7.3"
    assert parent_id_of("7.4", known) is None
    assert parent_id_of("10.1.1", known) == "10.1"
    assert parent_id_of("9.2.1", known) is None


def test_real_parents(clause_map: ClauseMap) -> None:
    assert clause_map.parent_of("7.3.2") == "7.3"
    assert clause_map.parent_of("7.6.1") == "7.6"
    assert clause_map.parent_of("10.3.2") == "10.3"
    assert clause_map.parent_of("7.4") is None


# --- validation errors name the line

VALID = """\
clauses:
  - id: "5.1"
    title_zh: 理解园区及其所处的环境
    title_en: Understanding the park and its context
    blocks:
      - kind: list
        items:
          - {label: a, text: 第一项}
    doc_types:
      - ENV
doc_types:
  - code: ENV
    title_zh: 产业园区所处的环境概况说明
    title_en: Context
    kind: document
    approver_role: approver
"""

TYPE_X = """\
  - code: X
    title_zh: 其他
    title_en: Other
    kind: record
    approver_role: approver
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clause_map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ClauseMapError) as info:
        load_clause_map(_write(tmp_path, text))
    return str(info.value)


def test_small_valid_map_loads(tmp_path: Path) -> None:
    clause_map = load_clause_map(_write(tmp_path, VALID))
    assert clause_map.clauses[0].items[0].label == "a"
    assert clause_map.clauses_of("ENV") == ["5.1"]


def test_unknown_key_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("    approver_role: approver\n", "    approver_role: approver\n    foo: 1\n")
    message = _error(tmp_path, text)
    assert "line 17" in message and "第 17 行" in message
    assert "unknown key 'foo'" in message and "未知字段 'foo'" in message


def test_unknown_item_key_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("{label: a, text: 第一项}", "{label: a, text: 第一项, note: x}")
    message = _error(tmp_path, text)
    assert "line 8" in message and "'note'" in message


def test_duplicate_code_names_its_line(tmp_path: Path) -> None:
    text = VALID + TYPE_X.replace("code: X", "code: ENV")
    message = _error(tmp_path, text)
    assert "line 17" in message and "duplicate doc type code 'ENV'" in message


def test_doc_type_serving_no_clause_names_its_line(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID + TYPE_X)
    assert "line 17" in message and "doc type 'X' serves no clause" in message
    assert "未被任何条款引用" in message


def test_clause_naming_unknown_type_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("      - ENV\n", "      - ENV\n      - NOPE\n")
    message = _error(tmp_path, text)
    assert "line 11" in message and "unknown doc type 'NOPE'" in message


def test_duplicate_clause_id_names_its_line(tmp_path: Path) -> None:
    clause = VALID.split("doc_types:\n  - code")[0].split("clauses:\n", 1)[1]
    text = VALID.replace("doc_types:\n  - code", clause + "doc_types:\n  - code", 1)
    message = _error(tmp_path, text)
    assert "line 11" in message and "duplicate clause id '5.1'" in message


def test_clause_outside_chapters_4_to_11(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('id: "5.1"', 'id: "3.1"'))
    assert "line 2" in message and "outside chapters 4–11" in message


def test_bad_kind_and_role_name_their_lines(tmp_path: Path) -> None:
    text = VALID.replace("kind: document", "kind: paper").replace("approver_role: approver", "approver_role: boss")
    message = _error(tmp_path, text)
    assert "line 15" in message and "'paper'" in message
    assert "line 16" in message and "'boss'" in message


def test_unquoted_clause_id_is_an_error(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace('id: "5.1"', "id: 5.1"))
    assert "line 2" in message and "quote clause ids" in message


def test_missing_key_names_the_entry(tmp_path: Path) -> None:
    message = _error(tmp_path, VALID.replace("    title_en: Context\n", ""))
    assert "line 12" in message and "missing key 'title_en'" in message


def test_bad_yaml_syntax_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("    title_en: Context\n", "    title_en: [Context\n")
    message = _error(tmp_path, text)
    assert "YAML syntax error" in message and "YAML 语法错误" in message
    assert re.search(r"line 1[4-6]\b", message), message


def test_bad_indentation_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("    kind: document\n", "   kind: document\n")
    message = _error(tmp_path, text)
    assert "line 15" in message and "YAML syntax error" in message


def test_duplicate_yaml_key_names_its_line(tmp_path: Path) -> None:
    text = VALID.replace("    kind: document\n", "    kind: document\n    kind: record\n")
    message = _error(tmp_path, text)
    assert "line 16" in message and "duplicate key 'kind'" in message


# --- sync into a database


def _engine() -> Engine:
    import app.models  # noqa: F401  (every table, so foreign keys resolve whatever else the run imported)

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    return engine


def test_sync_is_idempotent_and_never_deletes(clause_map: ClauseMap) -> None:
    from app.clauses.models import Clause, DocType, DocTypeClause
    from app.clauses.service import sync_clause_map

    engine = _engine()
    with Session(engine) as session:
        first = sync_clause_map(session, clause_map)
        session.commit()
    assert len(first.clauses_created) == len(clause_map.clauses)
    assert len(first.doc_types_created) == len(clause_map.doc_types)
    assert first.updated == 0 and first.retired == 0
    links = sum(len(c.doc_types) for c in clause_map.clauses)
    assert len(first.links_added) == links

    with Session(engine) as session:
        second = sync_clause_map(session, clause_map)
        assert not session.dirty and not session.new and not session.deleted
        session.commit()
    assert second.created == 0 and second.updated == 0 and second.retired == 0
    assert second.unchanged == len(clause_map.clauses) + len(clause_map.doc_types)
    assert not second.links_added and not second.links_removed and not second.changed

    with Session(engine) as session:
        row = session.get(Clause, "7.3.2")
        assert row is not None
        assert row.chapter == "7" and row.parent_id == "7.3" and row.title_zh == "碳排放管理评审"
        items = json.loads(row.items_json)
        assert items[0] == {"label": "a", "text": "确定适用于碳排放的法律法规;"}
        assert "\\u" not in row.items_json
        assert session.get(Clause, "7.4").parent_id is None
        policy = session.get(DocType, "CARBON_POLICY")
        assert policy is not None and policy.approver_role == "top_management" and policy.kind == "document"
        assert [c.id for c in session.exec(select(Clause).order_by(Clause.sort_key)).all()] == [
            c.id for c in clause_map.clauses
        ]
        assert len(session.exec(select(DocTypeClause)).all()) == links

    # Drop a doc type and a clause from the map, and change a title: nothing is deleted, only links.
    data = yaml.safe_load(CLAUSE_MAP.read_text(encoding="utf-8"))
    data["doc_types"] = [d for d in data["doc_types"] if d["code"] != "TRAINING_PLAN"]
    data["clauses"] = [c for c in data["clauses"] if c["id"] != "4.5"]
    for clause in data["clauses"]:
        clause["doc_types"] = [code for code in clause["doc_types"] if code != "TRAINING_PLAN"]
        clause.get("link_basis", {}).pop("TRAINING_PLAN", None)
        if clause["id"] == "8.1":
            clause["title_en"] = "Resources"
    smaller = ClauseMap.model_validate(data)
    with Session(engine) as session:
        third = sync_clause_map(session, smaller)
        session.commit()
    assert third.created == 0
    assert third.doc_types_retired == ["TRAINING_PLAN"]
    assert third.clauses_retired == ["4.5"]
    assert "8.1" in third.clauses_updated
    assert third.links_removed == [("TRAINING_PLAN", "8.2")]
    assert not third.links_added
    with Session(engine) as session:
        assert session.get(DocType, "TRAINING_PLAN") is not None
        assert session.get(Clause, "4.5") is not None
        assert session.get(Clause, "8.1").title_en == "Resources"
        assert session.get(DocTypeClause, ("TRAINING_PLAN", "8.2")) is None

    # A re-run of the smaller map changes nothing and still reports the retired rows.
    with Session(engine) as session:
        fourth = sync_clause_map(session, smaller)
        session.commit()
    assert fourth.created == 0 and fourth.updated == 0 and not fourth.changed
    assert fourth.doc_types_retired == ["TRAINING_PLAN"] and fourth.clauses_retired == ["4.5"]
    engine.dispose()


def test_sync_only_flushes(clause_map: ClauseMap) -> None:
    from app.clauses.models import Clause
    from app.clauses.service import sync_clause_map

    engine = _engine()
    with Session(engine) as session:
        sync_clause_map(session, clause_map)
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(Clause)).first() is None
    engine.dispose()


def test_each_link_carries_its_basis(clause_map: ClauseMap) -> None:
    """Annex A types link as annex_a, other documents as maintain, other records as retain; 8.2's suggested
    measures (可采取以下措施) are recommended only. The database row carries the same basis."""
    from app.clauses.models import DocTypeClause
    from app.clauses.service import sync_clause_map

    training = clause_map.clause("8.2")
    assert training is not None
    assert {code: clause_map.link_basis(training, code) for code in training.doc_types} == {
        "COMPETENCE_COMMUNICATION_TRAINING_PROCEDURE": "annex_a",
        "TRAINING_PLAN": "recommended",
        "TRAINING_RECORD": "recommended",
        "PERFORMANCE_APPRAISAL_MEASURES": "recommended",
    }
    review = clause_map.clause("7.3.2")
    assert review is not None
    assert clause_map.link_basis(review, "GHG_INVENTORY_REPORT") == "retain"
    scope = clause_map.clause("5.3")
    assert scope is not None
    assert clause_map.link_basis(scope, "CMS_SCOPE_BOUNDARY") == "maintain"

    engine = _engine()
    with Session(engine) as session:
        sync_clause_map(session, clause_map)
        session.commit()
        row = session.get(DocTypeClause, ("TRAINING_PLAN", "8.2"))
        assert row is not None and row.basis == "recommended"


def test_a_basis_for_an_unlisted_type_is_refused() -> None:
    text = CLAUSE_MAP.read_text(encoding="utf-8").replace(
        "      TRAINING_PLAN: recommended\n", "      TRAINING_PLAN: recommended\n      CARBON_POLICY: maintain\n", 1
    )
    with pytest.raises(ClauseMapError, match="CARBON_POLICY"):
        parse_clause_map(text)
