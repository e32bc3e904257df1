"""The park profile: its time zone and its carbon management leadership group.

Revision ID: 0007_park_profile
Revises: 0007_clause_blocks
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_park_profile"
down_revision: str | Sequence[str] | None = "0007_clause_blocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "park_profile",
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), primary_key=True),
        sa.Column("time_zone", sa.String(length=64), server_default="Asia/Shanghai", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "organisation_member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=100), server_default="", nullable=False),
        sa.Column("group_role", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=200), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_organisation_member_park_id", "organisation_member", ["park_id"])


def downgrade() -> None:
    op.drop_table("organisation_member")
    op.drop_table("park_profile")
