"""The archival check (四性检测): a stored run with its scope, figures and verdict, and its problems.

Revision ID: 0011_archival
Revises: 0011_retention
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_archival"
down_revision: str | None = "0011_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archival_check",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_by_name", sa.String(100), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_json", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("documents_checked", sa.Integer(), nullable=False),
        sa.Column("revisions_checked", sa.Integer(), nullable=False),
        sa.Column("problems_count", sa.Integer(), nullable=False),
        sa.Column("figures_json", sa.Text(), nullable=False),
        sa.Column("chain_json", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("allowed_formats", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_archival_check_park_id", "archival_check", ["park_id"])
    op.create_table(
        "archival_problem",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("check_id", sa.Integer(), sa.ForeignKey("archival_check.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("property", sa.String(16), nullable=False),
        sa.Column("check_code", sa.String(32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("control_no", sa.String(64), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=True),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
    )
    op.create_index("ix_archival_problem_check_id", "archival_problem", ["check_id"])


def downgrade() -> None:
    op.drop_table("archival_problem")
    op.drop_table("archival_check")
