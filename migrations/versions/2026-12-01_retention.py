"""Retention classes (国家档案局令第10号), legal holds, disposition batches and destruction tombstones.

Revision ID: 0011_retention
Revises: 0011_recognition
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_retention"
down_revision: str | None = "0011_recognition"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("doc_type") as batch:
        batch.add_column(sa.Column("retention", sa.String(16), nullable=False, server_default="10y"))

    op.create_table(
        "park_retention_setting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("doc_type", sa.String(48), sa.ForeignKey("doc_type.code"), nullable=False),
        sa.Column("retention", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        _utc("set_at", False),
        sa.UniqueConstraint("park_id", "doc_type"),
    )
    op.create_index("ix_park_retention_setting_park_id", "park_retention_setting", ["park_id"])

    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=True),
        sa.Column("doc_type", sa.String(48), sa.ForeignKey("doc_type.code"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("placed_by_name", sa.String(100), nullable=False),
        _utc("placed_at", False),
        sa.Column("released_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("released_by_name", sa.String(100), nullable=False),
        _utc("released_at"),
        sa.Column("release_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_legal_hold_park_released", "legal_hold", ["park_id", "released_at"])

    op.create_table(
        "disposition_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("proposed_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("proposed_by_name", sa.String(100), nullable=False),
        _utc("proposed_at", False),
        sa.Column("appraised_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("appraised_by_name", sa.String(100), nullable=False),
        _utc("appraised_at"),
        sa.Column("appraisal_comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("approved_by_name", sa.String(100), nullable=False),
        _utc("approved_at"),
        sa.Column("approval_comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("destroyed_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("destroyed_by_name", sa.String(100), nullable=False),
        _utc("destroyed_at"),
        sa.Column("rejected_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        _utc("rejected_at"),
        sa.Column("reject_reason", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_disposition_batch_park_state", "disposition_batch", ["park_id", "state"])

    op.create_table(
        "disposition_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("disposition_batch.id"), nullable=False),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("revision.id"), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("retention_end", sa.Date(), nullable=False),
        sa.Column("opinion", sa.String(16), nullable=True),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.Column("opinion_comment", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("batch_id", "revision_id"),
    )
    op.create_index("ix_disposition_item_batch_id", "disposition_item", ["batch_id"])
    op.create_index("ix_disposition_item_revision_id", "disposition_item", ["revision_id"])

    op.create_table(
        "destruction_tombstone",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("revision.id"), nullable=False, unique=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("disposition_batch.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("control_no", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("doc_type", sa.String(48), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("revision_state", sa.String(16), nullable=False),
        sa.Column("retention", sa.String(16), nullable=False),
        sa.Column("retention_end", sa.Date(), nullable=False),
        sa.Column("appraised_by_name", sa.String(100), nullable=False),
        sa.Column("approved_by_name", sa.String(100), nullable=False),
        _utc("approved_at"),
        sa.Column("destroyed_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("destroyed_by_name", sa.String(100), nullable=False),
        _utc("destroyed_at", False),
    )
    op.create_index("ix_destruction_tombstone_park_id", "destruction_tombstone", ["park_id"])
    op.create_index("ix_destruction_tombstone_batch_id", "destruction_tombstone", ["batch_id"])
    op.create_index("ix_destruction_tombstone_sha256", "destruction_tombstone", ["sha256"])


def downgrade() -> None:
    op.drop_table("destruction_tombstone")
    op.drop_table("disposition_item")
    op.drop_table("disposition_batch")
    op.drop_table("legal_hold")
    op.drop_table("park_retention_setting")
    with op.batch_alter_table("doc_type") as batch:
        batch.drop_column("retention")
