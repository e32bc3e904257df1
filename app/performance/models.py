"""Carbon management performance (7.1, 7.2, 7.4, 7.5, 10.1.1): indicators and their values, baselines,
objectives and targets, implementation measures, and significant deviations with their investigation.

Values computed from the confirmed inventory are never stored as typed figures: `calculation.py` derives them on
demand from `app.inventory.queries`, so a value always agrees with its trail. Only what carbonms cannot compute
(manual indicators) is entered, with evidence, and a correction is a new version with a reason.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Date, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.columns import fk_column as _fk
from app.columns import park_column as _park
from app.columns import string_column as _str
from app.columns import text_column as _text
from app.columns import utc_column as _utc
from app.common import utcnow
from app.inventory.models import DecimalText


def _dec(nullable: bool = True) -> Column:
    return Column(DecimalText(), nullable=nullable)


# ---------------------------------------------------------------- indicators (7.4)


class IndicatorLevel(StrEnum):
    park = "park"  # 园区
    enterprise = "enterprise"  # 企业
    process = "process"  # 重点工序 (an emission source of an enterprise)
    equipment = "equipment"  # 重点设备设施 (an emission source of an enterprise)


class IndicatorFormula(StrEnum):
    """What an indicator's value is computed from; `manual` is entered with evidence (data not held here)."""

    total_emission = "total_emission"  # tCO₂ of the level (park, enterprise or source)
    intensity_output_value = "intensity_output_value"  # tCO₂ per 万元 output value (or value added)
    intensity_product = "intensity_product"  # tCO₂ per unit of product (enterprise level)
    renewable_share = "renewable_share"  # renewable energy / total energy (tce), as a percentage
    scope_emission = "scope_emission"  # scope 1 or 2 emissions of the level (`scope` on the indicator)
    energy_consumption = "energy_consumption"  # 综合能耗, tce
    manual = "manual"  # e.g. 余热余压利用率: entered per period with evidence


class Frequency(StrEnum):
    annual = "annual"
    quarterly = "quarterly"
    monthly = "monthly"


class Direction(StrEnum):
    """Which way is better: emissions and intensities go down, shares of renewables go up."""

    lower_is_better = "lower"
    higher_is_better = "higher"


