"""Revision previews: page images and a thumbnail per revision, and the revision's preview state
(app/documents/preview_models.py).

Revision ID: 0011_previews
Revises: 0011_search_pg
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_previews"
down_revision: str | None = "0011_search_pg"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revision_preview",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("revision.id"), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("blob_sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("revision_id", "kind", "page"),
    )
    op.create_index("ix_revision_preview_revision_id", "revision_preview", ["revision_id"])
    op.create_index("ix_revision_preview_blob_sha256", "revision_preview", ["blob_sha256"])
    op.create_table(
        "revision_preview_status",
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("revision.id"), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("pages_total", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_revision_preview_status_park_id", "revision_preview_status", ["park_id"])


def downgrade() -> None:
    op.drop_table("revision_preview_status")
    op.drop_table("revision_preview")
