"""Nonconformities numbered per park and year (NC-2026-001) instead of by the global id; merges the two heads.

Revision ID: 0004_nc_numbers
Revises: 0004_password_failures
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_nc_numbers"
down_revision: str | Sequence[str] | None = "0004_password_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("number", sa.Integer(), server_default="0", nullable=False))
    # Existing nonconformities keep their order: numbered by id within their park and year of raising.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, park_id, raised_at FROM nonconformity ORDER BY id")).all()
    counters: dict[tuple[int, int], int] = {}
    for nc_id, park_id, raised_at in rows:
        year = raised_at.year if hasattr(raised_at, "year") else int(str(raised_at)[:4])
        counters[(park_id, year)] = counters.get((park_id, year), 0) + 1
        connection.execute(
            sa.text("UPDATE nonconformity SET year = :year, number = :number WHERE id = :id"),
            {"year": year, "number": counters[(park_id, year)], "id": nc_id},
        )
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_nonconformity_park_id_year_number"), ["park_id", "year", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("nonconformity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_nonconformity_park_id_year_number"), type_="unique")
        batch_op.drop_column("number")
        batch_op.drop_column("year")
