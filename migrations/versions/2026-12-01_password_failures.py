"""password failures: what sign-in, signature and password-change throttling counts

Revision ID: 0004_password_failures
Revises: 2026_12_01_trail_hmac
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0004_password_failures"
down_revision: str | Sequence[str] | None = "2026_12_01_trail_hmac"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_failure")),
    )
    with op.batch_alter_table("password_failure", schema=None) as batch_op:
        batch_op.create_index("ix_password_failure_pair", ["username", "client_address", "occurred_at"], unique=False)
        batch_op.create_index("ix_password_failure_address", ["client_address", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_password_failure_occurred_at"), ["occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_failure_occurred_at"))
        batch_op.drop_index("ix_password_failure_address")
        batch_op.drop_index("ix_password_failure_pair")
    op.drop_table("password_failure")
