"""Controlled distribution and read confirmation (8.4 d), Annex A 宣贯): distribution lists and read confirmations.

Revision ID: 0009_distribution
Revises: 0008_performance
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_distribution"
down_revision: str | None = "0008_performance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "distribution_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_distribution_entry_park_id_park")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_distribution_entry_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["app_user.id"], name=op.f("fk_distribution_entry_added_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_entry")),
        sa.UniqueConstraint(
            "document_id", "target_kind", "target", name=op.f("uq_distribution_entry_document_id_target_kind_target")
        ),
    )
    with op.batch_alter_table("distribution_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_distribution_entry_document_id"), ["document_id"], unique=False)

    op.create_table(
        "read_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_read_confirmation_park_id_park")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_read_confirmation_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revision.id"], name=op.f("fk_read_confirmation_revision_id_revision")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_read_confirmation_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_confirmation")),
        sa.UniqueConstraint("revision_id", "user_id", name=op.f("uq_read_confirmation_revision_id_user_id")),
    )
    with op.batch_alter_table("read_confirmation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_read_confirmation_document_id"), ["document_id"], unique=False)
        batch_op.create_index("ix_read_confirmation_park_pending", ["park_id", "confirmed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("read_confirmation", schema=None) as batch_op:
        batch_op.drop_index("ix_read_confirmation_park_pending")
        batch_op.drop_index(batch_op.f("ix_read_confirmation_document_id"))
    op.drop_table("read_confirmation")
    with op.batch_alter_table("distribution_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_distribution_entry_document_id"))
    op.drop_table("distribution_entry")
