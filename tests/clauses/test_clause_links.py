"""Each clause → document type link against Annex A's table and the clause text: which links exist, and the basis
each one carries.

The basis of a link, in order of precedence: Annex A names the type for the clause's chapter (annex_a); else the
clause's own words for the documented information — 保持 (maintain) or 保留 (retain); else 建立/制定 (establish) the
thing the type records; 8.2's suggested measures (可采取以下措施) are recommended only.
"""

import re
from pathlib import Path

import pytest

from app.clauses.schema import ClauseMap, ClauseSpec, ListBlock, load_clause_map
from tests.support import STANDARD

REPO = Path(__file__).resolve().parents[2]
TITLE = re.compile(r"《([^《》]+)》")
# Annex A names these without 《》 (the same list as in test_clause_map.py).
UNBRACKETED = [
    "相关培训会议文件",
    "相关会议记录",
    "监测（设备、平台）及测量（碳源、汇）相关文件记录",
    "产业园区碳排放、碳交易、碳资产、碳中和过程管理及相关会议记录",
]
# Links whose clause has no verb of its own for the documented information; the default for the kind stands, and
# why it is right.
IMPLIED = {
    ("5.2", "LEGAL_REQUIREMENTS_REGISTER"): "a) 确保完整识别…法律法规及其他要求: a register kept current",
    ("6.4", "ORGANISATION_RESPONSIBILITIES"): "the responsibilities 6.3 says to 明确, listed",
    ("6.4", "INITIAL_REVIEW"): "b) 开展…初始评审工作: its result is a record",
    ("7.3.2", "EMISSION_REVIEW_RECORD"): "7.3.1 (the parent) 应保留…评审结果的文件化信息",
    ("7.3.2", "GHG_INVENTORY_REPORT"): "f) 计算排放量: a review result, 7.3.1 保留",
    ("7.3.2", "ACTIVITY_DATA_SUBMISSION"): "e) 确定活动水平: the enterprises' confirmed activity data, 7.3.1 保留",
    ("7.3.3", "TRADING_REVIEW_RECORD"): "7.3.1 (the parent) 应保留…评审结果",
    ("7.3.4", "ASSET_REVIEW_RECORD"): "7.3.1 (the parent) 应保留…评审结果",
    ("7.3.5", "NEUTRALITY_REVIEW_RECORD"): "7.3.1 (the parent) 应保留…评审结果",
    ("7.6.1", "RISK_OPPORTUNITY_REGISTER"): "the register 5.1 b) establishes, kept for 应识别以下风险和机遇",
    ("10.1.1", "MONITORING_EQUIPMENT_REGISTER"): "使用和维护经校准或检定的监视和测量设备",
    ("10.1", "MONITORING_MEASUREMENT_RECORDS"): "10.1.1 (its sub-clause) 应保留…监视和测量结果",
    ("10.1.1", "TARGET_COMPLETION_CHECKLIST"): "评价绩效 against objectives: a result, 保留",
    ("11.2", "NONCONFORMITY_CORRECTIVE_ACTION_RECORD"): "a)–d) 评价和处置, 纠正措施: records of what was done",
    ("11.3", "IMPROVEMENT_PLAN"): "持续改进…的适宜性、充分性和有效性",
    ("11.3", "PERFORMANCE_INDICATOR_VALUES"): "证实碳排放管理绩效的持续改进: the values are the proof",
}


@pytest.fixture(scope="module")
def clause_map() -> ClauseMap:
    return load_clause_map(REPO / "clause_map.yaml")


@pytest.fixture(scope="module")
def annex_a() -> dict[str, set[str]]:
    """Chapter → the documented information Annex A names for that chapter's row of the table."""
    text = STANDARD.read_text(encoding="utf-8")
    annex = text[text.index("## 附录 A") : text.index("**附录 B**")]
    rows: dict[str, str] = {}
    chapter = ""
    for line in annex.splitlines():
        heading = re.match(r"^(\d{1,2}) \S+\t", line)
        if heading:
            chapter = heading.group(1)
        elif chapter:
            rows[chapter] = rows.get(chapter, "") + line + "\n"
    assert set(rows) == {str(n) for n in range(5, 12)}
    named: dict[str, set[str]] = {}
    for ch, row in rows.items():
        found = set(TITLE.findall(row))
        rest = TITLE.sub("", row)
        for title in sorted(UNBRACKETED, key=len, reverse=True):  # 相关会议记录 is also the end of a longer name
            if title in rest:
                found.add(title)
                rest = rest.replace(title, "")
        named[ch] = found
    return named


def _text(clause: ClauseSpec) -> str:
    parts: list[str] = []
    for block in clause.blocks:
        if isinstance(block, ListBlock):
            parts += [item.text for item in block.items] + [s.text for i in block.items for s in i.sub_items]
        else:
            parts.append(block.text)
    return "".join(parts)


def _links(clause_map: ClauseMap) -> list[tuple[ClauseSpec, str, str]]:
    return [(c, code, clause_map.link_basis(c, code)) for c in clause_map.clauses for code in c.doc_types]


