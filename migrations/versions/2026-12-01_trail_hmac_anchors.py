"""audit trail: hash scheme per event (old rows: unkeyed SHA-256), chain head refuses UPDATE/DELETE off the append path

Revision ID: 2026_12_01_trail_hmac
Revises: 0004_controlled_copy
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

from app.events.service import drop_head_triggers, install_head_triggers

revision: str = "2026_12_01_trail_hmac"
down_revision: str | tuple[str, ...] | None = "0004_controlled_copy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # batch mode would copy the table and lose its append-only triggers; SQLite adds a column in place.
        op.execute("ALTER TABLE event ADD COLUMN hash_scheme SMALLINT DEFAULT 1 NOT NULL")
    else:
        op.add_column("event", sa.Column("hash_scheme", sa.SmallInteger(), server_default="1", nullable=False))
    install_head_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    drop_head_triggers(bind)
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE event DROP COLUMN hash_scheme")
    else:
        op.drop_column("event", "hash_scheme")
