"""The park's carbon data: enterprises (入园企业) and their emission sources (GB/T 32150 categories)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
