"""Shapes of the inventory for the API and the pages: decimals as strings (exact), codes with their labels."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.inventory import factors as factor_library
from app.inventory import submissions
from app.inventory.boundary import BoundaryView
from app.inventory.models import (
    ActivityData,
    EconomicData,
    EmissionFactor,
    EmissionSource,
    Enterprise,
    FactorDataSet,
    FactorKind,
    FactorOrigin,
    SourceCategory,
    Submission,
)
from app.inventory.queries import TrailRow
from app.labels import LABELS

Amount = str  # a Decimal written exactly


def dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f") if value != 0 else "0"


def _deep(value: Any) -> Any:
    if isinstance(value, Decimal):
        return dec(value)
    if isinstance(value, dict):
        return {key: _deep(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep(item) for item in value]
    return value


# ---------------------------------------------------------------- input


class EnterpriseIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(min_length=1, max_length=40)
    industry_code: str = Field(default="", max_length=8)
    industry_name: str = Field(default="", max_length=200)
    key_emitter: bool = False
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)


class EnterpriseUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    credit_code: str | None = Field(default=None, max_length=40)
    industry_code: str | None = Field(default=None, max_length=8)
    industry_name: str | None = Field(default=None, max_length=200)
    key_emitter: bool | None = None
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=40)


class SourceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    category: SourceCategory
    scope: int | None = Field(default=None, ge=1, le=2)
    quantity: str = Field(default="", max_length=100)
    unit: str = Field(default="", max_length=16)
    renewable: bool = False
    description: str = Field(default="", max_length=4000)


class SourceUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    category: SourceCategory | None = None
    scope: int | None = Field(default=None, ge=1, le=2)
    quantity: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=16)
    renewable: bool | None = None
    description: str | None = Field(default=None, max_length=4000)


class BoundaryIn(BaseModel):
    source_ids: list[int] = Field(max_length=100_000)
    note: str = Field(default="", max_length=4000)


class EconomicIn(BaseModel):
    output_value: str = Field(max_length=40)
    value_kind: str = Field(default="output_value", max_length=16)
    source: str = Field(max_length=1000)
    product_name: str = Field(default="", max_length=100)
    product_output: str | None = Field(default=None, max_length=40)
    product_unit: str = Field(default="", max_length=16)


class AssignIn(BaseModel):
    enterprise_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class DataSetIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    source_document: str = Field(default="", max_length=4000)


class FactorIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    kind: FactorKind
    quantity: str = Field(min_length=1, max_length=100)
    activity_unit: str = Field(max_length=16)
    ncv: str | None = Field(default=None, max_length=40)
    carbon_content: str | None = Field(default=None, max_length=40)
    oxidation_rate: str | None = Field(default=None, max_length=40)
    direct_factor: str | None = Field(default=None, max_length=40)
    valid_from_year: int | None = None
    valid_to_year: int | None = None
    region: str = Field(default="", max_length=100)
    origin: FactorOrigin = FactorOrigin.published
    source_document: str = Field(max_length=4000)
    source_table: str = Field(default="", max_length=200)
    source_row: str = Field(default="", max_length=200)


class FactorCorrection(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)
    ncv: str | None = Field(default=None, max_length=40)
    carbon_content: str | None = Field(default=None, max_length=40)
    oxidation_rate: str | None = Field(default=None, max_length=40)
    direct_factor: str | None = Field(default=None, max_length=40)
    valid_from_year: int | None = None
    valid_to_year: int | None = None
    source_document: str | None = Field(default=None, max_length=4000)
    source_table: str | None = Field(default=None, max_length=200)
    source_row: str | None = Field(default=None, max_length=200)


class RowIn(BaseModel):
    source_id: int | str
    quantity: str | int | float = Field(union_mode="left_to_right")
    unit: str = Field(max_length=16)
    quality: str = Field(max_length=16)
    month: int | None = None
    ncv: str | None = Field(default=None, max_length=40)
    carbon_content: str | None = Field(default=None, max_length=40)
    oxidation_rate: str | None = Field(default=None, max_length=40)
    purity: str | None = Field(default=None, max_length=40)
    meter_ref: str | None = Field(default=None, max_length=100)
    note: str = Field(default="", max_length=1000)


class SubmissionIn(BaseModel):
    enterprise_id: int = Field(ge=1, le=2_147_483_647)
    year: int
    month: int | None = None
    rows: list[RowIn] = Field(max_length=100_000)
    corrects_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    reason: str = Field(default="", max_length=4000)


class RowsIn(BaseModel):
    rows: list[RowIn] = Field(max_length=100_000)


class SignIn(BaseModel):
    password: str = Field(default="", max_length=256)
    comment: str = Field(default="", max_length=4000)


class CommentIn(BaseModel):
    comment: str = Field(max_length=4000)


# ---------------------------------------------------------------- output


def _label(kind: str, code: str) -> dict[str, str]:
    zh, en = LABELS[kind].get(code, (code, code))
    return {"zh": zh, "en": en}


def enterprise_out(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "industry_code": enterprise.industry_code,
        "industry_name": enterprise.industry_name,
        "key_emitter": enterprise.key_emitter,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "created_at": enterprise.created_at,
    }


def source_out(source: EmissionSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "enterprise_id": source.enterprise_id,
        "name": source.name,
        "category": str(source.category),
        "category_label": _label("source_category", str(source.category)),
        "scope": source.scope,
        "quantity": source.quantity,
        "unit": source.unit,
        "renewable": source.renewable,
        "description": source.description,
    }


def boundary_out(view: BoundaryView) -> dict[str, Any]:
    return {
        "year": view.year,
        "defined": view.defined,
        "note": view.note,
        "enterprise_ids": view.enterprise_ids,
        "source_ids": view.source_ids,
        "previous_year": view.previous_year,
        "previous_defined": view.previous_defined,
        "changes": {
            "added_enterprise_ids": view.added_enterprise_ids,
            "removed_enterprise_ids": view.removed_enterprise_ids,
            "added_source_ids": view.added_source_ids,
            "removed_source_ids": view.removed_source_ids,
        },
        "significant_change": view.significant_change,
        "significant_change_note": (
            "核算边界与上一年度不同，属于重大变化（7.3.1 注），碳排放管理体系评审应更新"
            if view.significant_change
            else ""
        ),
    }


def economic_out(row: EconomicData) -> dict[str, Any]:
    return {
        "enterprise_id": row.enterprise_id,
        "year": row.year,
        "output_value": dec(row.output_value),
        "value_kind": row.value_kind,
        "source": row.source,
        "product_name": row.product_name,
        "product_output": dec(row.product_output),
        "product_unit": row.product_unit,
    }


def data_set_out(data_set: FactorDataSet) -> dict[str, Any]:
    return {
        "id": data_set.id,
        "code": data_set.code,
        "version": data_set.version,
        "name": data_set.name,
        "source_document": data_set.source_document,
        "evidence_sha256": data_set.evidence_sha256,
        "evidence_name": data_set.evidence_name,
        "created_at": data_set.created_at,
    }


def factor_out(session: Session, factor: EmissionFactor) -> dict[str, Any]:
    return {
        "id": factor.id,
        "data_set_id": factor.data_set_id,
        "code": factor.code,
        "version": factor.version,
        "supersedes_id": factor.supersedes_id,
        "current": factor_library.is_current(session, factor.id or 0),
        "kind": str(factor.kind),
        "kind_label": _label("factor_kind", str(factor.kind)),
        "quantity": factor.quantity,
        "activity_unit": factor.activity_unit,
        "ncv": dec(factor.ncv),
        "carbon_content": dec(factor.carbon_content),
        "oxidation_rate": dec(factor.oxidation_rate),
        "direct_factor": dec(factor.direct_factor),
        "valid_from_year": factor.valid_from_year,
        "valid_to_year": factor.valid_to_year,
        "region": factor.region,
        "origin": str(factor.origin),
        "origin_label": _label("factor_origin", str(factor.origin)),
        "source_document": factor.source_document,
        "source_table": factor.source_table,
        "source_row": factor.source_row,
        "evidence_sha256": factor.evidence_sha256,
        "evidence_name": factor.evidence_name,
        "change_reason": factor.change_reason,
        "used_by_submissions": factor_library.usage(session, factor.id or 0),
    }


def row_out(row: ActivityData) -> dict[str, Any]:
    return {
        "id": row.id,
        "source_id": row.source_id,
        "month": row.month,
        "quantity": dec(row.quantity),
        "unit": row.unit,
        "quality": str(row.quality),
        "quality_label": _label("data_quality", str(row.quality)),
        "ncv": dec(row.ncv),
        "carbon_content": dec(row.carbon_content),
        "oxidation_rate": dec(row.oxidation_rate),
        "purity": dec(row.purity),
        "factor_id": row.factor_id,
        "meter_ref": row.meter_ref,
        "note": row.note,
    }


def submission_out(session: Session, submission: Submission, *, with_rows: bool = True) -> dict[str, Any]:
    state = submissions.state_of(session, submission)
    out: dict[str, Any] = {
        "id": submission.id,
        "enterprise_id": submission.enterprise_id,
        "year": submission.year,
        "month": submission.month,
        "state": state,
        "state_label": _label("submission_state", state),
        "record_id": submission.document_id,
        "corrects_id": submission.corrects_id,
        "correction_reason": submission.correction_reason,
        "created_at": submission.created_at,
        "evidence": [
            {"sha256": item.blob_sha256, "file_name": item.file_name, "source_id": item.source_id}
            for item in submissions.evidence_of(session, submission.id or 0)
        ],
    }
    if with_rows:
        out["rows"] = [row_out(row) for row in submissions.submission_rows(session, submission.id or 0)]
    return out


def trail_row_out(row: TrailRow) -> dict[str, Any]:
    return _deep(
        {
            "activity_id": row.activity_id,
            "submission_id": row.submission_id,
            "enterprise_id": row.enterprise_id,
            "enterprise_name": row.enterprise_name,
            "source_id": row.source_id,
            "source_name": row.source_name,
            "category": row.category,
            "category_label": _label("source_category", row.category),
            "scope": row.scope,
            "month": row.month,
            "quantity": row.quantity,
            "unit": row.unit,
            "quality": row.quality,
            "quality_label": _label("data_quality", row.quality),
            "meter_ref": row.meter_ref,
            "factor": row.factor,
            "parameters": row.parameters,
            "formula": row.formula,
            "emission": row.emission,
            "energy_tce": row.energy_tce,
            "evidence": row.evidence,
            "calibration_overdue": row.calibration_overdue,
        }
    )


LEVEL_TOTALS = ("scope", "by_category", "by_enterprise", "by_industry", "by_source")


def totals_out(totals: dict[str, Any]) -> dict[str, Any]:
    # The totals per key hold one entry per source of the park: shaped directly, not walked by `_deep`.
    levels = {
        name: {key: {"emission": dec(v["emission"]), "energy_tce": dec(v["energy_tce"])} for key, v in values.items()}
        for name, values in totals.items()
        if name in LEVEL_TOTALS
    }
    return (
        _deep({name: value for name, value in totals.items() if name not in LEVEL_TOTALS})
        | levels
        | {
            "unit": "tCO₂",
            "rounding": "合计为各行结果（精确到 10⁻⁹ t）之和；报表显示时四舍五入保留两位小数 / totals add the rows' "
            "results to 10⁻⁹ t; reports round half up to 2 places",
            "energy_method": "电力按当量值 3.6 MJ/kWh、1 kgce = 29.3076 MJ 折算（GB/T 2589—2020）",
        }
    )


def trail_out(trail: dict[str, Any]) -> dict[str, Any]:
    return {
        "year": trail["year"],
        "level": trail["level"],
        "key": trail["key"],
        "total": dec(trail["total"]),
        "energy_tce": dec(trail["energy_tce"]),
        "rows": [trail_row_out(row) for row in trail["rows"]],
    }
