"""A year's totals read that year's rows through the covering (park, year) index, never a scan of every year."""

from sqlalchemy import create_engine
from sqlalchemy.dialects import sqlite

import app.models  # noqa: F401 - every table on the metadata
from app.db import metadata
from app.inventory import queries


def test_the_year_sums_are_answered_from_the_covering_index():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    statement = queries.year_sums_statement(park_id=1, year=2025)
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "COVERING INDEX ix_activity_data_park_year" in plan, plan
    assert "park_id=? AND year=?" in plan, plan  # a range of one park's year, not the table