class Indicator(SQLModel, table=True):
    """碳排放管理绩效参数 (7.4)."""

    __tablename__ = "performance_indicator"
    __table_args__ = (UniqueConstraint("park_id", "code", name="uq_performance_indicator_code"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    code: str = Field(sa_column=Column(String(40), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    unit: str = Field(sa_column=Column(String(40), nullable=False))
    level: IndicatorLevel = Field(sa_column=Column(String(16), nullable=False))
    enterprise_id: int | None = Field(default=None, sa_column=_fk("enterprise.id"))
    source_id: int | None = Field(default=None, sa_column=_fk("emission_source.id"))
    frequency: Frequency = Field(default=Frequency.annual, sa_column=_str(16, "annual"))
    formula: IndicatorFormula = Field(sa_column=Column(String(32), nullable=False))
    scope: int | None = Field(default=None, sa_column=Column(Integer))  # for scope_emission
    direction: Direction = Field(default=Direction.lower_is_better, sa_column=_str(8, "lower"))
    # Significant-deviation rule (10.1.1): worse than the reference by more than this percentage.
    deviation_percent: Decimal | None = Field(default=None, sa_column=_dec())
    deviation_reference: str = Field(default="target", sa_column=_str(16, "target"))  # target | baseline
    method: str = Field(default="", sa_column=_text())  # 确定方法: how the value is obtained
    active: bool = Field(default=True)
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class ManualValue(SQLModel, table=True):
    """A value of a manual indicator for one period, with evidence; a correction supersedes it with a reason."""

    __tablename__ = "indicator_manual_value"
    __table_args__ = (Index("ix_indicator_manual_value_period", "indicator_id", "year", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    indicator_id: int = Field(sa_column=_fk("performance_indicator.id", nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    period: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))  # 0 year, 1–4, 1–12
    value: Decimal = Field(sa_column=_dec(False))
    evidence_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    evidence_note: str = Field(default="", sa_column=_text())
    supersedes_id: int | None = Field(default=None, sa_column=_fk("indicator_manual_value.id"))
    change_reason: str = Field(default="", sa_column=_text())
    entered_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    entered_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- baseline (7.5)


class AdjustmentReason(StrEnum):
    """The reasons of 7.5 a)–c) for adjusting a baseline."""

    indicator_no_longer_reflects = "indicator_no_longer_reflects"  # a) 绩效参数不再反映绩效
    static_factors_changed = "static_factors_changed"  # b) 静态因素发生了重大变化
    factors_or_method_changed = "factors_or_method_changed"  # c) 排放因子和核算方法发生变化


class Baseline(SQLModel, table=True):
    """碳排放管理基准 of one indicator, one version. Approved through the document lifecycle: `revision_id` is the
    CARBON_BASELINE revision that carries it; the version is in force once that revision is effective."""

    __tablename__ = "performance_baseline"
    __table_args__ = (UniqueConstraint("indicator_id", "version", name="uq_performance_baseline_version"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    indicator_id: int = Field(sa_column=_fk("performance_indicator.id", nullable=False, index=True))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    base_year: int | None = Field(default=None, sa_column=Column(Integer))  # 基准年
    base_line: str = Field(default="", sa_column=_text())  # 基准线: its description where not one year
    value: Decimal = Field(sa_column=_dec(False))
    # Relevant variables and their activity levels, as JSON [{"name", "unit", "value", "source"}].
    variables_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    revision_id: int | None = Field(default=None, sa_column=_fk("revision.id"))
    supersedes_id: int | None = Field(default=None, sa_column=_fk("performance_baseline.id"))
    adjustment_reason: str = Field(default="", sa_column=_str(40))  # an AdjustmentReason on versions > 1
    adjustment_note: str = Field(default="", sa_column=_text())
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- objectives and targets (7.1)


class ObjectiveCategory(StrEnum):
    """7.1 目标可包括 a)–e)."""

    compliance = "compliance"  # a) 满足碳排放法律法规及相关标准的要求
    performance = "performance"  # b) 达到碳排放绩效改进的预期结果
    fulfilment = "fulfilment"  # c) 完成碳排放履约
    carbon_assets = "carbon_assets"  # d) 实现碳资产开发和利用的预期效果
    social_responsibility = "social_responsibility"  # e) 履行节能降碳的社会责任


class Consideration(StrEnum):
    """7.1 在制定碳排放管理目标和指标时，产业园区应考虑 a)–g)."""

    reduction_and_intensity = "reduction_and_intensity"  # a) 碳减排量及碳排放强度
    carbon_assets = "carbon_assets"  # b) 碳资产盈亏
    trading = "trading"  # c) 碳排放的交易与管理
    social_responsibility = "social_responsibility"  # d) 社会责任
    production_plan = "production_plan"  # e) 自身的生产计划
    industry_benchmark = "industry_benchmark"  # f) 行业先进值
    other = "other"  # g) 其他应当考虑的因素，如外部合规性要求等


class Objective(SQLModel, table=True):
    """碳排放管理目标 (7.1), at park level."""

    __tablename__ = "performance_objective"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    category: ObjectiveCategory = Field(sa_column=Column(String(32), nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    description: str = Field(default="", sa_column=_text())
    target_year: int | None = Field(default=None, sa_column=Column(Integer))
    # {consideration code: how it was considered}, JSON.
    considerations_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    withdrawn_reason: str = Field(default="", sa_column=_text())
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class Target(SQLModel, table=True):
    """碳排放管理指标 (7.1): an objective decomposed to one level, measured by one indicator."""

    __tablename__ = "performance_target"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    objective_id: int = Field(sa_column=_fk("performance_objective.id", nullable=False, index=True))
    parent_id: int | None = Field(default=None, sa_column=_fk("performance_target.id"))  # decomposed from
    indicator_id: int = Field(sa_column=_fk("performance_indicator.id", nullable=False, index=True))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    target_value: Decimal = Field(sa_column=_dec(False))
    base_year: int | None = Field(default=None, sa_column=Column(Integer))
    start_year: int = Field(sa_column=Column(Integer, nullable=False))
    deadline: date = Field(sa_column=Column(Date, nullable=False))
    responsible_unit: str = Field(sa_column=Column(String(200), nullable=False))  # 责任单位
    responsible_enterprise_id: int | None = Field(default=None, sa_column=_fk("enterprise.id"))
    responsible_person: str = Field(default="", sa_column=_str(100))
    considerations_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    industry_benchmark: Decimal | None = Field(default=None, sa_column=_dec())  # 行业先进值, same unit
    benchmark_source: str = Field(default="", sa_column=_text())  # where the 先进值 comes from
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    withdrawn_reason: str = Field(default="", sa_column=_text())
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class ResponsibilityLetter(SQLModel, table=True):
    """A 《目标和指标责任书》 generated for one responsible unit: the targets it froze, and its document."""

    __tablename__ = "responsibility_letter"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    responsible_unit: str = Field(sa_column=Column(String(200), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    document_id: int = Field(sa_column=_fk("document.id", nullable=False))
    revision_id: int = Field(sa_column=_fk("revision.id", nullable=False))
    targets_json: str = Field(sa_column=Column(Text, nullable=False))  # the rows as rendered
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- implementation plans (7.2)


class MeasureStatus(StrEnum):
    planned = "planned"  # 未开始
    in_progress = "in_progress"  # 实施中
    completed = "completed"  # 已完成
    behind = "behind"  # 滞后
    cancelled = "cancelled"  # 已取消


class Measure(SQLModel, table=True):
    """A measure of the 碳排放管理实施方案 (7.2 a–f)."""

    __tablename__ = "performance_measure"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    title: str = Field(sa_column=Column(String(300), nullable=False))
    enterprise_id: int | None = Field(default=None, sa_column=_fk("enterprise.id"))
    source_id: int | None = Field(default=None, sa_column=_fk("emission_source.id"))  # the source addressed
    kind: str = Field(default="", sa_column=_str(32))  # 减排、技术改进、能源结构、生产运行调整 …
    technical_content: str = Field(default="", sa_column=_text())
    expected_reduction: Decimal | None = Field(default=None, sa_column=_dec())  # tCO₂ per year
    path_method: str = Field(default="", sa_column=_text())  # b) 实施路径和方法
    responsible_unit: str = Field(sa_column=Column(String(200), nullable=False))  # c)
    resources_people: str = Field(default="", sa_column=_text())  # d)
    resources_equipment: str = Field(default="", sa_column=_text())
    budget: Decimal | None = Field(default=None, sa_column=_dec())  # 万元
    start_date: date = Field(sa_column=Column(Date, nullable=False))  # e)
    end_date: date = Field(sa_column=Column(Date, nullable=False))
    verification_method: str = Field(default="", sa_column=_text())  # f) 结果验证方法
    plan_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))  # IMPLEMENTATION_PLAN
    created_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class MeasureTarget(SQLModel, table=True):
    __tablename__ = "performance_measure_target"
    __table_args__ = (UniqueConstraint("measure_id", "target_id", name="uq_performance_measure_target"),)

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(sa_column=_fk("performance_measure.id", nullable=False, index=True))
    target_id: int = Field(sa_column=_fk("performance_target.id", nullable=False, index=True))


class Milestone(SQLModel, table=True):
    __tablename__ = "performance_milestone"

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(sa_column=_fk("performance_measure.id", nullable=False, index=True))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    done_on: date | None = Field(default=None, sa_column=Column(Date))


class MeasureProgress(SQLModel, table=True):
    """The status and achieved effect of a measure for one period; the newest row per period counts."""

    __tablename__ = "performance_measure_progress"

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(sa_column=_fk("performance_measure.id", nullable=False, index=True))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    period: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    status: MeasureStatus = Field(sa_column=Column(String(16), nullable=False))
    achieved_reduction: Decimal | None = Field(default=None, sa_column=_dec())  # tCO₂, as verified
    verification: str = Field(default="", sa_column=_text())  # how the effect was verified (7.2 f)
    evidence_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))
    note: str = Field(default="", sa_column=_text())
    recorded_by_id: int = Field(sa_column=_fk("app_user.id", nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


# ---------------------------------------------------------------- significant deviations (10.1.1)


class DeviationState(StrEnum):
    open = "open"  # 待调查
    investigating = "investigating"  # 调查中
    closed = "closed"  # 已响应关闭


class Deviation(SQLModel, table=True):
    """A significant deviation of an indicator's value for a period, and its investigation and response."""

    __tablename__ = "performance_deviation"
    __table_args__ = (UniqueConstraint("indicator_id", "year", "period", name="uq_performance_deviation_period"),)

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=_park())
    indicator_id: int = Field(sa_column=_fk("performance_indicator.id", nullable=False))
    target_id: int | None = Field(default=None, sa_column=_fk("performance_target.id"))
    baseline_id: int | None = Field(default=None, sa_column=_fk("performance_baseline.id"))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    period: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    value: Decimal = Field(sa_column=_dec(False))
    reference_value: Decimal = Field(sa_column=_dec(False))
    reference_kind: str = Field(sa_column=Column(String(16), nullable=False))  # target | baseline
    deviation_percent: Decimal = Field(sa_column=_dec(False))  # how much worse, in %
    threshold_percent: Decimal = Field(sa_column=_dec(False))
    state: DeviationState = Field(default=DeviationState.open, sa_column=_str(16, "open"))
    assignee_id: int | None = Field(default=None, sa_column=_fk("app_user.id"))
    investigation: str = Field(default="", sa_column=_text())  # 调查: causes found
    response: str = Field(default="", sa_column=_text())  # 响应: what was done
    nonconformity_id: int | None = Field(default=None, sa_column=_fk("nonconformity.id"))
    record_document_id: int | None = Field(default=None, sa_column=_fk("document.id"))  # DEVIATION_INVESTIGATION_RECORD
    detected_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    closed_by_id: int | None = Field(default=None, sa_column=_fk("app_user.id"))
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
