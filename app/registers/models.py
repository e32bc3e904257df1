"""The registers the standard asks for (5.2, 7.6, 8.2, 8.3, 10.1.1, 10.1.2), kept as rows.

Every table belongs to a park; rows are changed only through `service.py` (and `histories.py`, for risk assessments
and calibrations), which record each change with its before and after. A register's published snapshot
(`RegisterSnapshot`) is the controlled evidence: its rows are frozen as JSON beside the revision they were rendered
into.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.columns import fk_column as _fk
from app.columns import park_column as _park
from app.columns import string_column as _str
from app.columns import text_column as _text
from app.columns import utc_column as _utc
from app.common import utcnow

# ---------------------------------------------------------------- legal and other requirements (5.2, 10.1.2)


class SourceKind(StrEnum):
    law = "law"  # 法律
    regulation = "regulation"  # 法规、规章
    standard = "standard"  # 标准
    policy = "policy"  # 政策文件
    other = "other"  # 其他要求（含相关方要求）


class SourceStatus(StrEnum):
    in_force = "in_force"  # 现行有效
    repealed = "repealed"  # 已废止


class RequirementOrigin(StrEnum):
    normative_reference = "normative_reference"  # T/CPQS ZC001—2025 第 2 章
    bibliography = "bibliography"  # T/CPQS ZC001—2025 参考文献
    park = "park"  # 园区自行识别
    interested_party = "interested_party"  # 相关方要求成为合规义务 (5.2 b)


class ReviewState(StrEnum):
    """Whether the park holds the requirement as applicable: seeded rows start as candidates."""

    candidate = "candidate"
    confirmed = "confirmed"
    rejected = "rejected"


class LegalRequirement(SQLModel, table=True):
    __tablename__ = "legal_requirement"
    __table_args__ = (Index("ix_legal_requirement_park_state", "park_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    title: str = Field(sa_column=Column(Text, nullable=False))
    source_kind: SourceKind = Field(sa_column=Column(String(16), nullable=False))
    issuing_body: str = Field(default="", sa_column=_str(200))
    number: str = Field(default="", sa_column=_str(100))  # 文号或标准编号
    issued_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: SourceStatus = Field(default=SourceStatus.in_force, sa_column=_str(16, "in_force"))
    articles: str = Field(default="", sa_column=_text())  # 适用条款
    applies_to_park: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default="1"))
    enterprise_ids_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    owner: str = Field(default="", sa_column=_str(100))
    origin: RequirementOrigin = Field(sa_column=Column(String(24), nullable=False))
    seed_ref: str = Field(default="", sa_column=_str(16))  # "2" or "[7]": where in the standard it came from
    party_id: int | None = Field(default=None, sa_column=_fk("interested_party.id"))
    state: ReviewState = Field(sa_column=Column(String(16), nullable=False))
    state_reason: str = Field(default="", sa_column=_text())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class RoundState(StrEnum):
    open = "open"
    closed = "closed"


class ComplianceRound(SQLModel, table=True):
    """One compliance evaluation of a period (10.1.2 b: at the frequency the park sets)."""

    __tablename__ = "compliance_round"
    __table_args__ = (UniqueConstraint("park_id", "period_start", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    title: str = Field(sa_column=Column(String(200), nullable=False))
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    state: RoundState = Field(sa_column=Column(String(16), nullable=False))
    conclusion: str = Field(default="", sa_column=_text())
    report_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc(True))


class ComplianceResultValue(StrEnum):
    compliant = "compliant"
    non_compliant = "non_compliant"
    not_applicable = "not_applicable"


class ComplianceResult(SQLModel, table=True):
    __tablename__ = "compliance_result"
    __table_args__ = (UniqueConstraint("round_id", "requirement_id"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    round_id: int = Field(sa_column=_fk("compliance_round.id", nullable=False, index=True))
    requirement_id: int = Field(sa_column=_fk("legal_requirement.id", nullable=False, index=True))
    result: ComplianceResultValue = Field(sa_column=Column(String(16), nullable=False))
    evidence: str = Field(default="", sa_column=_text())
    evaluator_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    evaluated_on: date = Field(sa_column=Column(Date, nullable=False))
    nonconformity_id: int | None = Field(default=None, sa_column=_fk("nonconformity.id"))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class RegisterSettings(SQLModel, table=True):
    """The park's own frequencies and criteria (10.1.2 b, 7.6.2 b); one row per park, made on first use."""

    __tablename__ = "register_settings"

    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), primary_key=True))
    compliance_interval_months: int = Field(default=12, sa_column=Column(Integer, nullable=False, server_default="12"))
    risk_review_interval_months: int = Field(default=12, sa_column=Column(Integer, nullable=False, server_default="12"))
    risk_criteria: str = Field(default="", sa_column=_text())  # 风险判定准则, in the park's words
    # Significance from likelihood × consequence (each 1–5): medium from this score, high from that one.
    risk_medium_from: int = Field(default=8, sa_column=Column(Integer, nullable=False, server_default="8"))
    risk_high_from: int = Field(default=15, sa_column=Column(Integer, nullable=False, server_default="15"))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- risks and opportunities (7.6)


class RiskCategory(StrEnum):
    strategic = "strategic"  # 7.6.1 a) 战略规划和实施风险
    operational = "operational"  # b) 运营风险
    financial = "financial"  # c) 财务风险
    emergent = "emergent"  # d) 潜在的其他风险
    opportunity = "opportunity"  # e) 潜在的机遇


