"""search on PostgreSQL: the entries of the postgres search backend (schema `search`), nothing on SQLite

Revision ID: 0011_search_pg
Revises: 0011_job_lease
Create Date: 2026-12-01 19:00:00

The entries are derived data (rebuilt by `carbonms reindex`), outside the models' metadata: they live in their own
schema, which the models-versus-migrations comparison does not look at, so SQLite and PostgreSQL compare alike.
"""

from collections.abc import Sequence

import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0011_search_pg"
down_revision: str | None = "0011_job_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SCHEMA IF NOT EXISTS search")
    op.execute(
        """
        CREATE TABLE search.search_entry (
            revision_id integer PRIMARY KEY,
            park_id integer NOT NULL,
            document_id integer NOT NULL,
            access text NOT NULL,
            creator_id integer NOT NULL,
            doc_type text NOT NULL,
            kind text NOT NULL,
            clauses text[] NOT NULL DEFAULT '{}',
            state text NOT NULL,
            owner_unit text NOT NULL DEFAULT '',
            day date,
            stamp text NOT NULL,
            length integer NOT NULL DEFAULT 0,
            exact_positions boolean NOT NULL DEFAULT true,
            tsv tsvector NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_search_entry_tsv ON search.search_entry USING gin (tsv)")
    op.execute("CREATE TABLE search.search_meta (key text PRIMARY KEY, value text NOT NULL)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP SCHEMA IF EXISTS search CASCADE")
