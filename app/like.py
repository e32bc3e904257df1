"""LIKE with the user's text taken literally: `%` and `_` typed in a filter match themselves, not everything."""

from typing import Any

from sqlalchemy import ColumnElement, func, literal

LIKE_ESCAPE = "\\"


def like_pattern(text: str, *, prefix: bool = False) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching `text` anywhere, or at the start when `prefix`."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def contains(column: Any, text: str, *, ignore_case: bool = False) -> ColumnElement[bool]:
    """`column` holds `text` as written (case folded by the database when `ignore_case`, as SQL's lower() does)."""
    pattern = like_pattern(text)
    if ignore_case:
        return func.lower(column).like(func.lower(literal(pattern)), escape=LIKE_ESCAPE)
    return column.like(pattern, escape=LIKE_ESCAPE)


def starts_with(column: Any, text: str) -> ColumnElement[bool]:
    return column.like(like_pattern(text, prefix=True), escape=LIKE_ESCAPE)
