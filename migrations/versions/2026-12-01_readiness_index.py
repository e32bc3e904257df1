"""Readiness on PostgreSQL: the per-type filed-record index ends in the id, so `ORDER BY period_end DESC, id DESC
LIMIT 11` reads eleven index entries instead of every record of the newest period (and sorting them), and it
holds covers_clause, so the lookups per covered clause (9.2.2–9.2.5) are index ranges too.

Revision ID: 0009_readiness_index
Revises: 0009_inventory_sums
Create Date: 2026-12-01 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_readiness_index"
down_revision: str | None = "0009_inventory_sums"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ["park_id", "doc_type", "state", "period_end", "effective_from", "ended_at", "last_reviewed_at"]
NEW = ["park_id", "doc_type", "state", "period_end", "id", "effective_from", "ended_at", "last_reviewed_at"]


def upgrade() -> None:
    op.create_index("ix_revision_type_state_period_id", "revision", [*NEW, "covers_clause"])
    op.drop_index("ix_revision_type_state_period", "revision")


def downgrade() -> None:
    op.create_index("ix_revision_type_state_period", "revision", OLD)
    op.drop_index("ix_revision_type_state_period_id", "revision")
