"""search on PostgreSQL: the park and the live flag inside the GIN index (btree_gin), nothing on SQLite

Revision ID: 0012_search_pg_filters
Revises: 0011_archival
Create Date: 2026-12-01 22:00:00

One GIN index over (park_id, live, tsv): `park_id = ? AND live = 1 AND tsv @@ q` is one index scan that never visits
another park's entries nor the hidden revisions, and counting its matches reads no tsvector. `live` is 0 for
obsolete, superseded and void revisions (hidden unless asked for), 1 otherwise: an integer, because the planner
matches neither a boolean column nor a cross-type comparison to a btree_gin column. btree_gin is a trusted
extension of PostgreSQL's contrib: a database owner may create it.
"""

from collections.abc import Sequence

import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0012_search_pg_filters"
down_revision: str | None = "0012_tenancy_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("ALTER TABLE search.search_entry ADD COLUMN live integer NOT NULL DEFAULT 1")
    op.execute("UPDATE search.search_entry SET live = 0 WHERE state IN ('obsolete', 'superseded', 'void')")
    # A tsvector hardly compresses (~13 KB of lexemes and positions for 2,000 characters): stored out of line
    # without the compression attempt, which cost more than writing it.
    op.execute("ALTER TABLE search.search_entry ALTER COLUMN tsv SET STORAGE EXTERNAL")
    op.execute("DROP INDEX search.ix_search_entry_tsv")
    op.execute("CREATE INDEX ix_search_entry_park_tsv ON search.search_entry USING gin (park_id, live, tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX search.ix_search_entry_park_tsv")
    op.execute("CREATE INDEX ix_search_entry_tsv ON search.search_entry USING gin (tsv)")
    op.execute("ALTER TABLE search.search_entry ALTER COLUMN tsv SET STORAGE EXTENDED")
    op.execute("ALTER TABLE search.search_entry DROP COLUMN live")
