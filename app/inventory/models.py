"""The park's carbon data: enterprises (入园企业) and their emission sources (GB/T 32150 categories)."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from app.common import utcnow


class SourceCategory(StrEnum):
    """The emission categories of GB/T 32150, plus waste treatment, which Annex B names on its own."""

    fuel_combustion = "fuel_combustion"  # 燃料燃烧
    industrial_process = "industrial_process"  # 工业生产过程
    waste_treatment = "waste_treatment"  # 废弃物处置处理
    purchased_electricity = "purchased_electricity"  # 购入的电力
    purchased_heat = "purchased_heat"  # 购入的热力
    exported_electricity = "exported_electricity"  # 输出的电力 (deducted)
    exported_heat = "exported_heat"  # 输出的热力 (deducted)
    co2_recovered = "co2_recovered"  # CO₂ 回收利用 (deducted)


class Enterprise(SQLModel, table=True):
    """An enterprise in the park (入园企业). Contributors belong to one (`User.enterprise_id`)."""

    __tablename__ = "enterprise"
    __table_args__ = (UniqueConstraint("park_id", "credit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False, index=True))
    name: str = Field(max_length=200)
    # 统一社会信用代码 (GB 32100: 18 characters, the last a check character).
    credit_code: str = Field(sa_column=Column(String(18), nullable=False))
    # GB/T 4754 industry, as the park enters it.
    industry_code: str = Field(default="", sa_column=Column(String(8), nullable=False, server_default=""))
    industry_name: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    # A key emitting unit of the national carbon market (全国碳市场重点排放单位).
    key_emitter: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default="0"))
    contact_name: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    contact_phone: str = Field(default="", sa_column=Column(String(40), nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class EmissionSource(SQLModel, table=True):
    """An emission source of an enterprise, in one GB/T 32150 category, scope 1 or 2."""

    __tablename__ = "emission_source"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False, index=True))
    enterprise_id: int = Field(sa_column=Column(Integer, ForeignKey("enterprise.id"), nullable=False, index=True))
    name: str = Field(max_length=200)
    category: SourceCategory = Field(sa_column=Column(String(32), nullable=False))
    scope: int = Field(sa_column=Column(Integer, nullable=False))  # 1 or 2
    # The fuel, process, grid region or heat it consumes (a factor's `quantity`), and the unit it is reported in.
    quantity: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    unit: str = Field(default="", sa_column=Column(String(16), nullable=False, server_default=""))
    # Renewable energy (e.g. green electricity bought, biomass): counted in the share of renewables.
    renewable: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default="0"))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class DecimalText(TypeDecorator):
    """An exact decimal stored as text: SQLite has no decimal type and would round through float."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        number = Decimal(value).normalize()
        text = format(number, "f")
        # Plain digits where they fit; else the exact scientific form (28 significant digits and an exponent).
        return text if len(text) <= 40 else str(number)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


def _dec(nullable: bool = True) -> Column:
    return Column(DecimalText(), nullable=nullable)


def _utc() -> Column:
    return Column(DateTime(timezone=True), nullable=False)


NANO = Decimal("1e-9")


