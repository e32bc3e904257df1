"""Every domain's tables, imported once so Alembic and the mappers see one metadata."""

from app.archival.models import ArchivalCheck, ArchivalProblem
from app.audits.models import Audit, AuditFinding, AuditLine, AuditProgramme
from app.clauses.models import Clause, ClauseApplicability, DocType, DocTypeClause, ParkDocTypeSetting
from app.db import metadata
from app.documents.distribution_models import DistributionEntry, ReadConfirmation
from app.documents.models import Blob, Document, Revision, RevisionText, Signature
from app.events.models import Event, EventChainHead
from app.inventory.models import (
    ActivityData,
    Boundary,
    BoundarySource,
    EconomicData,
    EmissionFactor,
    EmissionSource,
    Enterprise,
    FactorDataSet,
    InventorySum,
    Submission,
    SubmissionEvidence,
)
from app.jobs.models import Job, JobSlot
from app.nonconformities.models import CorrectiveAction, Nonconformity
from app.parks.models import OrganisationMember, ParkProfile
from app.performance.models import (
    Baseline,
    Deviation,
    Indicator,
    ManualValue,
    Measure,
    MeasureProgress,
    MeasureTarget,
    Milestone,
    Objective,
    ResponsibilityLetter,
    Target,
)
from app.previews.models import RevisionPreview, RevisionPreviewStatus
from app.readiness.models import NoOccurrenceDeclaration
from app.recognition.models import RevisionRecognition
from app.registers.models import (
    Calibration,
    Communication,
    CompetenceRole,
    ComplianceResult,
    ComplianceRound,
    Equipment,
    InformationChannel,
    InterestedParty,
    LegalRequirement,
    RegisterSettings,
    RegisterSnapshot,
    Risk,
    RiskAssessment,
    TrainingSession,
)
from app.reports.models import ControlledCopy
from app.retention.models import (
    DestructionTombstone,
    DispositionBatch,
    DispositionItem,
    LegalHold,
    ParkRetentionSetting,
)
from app.reviews.models import ManagementReview, ReviewDecision
from app.search.models import SearchQueue
from app.users.models import AuthSession, Park, PasswordFailure, User

__all__ = [
    "ActivityData",
    "ArchivalCheck",
    "ArchivalProblem",
    "Audit",
    "AuditFinding",
    "AuditLine",
    "AuditProgramme",
    "AuthSession",
    "Baseline",
    "Blob",
    "Boundary",
    "BoundarySource",
    "Calibration",
    "Clause",
    "ClauseApplicability",
    "Communication",
    "CompetenceRole",
    "ComplianceResult",
    "ComplianceRound",
    "ControlledCopy",
    "CorrectiveAction",
    "DestructionTombstone",
    "Deviation",
    "DispositionBatch",
    "DispositionItem",
    "DistributionEntry",
    "DocType",
    "DocTypeClause",
    "Document",
    "EconomicData",
    "EmissionFactor",
    "EmissionSource",
    "Enterprise",
    "Equipment",
    "Event",
    "EventChainHead",
    "FactorDataSet",
    "Indicator",
    "InformationChannel",
    "InterestedParty",
    "InventorySum",
    "Job",
    "JobSlot",
    "LegalHold",
    "LegalRequirement",
    "ManagementReview",
    "ManualValue",
    "Measure",
    "MeasureProgress",
    "MeasureTarget",
    "Milestone",
    "NoOccurrenceDeclaration",
    "Nonconformity",
    "Objective",
    "OrganisationMember",
    "Park",
    "ParkDocTypeSetting",
    "ParkProfile",
    "ParkRetentionSetting",
    "PasswordFailure",
    "ReadConfirmation",
    "RegisterSettings",
    "RegisterSnapshot",
    "ResponsibilityLetter",
    "ReviewDecision",
    "Revision",
    "RevisionPreview",
    "RevisionPreviewStatus",
    "RevisionRecognition",
    "RevisionText",
    "Risk",
    "RiskAssessment",
    "SearchQueue",
    "Signature",
    "Submission",
    "SubmissionEvidence",
    "Target",
    "TrainingSession",
    "User",
    "metadata",
]
