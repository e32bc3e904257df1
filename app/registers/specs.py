"""What each register holds, column by column: one description drives validation, the API's rows, the pages' forms,
.xlsx import and export and the published snapshot, so they cannot disagree."""

import builtins
import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, create_model
from pydantic import Field as PydanticField

from app.labels import label_pair
from app.registers.models import (
    Communication,
    CommunicationForm,
    CompetenceRole,
    Equipment,
    InformationChannel,
    InterestedParty,
    LegalRequirement,
    PartySide,
    Risk,
    RiskCategory,
    SourceKind,
    SourceStatus,
    TrainingSession,
)

MAX_ID = 2_147_483_647
TEXT_MAX = 10_000
TRAINING_CONTENT = ("law", "regulation", "policy", "technology", "management")  # 8.2 b)


class RegisterKind(StrEnum):
    legal = "legal"
    risks = "risks"
    equipment = "equipment"
    parties = "parties"
    channels = "channels"
    competence = "competence"
    training = "training"
    communication = "communication"


@dataclass(frozen=True)
class Col:
    name: str
    zh: str
    en: str
    type: str = "str"  # str text date int bool enum multi ids enterprise source document party
    required: bool = False
    max_len: int = 200
    enum: builtins.type[StrEnum] | None = None
    label_kind: str = ""  # the labels.py table of an enum's or a multi choice's words
    lo: int = 1
    hi: int = 5
    editable: bool = True  # False: shown, never written through the row form (state, origin …)
    create_only: bool = False  # written when the row is made; later only through its own action (risk assessment)
    default: Any = None

    @property
    def attr(self) -> str:
        return "enterprise_ids_json" if self.type == "ids" else self.name


@dataclass(frozen=True)
class RegisterSpec:
    kind: RegisterKind
    model: Any  # the SQLModel table class
    entity: str  # the audit trail's entity type
    doc_type: str | None  # the controlled document a snapshot is published as
    cols: tuple[Col, ...]
    search: tuple[str, ...]  # columns the free-text filter looks in
    order: str  # column the list is sorted by
    enterprise_col: str | None = None  # contributors see only their enterprise's rows (and only of these registers)

    def col(self, name: str) -> Col | None:
        return next((c for c in self.cols if c.name == name), None)

    @property
    def editable(self) -> tuple[Col, ...]:
        return tuple(c for c in self.cols if c.editable)


def _c(name: str, zh: str, en: str, type_: str = "str", **kw: Any) -> Col:
    return Col(name, zh, en, type_, **kw)


