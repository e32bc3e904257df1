"""Job leases (a running job's runner renews `locked_until`; past it the job is queued again) and scheduled slots.

Revision ID: 0011_job_lease
Revises: 0010_jobs
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_job_lease"
down_revision: str | None = "0010_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "job_slot",
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id", name="fk_job_slot_park_id_park"), nullable=True),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("job.id", name="fk_job_slot_job_id_job"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_job_slot"),
    )
    op.create_index("ix_job_slot_park_id", "job_slot", ["park_id"])


def downgrade() -> None:
    op.drop_table("job_slot")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("worker")
        batch.drop_column("locked_until")
