"""Text recognition of scanned uploads: one row per revision that needs it (app/documents/recognition_models.py).

Revision ID: 0011_recognition
Revises: 0011_previews
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_recognition"
down_revision: str | None = "0011_previews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revision_recognition",
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("revision.id"), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(64), nullable=False, server_default=""),
        sa.Column("languages", sa.String(64), nullable=False, server_default=""),
        sa.Column("pages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("characters", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("error_en", sa.Text(), nullable=False, server_default=""),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_revision_recognition_park_id", "revision_recognition", ["park_id"])


def downgrade() -> None:
    op.drop_table("revision_recognition")
