"""Column factories the domains' tables share (a new Column each call: SQLAlchemy binds a column to one table)."""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text


def utc_column(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def text_column() -> Column:
    """Free text, empty by default."""
    return Column(Text, nullable=False, server_default="")


def string_column(length: int, default: str = "") -> Column:
    return Column(String(length), nullable=False, server_default=default)


def fk_column(target: str, nullable: bool = True, index: bool = False) -> Column:
    return Column(Integer, ForeignKey(target), nullable=nullable, index=index)


def park_column() -> Column:
    """The owning park of a row: every tenant's table has one, indexed."""
    return Column(Integer, ForeignKey("park.id"), nullable=False, index=True)
