"""Each clause → doc type link carries its basis (Annex A, 保持, 保留, 建立/制定, or recommended only).

Revision ID: 0005_link_basis
Revises: 0004_nc_numbers
Create Date: 2026-12-01 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_link_basis"
down_revision: str | Sequence[str] | None = "0004_nc_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The clause map sync sets each link's real basis; existing rows start as "maintain".
    with op.batch_alter_table("doc_type_clause", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis", sa.String(length=16), server_default="maintain", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("doc_type_clause", schema=None) as batch_op:
        batch_op.drop_column("basis")
