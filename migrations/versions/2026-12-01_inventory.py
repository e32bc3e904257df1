"""The park's carbon data: factor library, boundary, economic data, activity data submissions and their rows.

Revision ID: 0007_inventory
Revises: 0007_action_evidence_links
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_inventory"
down_revision: str | Sequence[str] | None = "0007_action_evidence_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _dec(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length=40), nullable=nullable)


def _utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), server_default="", nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("emission_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quantity", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("unit", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("renewable", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "factor_data_set",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _text("source_document"),
        sa.Column("evidence_sha256", sa.String(length=64), sa.ForeignKey("blob.sha256"), nullable=True),
        sa.Column("evidence_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        _utc("created_at"),
        sa.UniqueConstraint("park_id", "code", "version"),
    )
    op.create_index("ix_factor_data_set_park_id", "factor_data_set", ["park_id"])
    op.create_table(
        "emission_factor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("data_set_id", sa.Integer(), sa.ForeignKey("factor_data_set.id"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("emission_factor.id"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.String(length=100), nullable=False),
        sa.Column("activity_unit", sa.String(length=16), nullable=False),
        _dec("ncv"),
        _dec("carbon_content"),
        _dec("oxidation_rate"),
        _dec("direct_factor"),
        sa.Column("valid_from_year", sa.Integer(), nullable=True),
        sa.Column("valid_to_year", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=100), server_default="", nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("source_table", sa.String(length=200), server_default="", nullable=False),
        sa.Column("source_row", sa.String(length=200), server_default="", nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), sa.ForeignKey("blob.sha256"), nullable=True),
        sa.Column("evidence_name", sa.String(length=255), server_default="", nullable=False),
        _text("change_reason"),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        _utc("created_at"),
        sa.UniqueConstraint("park_id", "code", "version"),
    )
    op.create_index("ix_emission_factor_data_set_id", "emission_factor", ["data_set_id"])
    op.create_index("ix_emission_factor_lookup", "emission_factor", ["park_id", "kind", "quantity"])
    op.create_table(
        "inventory_boundary",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        _text("note"),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        _utc("updated_at"),
        sa.UniqueConstraint("park_id", "year"),
    )
    op.create_table(
        "boundary_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("boundary_id", sa.Integer(), sa.ForeignKey("inventory_boundary.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("emission_source.id"), nullable=False),
        sa.UniqueConstraint("boundary_id", "source_id"),
    )
    op.create_table(
        "economic_data",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        _dec("output_value", nullable=False),
        sa.Column("value_kind", sa.String(length=16), nullable=False),
        sa.Column("product_name", sa.String(length=100), server_default="", nullable=False),
        _dec("product_output"),
        sa.Column("product_unit", sa.String(length=16), server_default="", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        _utc("updated_at"),
        sa.UniqueConstraint("enterprise_id", "year"),
    )
    op.create_index("ix_economic_data_park_year", "economic_data", ["park_id", "year"])
    op.create_table(
        "activity_submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=True, unique=True),
        sa.Column("corrects_id", sa.Integer(), sa.ForeignKey("activity_submission.id"), nullable=True),
        _text("correction_reason"),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        _utc("created_at"),
    )
    op.create_index("ix_activity_submission_period", "activity_submission", ["park_id", "year", "enterprise_id"])
    op.create_table(
        "activity_data",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("activity_submission.id"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("emission_source.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=True),
        _dec("quantity", nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        _dec("ncv"),
        _dec("carbon_content"),
        _dec("oxidation_rate"),
        _dec("purity"),
        sa.Column("quality", sa.String(length=16), nullable=False),
        sa.Column("factor_id", sa.Integer(), sa.ForeignKey("emission_factor.id"), nullable=True),
        sa.Column("emission_mg", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("energy_mgce", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("meter_ref", sa.String(length=100), nullable=True),
        _text("note"),
    )
    op.create_index(
        "ix_activity_data_park_year",
        "activity_data",
        ["park_id", "year", "submission_id", "source_id", "emission_mg", "energy_mgce"],
    )
    op.create_index("ix_activity_data_submission_id", "activity_data", ["submission_id"])
    op.create_table(
        "submission_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("activity_submission.id"), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("emission_source.id"), nullable=True),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        _utc("added_at"),
        sa.UniqueConstraint("submission_id", "blob_sha256"),
    )
    op.create_index("ix_submission_evidence_submission_id", "submission_evidence", ["submission_id"])


def downgrade() -> None:
    for table in (
        "submission_evidence",
        "activity_data",
        "activity_submission",
        "economic_data",
        "boundary_source",
        "inventory_boundary",
        "emission_factor",
        "factor_data_set",
    ):
        op.drop_table(table)
    with op.batch_alter_table("emission_source", schema=None) as batch_op:
        batch_op.drop_column("renewable")
        batch_op.drop_column("quantity")
        batch_op.drop_column("unit")
