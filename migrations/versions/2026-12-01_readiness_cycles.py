"""Record cycles and due dates per type (park-overridable), no-occurrence declarations, the covered process
clause of a record, and a revision's type copied beside it with the indexes readiness looks up per type.

Revision ID: 0007_readiness_cycles
Revises: 0007_registers
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_readiness_cycles"
down_revision: str | Sequence[str] | None = "0007_registers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("doc_type") as batch:
        batch.add_column(sa.Column("cycle", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("due_day", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("due_after_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("park_interval", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("covers_clauses_json", sa.Text(), server_default="[]", nullable=False))
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("doc_type", sa.String(length=48), server_default="", nullable=False))
        batch.add_column(sa.Column("covers_clause", sa.String(length=16), nullable=True))
    op.execute("UPDATE revision SET doc_type = (SELECT document.doc_type FROM document WHERE document.id = revision.document_id)")
    for name, columns in INDEXES.items():
        op.create_index(name, "revision", columns)
    op.create_table(
        "park_doc_type_setting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("doc_type", sa.String(length=48), sa.ForeignKey("doc_type.code"), nullable=False),
        sa.Column("cycle", sa.String(length=16), nullable=True),
        sa.Column("due_day", sa.String(length=5), nullable=True),
        sa.Column("due_after_days", sa.Integer(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("park_id", "doc_type"),
    )
    op.create_index("ix_park_doc_type_setting_park_id", "park_doc_type_setting", ["park_id"])
    op.create_table(
        "no_occurrence_declaration",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey("park.id"), nullable=False),
        sa.Column("doc_type", sa.String(length=48), sa.ForeignKey("doc_type.code"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signer_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("park_id", "doc_type", "period_start"),
    )
    op.create_index("ix_no_occurrence_declaration_park_id", "no_occurrence_declaration", ["park_id"])


# Per type: the newest filed record by period, the newest effective document by review, what was effective or
# filed at a past date (by effective_from); the open revisions are a prefix of the first two.
INDEXES: dict[str, list[str]] = {
    # covering: a past date's filed records are judged without reading the table
    "ix_revision_type_state_period": [
        "park_id",
        "doc_type",
        "state",
        "period_end",
        "effective_from",
        "ended_at",
        "last_reviewed_at",
    ],
    "ix_revision_type_state_reviewed": ["park_id", "doc_type", "state", "last_reviewed_at"],
    "ix_revision_type_from": ["park_id", "doc_type", "effective_from"],
}


def downgrade() -> None:
    op.drop_table("no_occurrence_declaration")
    op.drop_table("park_doc_type_setting")
    for name in INDEXES:
        op.drop_index(name, "revision")
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("covers_clause")
        batch.drop_column("doc_type")
    with op.batch_alter_table("doc_type") as batch:
        for column in ("covers_clauses_json", "park_interval", "due_after_days", "due_day", "cycle"):
            batch.drop_column(column)
