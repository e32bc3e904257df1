"""The park's profile: its time zone and its carbon management organisation (碳排放管理领导小组).

The organisation is who the park has put in charge (Annex B 第三章 一：最高管理者、相关部门负责人、碳排放管理人员),
entered by the coordinator; it is not the list of the system's user accounts.
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.common import utcnow

DEFAULT_TIME_ZONE = "Asia/Shanghai"


class ParkProfile(SQLModel, table=True):
    """One row per park, made on the first change; absent means the defaults."""

    __tablename__ = "park_profile"

    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), primary_key=True))
    time_zone: str = Field(
        default=DEFAULT_TIME_ZONE, sa_column=Column(String(64), nullable=False, server_default=DEFAULT_TIME_ZONE)
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class OrganisationMember(SQLModel, table=True):
    """A member of the park's carbon management leadership group: name, title, role in the group, unit."""

    __tablename__ = "organisation_member"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(sa_column=Column(Integer, ForeignKey("park.id"), nullable=False, index=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    title: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))  # 职务
    group_role: str = Field(sa_column=Column(String(100), nullable=False))  # 组内职责：组长、副组长、成员 …
    unit: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))  # order shown
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