SPECS: dict[RegisterKind, RegisterSpec] = {
    RegisterKind.legal: RegisterSpec(
        RegisterKind.legal,
        LegalRequirement,
        "legal_requirement",
        "LEGAL_REQUIREMENTS_REGISTER",
        (
            _c("title", "名称", "Title", "text", required=True, max_len=1000),
            _c("source_kind", "类别", "Kind", "enum", required=True, enum=SourceKind, label_kind="source_kind"),
            _c("issuing_body", "发布机构", "Issuing body"),
            _c("number", "文号/编号", "Number", max_len=100),
            _c("issued_on", "发布日期", "Issued on", "date"),
            _c(
                "status",
                "状态",
                "Status",
                "enum",
                enum=SourceStatus,
                label_kind="source_status",
                default=SourceStatus.in_force,
            ),
            _c("articles", "适用条款", "Applicable articles", "text"),
            _c("applies_to_park", "适用于园区", "Applies to the park", "bool", default=True),
            _c("enterprise_ids", "适用企业", "Applies to enterprises", "ids"),
            _c("owner", "负责人", "Owner", max_len=100),
            _c("party_id", "来源相关方", "From interested party", "party"),
            _c("origin", "来源", "Origin", "enum", editable=False, label_kind="requirement_origin"),
            _c("seed_ref", "标准中的位置", "Place in the standard", editable=False),
            _c("state", "确认状态", "Review state", "enum", editable=False, label_kind="requirement_state"),
            _c("state_reason", "理由", "Reason", "text", editable=False),
        ),
        ("title", "number", "issuing_body", "articles"),
        "id",
    ),
    RegisterKind.risks: RegisterSpec(
        RegisterKind.risks,
        Risk,
        "risk",
        "RISK_OPPORTUNITY_REGISTER",
        (
            _c("category", "类别", "Category", "enum", required=True, enum=RiskCategory, label_kind="risk_category"),
            _c("title", "风险或机遇", "Risk or opportunity", required=True, max_len=300),
            _c("description", "描述", "Description", "text"),
            _c("likelihood", "可能性(1–5)", "Likelihood (1–5)", "int", required=True, create_only=True),
            _c("consequence", "后果(1–5)", "Consequence (1–5)", "int", required=True, create_only=True),
            _c("significance", "重要性等级", "Significance", "enum", editable=False, label_kind="significance"),
            _c("actions", "应对措施", "Actions", "text"),
            _c("effectiveness_method", "有效性评价方法", "How effectiveness is judged", "text"),
            _c("owner", "负责人", "Owner", max_len=100),
            _c("review_date", "评审日期", "Review date", "date"),
        ),
        ("title", "description", "actions"),
        "id",
    ),
    RegisterKind.equipment: RegisterSpec(
        RegisterKind.equipment,
        Equipment,
        "equipment",
        "MONITORING_EQUIPMENT_REGISTER",
        (
            _c("name", "器具名称及编号", "Instrument", required=True),
            _c("measures", "测量对象", "Measures"),
            _c("enterprise_id", "企业", "Enterprise", "enterprise"),
            _c("emission_source_id", "排放源", "Emission source", "source"),
            _c("accuracy_class", "准确度等级", "Accuracy class", max_len=40),
            _c("interval_months", "校准/检定周期(月)", "Interval (months)", "int", required=True, hi=120),
            _c("last_calibrated_on", "上次校准/检定", "Last calibrated", "date"),
            _c("next_due_on", "下次校准/检定", "Next due", "date"),
            _c("certificate_document_id", "证书（记录编号）", "Certificate (record id)", "document"),
        ),
        ("name", "measures", "accuracy_class"),
        "id",
        enterprise_col="enterprise_id",
    ),
    RegisterKind.parties: RegisterSpec(
        RegisterKind.parties,
        InterestedParty,
        "interested_party",
        "STAKEHOLDER_REGISTER",
        (
            _c("name", "相关方", "Interested party", required=True),
            _c(
                "side",
                "内/外部",
                "Internal or external",
                "enum",
                required=True,
                enum=PartySide,
                label_kind="party_side",
            ),
            _c("needs_expectations", "需求和期望", "Needs and expectations", "text"),
            _c(
                "response_plan_document_id", "相关方响应措施方案（文件编号）", "Response plan (document id)", "document"
            ),
            _c("owner", "负责人", "Owner", max_len=100),
        ),
        ("name", "needs_expectations"),
        "id",
    ),
    RegisterKind.channels: RegisterSpec(
        RegisterKind.channels,
        InformationChannel,
        "information_channel",
        "INFORMATION_CHANNEL_LIST",
        (
            _c("name", "信息渠道", "Channel", required=True),
            _c("brings", "获取的信息", "What it brings", "text"),
            _c("frequency", "频次", "Frequency", max_len=100),
            _c("responsible", "负责人", "Responsible person", max_len=100),
        ),
        ("name", "brings"),
        "id",
    ),
    RegisterKind.competence: RegisterSpec(
        RegisterKind.competence,
        CompetenceRole,
        "competence_role",
        None,
        (
            _c("role_name", "岗位", "Role", required=True),
            _c("required_competence", "能力要求", "Required competence", "text"),
        ),
        ("role_name", "required_competence"),
        "id",
    ),
    RegisterKind.training: RegisterSpec(
        RegisterKind.training,
        TrainingSession,
        "training_session",
        None,
        (
            _c("held_on", "日期", "Date", "date", required=True),
            _c("title", "培训主题", "Title", required=True, max_len=300),
            _c("content_areas", "培训内容(8.2 b)", "Content (8.2 b)", "multi", label_kind="training_content"),
            _c("attendees", "参加人员", "Attendees", "text"),
            _c("assessment", "考核方式及结果", "Assessment", "text"),
        ),
        ("title", "attendees"),
        "held_on",
    ),
    RegisterKind.communication: RegisterSpec(
        RegisterKind.communication,
        Communication,
        "communication",
        None,
        (
            _c("held_on", "日期", "Date", "date", required=True),
            _c(
                "form",
                "形式(8.3)",
                "Form (8.3)",
                "enum",
                required=True,
                enum=CommunicationForm,
                label_kind="communication_form",
            ),
            _c(
                "side",
                "内/外部",
                "Internal or external",
                "enum",
                required=True,
                enum=PartySide,
                label_kind="party_side",
            ),
            _c("subject", "主题", "Subject", required=True, max_len=300),
            _c("participants", "参加人员", "Participants", "text"),
            _c("summary", "内容摘要", "Summary", "text"),
            _c("minutes_document_id", "会议纪要（记录编号）", "Minutes (record id)", "document"),
        ),
        ("subject", "summary", "participants"),
        "held_on",
    ),
}

