"""Tenancy: the documents register's pages as index ranges of the park alone, whatever the other parks hold.

ix_document_park_created: the register newest (or oldest) first reads the page's fifty entries of (park, created_at,
id), not every document of the park sorted. ix_document_park_type_control_no: filtered by type, the register reads
that park's documents of the type in control-number order; with only ix_document_doc_type, PostgreSQL may read the
type's documents of every park.

Revision ID: 0012_tenancy_indexes
Revises: 0011_archival
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_tenancy_indexes"
down_revision: str | None = "0011_archival"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_document_park_created", "document", ["park_id", "created_at", "id"])
    op.create_index("ix_document_park_type_control_no", "document", ["park_id", "doc_type", "control_no"])


def downgrade() -> None:
    op.drop_index("ix_document_park_type_control_no", "document")
    op.drop_index("ix_document_park_created", "document")
