"""Every domain's tables, imported once so Alembic and the mappers see one metadata."""

from app.audits.models import Audit, AuditFinding, AuditLine, AuditProgramme
from app.clauses.models import Clause, ClauseApplicability, DocType, DocTypeClause, ParkDocTypeSetting
from app.db import metadata
from app.documents.models import Blob, Document, Revision, RevisionText, Signature
from app.events.models import Event, EventChainHead
from app.inventory.models import EmissionSource, Enterprise
from app.nonconformities.models import CorrectiveAction, Nonconformity
from app.readiness.models import NoOccurrenceDeclaration
from app.reports.models import ControlledCopy
from app.reviews.models import ManagementReview, ReviewDecision
from app.search.models import SearchQueue
from app.users.models import AuthSession, Park, PasswordFailure, User

__all__ = [
    "Audit",
    "AuditFinding",
    "AuditLine",
    "AuditProgramme",
    "AuthSession",
    "Blob",
    "Clause",
    "ClauseApplicability",
    "ControlledCopy",
    "CorrectiveAction",
    "DocType",
    "DocTypeClause",
    "Document",
    "EmissionSource",
    "Enterprise",
    "Event",
    "EventChainHead",
    "ManagementReview",
    "NoOccurrenceDeclaration",
    "Nonconformity",
    "Park",
    "ParkDocTypeSetting",
    "PasswordFailure",
    "ReviewDecision",
    "Revision",
    "RevisionText",
    "SearchQueue",
    "Signature",
    "User",
    "metadata",
]
