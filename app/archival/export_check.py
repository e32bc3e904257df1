"""The archival check before an evidence package export (app/reports/exports.py): the package's documents are
checked first and the report goes into the package. A failed check does not stop the export; the package says so.

The export reads in a read-only transaction (a GET, or the CLI's read session); the check reads there too, and its
run is stored in a short transaction of its own, so the long read never holds the write lock and the run is kept
even if the download is later abandoned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from app import db
from app.archival import report, service
from app.archival.models import Origin, ScopeKind
from app.archival.scope import Scope
from app.labels import label_pair
from app.users.models import User

REPORT_MEMBER = "archival_check.docx"


@dataclass(frozen=True)
class ExportCheck:
    check_id: int
    verdict: str
    verdict_zh: str
    verdict_en: str
    problems: int
    report: bytes
    member: str = REPORT_MEMBER

    def manifest_entry(self) -> dict[str, object]:
        return {"id": self.check_id, "verdict": self.verdict, "problems": self.problems, "report": self.member}


def check_before_export(session: Session, *, user: User, document_ids: Iterable[int], export_scope: str) -> ExportCheck:
    scope = Scope(ScopeKind.documents, document_ids=tuple(sorted(set(document_ids))), export_scope=export_scope)
    result = service.compute(session, park_id=user.park_id, scope=scope, allow_empty=True)
    with db.session_scope() as write:
        run = service.record(write, actor=user, scope=scope, result=result, origin=Origin.export)
        content = report.build_report(write, run)
        assert run.id is not None  # flushed by record
        check_id, verdict, problems = run.id, run.verdict, run.problems_count
    zh, en = label_pair("archival_verdict", verdict)
    return ExportCheck(check_id, verdict, zh, en, problems, content)


def latest_export_check(session: Session, *, park_id: int) -> dict[str, object] | None:
    """The park's newest check made before an export, for the reports page: id, verdict and its words, time."""
    run = service.latest_run(session, park_id=park_id, origin=Origin.export)
    if run is None:
        return None
    zh, en = label_pair("archival_verdict", run.verdict)
    return {"id": run.id, "verdict": run.verdict, "verdict_zh": zh, "verdict_en": en, "created_at": run.created_at}


__all__ = ["REPORT_MEMBER", "ExportCheck", "check_before_export", "latest_export_check"]
