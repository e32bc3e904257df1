"""search queue: revisions waiting to be (re)indexed

Revision ID: 0002_search
Revises: 0001
Create Date: 2026-11-23 22:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0002_search"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_queue")),
    )
    with op.batch_alter_table("search_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_queue_revision_id"), ["revision_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("search_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_queue_revision_id"))
    op.drop_table("search_queue")
