"""Inventory sums: each submitted submission's activity rows summed per source (emission, energy, row count), so a
year's totals read one row per submission and source; backfilled from the rows of every submitted submission.

Revision ID: 0009_inventory_sums
Revises: 0009_distribution
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_inventory_sums"
down_revision: str | None = "0009_distribution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inventory_sum",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("activity_submission.id"), nullable=False),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("emission_source.id"), nullable=False),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("emission_mg", sa.BigInteger(), nullable=False),
        sa.Column("energy_mgce", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("submission_id", "source_id"),
    )
    op.create_index(
        "ix_inventory_sum_park_year",
        "inventory_sum",
        ["park_id", "year", "submission_id", "source_id", "emission_mg", "energy_mgce", "row_count"],
    )
    # Submitted submissions (those with a record) have frozen rows: sum them once, as submit does from now on.
    op.execute(
        """
        INSERT INTO inventory_sum (submission_id, source_id, park_id, year, emission_mg, energy_mgce, row_count)
        SELECT a.submission_id, a.source_id, a.park_id, a.year, SUM(a.emission_mg), SUM(a.energy_mgce), COUNT(*)
        FROM activity_data a JOIN activity_submission s ON s.id = a.submission_id
        WHERE s.document_id IS NOT NULL
        GROUP BY a.submission_id, a.source_id, a.park_id, a.year
        """
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_sum_park_year", table_name="inventory_sum")
    op.drop_table("inventory_sum")
