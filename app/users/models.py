from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.common import utcnow
from app.labels import LABELS


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    approver = "approver"
    top_management = "top_management"
    auditor = "auditor"
    contributor = "contributor"


ROLE_LABELS = LABELS["role"]


def _utc_column(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class Park(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    park_id: int = Field(foreign_key="park.id", index=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    full_name: str = Field(max_length=100)
    role: Role = Field(sa_column=Column(String(32), nullable=False))
    unit: str | None = Field(default=None, max_length=200)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    is_active: bool = True
    # Contributors may only upload records and drafts of these document types (comma-separated codes).
    assigned_doc_types: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # A contributor (企业填报人员) belongs to one enterprise and sees and submits only its data.
    enterprise_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("enterprise.id"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())

    @property
    def assigned_types(self) -> set[str]:
        return {code for code in self.assigned_doc_types.split(",") if code}


class AuthSession(SQLModel, table=True):
    """A signed-in session (bearer token or browser cookie); only the token's hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class PasswordFailure(SQLModel, table=True):
    """A wrong password (sign-in, electronic signature or password change): what throttling counts.

    Kept only as long as the throttling window; the audit trail keeps every attempt for good.
    """

    __tablename__ = "password_failure"
    __table_args__ = (
        Index("ix_password_failure_pair", "username", "client_address", "occurred_at"),
        Index("ix_password_failure_address", "client_address", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), nullable=False))
    client_address: str = Field(sa_column=Column(String(64), nullable=False))
    # sign_in, signature or password_change
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class UserPublic(SQLModel):
    id: int
    username: str
    full_name: str
    role: Role
    unit: str | None
    is_active: bool
    park_id: int
