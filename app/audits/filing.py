"""Filing a generated report as a record (the audit report, the management review report, the nonconformity record).

Only a coordinator files; each report is filed once, when what it reports on is finished, and the owner then points
at the record it was filed as, with the filing in the trail.
"""

from typing import Any

from sqlmodel import Session

from app.audits import common
from app.audits.common import stored_id
from app.audits.models import Audit, AuditProgramme, AuditState
from app.audits.reports import audit_report_docx, nonconformity_report_docx, report_filename, review_report_docx
from app.documents.records_service import create_record
from app.documents.service import stage_generated
from app.errors import Conflict, Forbidden, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.nonconformities import queries as nc_queries
from app.nonconformities import service as nonconformities
from app.nonconformities.models import NcState, Nonconformity
from app.reviews import service as review_service
from app.reviews.models import ManagementReview, ReviewState
from app.users.models import Role, User


def file_generated(
    session: Session, *, actor: User, doc_type: str, period: str, title: str, content: bytes, file_name: str
) -> tuple[Any, Any]:
    """Stage a generated file and register it as a record (submitted: it then needs its confirmation)."""
    staged = stage_generated(content, file_name)
    return create_record(
        session,
        actor=actor,
        doc_type_code=doc_type,
        period_text=period,
        staged=staged,
        title=title,
        owner_unit=actor.unit or "",
        # The period is the audit's, review's or nonconformity's own year, set there: not re-checked here.
        check_period=False,
    )


def may_file_reports(user: User) -> bool:
    """Who files generated reports as records (the pages ask this; the services refuse everyone else)."""
    return user.role == Role.coordinator


def _require_filer(actor: User, entity_type: str, entity_id: int) -> None:
    if not may_file_reports(actor):
        raise Forbidden(
            "只有体系管理员可以将报告归档为记录",
            "Only a coordinator may file a report as a record",
            audit=refusal(actor, Rule.role, entity_type, entity_id),
        )


def _file_as_record(
    session: Session,
    *,
    actor: User,
    owner: Audit | ManagementReview | Nonconformity,
    action: str,
    doc_type: str,
    period: str,
    title: str,
    content: bytes,
    file_name: str,
) -> tuple[Any, Any]:
    """File a generated report as a record, link it to what it reports on, and say so in the trail."""
    document, revision = file_generated(
        session, actor=actor, doc_type=doc_type, period=period, title=title, content=content, file_name=file_name
    )
    owner.report_document_id = document.id
    owner.version += 1
    session.add(owner)
    session.flush()
    events.record(
        session,
        action=action,
        entity_type=action.split(".")[0],
        entity_id=owner.id,
        park_id=owner.park_id,
        actor=actor,
        after={"document_id": document.id, "revision_id": revision.id},
    )
    return document, revision


def file_audit_report(session: Session, *, actor: User, audit_id: int) -> tuple[Audit, Any, Any]:
    audit = common.get_audit(session, audit_id=audit_id, user=actor, for_update=True)
    _require_filer(actor, "audit", stored_id(audit))
    if audit.state != AuditState.completed:
        raise InvalidTransition(
            "审核完成后才能归档审核报告", "The audit report can be filed once the audit is completed"
        )
    if audit.report_document_id is not None:
        raise Conflict("该审核报告已归档", "This audit's report is already filed")
    programme = session.get(AuditProgramme, audit.programme_id)
    document, revision = _file_as_record(
        session,
        actor=actor,
        owner=audit,
        action="audit.file_report",
        doc_type="INTERNAL_AUDIT_REPORT",
        period=str(programme.year if programme else audit.planned_start.year),
        title=f"管理体系内审报告：{audit.title}",
        content=audit_report_docx(session, audit),
        file_name=report_filename("audit", stored_id(audit)),
    )
    return audit, document, revision


def file_review_report(session: Session, *, actor: User, review_id: int) -> tuple[ManagementReview, Any, Any]:
    review = review_service.get_review(session, review_id=review_id, user=actor, for_update=True)
    _require_filer(actor, "review", stored_id(review))
    if review.state != ReviewState.closed:
        raise InvalidTransition(
            "管理评审关闭后才能归档评审报告", "The review report can be filed once the review is closed"
        )
    if review.report_document_id is not None:
        raise Conflict("该管理评审报告已归档", "This review's report is already filed")
    document, revision = _file_as_record(
        session,
        actor=actor,
        owner=review,
        action="review.file_report",
        doc_type="MANAGEMENT_REVIEW",
        period=str(review.review_date.year),
        title=f"管理评审报告：{review.title}",
        content=review_report_docx(session, review),
        file_name=report_filename("review", stored_id(review)),
    )
    return review, document, revision


def file_nonconformity_record(session: Session, *, actor: User, nc_id: int) -> tuple[Nonconformity, Any, Any]:
    nc = nonconformities.get_nonconformity(session, nc_id=nc_id, user=actor, for_update=True)
    _require_filer(actor, "nonconformity", stored_id(nc))
    if nc.state not in (NcState.closed, NcState.cancelled):
        raise InvalidTransition(
            "不符合项关闭或撤销后才能归档记录", "The record can be filed once the nonconformity is closed or cancelled"
        )
    if nc.report_document_id is not None:
        raise Conflict("该不符合项的记录已归档", "This nonconformity's record is already filed")
    code = nc_queries.nc_code(nc)
    document, revision = _file_as_record(
        session,
        actor=actor,
        owner=nc,
        action="nonconformity.file_record",
        doc_type="NONCONFORMITY_CORRECTIVE_ACTION_RECORD",
        period=str(nc.raised_at.year),
        title=f"不符合和纠正措施记录：{code}",
        content=nonconformity_report_docx(session, nc),
        file_name=f"不符合和纠正措施记录-{code}.docx",
    )
    return nc, document, revision
