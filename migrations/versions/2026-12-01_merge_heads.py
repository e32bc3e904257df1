"""merge the search queue (0002_search) and audits (0003_audits) heads into one

Revision ID: 0004_merge_heads
Revises: 0002_search, 0003_audits
Create Date: 2026-12-01 09:55:00
"""
from collections.abc import Sequence

revision: str = '0004_merge_heads'
down_revision: str | Sequence[str] | None = ('0002_search', '0003_audits')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