_Id = Annotated[int, PydanticField(ge=1, le=MAX_ID)]


def _annotation(col: Col) -> Any:
    if col.type in ("str", "text"):
        limit = TEXT_MAX if col.type == "text" and col.max_len == 200 else col.max_len
        return Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=limit, min_length=1 if col.required else 0)
        ]
    if col.type == "date":
        return date
    if col.type == "int":
        return Annotated[int, PydanticField(ge=col.lo, le=col.hi)]
    if col.type == "bool":
        return bool
    if col.type == "enum":
        return col.enum
    if col.type == "ids":
        return Annotated[list[_Id], PydanticField(max_length=500)]
    if col.type == "multi":
        return Annotated[
            list[Annotated[str, StringConstraints(pattern="^(" + "|".join(TRAINING_CONTENT) + ")$")]],
            PydanticField(max_length=5),
        ]
    return _Id  # a reference: enterprise, source, document, party


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def body_model(spec: RegisterSpec, *, partial: bool) -> type[BaseModel]:
    """The pydantic model of a row's body: all editable columns, required ones required unless `partial`."""
    fields: dict[str, Any] = {}
    for col in spec.editable:
        if partial and col.create_only:
            continue
        annotation = _annotation(col)
        nullable = col.type in ("date", "enterprise", "source", "document", "party")
        if nullable:
            annotation = annotation | None
        if col.required and not partial:
            fields[col.name] = (annotation, ...)
        else:
            default = col.default if col.default is not None else ([] if col.type in ("ids", "multi") else None)
            if default is None and col.type in ("str", "text"):
                default = ""
            fields[col.name] = (annotation, default)
    return create_model(f"{spec.kind.capitalize()}{'Patch' if partial else 'In'}", __base__=_Strict, **fields)


CREATE_MODELS = {kind: body_model(spec, partial=False) for kind, spec in SPECS.items()}
PATCH_MODELS = {kind: body_model(spec, partial=True) for kind, spec in SPECS.items()}


def to_storage(col: Col, value: Any) -> Any:
    if col.type == "ids":
        return json.dumps(sorted(set(value or [])))
    if col.type == "multi":
        return ",".join(v for v in TRAINING_CONTENT if v in (value or []))
    if col.type == "enum" and value is not None:
        return str(value)
    return value


def cell(col: Col, row: Any) -> Any:
    """A column's value of a row, as the API and the snapshot carry it (JSON-ready)."""
    value = getattr(row, col.attr)
    if col.type == "ids":
        return json.loads(value or "[]")
    if col.type == "multi":
        return [v for v in (value or "").split(",") if v]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    return value


def row_dict(spec: RegisterSpec, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id}
    for col in spec.cols:
        out[col.name] = cell(col, row)
    return out


def display(col: Col, value: Any) -> str:
    """A value as a person reads it in a generated file (Chinese words, never a raw code)."""
    if value is None or value == "" or value == []:
        return ""
    if col.type == "enum":
        return label_pair(col.label_kind, value)[0]
    if col.type == "multi":
        return "、".join(label_pair(col.label_kind, v)[0] for v in value)
    if col.type == "bool":
        return "是" if value else "否"
    if col.type == "ids":
        return "、".join(str(v) for v in value)
    return str(value)