class Significance(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Risk(SQLModel, table=True):
    __tablename__ = "risk"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    category: RiskCategory = Field(sa_column=Column(String(16), nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    description: str = Field(default="", sa_column=_text())
    likelihood: int = Field(sa_column=Column(Integer, nullable=False))  # 1–5
    consequence: int = Field(sa_column=Column(Integer, nullable=False))  # 1–5
    significance: Significance = Field(sa_column=Column(String(8), nullable=False))
    actions: str = Field(default="", sa_column=_text())  # 7.6.2 c)
    effectiveness_method: str = Field(default="", sa_column=_text())  # 7.6.2 c) 评价措施的有效性
    owner: str = Field(default="", sa_column=_str(100))
    review_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class RiskAssessment(SQLModel, table=True):
    """Each (re-)assessment of a risk, kept: the row's history (7.6.2 a)."""

    __tablename__ = "risk_assessment"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    risk_id: int = Field(sa_column=_fk("risk.id", nullable=False, index=True))
    assessed_on: date = Field(sa_column=Column(Date, nullable=False))
    likelihood: int = Field(sa_column=Column(Integer, nullable=False))
    consequence: int = Field(sa_column=Column(Integer, nullable=False))
    significance: Significance = Field(sa_column=Column(String(8), nullable=False))
    note: str = Field(default="", sa_column=_text())
    assessed_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- monitoring and measuring equipment (10.1.1)


class Equipment(SQLModel, table=True):
    __tablename__ = "equipment"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    name: str = Field(sa_column=Column(String(200), nullable=False))  # 器具名称及编号
    measures: str = Field(default="", sa_column=_str(200))  # 测量对象
    enterprise_id: int | None = Field(default=None, sa_column=_fk("enterprise.id", index=True))
    emission_source_id: int | None = Field(default=None, sa_column=_fk("emission_source.id", index=True))
    accuracy_class: str = Field(default="", sa_column=_str(40))
    interval_months: int = Field(sa_column=Column(Integer, nullable=False))
    last_calibrated_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    next_due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True, index=True))
    certificate_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class Calibration(SQLModel, table=True):
    """One calibration or verification and the date its validity ends: the history behind `calibration_overdue_on`."""

    __tablename__ = "calibration"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    equipment_id: int = Field(sa_column=_fk("equipment.id", nullable=False, index=True))
    calibrated_on: date = Field(sa_column=Column(Date, nullable=False))
    valid_until: date = Field(sa_column=Column(Date, nullable=False))
    certificate_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- interested parties, channels (5.1, 5.2)


class PartySide(StrEnum):
    internal = "internal"
    external = "external"


class InterestedParty(SQLModel, table=True):
    __tablename__ = "interested_party"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    name: str = Field(sa_column=Column(String(200), nullable=False))
    side: PartySide = Field(sa_column=Column(String(16), nullable=False))
    needs_expectations: str = Field(default="", sa_column=_text())
    response_plan_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    owner: str = Field(default="", sa_column=_str(100))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class InformationChannel(SQLModel, table=True):
    __tablename__ = "information_channel"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    name: str = Field(sa_column=Column(String(200), nullable=False))
    brings: str = Field(default="", sa_column=_text())  # 获取的信息
    frequency: str = Field(default="", sa_column=_str(100))
    responsible: str = Field(default="", sa_column=_str(100))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- competence and training (8.2), communication (8.3)


class CompetenceRole(SQLModel, table=True):
    __tablename__ = "competence_role"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    role_name: str = Field(sa_column=Column(String(200), nullable=False))
    required_competence: str = Field(default="", sa_column=_text())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class TrainingSession(SQLModel, table=True):
    __tablename__ = "training_session"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    held_on: date = Field(sa_column=Column(Date, nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    content_areas: str = Field(default="", sa_column=_str(200))  # comma-separated: law, regulation, policy, …
    attendees: str = Field(default="", sa_column=_text())
    assessment: str = Field(default="", sa_column=_text())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class CommunicationForm(StrEnum):
    meeting = "meeting"  # 8.3 a)
    external_channel = "external_channel"  # b)
    internal_platform = "internal_platform"  # c)
    notification = "notification"  # d)
    other = "other"  # e)


class Communication(SQLModel, table=True):
    __tablename__ = "communication"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    held_on: date = Field(sa_column=Column(Date, nullable=False))
    form: CommunicationForm = Field(sa_column=Column(String(24), nullable=False))
    side: PartySide = Field(sa_column=Column(String(16), nullable=False))
    subject: str = Field(sa_column=Column(String(300), nullable=False))
    participants: str = Field(default="", sa_column=_text())
    summary: str = Field(default="", sa_column=_text())
    minutes_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- published snapshots


class RegisterSnapshot(SQLModel, table=True):
    """A register as published: its rows frozen with the revision (a .docx) and the .xlsx rendered from them."""

    __tablename__ = "register_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    kind: str = Field(sa_column=Column(String(24), nullable=False, index=True))
    document_id: int = Field(sa_column=_fk("document.id", nullable=False))
    revision_id: int = Field(sa_column=_fk("revision.id", nullable=False, index=True))
    rows_json: str = Field(sa_column=Column(Text, nullable=False))
    row_count: int = Field(sa_column=Column(Integer, nullable=False))
    xlsx_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
