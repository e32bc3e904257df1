"""The report for year N describes year N: readiness as of 31 December of N, and the records whose period is N."""

from tests.factories import publish_new_document, record_upload, sign
from tests.reports.review_helpers import gap_table, get_report, this_year


def _filed_review(park, year: int) -> dict:
    record = record_upload(park, "EMISSION_REVIEW_RECORD", str(year)).json()
    assert sign(park, record["revision_id"], "approve", "approver").status_code == 200
    return record


def _annual_row(document, title: str) -> list[str]:
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "记录类型")
    return next([c.text for c in row.cells] for row in table.rows[1:] if row.cells[0].text == title)


def test_last_years_review_filed_this_year_is_last_years_report(park):
    """Filed after 31 December, the year's review still belongs to that year's report, not to the next one."""
    last = this_year() - 1
    record = _filed_review(park, last)

    document, text = get_report(park, last)
    assert f"{last}-12-31（{last} 年末）" in text  # readiness as of the year's end
    assert _annual_row(document, "碳排放管理评审记录") == [
        "碳排放管理评审记录",
        "满足",
        f"已归档 {record['control_no']}",
    ]
    assert not any("《碳排放管理评审记录》" in row.cells[2].text for row in gap_table(document).rows[1:])

    document, text = get_report(park, this_year())
    assert record["control_no"] not in text  # not this year's record
    row = _annual_row(document, "碳排放管理评审记录")
    assert row[1] == "缺失" and row[2] == f"尚无 {this_year()} 年度的记录"
    assert any("《碳排放管理评审记录》（7.3.2）：缺失" in r.cells[2].text for r in gap_table(document).rows[1:])


def test_a_past_years_report_sees_what_was_in_force_then(park):
    """A scope published this year was not in force on 31 December of last year."""
    scope, _ = publish_new_document(park, "CMS_SCOPE_BOUNDARY", title="体系范围和边界说明")
    _, text = get_report(park, this_year() - 1)
    assert scope["control_no"] not in text
    assert f"截至 {this_year() - 1}-12-31，园区尚无现行有效的《碳排放管理体系范围和边界》" in text
    _, text = get_report(park, this_year())
    assert scope["control_no"] in text


def test_records_of_other_years_are_not_the_years_records(park):
    older = _filed_review(park, this_year() - 2)
    _, text = get_report(park, this_year() - 1)
    assert older["control_no"] not in text
    assert f"尚无期间属于 {this_year() - 1} 年度的记录" in text
