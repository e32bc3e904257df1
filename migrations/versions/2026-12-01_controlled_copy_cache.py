"""controlled copy cache: stamped copies kept in the blob store, one per revision and marking

Revision ID: 0004_controlled_copy
Revises: 0003_audits, 0002_search
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0004_controlled_copy"
down_revision: str | Sequence[str] | None = ("0003_audits", "0002_search")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "controlled_copy",
        sa.Column("stamp_key", sa.String(length=64), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("external_links_removed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revision.id"], name=op.f("fk_controlled_copy_revision_id_revision")
        ),
        sa.PrimaryKeyConstraint("stamp_key", name=op.f("pk_controlled_copy")),
    )
    with op.batch_alter_table("controlled_copy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_controlled_copy_revision_id"), ["revision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_controlled_copy_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("controlled_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_controlled_copy_sha256"))
        batch_op.drop_index(batch_op.f("ix_controlled_copy_revision_id"))
    op.drop_table("controlled_copy")