def to_nano(value: Decimal) -> int:
    """A result in 10⁻⁹ of its unit (mg of CO₂, mgce), half up: far below any figure people read."""
    return int(value.scaleb(9).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_nano(value: int | None) -> Decimal:
    return Decimal(value or 0).scaleb(-9).normalize()


class FactorKind(StrEnum):
    """What a factor applies to; each category of source reads one kind."""

    fuel = "fuel"  # 燃料
    process = "process"  # 工业生产过程
    waste = "waste"  # 废弃物处置处理
    electricity = "electricity"  # 电力（电网区域）
    heat = "heat"  # 热力


CATEGORY_FACTOR_KIND: dict[SourceCategory, FactorKind | None] = {
    SourceCategory.fuel_combustion: FactorKind.fuel,
    SourceCategory.industrial_process: FactorKind.process,
    SourceCategory.waste_treatment: FactorKind.waste,
    SourceCategory.purchased_electricity: FactorKind.electricity,
    SourceCategory.exported_electricity: FactorKind.electricity,
    SourceCategory.purchased_heat: FactorKind.heat,
    SourceCategory.exported_heat: FactorKind.heat,
    SourceCategory.co2_recovered: None,  # R = Q × purity × ρ(CO₂): no factor, the density is a cited constant
}


class DataQuality(StrEnum):
    metered = "metered"  # 实测（计量）
    calculated = "calculated"  # 计算
    estimated = "estimated"  # 估算


class FactorOrigin(StrEnum):
    published = "published"  # 公开发布的缺省值
    measured = "measured"  # 园区/企业实测
    supplier = "supplier"  # 供应商提供


class FactorDataSet(SQLModel, table=True):
    """A versioned data set of emission factors (e.g. a published table, or the park's own measurements)."""

    __tablename__ = "factor_data_set"
    __table_args__ = (UniqueConstraint("park_id", "code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False, index=True))
    code: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    name: str = Field(max_length=200)
    # The document the set comes from (e.g. a standard, a published table), as the park cites it.
    source_document: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    evidence_sha256: str | None = Field(default=None, sa_column=Column(String(64), ForeignKey("blob.sha256")))
    evidence_name: str = Field(default="", sa_column=Column(String(255), nullable=False, server_default=""))
    created_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class EmissionFactor(SQLModel, table=True):
    """One factor of a data set. Never changed once a confirmed submission used it: a correction is a new version
    (`supersedes_id`), and the rows that used the old one keep pointing at it."""

    __tablename__ = "emission_factor"
    __table_args__ = (
        UniqueConstraint("park_id", "code", "version"),
        Index("ix_emission_factor_lookup", "park_id", "kind", "quantity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    data_set_id: int = Field(sa_column=Column(Integer, ForeignKey("factor_data_set.id"), nullable=False, index=True))
    # Stable across versions (e.g. "raw_coal_2024"); version 1, 2, … of the same code.
    code: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    supersedes_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("emission_factor.id")))
    kind: FactorKind = Field(sa_column=Column(String(16), nullable=False))
    # The fuel, process, grid region or heat it applies to (sources name it in `EmissionSource.quantity`).
    quantity: str = Field(sa_column=Column(String(100), nullable=False))
    # The unit of the activity the factor is per: t, 万Nm³, MWh, GJ …
    activity_unit: str = Field(sa_column=Column(String(16), nullable=False))
    # GB/T 32150 fuel parameters: NCV in GJ per activity unit, carbon content in tC/GJ, oxidation rate (0–1).
    ncv: Decimal | None = Field(default=None, sa_column=_dec())
    carbon_content: Decimal | None = Field(default=None, sa_column=_dec())
    oxidation_rate: Decimal | None = Field(default=None, sa_column=_dec())
    # Or a direct factor, tCO₂ per activity unit (process, waste, electricity, heat, a supplier's fuel factor).
    direct_factor: Decimal | None = Field(default=None, sa_column=_dec())
    valid_from_year: int | None = Field(default=None, sa_column=Column(Integer))
    valid_to_year: int | None = Field(default=None, sa_column=Column(Integer))
    region: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    origin: FactorOrigin = Field(sa_column=Column(String(16), nullable=False))
    # Where the value is written: document, table, row.
    source_document: str = Field(sa_column=Column(Text, nullable=False))
    source_table: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    source_row: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    evidence_sha256: str | None = Field(default=None, sa_column=Column(String(64), ForeignKey("blob.sha256")))
    evidence_name: str = Field(default="", sa_column=Column(String(255), nullable=False, server_default=""))
    change_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class Boundary(SQLModel, table=True):
    """The year's boundary (5.3): which enterprises and which of their sources are in scope."""

    __tablename__ = "inventory_boundary"
    __table_args__ = (UniqueConstraint("park_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class BoundarySource(SQLModel, table=True):
    """A source in a year's boundary; its enterprise is in scope through it."""

    __tablename__ = "boundary_source"
    __table_args__ = (UniqueConstraint("boundary_id", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    boundary_id: int = Field(sa_column=Column(Integer, ForeignKey("inventory_boundary.id"), nullable=False))
    enterprise_id: int = Field(sa_column=Column(Integer, ForeignKey("enterprise.id"), nullable=False))
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("emission_source.id"), nullable=False))


class EconomicData(SQLModel, table=True):
    """An enterprise's output for a year: output value (or value added) and, where defined, its product output."""

    __tablename__ = "economic_data"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"), Index("ix_economic_data_park_year", "park_id", "year"))

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    enterprise_id: int = Field(sa_column=Column(Integer, ForeignKey("enterprise.id"), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    output_value: Decimal = Field(sa_column=_dec(False))  # 万元
    value_kind: str = Field(default="output_value", sa_column=Column(String(16), nullable=False))  # or value_added
    product_name: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))
    product_output: Decimal | None = Field(default=None, sa_column=_dec())
    product_unit: str = Field(default="", sa_column=Column(String(16), nullable=False, server_default=""))
    source: str = Field(sa_column=Column(Text, nullable=False))  # where the figure comes from (统计报表, 审计报告…)
    updated_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class Submission(SQLModel, table=True):
    """A submission of activity data: a record (ACTIVITY_DATA_SUBMISSION) of the enterprise for a year or month.

    Its state is the record revision's (app/documents/lifecycle.py): prepared here (no record yet, rows editable),
    then submitted (the record is created from the generated workbook of the rows, so its hash covers the data),
    confirmed with the coordinator's signature (filed). A correction is a new submission naming the one it replaces.
    """

    __tablename__ = "activity_submission"
    __table_args__ = (Index("ix_activity_submission_period", "park_id", "year", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    enterprise_id: int = Field(sa_column=Column(Integer, ForeignKey("enterprise.id"), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    month: int | None = Field(default=None, sa_column=Column(Integer))  # None: the whole year
    document_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("document.id"), unique=True))
    corrects_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("activity_submission.id")))
    correction_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class ActivityData(SQLModel, table=True):
    """One row of a submission: a source's quantity with its unit, measured parameters, quality and factor."""

    __tablename__ = "activity_data"
    # Covering the year's totals: the database sums them from the index alone (`queries.confirmed_figures`).
    __table_args__ = (
        Index(
            "ix_activity_data_park_year", "park_id", "year", "submission_id", "source_id", "emission_mg", "energy_mgce"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    submission_id: int = Field(
        sa_column=Column(Integer, ForeignKey("activity_submission.id"), nullable=False, index=True)
    )
    enterprise_id: int = Field(sa_column=Column(Integer, ForeignKey("enterprise.id"), nullable=False))
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("emission_source.id"), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    month: int | None = Field(default=None, sa_column=Column(Integer))
    quantity: Decimal = Field(sa_column=_dec(False))
    unit: str = Field(sa_column=Column(String(16), nullable=False))
    # Measured parameters; None means the factor's default applies (and is shown as such).
    ncv: Decimal | None = Field(default=None, sa_column=_dec())
    carbon_content: Decimal | None = Field(default=None, sa_column=_dec())
    oxidation_rate: Decimal | None = Field(default=None, sa_column=_dec())
    purity: Decimal | None = Field(default=None, sa_column=_dec())  # CO₂ recovered: volume or mass fraction
    quality: DataQuality = Field(sa_column=Column(String(16), nullable=False))
    # The factor version pinned when the row was written; None only for CO₂ recovered.
    factor_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("emission_factor.id")))
    # The row's result, calculated when it was written (its factor version is pinned and a submitted row never
    # changes), in 10⁻⁹ t CO₂ (mg) and 10⁻⁹ tce, so the database adds a year's rows up exactly by integer SUM; the
    # trail recalculates each row in Decimal and shows its formula.
    emission_mg: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    energy_mgce: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    # The meter the quantity was read from (registers: calibration status); free text until the register links it.
    meter_ref: str | None = Field(default=None, sa_column=Column(String(100)))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class SubmissionEvidence(SQLModel, table=True):
    """An evidence file (台账, invoice, settlement statement) of a submission, stored like every other file."""

    __tablename__ = "submission_evidence"
    __table_args__ = (UniqueConstraint("submission_id", "blob_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(
        sa_column=Column(Integer, ForeignKey("activity_submission.id"), nullable=False, index=True)
    )
    blob_sha256: str = Field(sa_column=Column(String(64), ForeignKey("blob.sha256"), nullable=False))
    file_name: str = Field(sa_column=Column(String(255), nullable=False))
    source_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("emission_source.id")))
    added_by_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id"), nullable=False))
    added_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class InventorySum(SQLModel, table=True):
    """A submitted submission's rows summed per source: emission, energy (10⁻⁹ units, exact integer sums) and row
    count, so a year's totals read one row per submission and source instead of every activity row.

    Written with the record, in the transaction that submits the rows (`app/inventory/sums.py`); a submitted row
    never changes, so neither does its sum. Which sums count is the record's state (filed), read with them, so
    confirming, voiding or correcting a submission never has to rewrite a sum. `carbonms verify` checks them.
    """

    __tablename__ = "inventory_sum"
    # Covering a year's read in the order it is listed (`queries.confirmed_figures`): no table lookup, no sort.
    __table_args__ = (
        Index(
            "ix_inventory_sum_park_year",
            "park_id",
            "year",
            "submission_id",
            "source_id",
            "emission_mg",
            "energy_mgce",
            "row_count",
        ),
    )

    submission_id: int = Field(
        sa_column=Column(Integer, ForeignKey("activity_submission.id"), primary_key=True, autoincrement=False)
    )
    source_id: int = Field(
        sa_column=Column(Integer, ForeignKey("emission_source.id"), primary_key=True, autoincrement=False)
    )
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    emission_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    energy_mgce: int = Field(sa_column=Column(BigInteger, nullable=False))
    row_count: int = Field(sa_column=Column(Integer, nullable=False))