def test_annex_a_basis_only_where_annex_a_names_the_type_for_that_chapter(
    clause_map: ClauseMap, annex_a: dict[str, set[str]]
) -> None:
    for clause, code, basis in _links(clause_map):
        doc_type = clause_map.doc_type(code)
        assert doc_type is not None
        named = doc_type.title_zh in annex_a[clause.chapter]
        if basis == "annex_a":
            assert named, (
                f"{clause.id} → {code}: Annex A does not name 《{doc_type.title_zh}》 for chapter {clause.chapter}"
            )
        elif basis != "recommended":
            assert not named, f"{clause.id} → {code}: Annex A names it for chapter {clause.chapter}, so annex_a"


def test_every_type_annex_a_names_serves_its_chapter(clause_map: ClauseMap, annex_a: dict[str, set[str]]) -> None:
    titles = {d.title_zh: d.code for d in clause_map.doc_types}
    for chapter, named in annex_a.items():
        for title in named:
            chapters = {clause_map.clause(cid).chapter for cid in clause_map.clauses_of(titles[title])}  # type: ignore[union-attr]
            assert chapter in chapters, f"Annex A names 《{title}》 for chapter {chapter}; no clause there links it"


def test_the_clause_text_gives_every_other_basis(clause_map: ClauseMap) -> None:
    for clause, code, basis in _links(clause_map):
        text = _text(clause)
        if basis == "establish":
            assert "建立" in text or "制定" in text, f"{clause.id} → {code}: the clause says neither 建立 nor 制定"
        elif basis == "recommended":
            assert clause.id == "8.2" and "可采取以下措施" in text
        elif basis in ("maintain", "retain") and (clause.id, code) not in IMPLIED:
            verb = "保持" if basis == "maintain" else "保留"
            assert verb in text, f"{clause.id} → {code}: basis {basis} but the clause does not say {verb}"
    for clause_id, code in IMPLIED:
        spec = clause_map.clause(clause_id)
        assert spec is not None and code in spec.doc_types, (clause_id, code)


@pytest.mark.parametrize(
    ("clause_id", "code", "basis"),
    [
        ("5.1", "RISK_OPPORTUNITY_REGISTER", "establish"),  # b) 建立风险与机遇的登记册或清单
        ("6.1", "GREEN_LOW_CARBON_DEVELOPMENT_PLAN", "establish"),  # c) 组织制定绿色低碳发展规划
        ("6.2", "CARBON_POLICY", "establish"),  # 最高管理者应制定碳排放管理方针
        ("6.3", "ORGANISATION_RESPONSIBILITIES", "establish"),  # 应建立…碳排放管理机构
        ("11.1", "IMPROVEMENT_PLAN", "establish"),  # 制定改进方案
        ("8.3", "INFORMATION_CHANNEL_LIST", "establish"),  # b) 建立外部信息传递渠道 (Annex A names it for 5)
        ("5.4", "CMS_DOCUMENTATION", "establish"),  # Annex A names it for chapter 6, not 5
        ("7.4", "PERFORMANCE_INDICATOR_METHODS", "retain"),  # 应保留和更新…方法、数值的文件化信息
        ("7.5", "CARBON_BASELINE", "retain"),  # 应保留和更新碳管理基准相关的文件化信息
        ("10.1.2", "COMPLIANCE_EVALUATION_REPORT", "retain"),  # Annex A names it for chapter 5
        ("10.1.1", "MONITORING_MEASUREMENT_RECORDS", "retain"),  # Annex A names it for chapter 9
        ("5.3", "CMS_SCOPE_BOUNDARY", "maintain"),  # 应作为文件化信息予以保持
        ("7.3.1", "REVIEW_METHODS_CRITERIA", "maintain"),  # 应保持…方法和准则的文件化信息
        ("8.3", "COMMUNICATION_RECORD", "retain"),  # 应保留沟通交流的记录
        ("9.2.3", "PROCESS_MANAGEMENT_RECORDS", "annex_a"),
        ("8.2", "TRAINING_RECORD", "recommended"),
    ],
)
def test_link_basis(clause_map: ClauseMap, clause_id: str, code: str, basis: str) -> None:
    clause = clause_map.clause(clause_id)
    assert clause is not None and code in clause.doc_types
    assert clause_map.link_basis(clause, code) == basis


def test_links_annex_a_states(clause_map: ClauseMap) -> None:
    assert clause_map.clauses_of("CARBON_REVIEW_REPORT") == ["7.3.1", "7.3.2", "7.3.3", "7.3.4", "7.3.5"]
    for code in ("CARBON_MANAGEMENT_FRAMEWORK", "CONTEXT_TRAINING_MEETING_DOCS"):
        assert clause_map.clauses_of(code) == ["5.1", "5.2", "5.3", "5.4"], code
    assert clause_map.clauses_of("TARGET_COMPLETION_CHECKLIST") == ["7.1", "10.1.1"]
    assert clause_map.clauses_of("NONCONFORMITY_IMPROVEMENT_GUIDE") == ["11.1", "11.2", "11.3"]


def test_link_and_type_counts(clause_map: ClauseMap) -> None:
    links = _links(clause_map)
    assert len(clause_map.doc_types) == 52  # with the activity data submissions of issue 14
    assert len(links) == 88  # 75 before issue 13, 12 added from Annex A's table, 1 for the activity data
    counts: dict[str, int] = {}
    for _, _, basis in links:
        counts[basis] = counts.get(basis, 0) + 1
    assert counts == {"annex_a": 51, "establish": 7, "maintain": 8, "retain": 19, "recommended": 3}
