"""Enterprises of the park and their emission sources; a contributor belongs to one enterprise.

Revision ID: 0006_enterprises
Revises: 0005_link_basis
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_enterprises"
down_revision: str | Sequence[str] | None = "0005_link_basis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("industry_code", sa.String(length=8), server_default="", nullable=False),
        sa.Column("industry_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("key_emitter", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("contact_phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("park_id", "credit_code"),
    )
    op.create_index("ix_enterprise_park_id", "enterprise", ["park_id"])
    op.create_table(
        "emission_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("enterprise_id", "name"),
    )
    op.create_index("ix_emission_source_park_id", "emission_source", ["park_id"])
    op.create_index("ix_emission_source_enterprise_id", "emission_source", ["enterprise_id"])
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_app_user_enterprise", "enterprise", ["enterprise_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_app_user_enterprise", type_="foreignkey")
        batch_op.drop_column("enterprise_id")
    op.drop_table("emission_source")
    op.drop_table("enterprise")
