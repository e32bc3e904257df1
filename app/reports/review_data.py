"""What the Annex B review report of year N says, gathered from live data (the writing is in review_report.py).

Year semantics: the report for year N describes year N. Readiness is taken as of 31 December of N (as of today,
in the park's time zone, while N is the current year, and the report says so). Records are those whose period lies
within N, whenever they were filed: the 2025 review filed in March 2026 is the 2025 report's review, and it is not
the 2026 report's. Annual record types are therefore judged by year N's record, not by the readiness verdict of the
day (which, as of 31 December, cannot yet see a review filed after the year ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from app import timezones
from app.clauses.models import DocKind, DocType
from app.common import as_utc, utcnow
from app.documents import queries
from app.documents.access import readable
from app.documents.models import OPEN_STATES, Document, Revision, RevisionState, RevisionText
from app.errors import Invalid
from app.inventory import annex_b
from app.parks.models import OrganisationMember
from app.parks.queries import organisation, park_time_zone
from app.performance import annex_b as performance_annex_b
from app.readiness import service as readiness
from app.reports.register import register_rows
from app.users.models import Park, User

MIN_YEAR, MAX_YEAR = 2000, 2100
GAP_STATUSES = ("missing", "overdue", "review_overdue", "in_progress")
_OPEN = {str(state) for state in OPEN_STATES}
_ONCE_EFFECTIVE = (str(RevisionState.effective), str(RevisionState.superseded), str(RevisionState.obsolete))


def check_year(year: int, *, today: date | None = None) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间", f"The year must be between {MIN_YEAR} and {MAX_YEAR}")
    if today is not None and year > today.year:
        raise Invalid(
            f"{year} 年度尚未开始，不能生成该年度的评审报告（最晚为 {today.year} 年度）",
            f"Year {year} has not begun: the latest report is for {today.year}",
        )
    return year


@dataclass
class YearRecord:
    """The state of an annual record type for year N: met (a filed record of N), in progress, or missing."""

    doc_type: str
    title_zh: str
    status: str
    rows: list[dict[str, str]] = field(default_factory=list)

    def reason_zh(self, year: int) -> str:
        if self.status == "met":
            return "已归档 " + "、".join(row["control_no"] for row in self.rows)
        if self.status == "in_progress":
            return f"{year} 年度记录尚未完成确认：" + "、".join(row["control_no"] for row in self.rows)
        return f"尚无 {year} 年度的记录"


@dataclass
class DocumentCounts:
    """What the register holds, said apart: effective documents are not all registrations."""

    registered: int
    effective: int
    in_progress: int
    obsolete: int
    empty: int  # registered, no file uploaded yet


@dataclass
class ReportData:
    park: Park
    year: int
    time_zone: str
    as_of: date
    today: date
    current_year: bool
    readiness: dict[str, Any]
    scope: tuple[Document, Revision, str] | None
    organisation: list[OrganisationMember]
    in_force: list[tuple[Document, Revision, str]]  # documents in force at the end of as_of
    document_counts: DocumentCounts
    records: list[dict[str, str]]
    year_records: dict[str, YearRecord]
    items: dict[str, dict[str, Any]]
    issues: list[tuple[dict[str, Any], dict[str, Any]]]
    author: User
    generated_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # for sections other streams fill in (inventory figures)


def within_year(period: str, year: int) -> bool:
    """A register period "YYYY-MM-DD/YYYY-MM-DD" that lies within `year`."""
    return bool(period) and period[:4] == str(year) and period[11:15] == str(year)


def _in_force(session: Session, user: User, as_of: date, zone: str) -> list[tuple[Document, Revision, str]]:
    """The documents in force at the end of `as_of` (the park's day): published by then and not ended by then.

    (document, revision, type title), by control number; only what the user may read.
    """
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=timezones.zone(zone))
    query = (
        select(Document, Revision, col(DocType.title_zh))
        .join(Revision, col(Revision.document_id) == col(Document.id))
        .join(DocType, col(DocType.code) == col(Document.doc_type))
        .where(
            readable(user),
            col(Document.park_id) == user.park_id,
            col(DocType.kind) == str(DocKind.document),
            col(Revision.state).in_(_ONCE_EFFECTIVE),
            col(Revision.effective_from) < cutoff,
            or_(col(Revision.ended_at).is_(None), col(Revision.ended_at) >= cutoff),
        )
        .order_by(col(Document.control_no), col(Revision.number).desc())
    )
    seen: set[int | None] = set()
    out = []
    for document, revision, title in session.execute(query).all():
        if document.id not in seen:  # one revision in force per document
            seen.add(document.id)
            out.append((document, revision, str(title)))
    return out


def _scope(session: Session, in_force: list[tuple[Document, Revision, str]]) -> tuple[Document, Revision, str] | None:
    scopes = [(d, r) for d, r, _ in in_force if d.doc_type == "CMS_SCOPE_BOUNDARY"]
    if not scopes:
        return None
    document, revision = max(scopes, key=lambda pair: (as_utc(pair[1].effective_from), pair[1].id or 0))
    text = session.get(RevisionText, revision.id)
    return document, revision, (text.text if text else "")


def annual_record_types(session: Session) -> dict[str, str]:
    """Record types kept once a year (7.3.2–7.3.5 以年度为周期 and the like): code -> Chinese title."""
    query = select(col(DocType.code), col(DocType.title_zh)).where(
        col(DocType.kind) == str(DocKind.record), col(DocType.review_cycle_months) == 12
    )
    return {str(code): str(title) for code, title in session.execute(query).all()}


def _year_records(annual: dict[str, str], records: list[dict[str, str]], year: int) -> dict[str, YearRecord]:
    out = {code: YearRecord(code, title, "missing") for code, title in annual.items()}
    for row in records:
        entry = out.get(row["doc_type"])
        if entry is None:
            continue
        if row["state_code"] == str(RevisionState.filed):
            if entry.status != "met":
                entry.status, entry.rows = "met", []
            entry.rows.append(row)
        elif row["state_code"] in _OPEN and entry.status != "met":
            entry.status = "in_progress"
            entry.rows.append(row)
    return out


def _year_adjusted(item: dict[str, Any], year_records: dict[str, YearRecord], year: int) -> dict[str, Any]:
    """An annual record item judged by year N's record rather than by the readiness verdict of the day."""
    entry = year_records.get(item["doc_type"])
    if entry is None or item["status"] == "not_applicable":
        return item
    return item | {"status": entry.status, "reason_zh": entry.reason_zh(year), "judged_by_year": True}


def gather(session: Session, *, user: User, year: int) -> ReportData:
    zone = park_time_zone(session, user.park_id)
    today = timezones.today(zone)
    check_year(year, today=today)
    current_year = year == today.year
    as_of = today if current_year else date(year, 12, 31)
    result = readiness.compute_readiness(session, park_id=user.park_id, as_of=as_of, user=user)
    in_force = _in_force(session, user, as_of, zone)
    rows = register_rows(session, user=user, filters=queries.DocumentFilters())
    records = [row for row in rows if row["kind"] == "记录" and within_year(row["period"], year)]
    year_records = _year_records(annual_record_types(session), records, year)
    documents = [row for row in rows if row["kind"] == "文件"]
    effective = [row for row in documents if row["state_code"] == str(RevisionState.effective)]
    in_progress = [row for row in documents if row["state_code"] in _OPEN]
    empty = sum(1 for row in documents if not row["state_code"])
    counts = DocumentCounts(
        len(documents),
        len(effective),
        len(in_progress),
        len(documents) - len(effective) - len(in_progress) - empty,
        empty,
    )
    items: dict[str, dict[str, Any]] = {}
    issues = []
    for clause in result["clauses"]:
        for raw in clause["items"]:
            item = _year_adjusted(raw, year_records, year)
            items.setdefault(item["doc_type"], item)
            if clause["applicable"] and item["status"] in GAP_STATUSES:
                issues.append((clause, item))
    return ReportData(
        park=session.get_one(Park, user.park_id),
        year=year,
        time_zone=zone,
        as_of=as_of,
        today=today,
        current_year=current_year,
        readiness=result,
        scope=_scope(session, in_force),
        organisation=organisation(session, user.park_id),
        in_force=in_force,
        document_counts=counts,
        records=records,
        year_records=year_records,
        items=items,
        issues=issues,
        author=user,
        generated_at=timezones.fmt_time(utcnow(), zone),
        extra={
            "inventory": {  # chapters 2 三 and 4 from the confirmed inventory (app/inventory/annex_b.py)
                "energy": annex_b.energy_section(session, user.park_id, year),
                "data_collection": annex_b.data_collection_section(session, user.park_id, year),
                "emissions": annex_b.emission_section(session, user.park_id, year),
            },
            # chapter 5 and the seeds of chapter 6 from the performance data (app/performance/annex_b.py)
            "performance": performance_annex_b.sections(session, user.park_id, year, as_of),
        },
    )
