"""A clause's requirement as ordered blocks (paragraphs, notes, lists with sub-items), and a principle's support.

Revision ID: 0007_clause_blocks
Revises: 0006_enterprises
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_clause_blocks"
down_revision: str | Sequence[str] | None = "0006_enterprises"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The clause map sync fills these from clause_map.yaml; existing rows start empty.
    with op.batch_alter_table("clause", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocks_json", sa.Text(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("supported_by_json", sa.Text(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("support_zh", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("support_en", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("clause", schema=None) as batch_op:
        batch_op.drop_column("support_en")
        batch_op.drop_column("support_zh")
        batch_op.drop_column("supported_by_json")
        batch_op.drop_column("blocks_json")
