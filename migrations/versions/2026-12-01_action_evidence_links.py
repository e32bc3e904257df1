"""A corrective action's completion evidence links to revisions too (control number@revision), not only documents.

Revision ID: 0007_action_evidence_links
Revises: 0007_park_profile
Create Date: 2026-12-01 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_action_evidence_links"
down_revision: str | Sequence[str] | None = "0007_park_profile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_revision_ids_json", sa.Text(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_column("evidence_revision_ids_json")
